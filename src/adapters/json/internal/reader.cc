#include "adapters/json/internal/reader.h"

#include <vector>

#include "adapters/json/codec.h"
#include "core/validation/field_path.h"

namespace secplat::adapters::json::internal {
namespace {

using core::validation::FieldMessage;
using core::validation::IndexPath;
using core::validation::JoinPath;

// Keeps a library message printable and short: it may quote bytes of the hostile input.
std::string SanitiseReason(std::string_view what) {
  // nlohmann: "[json.exception.parse_error.101] parse error at line 1, column 9: syntax error
  // while parsing value - invalid literal; last read: 'tru}'". Keep the part after the location
  // and drop the echo of the input ("; last read: '...'"), which can hold any bytes.
  if (size_t p = what.find("] "); p != std::string_view::npos && what.starts_with("[json."))
    what.remove_prefix(p + 2);
  if (what.starts_with("parse error")) {
    if (size_t p = what.find(": "); p != std::string_view::npos) what.remove_prefix(p + 2);
  }
  std::string out;
  if (size_t p = what.find("; last read: '"); p != std::string_view::npos) {
    out = std::string(what.substr(0, p));
    if (size_t e = what.rfind("'; expected "); e != std::string_view::npos && e > p)
      out += what.substr(e + 1);
  } else {
    out = std::string(what);
  }
  constexpr size_t kMax = 200;
  if (out.size() > kMax) out = out.substr(0, kMax) + "...";
  for (char& c : out) {
    auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b >= 0x7f) c = '?';
  }
  return out;
}

// Builds a Json DOM like nlohmann's own SAX DOM parser, but stops at duplicate keys and NUL
// characters, and remembers where it is so that errors carry a field path.
class StrictSax {
 public:
  explicit StrictSax(Json* root) : root_(root) {}

  bool null() { return Add(Json(nullptr)); }
  bool boolean(bool v) { return Add(Json(v)); }
  bool number_integer(Json::number_integer_t v) { return Add(Json(v)); }
  bool number_unsigned(Json::number_unsigned_t v) { return Add(Json(v)); }
  bool number_float(Json::number_float_t v, const Json::string_t& raw) {
    // nlohmann turns integers beyond 64 bits into doubles, silently losing digits (a payload
    // would not survive a round trip). Refuse them instead.
    if (raw.find_first_of(".eE") == std::string::npos)
      return Error(ValuePath(), "integer out of 64-bit range");
    return Add(Json(v));
  }
  bool string(Json::string_t& v) {
    if (v.find('\0') != std::string::npos)
      return Error(ValuePath(), "must not contain NUL characters");
    return Add(Json(std::move(v)));
  }
  bool binary(Json::binary_t&) { return Error("", "binary values are not JSON"); }
  bool start_object(std::size_t) { return Open(Json::object(), /*is_array=*/false); }
  bool key(Json::string_t& k) {
    Frame& f = frames_.back();
    std::string path = JoinPath(f.path, k);
    if (k.find('\0') != std::string::npos) return Error(path, "must not contain NUL characters");
    if (f.value->contains(k)) return Error(path, "duplicate key");
    f.key = std::move(k);
    return true;
  }
  bool end_object() {
    frames_.pop_back();
    return true;
  }
  bool start_array(std::size_t) { return Open(Json::array(), /*is_array=*/true); }
  bool end_array() {
    frames_.pop_back();
    return true;
  }
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& ex) {
    return Error(
        "", "invalid JSON at byte " + std::to_string(position) + ": " + SanitiseReason(ex.what()));
  }

  const std::string& error() const { return error_; }

 private:
  struct Frame {
    Json* value;
    bool is_array;
    std::string key;
    std::string path;
  };

  std::string ValuePath() const {
    if (frames_.empty()) return "";
    const Frame& f = frames_.back();
    return f.is_array ? IndexPath(f.path, f.value->size()) : JoinPath(f.path, f.key);
  }

  // Places `v` at the current position; returns where it now lives.
  Json* Place(Json v) {
    if (frames_.empty()) {
      *root_ = std::move(v);
      return root_;
    }
    Frame& f = frames_.back();
    if (f.is_array) {
      f.value->push_back(std::move(v));
      return &f.value->back();
    }
    Json& slot = (*f.value)[f.key];
    slot = std::move(v);
    return &slot;
  }

  bool Add(Json v) {
    Place(std::move(v));
    return true;
  }

  bool Open(Json container, bool is_array) {
    std::string path = ValuePath();
    Json* where = Place(std::move(container));
    frames_.push_back(Frame{where, is_array, std::string(), std::move(path)});
    return true;
  }

  bool Error(const std::string& path, const std::string& why) {
    if (error_.empty()) error_ = FieldMessage(path, why);
    return false;
  }

  Json* root_;
  std::vector<Frame> frames_;
  std::string error_;
};

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

Unexpected FailAt(std::string_view path, std::string_view why) {
  return Unexpected(ErrorCode::kInvalidArgument, FieldMessage(path, why));
}

Error Nest(std::string_view prefix, Error error) {
  std::string_view msg = error.message;
  if (msg.starts_with("body:")) {
    error.message = std::string(prefix) + std::string(msg.substr(4));
  } else if (!msg.empty() && msg[0] == '[') {
    error.message = std::string(prefix) + error.message;
  } else {
    error.message = std::string(prefix) + "." + error.message;
  }
  return error;
}

