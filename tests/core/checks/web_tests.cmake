# HTTP health verdicts, web exposure signatures and the regex guard (pure).
secplat_cc_test(NAME core_checks_health_test SRCS ${CMAKE_CURRENT_LIST_DIR}/health_test.cc
                DEPS secplat::core_checks_web)
secplat_cc_test(NAME core_checks_exposure_test SRCS ${CMAKE_CURRENT_LIST_DIR}/exposure_test.cc
                DEPS secplat::core_checks_web)
