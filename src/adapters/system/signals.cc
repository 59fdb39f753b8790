#include "adapters/system/signals.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <thread>

namespace secplat::adapters::system {

std::stop_source& InstallStopSignals() {
  static std::stop_source* source = [] {
    auto* src = new std::stop_source();
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    signal(SIGPIPE, SIG_IGN);  // broken connections are errors on the socket, not process death
    std::thread([src, set] {
      int seen = 0;
      for (;;) {
        int sig = 0;
        if (sigwait(&set, &sig) != 0) continue;
        if (++seen == 1) {
          src->request_stop();
        } else {
          _exit(130);
        }
      }
    }).detach();
    return src;
  }();
  return *source;
}

}  // namespace secplat::adapters::system
