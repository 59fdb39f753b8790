#include "core/model/scan_result.h"

#include <cmath>
#include <cstdio>

#include "core/common/json_string.h"

namespace secplat::core::model {

std::string_view ScanOutcomeName(ScanOutcome o) {
  return o == ScanOutcome::kCompleted ? "completed" : "failed";
}

namespace {

struct FactAppender {
  std::string& out;
  void operator()(bool v) const { out += v ? "true" : "false"; }
  void operator()(int64_t v) const { out += std::to_string(v); }
  void operator()(double v) const {
    if (!std::isfinite(v)) {
      out += "null";
      return;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    out += buf;
  }
  void operator()(const std::string& v) const { AppendJsonString(out, v); }
  void operator()(const std::vector<std::string>& v) const {
    out += '[';
    for (size_t i = 0; i < v.size(); ++i) {
      if (i > 0) out += ',';
      AppendJsonString(out, v[i]);
    }
    out += ']';
  }
};

}  // namespace

std::string FactsToJson(const std::vector<Fact>& facts) {
  std::string out = "{";
  for (size_t i = 0; i < facts.size(); ++i) {
    if (i > 0) out += ',';
    AppendJsonString(out, facts[i].name);
    out += ':';
    std::visit(FactAppender{out}, facts[i].value);
  }
  out += '}';
  return out;
}

}  // namespace secplat::core::model
