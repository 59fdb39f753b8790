#include "jobqueue/envelope_check.h"

#include <nlohmann/json.hpp>
#include <string>

namespace secplat::jobqueue {
namespace {

// SAX consumer: tracks depth and remembers the types of the top-level event_id / event_type.
// nlohmann's SAX parser keeps its own explicit stack, so adversarial nesting cannot overflow
// ours.
class EnvelopeSax final : public nlohmann::json_sax<nlohmann::json> {
 public:
  bool null() override { return Value(false); }
  bool boolean(bool) override { return Value(false); }
  bool number_integer(number_integer_t) override { return Value(false); }
  bool number_unsigned(number_unsigned_t) override { return Value(false); }
  bool number_float(number_float_t, const string_t&) override { return Value(false); }
  bool string(string_t&) override { return Value(true); }
  bool binary(binary_t&) override { return Value(false); }
  bool start_object(std::size_t) override {
    if (depth_ == 0) top_is_object_ = true;
    Value(false);
    ++depth_;
    return true;
  }
  bool end_object() override {
    --depth_;
    return true;
  }
  bool start_array(std::size_t) override {
    Value(false);
    ++depth_;
    return true;
  }
  bool end_array() override {
    --depth_;
    return true;
  }
  bool key(string_t& k) override {
    current_ = kOther;
    if (depth_ == 1) {
      if (k == "event_id") current_ = kEventId;
      if (k == "event_type") current_ = kEventType;
    }
    return true;
  }
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception&) override {
    error_position_ = position;
    return false;
  }

  bool top_is_object_ = false;
  int event_id_ = 0;    // 0 absent, 1 string, 2 other type
  int event_type_ = 0;  // same
  std::size_t error_position_ = 0;

 private:
  enum Key { kOther, kEventId, kEventType };
  bool Value(bool is_string) {
    if (depth_ == 1 && current_ != kOther) {
      int v = is_string ? 1 : 2;
      (current_ == kEventId ? event_id_ : event_type_) = v;
    }
    current_ = kOther;
    return true;
  }
  int depth_ = 0;
  Key current_ = kOther;
};

Unexpected Invalid(std::string why) {
  return Unexpected(ErrorCode::kInvalidArgument, std::move(why));
}

}  // namespace

Status CheckMinimalEnvelope(std::string_view payload) {
  EnvelopeSax sax;
  bool ok = false;
  try {
    ok = nlohmann::json::sax_parse(payload.begin(), payload.end(), &sax);
  } catch (const std::exception& e) {
    return Invalid(std::string("invalid JSON: ") + e.what());
  }
  if (!ok) return Invalid("invalid JSON at byte " + std::to_string(sax.error_position_));
  if (!sax.top_is_object_) return Invalid("not a JSON object");
  if (sax.event_id_ != 1) return Invalid("event_id missing or not a string");
  if (sax.event_type_ != 1) return Invalid("event_type missing or not a string");
  return OkStatus();
}

}  // namespace secplat::jobqueue
