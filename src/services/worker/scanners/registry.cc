#include <map>
#include <string>

#include "services/worker/scanners/scanner.h"

namespace secplat::services::worker {
namespace {

const std::map<std::string, ScanFn, std::less<>>& Registry() {
  static const auto* registry = new std::map<std::string, ScanFn, std::less<>>{
      {"health_http", ScanHealthHttp},
      {"tls_headers", ScanTlsHeaders},
      {"web_exposure", ScanWebExposure},
  };
  return *registry;
}

}  // namespace

const ScanFn* FindScanner(std::string_view scan_type) {
  const auto& r = Registry();
  auto it = r.find(scan_type);
  return it == r.end() ? nullptr : &it->second;
}

std::vector<std::string> ScannerNames() {
  std::vector<std::string> names;
  for (const auto& [name, fn] : Registry()) names.push_back(name);
  return names;
}

}  // namespace secplat::services::worker
