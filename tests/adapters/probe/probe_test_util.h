// Test helpers for CurlProber: run a probe coroutine on the prober's loop and wait for it.
//
//   HttpProbeResult r = RunOn(prober, prober.Http({.url = url}));
#ifndef SECPLAT_TESTS_ADAPTERS_PROBE_PROBE_TEST_UTIL_H_
#define SECPLAT_TESTS_ADAPTERS_PROBE_PROBE_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <utility>

#include "adapters/probe/curl_prober.h"
#include "core/common/task.h"

namespace secplat::testing {

// Starts `task` on the loop thread and blocks until it completes (fails the test after 60 s).
template <typename T>
T RunOn(adapters::probe::CurlProber& prober, Task<T> task) {
  auto promise = std::make_shared<std::promise<T>>();
  std::future<T> future = promise->get_future();
  auto holder = std::make_shared<Task<T>>(std::move(task));
  prober.Post([holder, promise] {
    StartTask(std::move(*holder), [promise](T value) { promise->set_value(std::move(value)); });
  });
  if (future.wait_for(std::chrono::seconds(60)) != std::future_status::ready) {
    ADD_FAILURE() << "probe did not complete in 60 s";
    std::abort();
  }
  return future.get();
}

}  // namespace secplat::testing

#endif  // SECPLAT_TESTS_ADAPTERS_PROBE_PROBE_TEST_UTIL_H_
