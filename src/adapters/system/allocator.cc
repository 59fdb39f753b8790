#include "adapters/system/allocator.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace secplat::adapters::system {

bool KeepLargeBuffersInHeap() {
#if defined(__GLIBC__)
  // Order matters: setting M_MMAP_THRESHOLD also switches off glibc's dynamic adjustment, which
  // would otherwise move both thresholds again.
  const bool mmap_ok = mallopt(M_MMAP_THRESHOLD, static_cast<int>(kMmapThresholdBytes)) == 1;
  const bool trim_ok = mallopt(M_TRIM_THRESHOLD, static_cast<int>(kTrimThresholdBytes)) == 1;
  return mmap_ok && trim_ok;
#else
  return true;
#endif
}

}  // namespace secplat::adapters::system
