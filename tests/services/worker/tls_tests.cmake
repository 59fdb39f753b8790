# tls_headers scanner: unit tests over the FakeProber, and (when the real prober and the nginx
# fixtures are built) tests against Debian's nginx cross-checked with sslscan.
if(TARGET secplat_scanner_tls_headers)
  secplat_cc_test(NAME services_worker_tls_headers_test
                  SRCS ${CMAKE_CURRENT_LIST_DIR}/tls_headers_test.cc
                  DEPS secplat::scanner_tls_headers secplat::testing_fake_prober
                       secplat::core_contracts)
endif()
if(TARGET secplat_scanner_tls_headers AND TARGET secplat_adapters_probe
   AND TARGET secplat_testing_nginx_server
   AND EXISTS ${CMAKE_CURRENT_LIST_DIR}/tls_headers_nginx_test.cc)
  secplat_cc_test(NAME services_worker_tls_headers_nginx_test
                  SRCS ${CMAKE_CURRENT_LIST_DIR}/tls_headers_nginx_test.cc
                  DEPS secplat::scanner_tls_headers secplat::adapters_probe
                       secplat::testing_nginx_server secplat::testing_test_pki)
endif()
