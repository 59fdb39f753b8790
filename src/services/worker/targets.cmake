# The worker role itself (consume, scan on the prober loop, report through the API).
secplat_cc_library(
  NAME services_worker
  HDRS worker.h
  SRCS worker.cc
  DEPS secplat::worker_scanners secplat::jobqueue secplat::ports_platform secplat::ports_metrics
       secplat::ports_probe secplat::adapters_json secplat::core_outbox secplat::log
)
