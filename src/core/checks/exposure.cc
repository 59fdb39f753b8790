#include "core/checks/exposure.h"

#include <algorithm>
#include <charconv>
#include <set>
#include <string>
#include <utility>

namespace secplat::core::checks {
namespace {

using model::HttpProbeResult;

char LowerChar(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = LowerChar(c);
  return out;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.substr(0, prefix.size()) == prefix;
}

// ASCII case-insensitive find; needle must be lower-case.
size_t IFind(std::string_view hay, std::string_view lower_needle, size_t from = 0) {
  if (lower_needle.empty()) return from <= hay.size() ? from : std::string_view::npos;
  if (hay.size() < lower_needle.size()) return std::string_view::npos;
  for (size_t i = from; i + lower_needle.size() <= hay.size(); ++i) {
    size_t j = 0;
    while (j < lower_needle.size() && LowerChar(hay[i + j]) == lower_needle[j]) ++j;
    if (j == lower_needle.size()) return i;
  }
  return std::string_view::npos;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

std::vector<std::string_view> SplitWords(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    size_t j = i;
    while (j < s.size() && s[j] != ' ' && s[j] != '\t') ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = LowerChar(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// \xNN \0 \t \r \n \\ ; anything else after a backslash is an error.
Result<std::string> Unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 1 >= s.size()) return Unexpected(ErrorCode::kInvalidArgument, "trailing backslash");
    char e = s[++i];
    switch (e) {
      case '0':
        out.push_back('\0');
        break;
      case 't':
        out.push_back('\t');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case 'n':
        out.push_back('\n');
        break;
      case '\\':
        out.push_back('\\');
        break;
      case 'x': {
        int hi = i + 1 < s.size() ? HexValue(s[i + 1]) : -1;
        int lo = i + 2 < s.size() ? HexValue(s[i + 2]) : -1;
        if (hi < 0 || lo < 0) {
          return Unexpected(ErrorCode::kInvalidArgument, "\\x needs two hex digits");
        }
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        break;
      }
      default:
        return Unexpected(ErrorCode::kInvalidArgument, std::string("unknown escape '\\") + e + "'");
    }
  }
  return out;
}

bool IsValidId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  auto ok = [](char c, bool first) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (!first && (c == '-' || c == '_'));
  };
  for (size_t i = 0; i < id.size(); ++i) {
    if (!ok(id[i], i == 0)) return false;
  }
  return true;
}

// A signature path: origin-relative, printable, no traversal, no scheme-relative form.
std::optional<std::string> PathProblem(std::string_view p) {
  if (p.empty() || p.front() != '/') return "must start with '/'";
  if (p.size() > 256) return "longer than 256 characters";
  if (StartsWith(p, "//")) return "must not start with '//'";
  for (char c : p) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '#' || c == '\\') return "has a character not allowed";
  }
  if (p.find("/../") != std::string_view::npos || p.ends_with("/..")) return "has '..'";
  return std::nullopt;
}

