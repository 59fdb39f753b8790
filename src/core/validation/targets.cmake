# core_validation: field rules for assets and finding observations, with messages naming the
# field. Included from src/core/CMakeLists.txt, so paths are relative to src/core.
secplat_cc_library(
  NAME core_validation
  HDRS ${CMAKE_CURRENT_SOURCE_DIR}/validation/asset.h
       ${CMAKE_CURRENT_SOURCE_DIR}/validation/field_path.h
       ${CMAKE_CURRENT_SOURCE_DIR}/validation/net.h
       ${CMAKE_CURRENT_SOURCE_DIR}/validation/observation.h
       ${CMAKE_CURRENT_SOURCE_DIR}/validation/text.h
  SRCS ${CMAKE_CURRENT_SOURCE_DIR}/validation/asset.cc
       ${CMAKE_CURRENT_SOURCE_DIR}/validation/field_path.cc
       ${CMAKE_CURRENT_SOURCE_DIR}/validation/net.cc
       ${CMAKE_CURRENT_SOURCE_DIR}/validation/observation.cc
       ${CMAKE_CURRENT_SOURCE_DIR}/validation/text.cc
  DEPS secplat::core_contracts secplat::core_model
)
