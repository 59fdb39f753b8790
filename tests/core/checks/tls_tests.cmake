# TLS grade and security headers (pure).
secplat_cc_test(NAME core_checks_tls_grade_test SRCS ${CMAKE_CURRENT_LIST_DIR}/tls_grade_test.cc
                DEPS secplat::core_checks_tls)
secplat_cc_test(NAME core_checks_tls_checks_test SRCS ${CMAKE_CURRENT_LIST_DIR}/tls_checks_test.cc
                DEPS secplat::core_checks_tls)
secplat_cc_test(NAME core_checks_headers_test SRCS ${CMAKE_CURRENT_LIST_DIR}/headers_test.cc
                DEPS secplat::core_checks_tls)
