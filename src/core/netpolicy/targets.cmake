# core_netpolicy: the target address policy (SSRF guard) and the IP/CIDR parsing it needs.
# Included from src/core/CMakeLists.txt, so paths are relative to src/core.
secplat_cc_library(
  NAME core_netpolicy
  HDRS ${CMAKE_CURRENT_SOURCE_DIR}/netpolicy/address.h ${CMAKE_CURRENT_SOURCE_DIR}/netpolicy/policy.h
  SRCS ${CMAKE_CURRENT_SOURCE_DIR}/netpolicy/address.cc ${CMAKE_CURRENT_SOURCE_DIR}/netpolicy/policy.cc
  DEPS secplat::core_common
)
