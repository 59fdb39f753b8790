// Allocator tuning for the long-running roles. The API and the deriver move request and
// response bodies of several MB (a posture batch of 1,000 records is ~4 MB); glibc serves
// blocks above its mmap threshold with a fresh mmap and returns them with munmap, and trims the
// heap top back to the kernel, so every large body costs page faults on first touch again.
// KeepLargeBuffersInHeap raises both thresholds once at start-up: large blocks are reused from
// the heap like small ones, at the price of keeping up to `trim` bytes of freed memory mapped.
//
//   int main() { secplat::adapters::system::KeepLargeBuffersInHeap(); ... }
#ifndef SECPLAT_ADAPTERS_SYSTEM_ALLOCATOR_H_
#define SECPLAT_ADAPTERS_SYSTEM_ALLOCATOR_H_

#include <cstddef>

namespace secplat::adapters::system {

inline constexpr size_t kMmapThresholdBytes = size_t{32} << 20;  // glibc's own upper bound
inline constexpr size_t kTrimThresholdBytes = size_t{128} << 20;

// Sets glibc's M_MMAP_THRESHOLD and M_TRIM_THRESHOLD (a no-op elsewhere). Returns false when
// the allocator refused a setting (nothing else changes).
bool KeepLargeBuffersInHeap();

}  // namespace secplat::adapters::system

#endif  // SECPLAT_ADAPTERS_SYSTEM_ALLOCATOR_H_
