// Turns SIGINT and SIGTERM into a std::stop_source request. Call once, early in main, before
// other threads start (it blocks the signals in the calling thread so that threads created
// later inherit the mask; a dedicated thread waits for them with sigwait).
#ifndef SECPLAT_ADAPTERS_SYSTEM_SIGNALS_H_
#define SECPLAT_ADAPTERS_SYSTEM_SIGNALS_H_

#include <stop_token>

namespace secplat::adapters::system {

// The process-wide stop source; requested on the first SIGINT/SIGTERM. A second signal
// exits the process at once with status 130.
std::stop_source& InstallStopSignals();

}  // namespace secplat::adapters::system

#endif  // SECPLAT_ADAPTERS_SYSTEM_SIGNALS_H_
