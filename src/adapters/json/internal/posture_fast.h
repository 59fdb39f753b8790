// Internal to adapters/json: the posture documents without a DOM, for the deriver's sweep
// (100,000 records through the API in seconds; nlohmann's DOM costs 40-100 µs per record).
//
// Encoders write the exact bytes of posture_codec.cc's nlohmann-based encoders (same member
// order, number and string formatting); tests/adapters/json/posture_fast_test.cc compares them
// over random timelines.
//
// Decoders are a fast path only: a one-pass strict parser that accepts a document when it is
// well-formed JSON of exactly the expected shape (every member present once, no unknown member,
// every value of the right type and range, strings valid UTF-8 without NUL) and returns
// nullopt for anything else — the caller then runs the full decoder, which either accepts it
// too (e.g. an integer written 1E2, a surrogate pair) or names the error. So the fast path can
// change speed, never an answer.
//
//   if (auto fast = FastDecodePostureStatus(text)) return *std::move(fast);
//   return DecodeDocument(text, ReadStatus);   // the strict decoder and its messages
#ifndef SECPLAT_ADAPTERS_JSON_INTERNAL_POSTURE_FAST_H_
#define SECPLAT_ADAPTERS_JSON_INTERNAL_POSTURE_FAST_H_

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/json/posture_codec.h"
#include "core/model/asset.h"
#include "core/model/event.h"
#include "core/model/posture.h"
#include "ports/platform/platform.h"

namespace secplat::adapters::json::internal {

// ---- Encoders (append to `out`) ----------------------------------------------------------------
void AppendPostureStatus(std::string& out, const core::model::PostureStatus& status);
void AppendPostureScore(std::string& out, const core::model::PostureScore& score);
void AppendPostureTransitions(std::string& out,
                              std::span<const core::model::PostureTransition> transitions);

// ---- Fast-path decoders (nullopt: use the full decoder) ----------------------------------------
std::optional<core::model::PostureStatus> FastDecodePostureStatus(std::string_view text);
std::optional<core::model::PostureScore> FastDecodePostureScore(std::string_view text);
std::optional<std::vector<core::model::PostureTransition>> FastDecodePostureTransitions(
    std::string_view text);
std::optional<PosturePut> FastDecodePosturePut(std::string_view body);
std::optional<std::vector<PostureBatchPutItem>> FastDecodePostureBatchPut(std::string_view body,
                                                                          size_t max_items);
// An asset exactly as EncodeAsset writes it (every member once, no nulls but deleted_at, no
// unknown members); whatever it accepts, DecodeAsset decodes to the same asset.
std::optional<core::model::Asset> FastDecodeAsset(std::string_view text);
// The asset of each item through FastDecodeAsset, else DecodeAsset (its own strict decoder).
std::optional<std::vector<ports::platform::PostureInputs>> FastDecodePostureInputs(
    std::string_view body);

// True when `text` is one well-formed JSON value (RFC 8259, strings valid UTF-8), nothing else.
bool IsJsonText(std::string_view text);

// ---- Event envelopes (the sweep's posture.changed events) --------------------------------------
// The fast path takes an envelope whose payload is already in canonical form (compact, members in
// byte order, strings escaped as nlohmann writes them, integers only) — what the deriver writes —
// and keeps that text as payload_json, which is what CanonicalDump would give; anything else is
// left to the full decoder (nullopt).
std::optional<core::model::Envelope> FastDecodeEnvelope(std::string_view body);
std::optional<std::vector<core::model::Envelope>> FastDecodeEventBatch(std::string_view body,
                                                                       size_t max_items);
// EncodeEnvelope's bytes when the payload is in that canonical form; nullopt otherwise.
std::optional<std::string> FastEncodeEnvelope(const core::model::Envelope& envelope);

}  // namespace secplat::adapters::json::internal

#endif  // SECPLAT_ADAPTERS_JSON_INTERNAL_POSTURE_FAST_H_
