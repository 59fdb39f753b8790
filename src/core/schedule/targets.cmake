# core_schedule: which scans are due, with per-asset jitter and once-per-period keys.
secplat_cc_library(
  NAME core_schedule
  HDRS ${CMAKE_CURRENT_SOURCE_DIR}/schedule/due.h
  SRCS ${CMAKE_CURRENT_SOURCE_DIR}/schedule/due.cc
  DEPS secplat::core_model secplat::core_scans secplat::core_contracts
)
