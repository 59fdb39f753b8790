#include "core/outbox/messages.h"

#include <cstdint>

#include "core/contracts/envelope.h"
#include "core/contracts/sha256.h"

namespace secplat::core::outbox {
namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is invalid (overlong forms,
// surrogates and code points above U+10FFFF are invalid, RFC 3629).
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  if (c < 0x80) return 1;
  size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (size_t k = 2; k < n; ++k)
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  return n;
}

}  // namespace

void AppendJsonString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const size_t n = Utf8SequenceLength(s, i);
      if (n == 0) {
        out.append("\xEF\xBF\xBD");  // U+FFFD for each invalid byte
        ++i;
      } else {
        out.append(s.substr(i, n));
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\b':
        out.append("\\b");
        break;
      case '\f':
        out.append("\\f");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      default:
        if (c < 0x20) {
          out.append("\\u00");
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 0xf]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  out.push_back('"');
}

std::string DeterministicUuid(std::string_view name) {
  static constexpr char kHex[] = "0123456789abcdef";
  contracts::Sha256Digest d = contracts::Sha256(name);
  d[6] = static_cast<uint8_t>((d[6] & 0x0f) | 0x50);  // version 5
  d[8] = static_cast<uint8_t>((d[8] & 0x3f) | 0x80);  // variant 10xx (RFC 4122)
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[d[i] >> 4]);
    out.push_back(kHex[d[i] & 0xf]);
  }
  return out;
}

std::string ScanRequestedEventId(std::string_view idempotency_key) {
  std::string name(model::EventTypeName(model::EventType::kScanRequested));
  name.push_back('\x1f');
  name.append(idempotency_key);
  return DeterministicUuid(name);
}

bool NotifierConsumes(model::EventType type) {
  switch (type) {
    case model::EventType::kPostureChanged:
    case model::EventType::kAlertTriggered:
    case model::EventType::kIncidentCreated:
    case model::EventType::kIncidentUpdated:
    case model::EventType::kIncidentClosed:
    case model::EventType::kFindingCreated:
      return true;
    case model::EventType::kScanRequested:
    case model::EventType::kScanCompleted:
    case model::EventType::kScanFailed:
    case model::EventType::kFindingUpdated:
    case model::EventType::kNotifySent:
    case model::EventType::kNotifyFailed:
      return false;
  }
  return false;
}

std::optional<OutboxEntry> MessageForNewScanJob(const model::ScanJob& job) {
  OutboxEntry entry;
  entry.stream = std::string(kScanStream);
  model::Envelope& e = entry.envelope;
  e.event_id = ScanRequestedEventId(job.idempotency_key);
  e.event_type = model::EventType::kScanRequested;
  e.ts = job.created_at;
  e.org_id = std::string(contracts::kDefaultOrgId);
  // The store does not re-validate these; an envelope that failed validation would be
  // dead-lettered as malformed by every consumer, so an odd value is left out instead.
  if (contracts::IsValidRequestId(job.request_id)) e.request_id = job.request_id;
  if (contracts::IsValidAssetKey(job.asset_key)) e.asset_key = job.asset_key;
  // Canonical form (keys sorted), as adapters/json stores payloads.
  std::string& p = e.payload_json;
  p = "{\"asset_key\":";
  AppendJsonString(p, job.asset_key);
  p += ",\"idempotency_key\":";
  AppendJsonString(p, job.idempotency_key);
  p += ",\"job_id\":";
  p += std::to_string(job.id);
  p += ",\"scan_type\":";
  AppendJsonString(p, job.scan_type);
  p += "}";
  return entry;
}

std::optional<OutboxEntry> MessageForNewEvent(const model::Envelope& event) {
  if (!NotifierConsumes(event.event_type)) return std::nullopt;
  return OutboxEntry{.stream = std::string(kNotifyStream), .envelope = event};
}

}  // namespace secplat::core::outbox