Result<Json> ParseStrict(std::string_view body) {
  bool blank = true;
  for (char c : body) blank = blank && IsJsonSpace(c);
  if (blank) return FailAt("", "must not be empty");
  // nlohmann's lexer takes a raw NUL byte for the end of input, so "{}\0junk" would parse; and
  // it skips a UTF-8 byte order mark. Neither is JSON (RFC 8259), so both are refused up front.
  // Byte positions are 1-based, like the parser's.
  if (size_t nul = body.find('\0'); nul != std::string_view::npos)
    return FailAt("", "invalid JSON at byte " + std::to_string(nul + 1) + ": NUL byte");
  if (body.starts_with("\xef\xbb\xbf"))
    return FailAt("", "invalid JSON at byte 1: byte order mark");
  SECPLAT_RETURN_IF_ERROR(CheckNestingDepth(body));
  Json root;
  StrictSax sax(&root);
  bool ok = false;
  try {
    ok = Json::sax_parse(body.begin(), body.end(), &sax, nlohmann::detail::input_format_t::json,
                         /*strict=*/true, /*ignore_comments=*/false);
  } catch (const std::exception& e) {
    // sax_parse reports through parse_error; this is a belt-and-braces guard (e.g. bad_alloc).
    return FailAt("", std::string("invalid JSON: ") + SanitiseReason(e.what()));
  }
  if (!ok) {
    if (!sax.error().empty()) return Unexpected(ErrorCode::kInvalidArgument, sax.error());
    return FailAt("", "invalid JSON");
  }
  return root;
}

std::string CanonicalDump(const Json& value) {
  try {
    return value.dump(-1, ' ', false, Json::error_handler_t::replace);
  } catch (const std::exception&) {
    return "null";
  }
}

std::string Dump(const OJson& value) {
  try {
    return value.dump(-1, ' ', false, OJson::error_handler_t::replace);
  } catch (const std::exception&) {
    return "null";
  }
}

OJson Embed(std::string_view stored_json) {
  if (stored_json.empty()) return OJson(nullptr);
  if (CheckNestingDepth(stored_json).has_value()) {
    OJson v = OJson::parse(stored_json.begin(), stored_json.end(), nullptr,
                           /*allow_exceptions=*/false);
    if (!v.is_discarded()) return v;
  }
  return OJson(std::string(stored_json));
}

OJson TimeOrNull(const std::optional<Timestamp>& t) {
  return t ? OJson(FormatRfc3339(*t)) : OJson(nullptr);
}

Result<ObjectReader> ObjectReader::Open(const Json& value, std::string path) {
  if (!value.is_object())
    return FailAt(path, path.empty() ? "must be a JSON object" : "must be an object");
  return ObjectReader(&value, std::move(path));
}

bool ObjectReader::Has(std::string_view key) const { return Find(key) != nullptr; }

std::string ObjectReader::PathOf(std::string_view key) const { return JoinPath(path_, key); }

const Json* ObjectReader::Find(std::string_view key) const {
  auto it = object_->find(key);
  return it == object_->end() ? nullptr : &*it;
}

Unexpected ObjectReader::Fail(std::string_view key, std::string_view why) const {
  return FailAt(PathOf(key), why);
}

Status ObjectReader::OnlyKnown(std::initializer_list<std::string_view> allowed) const {
  for (const auto& [k, v] : object_->items()) {
    bool known = false;
    for (std::string_view a : allowed) known = known || a == k;
    if (!known) return Fail(k, "unknown field");
  }
  return OkStatus();
}

Result<std::string> ObjectReader::RequiredString(std::string_view key) const {
  if (!Has(key)) return Fail(key, "required");
  SECPLAT_ASSIGN_OR_RETURN(auto v, OptionalString(key));
  return *v;
}

Result<std::optional<std::string>> ObjectReader::OptionalString(std::string_view key) const {
  const Json* v = Find(key);
  if (v == nullptr) return std::optional<std::string>();
  if (!v->is_string()) return Fail(key, "must be a string");
  return std::optional<std::string>(v->get<std::string>());
}

Result<std::optional<int64_t>> ObjectReader::OptionalInt(std::string_view key, int64_t min,
                                                         int64_t max) const {
  const Json* v = Find(key);
  if (v == nullptr) return std::optional<int64_t>();
  std::string range =
      "must be an integer between " + std::to_string(min) + " and " + std::to_string(max);
  if (v->is_number_unsigned()) {
    uint64_t u = v->get<uint64_t>();
    if (max < 0 || u > static_cast<uint64_t>(max)) return Fail(key, range);
    auto i = static_cast<int64_t>(u);
    if (i < min) return Fail(key, range);
    return std::optional<int64_t>(i);
  }
  if (v->is_number_integer()) {
    int64_t i = v->get<int64_t>();
    if (i < min || i > max) return Fail(key, range);
    return std::optional<int64_t>(i);
  }
  if (v->is_number_float()) return Fail(key, range);
  return Fail(key, "must be an integer");
}

Result<std::optional<bool>> ObjectReader::OptionalBool(std::string_view key) const {
  const Json* v = Find(key);
  if (v == nullptr) return std::optional<bool>();
  if (!v->is_boolean()) return Fail(key, "must be a boolean");
  return std::optional<bool>(v->get<bool>());
}

Result<std::optional<Timestamp>> ObjectReader::OptionalTimestamp(std::string_view key) const {
  SECPLAT_ASSIGN_OR_RETURN(auto s, OptionalString(key));
  if (!s) return std::optional<Timestamp>();
  auto t = ParseRfc3339(*s);
  if (!t) return Fail(key, t.error().message);
  return std::optional<Timestamp>(*t);
}

Result<std::optional<std::string>> ObjectReader::OptionalObjectText(std::string_view key) const {
  const Json* v = Find(key);
  if (v == nullptr) return std::optional<std::string>();
  if (!v->is_object()) return Fail(key, "must be an object");
  return std::optional<std::string>(CanonicalDump(*v));
}

}  // namespace secplat::adapters::json::internal
