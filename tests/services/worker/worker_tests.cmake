# The worker role over in-memory ports.
secplat_cc_test(
  NAME services_worker_test
  SRCS worker_test.cc
  DEPS secplat::services_worker secplat::adapters_metrics secplat::testing_fake_prober
       secplat::jobqueue_embedded
)