// Parses "<kind> <value>" of a match/not line.
Result<Matcher> ParseMatcher(std::string_view rest) {
  rest = Trim(rest);
  size_t sp = rest.find(' ');
  std::string_view kind = rest.substr(0, sp);
  std::string_view value = sp == std::string_view::npos ? std::string_view{} : rest.substr(sp + 1);
  Matcher m;
  auto need_value = [&]() -> Status {
    if (value.empty()) {
      return Unexpected(ErrorCode::kInvalidArgument,
                        "matcher '" + std::string(kind) + "' needs a value");
    }
    return OkStatus();
  };
  if (kind == "contains" || kind == "icontains" || kind == "prefix") {
    SECPLAT_RETURN_IF_ERROR(need_value());
    m.kind = kind == "contains"    ? MatcherKind::kContains
             : kind == "icontains" ? MatcherKind::kIContains
                                   : MatcherKind::kPrefix;
    SECPLAT_ASSIGN_OR_RETURN(m.value, Unescape(value));
    if (m.kind == MatcherKind::kIContains) m.value = Lower(m.value);
    return m;
  }
  if (kind == "regex" || kind == "iregex") {
    SECPLAT_RETURN_IF_ERROR(need_value());
    m.kind = kind == "regex" ? MatcherKind::kRegex : MatcherKind::kIRegex;
    m.value = std::string(value);
    SECPLAT_ASSIGN_OR_RETURN(
        SafeRegex re, SafeRegex::Compile(value, {.case_insensitive = m.kind == MatcherKind::kIRegex,
                                                 .multiline = true}));
    m.regex = std::move(re);
    return m;
  }
  if (kind == "header") {
    SECPLAT_RETURN_IF_ERROR(need_value());
    size_t sp2 = value.find(' ');
    if (sp2 == std::string_view::npos || Trim(value.substr(sp2 + 1)).empty()) {
      return Unexpected(ErrorCode::kInvalidArgument, "matcher 'header' needs <name> <substring>");
    }
    m.kind = MatcherKind::kHeader;
    m.header = Lower(value.substr(0, sp2));
    SECPLAT_ASSIGN_OR_RETURN(m.value, Unescape(Trim(value.substr(sp2 + 1))));
    return m;
  }
  if (kind == "directory_listing") {
    if (!value.empty()) {
      return Unexpected(ErrorCode::kInvalidArgument, "matcher 'directory_listing' takes no value");
    }
    m.kind = MatcherKind::kDirectoryListing;
    return m;
  }
  return Unexpected(ErrorCode::kInvalidArgument, "unknown matcher kind '" + std::string(kind) +
                                                     "' (contains, icontains, prefix, regex, "
                                                     "iregex, header, directory_listing)");
}

struct MatchSpan {
  size_t offset = 0;
  size_t length = 0;
  std::string header_line;  // kHeader: "name: value" as evidence
  bool exact = false;       // evidence is the matched bytes only (magic numbers of binaries)
};

std::optional<MatchSpan> RunMatcher(const Matcher& m, const HttpProbeResult& r) {
  switch (m.kind) {
    case MatcherKind::kContains: {
      size_t at = r.body.find(m.value);
      if (at == std::string::npos) return std::nullopt;
      return MatchSpan{at, m.value.size(), {}};
    }
    case MatcherKind::kIContains: {
      size_t at = IFind(r.body, m.value);
      if (at == std::string_view::npos) return std::nullopt;
      return MatchSpan{at, m.value.size(), {}};
    }
    case MatcherKind::kPrefix:
      if (!StartsWith(r.body, m.value)) return std::nullopt;
      return MatchSpan{0, m.value.size(), {}, true};
    case MatcherKind::kRegex:
    case MatcherKind::kIRegex: {
      if (!m.regex) return std::nullopt;
      auto found = m.regex->Find(r.body);
      if (!found) return std::nullopt;
      return MatchSpan{found->offset, found->length, {}};
    }
    case MatcherKind::kHeader:
      for (const auto& [k, v] : r.headers) {
        if (Lower(k) == m.header && v.find(m.value) != std::string::npos) {
          return MatchSpan{0, 0, m.header + ": " + v};
        }
      }
      return std::nullopt;
    case MatcherKind::kDirectoryListing: {
      if (!DetectDirectoryListing(r.body)) return std::nullopt;
      size_t at = IFind(r.body, "index of /");
      if (at == std::string_view::npos) at = IFind(r.body, "directory listing for /");
      return MatchSpan{at == std::string_view::npos ? 0 : at, 0, {}};
    }
  }
  return std::nullopt;
}

uint64_t Fnv1a(std::string_view s) {
  uint64_t h = 1469598103934665603ULL;
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return h;
}

