# health_http and web_exposure scanners: unit tests over the FakeProber, and (when the real
# prober and the nginx/hostile fixtures are built) exact results against real servers,
# cross-checked with prometheus-blackbox-exporter.
if(TARGET secplat_scanner_health_http)
  secplat_cc_test(NAME services_worker_health_http_test
                  SRCS ${CMAKE_CURRENT_LIST_DIR}/health_http_test.cc
                  DEPS secplat::scanner_health_http secplat::testing_fake_prober)
endif()
if(TARGET secplat_scanner_web_exposure)
  secplat_cc_test(NAME services_worker_web_exposure_test
                  SRCS ${CMAKE_CURRENT_LIST_DIR}/web_exposure_test.cc
                  DEPS secplat::scanner_web_exposure secplat::testing_fake_prober
                       secplat::core_contracts)
endif()
if(TARGET secplat_scanner_health_http AND TARGET secplat_scanner_web_exposure
   AND TARGET secplat_adapters_probe AND TARGET secplat_testing_nginx_server
   AND TARGET secplat_testing_hostile_server
   AND EXISTS ${CMAKE_CURRENT_LIST_DIR}/scanners_nginx_test.cc)
  secplat_cc_test(NAME services_worker_scanners_nginx_test
                  SRCS ${CMAKE_CURRENT_LIST_DIR}/scanners_nginx_test.cc
                  DEPS secplat::scanner_health_http secplat::scanner_web_exposure
                       secplat::adapters_probe secplat::testing_nginx_server
                       secplat::testing_hostile_server secplat::testing_test_pki
                       secplat::core_contracts)
endif()
