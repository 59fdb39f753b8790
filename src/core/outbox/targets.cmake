# core_outbox: which store writes cause which queue message (the transactional outbox).
# Included from src/core/CMakeLists.txt, so paths are relative to src/core.
secplat_cc_library(
  NAME core_outbox
  HDRS ${CMAKE_CURRENT_SOURCE_DIR}/outbox/messages.h
  SRCS ${CMAKE_CURRENT_SOURCE_DIR}/outbox/messages.cc
  DEPS secplat::core_contracts secplat::core_model
)