std::string RemoveAll(std::string_view body, std::string_view needle) {
  std::string out;
  if (needle.empty()) return std::string(body);
  size_t i = 0;
  while (i < body.size()) {
    size_t at = body.find(needle, i);
    if (at == std::string_view::npos) {
      out.append(body.substr(i));
      break;
    }
    out.append(body.substr(i, at - i));
    i = at + needle.size();
  }
  return out;
}

std::vector<uint64_t> WordHashes(std::string_view s) {
  std::vector<uint64_t> out;
  size_t i = 0;
  auto word_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           static_cast<unsigned char>(c) >= 0x80;
  };
  while (i < s.size()) {
    while (i < s.size() && !word_char(s[i])) ++i;
    size_t j = i;
    while (j < s.size() && word_char(s[j])) ++j;
    if (j > i) out.push_back(Fnv1a(s.substr(i, j - i)));
    i = j;
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

double Jaccard(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
  if (a.empty() && b.empty()) return 1.0;
  size_t common = 0;
  size_t i = 0;
  size_t j = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] == b[j]) {
      ++common;
      ++i;
      ++j;
    } else if (a[i] < b[j]) {
      ++i;
    } else {
      ++j;
    }
  }
  size_t uni = a.size() + b.size() - common;
  return static_cast<double>(common) / static_cast<double>(uni);
}

// Location without the requested path (some servers redirect /x to /login?next=/x).
std::string NormalisedLocation(std::string_view requested_path, const HttpProbeResult& r) {
  if (r.status < 300 || r.status > 399) return {};
  return RemoveAll(r.Header("location"), requested_path);
}

// Finds the first sensitive word that ends a word ("DB_PASSWORD" yes, "authenticate" no);
// `end` is set past it.
bool IsSensitiveWordAt(std::string_view lower_line, size_t& end) {
  static constexpr std::string_view kWords[] = {
      "password",    "passwd",     "secret", "token",         "api_key", "apikey",
      "private_key", "credential", "auth",   "authorization", "bearer",  "pwd"};
  size_t best = std::string_view::npos;
  size_t best_end = 0;
  for (std::string_view w : kWords) {
    for (size_t at = lower_line.find(w); at != std::string_view::npos;
         at = lower_line.find(w, at + 1)) {
      size_t after = at + w.size();
      bool boundary =
          after >= lower_line.size() || !((lower_line[after] >= 'a' && lower_line[after] <= 'z') ||
                                          (lower_line[after] >= '0' && lower_line[after] <= '9'));
      if (!boundary) continue;
      if (at < best) {
        best = at;
        best_end = after;
      }
      break;
    }
  }
  if (best == std::string_view::npos) return false;
  end = best_end;
  return true;
}

std::string MaskLine(std::string_view line) {
  std::string lower = Lower(line);
  // URL userinfo: scheme://user:pass@host -> scheme://***@host
  std::string work(line);
  for (size_t at = work.find("://"); at != std::string::npos; at = work.find("://", at + 3)) {
    size_t start = at + 3;
    size_t stop = work.find_first_of("/ \t\"'", start);
    size_t amp = work.find('@', start);
    if (amp != std::string::npos && (stop == std::string::npos || amp < stop)) {
      work.replace(start, amp - start, "***");
    }
  }
  lower = Lower(work);
  // KEY=VALUE (env files, ini/git config): keep the key.
  size_t eq = work.find('=');
  if (eq != std::string::npos) {
    std::string_view key = Trim(std::string_view(work).substr(0, eq));
    if (StartsWith(key, "export ")) key.remove_prefix(7);
    bool identifier = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             c == '_' || c == '.' || c == '-';
    });
    if (identifier) return work.substr(0, eq + 1) + "***";
  }
  // A sensitive word: keep it and its separators, mask the rest of the line.
  size_t end = 0;
  if (IsSensitiveWordAt(lower, end)) {
    while (end < work.size() &&
           std::string_view(" \t'\":,=()>[]").find(work[end]) != std::string_view::npos) {
      ++end;
    }
    return work.substr(0, end) + "***";
  }
  return work;
}

