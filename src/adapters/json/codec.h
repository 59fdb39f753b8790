// Strict JSON codec: model <-> JSON for the API, the event envelope and API clients. The only
// place nlohmann-json is used (inside the .cc files; this header does not expose it).
//
// Request decoders take untrusted text and never throw. They reject, with kInvalidArgument and a
// message naming the field path: an empty body, nesting deeper than kMaxDepth (found by a byte
// scan before the parser runs), malformed JSON ("body: invalid JSON at byte N: ..."; N counts
// bytes from 1), duplicate keys ("labels.team: duplicate key"), NUL bytes and "\u0000", a UTF-8
// byte order mark, integers beyond 64 bits ("port: integer out of 64-bit range", rather than a
// silently rounded double), a non-object body ("body: must be a JSON object"), unknown fields
// ("foo: unknown field"), missing fields ("asset_key: required"), wrong types ("labels.team: must
// be a string"), unknown enum values ("severity: must be one of info, low, medium, high,
// critical"). They then run core validation, so a decoded struct is valid. null is never accepted
// in place of a value: leave the field out instead.
//
// Encoders produce compact JSON, fields in the order documented below; timestamps are RFC 3339
// UTC with milliseconds (FormatRfc3339); std::optional values that are unset are null; strings
// are always strings ("" when empty). Envelopes follow docs/contracts/event-envelope.schema.json
// exactly: absent optional fields are omitted, not null.
//
// Response decoders (Decode{Asset,Finding,ScanJob,StoredEvent,Error,List}) are for API clients
// reading the api's own output: types are checked, unknown fields are ignored (a newer api may
// add fields) and no core validation runs.
//
// From tests/adapters/json/asset_codec_test.cc:
//   auto a = DecodeAssetCreate(
//       R"({"asset_key":"web-1","kind":"web","url":"https://example.com"})");
//   EXPECT_EQ(a->host, "example.com");
//   auto bad = DecodeAssetCreate(R"({"asset_key":"web-1","kind":"web","colour":1})");
//   EXPECT_EQ(bad.error().message, "colour: unknown field");
#ifndef SECPLAT_ADAPTERS_JSON_CODEC_H_
#define SECPLAT_ADAPTERS_JSON_CODEC_H_

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "jobqueue/job_queue.h"
#include "core/common/result.h"
#include "core/findings/lifecycle.h"
#include "core/model/asset.h"
#include "core/model/audit.h"
#include "core/model/auth.h"
#include "core/model/event.h"
#include "core/model/posture.h"
#include "core/model/finding.h"
#include "core/model/scan_job.h"
#include "ports/store/event_store.h"
#include "ports/store/finding_store.h"

