// Small file helpers for the composition root: directories and secret files.
#ifndef SECPLAT_ADAPTERS_SYSTEM_FILES_H_
#define SECPLAT_ADAPTERS_SYSTEM_FILES_H_

#include <cstddef>
#include <string>

#include "core/common/result.h"

namespace secplat::adapters::system {

// Creates `path` and its parents (new directories get 0777 minus the process umask, which
// `secplat` sets to 077). Errors: kUnavailable.
Status EnsureDirectory(const std::string& path);
// Writes `content` to `path` with `mode`, replacing it atomically (temp file + rename);
// the file never exists with looser permissions. Errors: kUnavailable.
Status WriteFileAtomic(const std::string& path, const std::string& content, unsigned mode);

// The whole file, at most `max_bytes`. Errors: kNotFound (no such file), kResourceExhausted
// (larger than max_bytes), kUnavailable (other read errors).
Result<std::string> ReadFile(const std::string& path, size_t max_bytes = 1 << 20);

}  // namespace secplat::adapters::system

#endif  // SECPLAT_ADAPTERS_SYSTEM_FILES_H_