std::string EscapeNonPrintable(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f) {
      out.push_back(c);
    } else if (c == '\t') {
      out += "\\t";
    } else {
      out += "\\x";
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xf]);
    }
  }
  return out;
}

}  // namespace

// ---- Pack parsing ----------------------------------------------------------------------------

Result<SignaturePack> ParseSignaturePack(std::string_view text) {
  SignaturePack pack;
  std::vector<std::string> errors;
  auto error = [&](int line, std::string msg) {
    if (errors.size() < 50) errors.push_back("line " + std::to_string(line) + ": " + msg);
  };

  Signature* cur = nullptr;
  std::set<std::string> seen_keys;  // single-valued keys of the current block
  std::set<std::string> ids;
  bool header_seen = false;
  int pack_line = 1;

  auto finish = [&](Signature* s) {
    if (s == nullptr) return;
    std::string where = "[" + s->id + "]: ";
    for (std::string_view required :
         {"title", "severity", "cwe", "paths", "status", "remediation"}) {
      if (!seen_keys.count(std::string(required))) {
        error(s->line, where + "missing '" + std::string(required) + "'");
      }
    }
    if (s->matchers.empty()) error(s->line, where + "needs at least one 'match'");
  };

  int line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view raw =
        text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    ++line_no;
    std::string_view line = Trim(raw);
    if (line.empty() || line.front() == '#') continue;

    if (!header_seen) {
      auto words = SplitWords(line);
      if (words.size() != 3 || words[0] != "pack") {
        error(line_no, "the first line must be 'pack <name> <version>'");
        break;
      }
      pack.name = std::string(words[1]);
      pack.version = std::string(words[2]);
      header_seen = true;
      pack_line = line_no;
      continue;
    }

    if (line.front() == '[') {
      finish(cur);
      if (line.back() != ']') {
        error(line_no, "signature header must be '[id]'");
        cur = nullptr;
        continue;
      }
      std::string id(Trim(line.substr(1, line.size() - 2)));
      if (!IsValidId(id)) {
        error(line_no, "invalid signature id '" + id + "' (want [a-z0-9][a-z0-9_-]{0,63})");
      } else if (!ids.insert(id).second) {
        error(line_no, "duplicate signature id '" + id + "'");
      }
      if (pack.signatures.size() >= kMaxSignatures) {
        error(line_no, "more than " + std::to_string(kMaxSignatures) + " signatures");
        break;
      }
      pack.signatures.push_back(Signature{.id = id, .line = line_no});
      cur = &pack.signatures.back();
      seen_keys.clear();
      continue;
    }

    size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      error(line_no, "expected 'key: value'");
      continue;
    }
    std::string key(Trim(line.substr(0, colon)));
    std::string_view value = Trim(line.substr(colon + 1));
    if (cur == nullptr) {
      error(line_no, "'" + key + "' outside a [signature] block");
      continue;
    }
    std::string where = "[" + cur->id + "]: ";
    bool multi = key == "match" || key == "not";
    if (!multi && !seen_keys.insert(key).second) {
      error(line_no, where + "duplicate key '" + key + "'");
      continue;
    }
    if (key == "title" || key == "remediation") {
      if (value.empty()) error(line_no, where + "'" + key + "' is empty");
      (key == "title" ? cur->title : cur->remediation) = std::string(value);
    } else if (key == "severity") {
      auto sev = model::ParseSeverity(value);
      if (!sev) {
        error(line_no, where + "unknown severity '" + std::string(value) +
                           "' (info, low, medium, high, critical)");
      } else {
        cur->severity = *sev;
      }
    } else if (key == "cwe") {
      bool ok =
          StartsWith(value, "CWE-") && value.size() > 4 && value.size() <= 10 &&
          std::all_of(value.begin() + 4, value.end(), [](char c) { return c >= '0' && c <= '9'; });
      if (!ok) error(line_no, where + "cwe must look like CWE-538");
      cur->cwe = std::string(value);
    } else if (key == "paths") {
      auto words = SplitWords(value);
      if (words.empty()) error(line_no, where + "'paths' is empty");
      if (words.size() > kMaxPathsPerSignature) {
        error(line_no, where + "more than " + std::to_string(kMaxPathsPerSignature) + " paths");
      }
      for (std::string_view p : words) {
        if (auto problem = PathProblem(p)) {
          error(line_no, where + "path '" + std::string(p) + "' " + *problem);
        } else {
          cur->paths.emplace_back(p);
        }
      }
    } else if (key == "status") {
      auto words = SplitWords(value);
      if (words.empty()) error(line_no, where + "'status' is empty");
      for (std::string_view w : words) {
        int s = 0;
        auto [ptr, ec] = std::from_chars(w.data(), w.data() + w.size(), s);
        if (ec != std::errc() || ptr != w.data() + w.size() || s < 100 || s > 599) {
          error(line_no, where + "status '" + std::string(w) + "' is not in 100..599");
        } else {
          cur->statuses.push_back(s);
        }
      }
    } else if (key == "condition") {
      if (value == "all") {
        cur->match_all = true;
      } else if (value != "any") {
        error(line_no, where + "condition must be 'any' or 'all'");
      }
    } else if (key == "allow_html") {
      if (value == "true") {
        cur->allow_html = true;
      } else if (value != "false") {
        error(line_no, where + "allow_html must be 'true' or 'false'");
      }
    } else if (key == "content_type") {
      if (value.empty()) error(line_no, where + "'content_type' is empty");
      cur->content_type = Lower(value);
    } else if (multi) {
      auto m = ParseMatcher(value);
      if (!m) {
        error(line_no, where + m.error().message);
      } else if (cur->matchers.size() + cur->negatives.size() >= kMaxMatchersPerSignature) {
        error(line_no,
              where + "more than " + std::to_string(kMaxMatchersPerSignature) + " matchers");
      } else {
        (key == "match" ? cur->matchers : cur->negatives).push_back(std::move(*m));
      }
    } else {
      error(line_no, where + "unknown key '" + key + "'");
    }
  }
  finish(cur);
  if (!header_seen && errors.empty()) error(line_no, "empty pack (no 'pack <name> <version>')");
  if (header_seen && pack.signatures.empty() && errors.empty()) {
    error(pack_line, "the pack has no signatures");
  }
  if (!errors.empty()) {
    std::string msg = "exposure signature pack is invalid:";
    for (const std::string& e : errors) msg += "\n  " + e;
    return Unexpected(ErrorCode::kInvalidArgument, std::move(msg));
  }
  return pack;
}

