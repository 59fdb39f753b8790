# core_contracts: event envelope rules, SHA-256, finding keys and scan idempotency keys.
# Included from src/core/CMakeLists.txt, so paths are relative to src/core.
secplat_cc_library(
  NAME core_contracts
  HDRS ${CMAKE_CURRENT_SOURCE_DIR}/contracts/envelope.h
       ${CMAKE_CURRENT_SOURCE_DIR}/contracts/keys.h
       ${CMAKE_CURRENT_SOURCE_DIR}/contracts/sha256.h
  SRCS ${CMAKE_CURRENT_SOURCE_DIR}/contracts/envelope.cc
       ${CMAKE_CURRENT_SOURCE_DIR}/contracts/keys.cc
       ${CMAKE_CURRENT_SOURCE_DIR}/contracts/sha256.cc
  DEPS secplat::core_model
)