namespace secplat::adapters::json {

// ---- Shared --------------------------------------------------------------------------------

// Deepest nesting of objects and arrays accepted anywhere (the body itself is level 1).
inline constexpr int kMaxDepth = 32;

// Byte scan (strings and escapes aware) run before any parser sees `text`, so hostile depth
// never reaches a recursive parser. Errors: kInvalidArgument "body: nesting deeper than 32
// levels".
Status CheckNestingDepth(std::string_view text, int max_depth = kMaxDepth);

// Parses `text` strictly and returns it as canonical JSON (compact, keys sorted). Errors:
// kInvalidArgument as for every decoder, plus "body: must be a JSON object".
Result<std::string> CanonicalJsonObject(std::string_view text);

// {"error":{"code","message","retryable","request_id"}}; request_id "" when unknown.
std::string EncodeError(std::string_view code, std::string_view message, bool retryable,
                        std::string_view request_id);

// {"items":[...],"next_cursor":"..."|null}: items are inserted verbatim (each must already be
// JSON, e.g. from an Encode* function); an empty next_cursor is written as null.
std::string EncodeList(const std::vector<std::string>& encoded_items, std::string_view next_cursor);

// ---- Event envelope (docs/contracts/event-envelope.schema.json) -----------------------------

// Decodes an envelope exactly as the schema allows: event_id, event_type, ts, org_id required
// (no default is filled in); ts must be UTC with 'Z'; upper-case UUIDs are refused; request_id,
// asset_key, severity, payload optional, never null; payload is kept as canonical text. Then
// core::contracts::ValidateEnvelope. Errors: kInvalidArgument naming the field.
Result<core::model::Envelope> DecodeEnvelope(std::string_view body);

// {"event_id","event_type","ts","org_id"[,"request_id"][,"asset_key"][,"severity"][,"payload"]}
// with the optional members present only when set.
std::string EncodeEnvelope(const core::model::Envelope& envelope);

// The envelope's members, then "seq" and "received_at".
std::string EncodeStoredEvent(const core::model::StoredEvent& event);

// Response decoder for EncodeStoredEvent's output (envelope rules as DecodeEnvelope; seq and
// received_at required). Errors: kInvalidArgument naming the field.
Result<core::model::StoredEvent> DecodeStoredEvent(std::string_view body);

// POST /api/v1/events/batch: {"events":[envelope, ...]} with 1..max_items envelopes of distinct
// event_id, each decoded as DecodeEnvelope. Errors name the item: "events[2].ts: ...",
// "events[4].event_id: duplicate of events[1].event_id", "events: must contain 1 to 1000 items".
Result<std::vector<core::model::Envelope>> DecodeEventBatch(std::string_view body,
                                                            size_t max_items);
// {"created":N,"existing":M,"items":[{"event_id","seq","created"}, ...]} in request order.
std::string EncodeEventBatchOutcome(const std::vector<ports::store::AppendOutcome>& outcomes);

// ---- Assets --------------------------------------------------------------------------------

// {"asset_key","name","kind","url","host","port","labels":{},"owner","criticality",
//  "environment","enabled","scan":{"<type>":{"enabled","interval_seconds"}},"created_at",
//  "updated_at","deleted_at","version"}; deleted_at null unless deleted.
std::string EncodeAsset(const core::model::Asset& asset);

// Members: asset_key and kind required; name (default: asset_key), url (required for web), host
// (required for host), port, labels, owner, criticality (default medium), environment, enabled
// (default true), scan ({"<known type>":{"enabled"?,"interval_seconds"?}}). For web assets host
// and port are derived from url when not given. Then core::validation::ValidateAsset.
// Errors: kInvalidArgument naming the field, e.g. "url: must be an absolute http or https URL".
Result<core::model::Asset> DecodeAssetCreate(std::string_view body);

// Applies a patch to `base` (a copy): any subset of name, url, host, port, labels (replaces all
// labels), owner, criticality, environment, enabled, scan (replaces all settings). asset_key and
// kind may be repeated with their current value, otherwise "asset_key: cannot be changed" /
// "kind: cannot be changed". When url changes on a web asset, host and port are re-derived from
// it unless the patch gives them. Errors: kInvalidArgument, "body: no fields to update" for a
// patch without mutable fields, then as ValidateAsset.
Result<core::model::Asset> DecodeAssetPatch(std::string_view body, core::model::Asset base);

// Response decoder for EncodeAsset's output (asset_key and kind required).
Result<core::model::Asset> DecodeAsset(std::string_view body);

// ---- Findings ------------------------------------------------------------------------------

// {finding_key?, asset_key, source, check_id, location?, category?, title, severity,
//  evidence? (object), observed_at? (RFC 3339)}. finding_key stays empty when absent (derive it
// with core::contracts::DeriveFindingKey); evidence becomes canonical text ("{}" when absent);
// observed_at unset when absent. Then core::validation::ValidateObservation.
Result<core::model::FindingObservation> DecodeObservation(std::string_view body);

// {"findings":[observation, ...]} with 1..max_items items. Errors name the item:
// "findings[3].severity: must be one of ...", "findings: must contain 1 to 500 items".
Result<std::vector<core::model::FindingObservation>> DecodeObservationBatch(std::string_view body,
                                                                            size_t max_items);

// The request shapes of DecodeObservation / DecodeObservationBatch (for API clients); finding_key,
// location, category and observed_at are written only when set.
std::string EncodeObservation(const core::model::FindingObservation& obs);
std::string EncodeObservationBatch(std::span<const core::model::FindingObservation> batch);

// {"finding_key","asset_key","source","check_id","location","category","title","severity",
//  "status","evidence":{...},"first_seen","last_seen","occurrences","resolved_at",
//  "accepted_until","accepted_by","status_reason","updated_at"}.
std::string EncodeFinding(const core::model::Finding& finding);

// Response decoder for EncodeFinding's output (finding_key and asset_key required).
Result<core::model::Finding> DecodeFinding(std::string_view body);

// {"created":N,"updated":M,"results":[{"finding_key","created","status","occurrences"}, ...]}.
std::string EncodeBatchOutcome(const std::vector<ports::store::UpsertOutcome>& outcomes);

// {"status": "open|resolved|accepted|false_positive", "reason"? (<= 1000 characters),
//  "accepted_until"? (RFC 3339)}. actor is left empty for the caller to fill; the rules about
// which status needs a reason or an expiry are core::findings::ApplyStatusChange's.
Result<core::findings::StatusChange> DecodeStatusChange(std::string_view body);

// ---- Scan jobs -----------------------------------------------------------------------------

struct ScanRequest {
  std::string asset_key;
  std::string scan_type;        // a known scan type
  std::string idempotency_key;  // empty: the API derives core::schedule::ScheduledScanKey
};

// {"asset_key","scan_type","idempotency_key"?}. Errors: kInvalidArgument, e.g. "scan_type: must be
// one of health_http, tls_headers, web_exposure", "idempotency_key: must match ...".
Result<ScanRequest> DecodeScanRequest(std::string_view body);
std::string EncodeScanRequest(const ScanRequest& request);

struct ScanStatusUpdate {
  core::model::ScanJobStatus status = core::model::ScanJobStatus::kQueued;
  std::string error;  // empty: none; <= 4096 characters
};

// {"status","error"?}. Errors: kInvalidArgument ("status: must be one of queued, running, done,
// failed, dead", "error: must be at most 4096 characters").
Result<ScanStatusUpdate> DecodeScanStatusUpdate(std::string_view body);
std::string EncodeScanStatusUpdate(const ScanStatusUpdate& update);

// The payload of a scan.requested message (core/outbox MessageForNewScanJob):
// {"asset_key","idempotency_key","job_id","scan_type"}, all required, nothing else.
struct ScanRequestedPayload {
  int64_t job_id = 0;
  std::string asset_key;
  std::string scan_type;
  std::string idempotency_key;
};
// Errors: kInvalidArgument naming the field ("job_id: must be an integer from 1 to ...").
Result<ScanRequestedPayload> DecodeScanRequestedPayload(std::string_view payload_json);

// The posture input carried by a scan.completed / scan.failed event (the worker's result event,
// services/worker/worker.h ResultEvent): event_id, asset_key, scan_type and observed_at (the
// envelope's ts) always; outcome kProbeError for scan.failed; for a completed health_http scan,
// kUp or kDown from the fact "health.up" and failure_reason from "health.failure_reason"; for
// other completed scans kUp (the scan ran: coverage) and, for tls_headers, tls_grade from
// "tls.grade". Errors: kInvalidArgument naming what is missing or malformed (e.g. a completed
// health_http result without a boolean health.up).
Result<core::model::CheckResult> DecodeCheckResult(const core::model::Envelope& event);

// {"text"} with 1..65536 bytes; returns the text. Errors: "text: must be 1 to 65536 bytes".
Result<std::string> DecodeLogAppend(std::string_view body);
std::string EncodeLogAppend(std::string_view text);

// {"id","idempotency_key","scan_type","asset_key","status","attempts","requested_by",
//  "request_id","log_output","last_error","created_at","updated_at","started_at","finished_at"}.
std::string EncodeScanJob(const core::model::ScanJob& job);

// Response decoder for EncodeScanJob's output (id, scan_type, asset_key, status required).
Result<core::model::ScanJob> DecodeScanJob(std::string_view body);

// ---- Tokens, audit, errors, lists ----------------------------------------------------------

struct TokenRequest {
  std::string name;  // 1..100 characters
  core::model::Role role = core::model::Role::kViewer;
};

// {"name","role"}. Errors: "name: must be 1 to 100 characters", "role: must be one of viewer,
// analyst, admin, service".
Result<TokenRequest> DecodeTokenCreate(std::string_view body);

// {"id","name","role","created_by","created_at","revoked_at"}; never the secret hash.
std::string EncodeToken(const core::model::ApiToken& token);
// EncodeToken's members plus "token": the plaintext, shown once.
std::string EncodeTokenCreated(const core::model::ApiToken& token, std::string_view plaintext);

// {"id","ts","actor","action","target","before","after","request_id"}: before/after embedded as
// JSON values when they parse, as strings otherwise, null when empty.
std::string EncodeAuditEntry(const core::model::AuditEntry& entry);

struct ErrorBody {
  std::string code;
  std::string message;
  bool retryable = false;
  std::string request_id;
};
// Response decoder for EncodeError's output.
Result<ErrorBody> DecodeError(std::string_view body);

struct ListPage {
  std::vector<std::string> items;  // each item re-serialised compactly, ready for Decode*
  std::string next_cursor;         // empty: last page
};
// Response decoder for EncodeList's output.
Result<ListPage> DecodeList(std::string_view body);

// ---------------------------------------------------------------------------------------------
// Queue administration (GET /api/v1/queue/health, dead-letter routes).

// One stream's health as seen by the consumer group of the role that owns it.
struct QueueStreamHealth {
  std::string stream;
  std::string group;
  jobqueue::StreamStats stats;
};

// {"id","reason","last_error","group","dead_at","message":{"id","stream","payload",
//  "idempotency_key","request_id","attempts","errors":[...],"enqueued_at"}}; the payload is
// embedded as JSON when it parses, else as a string.
std::string EncodeDeadLetter(const jobqueue::DeadLetter& dead_letter);

// {"backend","streams":[{"stream","group","length","pending","consumers","lag","delayed",
//  "dead_letters","oldest_pending_idle_seconds","published","acked","retried","dead_lettered"}],
//  "outbox_unsent"}
std::string EncodeQueueHealth(std::string_view backend,
                              const std::vector<QueueStreamHealth>& streams,
                              int64_t outbox_unsent);

}  // namespace secplat::adapters::json

#endif  // SECPLAT_ADAPTERS_JSON_CODEC_H_