const Result<SignaturePack>& EmbeddedSignaturePack() {
  static const Result<SignaturePack>* pack =
      new Result<SignaturePack>(ParseSignaturePack(EmbeddedExposureSignatures()));
  return *pack;
}

// ---- Matching --------------------------------------------------------------------------------

std::optional<SignatureHit> MatchSignature(const Signature& sig, const HttpProbeResult& r) {
  if (r.error != model::ProbeError::kNone) return std::nullopt;
  if (std::find(sig.statuses.begin(), sig.statuses.end(), r.status) == sig.statuses.end()) {
    return std::nullopt;
  }
  if (!sig.content_type.empty() &&
      IFind(r.Header("content-type"), sig.content_type) == std::string_view::npos) {
    return std::nullopt;
  }
  if (!sig.allow_html) {
    // nuclei's negative guard: the real file is never an HTML page.
    std::string_view head =
        std::string_view(r.body).substr(0, std::min<size_t>(r.body.size(), 65536));
    if (IFind(head, "<html") != std::string_view::npos ||
        IFind(head, "<body") != std::string_view::npos) {
      return std::nullopt;
    }
  }
  for (const Matcher& n : sig.negatives) {
    if (RunMatcher(n, r)) return std::nullopt;
  }
  std::optional<MatchSpan> first;
  for (const Matcher& m : sig.matchers) {
    std::optional<MatchSpan> span = RunMatcher(m, r);
    if (span) {
      if (!first) first = span;
      if (!sig.match_all) break;
    } else if (sig.match_all) {
      return std::nullopt;
    }
  }
  if (!first) return std::nullopt;
  SignatureHit hit;
  if (!first->header_line.empty()) {
    hit.excerpt = RedactedExcerpt(first->header_line, 0, first->header_line.size());
  } else if (first->exact) {
    hit.excerpt = EscapeNonPrintable(std::string_view(r.body).substr(first->offset, first->length));
  } else {
    hit.excerpt = RedactedExcerpt(r.body, first->offset, first->length);
  }
  return hit;
}

