# core_checks_tls: TLS grade (SSL Labs / testssl.sh scheme) and security headers graded by value
# (MDN Observatory). Included from src/core/checks/targets.cmake, so paths are relative to here.
secplat_cc_library(
  NAME core_checks_tls
  HDRS ${CMAKE_CURRENT_LIST_DIR}/tls_grade.h ${CMAKE_CURRENT_LIST_DIR}/headers.h
  SRCS ${CMAKE_CURRENT_LIST_DIR}/tls_grade.cc ${CMAKE_CURRENT_LIST_DIR}/headers.cc
  DEPS secplat::core_model
)
# services/worker/scanners/tls_headers.cc links this (services are configured after core).
set(SECPLAT_SCANNER_tls_headers_DEPS secplat::core_checks_tls CACHE INTERNAL "")
