#include "adapters/system/allocator.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace secplat::adapters::system {
namespace {

// Verifies that after KeepLargeBuffersInHeap a body-sized block (4 MiB, far above glibc's
// default 128 KiB mmap threshold) comes from the heap, not from a mapping of its own.
TEST(Allocator, KeepsLargeBuffersInTheHeap) {
#if !defined(__GLIBC__) || defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "glibc's allocator only (the sanitizers bring their own)";
#else
  ASSERT_TRUE(KeepLargeBuffersInHeap());
  const size_t mapped_before = mallinfo2().hblks;
  void* block = std::malloc(size_t{4} << 20);
  ASSERT_NE(block, nullptr);
  std::memset(block, 1, size_t{4} << 20);
  EXPECT_EQ(mallinfo2().hblks, mapped_before);  // no new mmapped chunk
  std::free(block);
#endif
}

}  // namespace
}  // namespace secplat::adapters::system