// ---- Soft-404 --------------------------------------------------------------------------------

std::string BaselinePath(std::string_view nonce) {
  std::string clean;
  for (char c : nonce) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
      clean.push_back(c);
    }
    if (clean.size() >= 32) break;
  }
  if (clean.empty()) clean = "0";
  return "/secplat-404-" + clean;
}

Soft404Baseline MakeSoft404Baseline(std::string_view requested_path, const HttpProbeResult& r) {
  std::string body = RemoveAll(r.body, requested_path);
  Soft404Baseline b;
  b.status = r.status;
  b.normalised_length = body.size();
  b.body_hash = Fnv1a(body);
  b.word_hashes = WordHashes(body);
  b.location = NormalisedLocation(requested_path, r);
  return b;
}

bool LooksLikeSoft404(const Soft404Baseline& b, std::string_view requested_path,
                      const HttpProbeResult& r) {
  if (r.error != model::ProbeError::kNone || r.status != b.status) return false;
  if (r.status >= 300 && r.status <= 399)
    return NormalisedLocation(requested_path, r) == b.location;
  std::string body = RemoveAll(r.body, requested_path);
  size_t a = body.size();
  size_t c = b.normalised_length;
  size_t diff = a > c ? a - c : c - a;
  size_t tolerance = std::max<size_t>(32, c / 10);
  if (diff > tolerance) return false;
  if (Fnv1a(body) == b.body_hash) return true;
  return Jaccard(WordHashes(body), b.word_hashes) >= 0.9;
}

// ---- Directory listing -----------------------------------------------------------------------

std::optional<DirectoryListing> DetectDirectoryListing(std::string_view body) {
  std::string_view head = body.substr(0, std::min<size_t>(body.size(), 256 * 1024));
  std::string style;
  bool index_title = IFind(head, "<title>index of /") != std::string_view::npos;
  bool index_h1 = IFind(head, "<h1>index of /") != std::string_view::npos;
  if (IFind(head, "<title>directory listing for /") != std::string_view::npos) {
    style = "python";
  } else if (index_title && index_h1 &&
             IFind(head, "<hr><pre><a href=\"../\">../</a>") != std::string_view::npos) {
    style = "nginx";
  } else if (index_title && IFind(head, "parent directory</a>") != std::string_view::npos) {
    style = "apache";
  } else if (index_title && IFind(head, "<div class=\"list\">") != std::string_view::npos) {
    style = "lighttpd";
  } else if (index_title && index_h1) {
    style = "generic";
  } else {
    return std::nullopt;
  }
  // Entry links: every <a href="..."> except the parent and Apache's sort links (?C=N;O=D).
  int entries = 0;
  for (size_t at = IFind(head, "<a href=\""); at != std::string_view::npos;
       at = IFind(head, "<a href=\"", at + 9)) {
    std::string_view target = head.substr(at + 9);
    target = target.substr(0, target.find('"'));
    if (target.empty() || target == "../" || target == ".." || StartsWith(target, "?") ||
        target.front() == '/') {
      continue;
    }
    ++entries;
  }
  if (entries == 0 && style == "generic") return std::nullopt;
  return DirectoryListing{style, entries};
}

