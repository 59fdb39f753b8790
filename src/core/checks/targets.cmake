# core/checks: pure graders (observation -> check results with reasons). Two helpers own parts of
# this folder, each in its own file: TLS + security headers, and web exposure.
include(${CMAKE_CURRENT_LIST_DIR}/tls_targets.cmake OPTIONAL)
include(${CMAKE_CURRENT_LIST_DIR}/web_targets.cmake OPTIONAL)
