# core_posture: posture derivation (debounce, flapping, staleness, confidence, score).
# Included from src/core/CMakeLists.txt, so paths are relative to src/core.
secplat_cc_library(
  NAME core_posture
  HDRS ${CMAKE_CURRENT_SOURCE_DIR}/model/posture.h
       ${CMAKE_CURRENT_SOURCE_DIR}/posture/asset_rules.h
       ${CMAKE_CURRENT_SOURCE_DIR}/posture/confidence.h
       ${CMAKE_CURRENT_SOURCE_DIR}/posture/derive.h
       ${CMAKE_CURRENT_SOURCE_DIR}/posture/rules.h
       ${CMAKE_CURRENT_SOURCE_DIR}/posture/score.h
       ${CMAKE_CURRENT_SOURCE_DIR}/posture/text.h
  SRCS ${CMAKE_CURRENT_SOURCE_DIR}/posture/asset_rules.cc
       ${CMAKE_CURRENT_SOURCE_DIR}/posture/confidence.cc
       ${CMAKE_CURRENT_SOURCE_DIR}/posture/derive.cc
       ${CMAKE_CURRENT_SOURCE_DIR}/posture/names.cc
       ${CMAKE_CURRENT_SOURCE_DIR}/posture/rules.cc
       ${CMAKE_CURRENT_SOURCE_DIR}/posture/score.cc
       ${CMAKE_CURRENT_SOURCE_DIR}/posture/text.cc
  DEPS secplat::core_common secplat::core_model
)