// ---- CORS, TRACE -----------------------------------------------------------------------------

std::string_view CorsIssueName(CorsIssue i) {
  switch (i) {
    case CorsIssue::kNone:
      return "none";
    case CorsIssue::kReflectedWithCredentials:
      return "reflected_with_credentials";
    case CorsIssue::kWildcardWithCredentials:
      return "wildcard_with_credentials";
    case CorsIssue::kReflectedWithoutCredentials:
      return "reflected_without_credentials";
  }
  return "none";
}

CorsIssue EvaluateCors(std::string_view sent_origin, const HttpProbeResult& r) {
  if (r.error != model::ProbeError::kNone) return CorsIssue::kNone;
  std::string_view acao = Trim(r.Header("access-control-allow-origin"));
  bool creds = Lower(Trim(r.Header("access-control-allow-credentials"))) == "true";
  bool reflected = !sent_origin.empty() && Lower(acao) == Lower(sent_origin);
  if (reflected && creds) return CorsIssue::kReflectedWithCredentials;
  if (acao == "*" && creds) return CorsIssue::kWildcardWithCredentials;
  if (reflected) return CorsIssue::kReflectedWithoutCredentials;
  return CorsIssue::kNone;
}

bool TraceEchoed(std::string_view path, std::string_view marker, const HttpProbeResult& r) {
  if (r.error != model::ProbeError::kNone || r.status != 200) return false;
  std::string request_line = "TRACE " + std::string(path);
  return r.body.find(request_line) != std::string::npos &&
         (marker.empty() || r.body.find(marker) != std::string::npos);
}

// ---- URLs ------------------------------------------------------------------------------------

Result<UrlParts> ParseHttpUrl(std::string_view url) {
  UrlParts u;
  size_t sep = url.find("://");
  if (sep == std::string_view::npos) {
    return Unexpected(ErrorCode::kInvalidArgument, "not an absolute URL");
  }
  u.scheme = Lower(url.substr(0, sep));
  if (u.scheme != "http" && u.scheme != "https") {
    return Unexpected(ErrorCode::kInvalidArgument, "scheme must be http or https");
  }
  std::string_view rest = url.substr(sep + 3);
  size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  std::string_view path = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  std::string_view host = authority;
  std::string_view port;
  if (StartsWith(authority, "[")) {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return Unexpected(ErrorCode::kInvalidArgument, "bad IPv6 literal");
    }
    host = authority.substr(0, close + 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') {
        return Unexpected(ErrorCode::kInvalidArgument, "bad authority");
      }
      port = authority.substr(close + 2);
    }
  } else if (size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return Unexpected(ErrorCode::kInvalidArgument, "empty host");
  u.host = std::string(host);
  u.port = u.scheme == "https" ? 443 : 80;
  if (!port.empty()) {
    int p = 0;
    auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
    if (ec != std::errc() || ptr != port.data() + port.size() || p < 1 || p > 65535) {
      return Unexpected(ErrorCode::kInvalidArgument, "bad port");
    }
    u.port = p;
    u.explicit_port = true;
  }
  path = path.substr(0, path.find_first_of("?#"));
  u.path = path.empty() ? "/" : std::string(path);
  return u;
}

std::string BuildUrl(const UrlParts& base, std::string_view path) {
  std::string out = base.scheme + "://" + base.host;
  int default_port = base.scheme == "https" ? 443 : 80;
  if (base.port != default_port) out += ":" + std::to_string(base.port);
  if (path.empty() || path.front() != '/') out += "/";
  out += path;
  return out;
}

