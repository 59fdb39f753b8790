# core_checks_web: HTTP health verdicts and web exposure signatures (pure). Included from
# src/core/checks/targets.cmake, so paths are relative to here.

# The signature pack is compiled in (no data file needed at run time).
set(SECPLAT_EXPOSURE_SIGNATURES ${PROJECT_SOURCE_DIR}/rules/exposure-signatures.txt)
set(secplat_exposure_embedded ${CMAKE_CURRENT_BINARY_DIR}/embedded_exposure_signatures.cc)
add_custom_command(
  OUTPUT ${secplat_exposure_embedded}
  COMMAND ${CMAKE_COMMAND} -DOUTPUT=${secplat_exposure_embedded}
          -DINPUT=${SECPLAT_EXPOSURE_SIGNATURES}
          -P ${CMAKE_CURRENT_LIST_DIR}/embed_signatures.cmake
  DEPENDS ${SECPLAT_EXPOSURE_SIGNATURES} ${CMAKE_CURRENT_LIST_DIR}/embed_signatures.cmake
  COMMENT "Embedding the web exposure signature pack"
  VERBATIM
)

secplat_cc_library(
  NAME core_checks_web
  HDRS ${CMAKE_CURRENT_LIST_DIR}/safe_regex.h ${CMAKE_CURRENT_LIST_DIR}/health.h
       ${CMAKE_CURRENT_LIST_DIR}/exposure.h
  SRCS ${CMAKE_CURRENT_LIST_DIR}/safe_regex.cc ${CMAKE_CURRENT_LIST_DIR}/health.cc
       ${CMAKE_CURRENT_LIST_DIR}/exposure.cc ${secplat_exposure_embedded}
  DEPS secplat::core_model
)
# services/worker/scanners/{health_http,web_exposure}.cc link this (services are configured
# after core).
set(SECPLAT_SCANNER_health_http_DEPS secplat::core_checks_web CACHE INTERNAL "")
set(SECPLAT_SCANNER_web_exposure_DEPS secplat::core_checks_web CACHE INTERNAL "")