std::string JoinPath(std::string_view base_path, std::string_view sig_path) {
  std::string base(base_path);
  // The asset URL's path names a directory when it ends in '/'; otherwise its parent is the
  // base ("/app/index.html" -> "/app").
  if (base.empty()) base = "/";
  if (base.back() != '/') base = base.substr(0, base.rfind('/') + 1);
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + std::string(sig_path);
}

std::string ResolveLocation(std::string_view request_url, std::string_view location) {
  location = Trim(location);
  if (location.find("://") != std::string_view::npos) return std::string(location);
  auto base = ParseHttpUrl(request_url);
  if (!base) return std::string(location);
  if (StartsWith(location, "//")) return base->scheme + ":" + std::string(location);
  if (StartsWith(location, "/")) return BuildUrl(*base, location);
  std::string dir = base->path.substr(0, base->path.rfind('/') + 1);
  return BuildUrl(*base, dir + std::string(location));
}

PlainHttpStep ClassifyPlainHttp(std::string_view request_url, const HttpProbeResult& r) {
  if (r.status >= 300 && r.status <= 399 && !r.Header("location").empty()) {
    std::string target = ResolveLocation(request_url, r.Header("location"));
    if (StartsWith(Lower(target), "https://")) return {PlainHttpKind::kRedirectsToHttps, {}};
    if (StartsWith(Lower(target), "http://")) return {PlainHttpKind::kRedirectsToHttp, target};
  }
  return {PlainHttpKind::kServed, {}};
}

// ---- Ports -----------------------------------------------------------------------------------

PortClass ClassifyOpenPort(int port) {
  using model::Severity;
  switch (port) {
    case 2375:
      return {"docker-api", Severity::kCritical};
    case 6379:
      return {"redis", Severity::kHigh};
    case 11211:
      return {"memcached", Severity::kHigh};
    case 9200:
      return {"elasticsearch", Severity::kHigh};
    case 27017:
      return {"mongodb", Severity::kHigh};
    case 23:
      return {"telnet", Severity::kHigh};
    case 21:
      return {"ftp", Severity::kMedium};
    case 3306:
      return {"mysql", Severity::kMedium};
    case 5432:
      return {"postgresql", Severity::kMedium};
    case 1433:
      return {"mssql", Severity::kMedium};
    case 3389:
      return {"rdp", Severity::kMedium};
    case 5900:
      return {"vnc", Severity::kMedium};
    case 22:
      return {"ssh", Severity::kInfo};
    case 25:
      return {"smtp", Severity::kInfo};
    case 80:
      return {"http", Severity::kInfo};
    case 443:
      return {"https", Severity::kInfo};
    default:
      return {"unknown", Severity::kInfo};
  }
}

// ---- Evidence --------------------------------------------------------------------------------

std::string RedactedExcerpt(std::string_view body, size_t offset, size_t length) {
  constexpr size_t kMaxLines = 3;
  constexpr size_t kMaxBytes = 240;
  constexpr size_t kMaxOutput = 320;
  if (offset > body.size()) offset = body.size();
  size_t start = 0;
  if (offset > 0) {
    size_t nl = body.rfind('\n', offset - 1);
    start = nl == std::string_view::npos ? 0 : nl + 1;
  }
  size_t match_end = std::min(body.size(), offset + length);
  std::string out;
  size_t lines = 0;
  size_t i = start;
  while (i < body.size() && lines < kMaxLines && out.size() < kMaxBytes) {
    size_t nl = body.find('\n', i);
    size_t stop = nl == std::string_view::npos ? body.size() : nl;
    std::string_view line = body.substr(i, std::min(stop - i, kMaxBytes));
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!out.empty()) out += "\n";
    out += EscapeNonPrintable(MaskLine(line));
    ++lines;
    if (stop >= match_end) break;  // the match is covered
    i = stop + 1;
  }
  if (out.size() > kMaxOutput) out.resize(kMaxOutput);
  return out;
}

}  // namespace secplat::core::checks
