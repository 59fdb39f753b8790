// The minimal envelope check the queue backends apply to every delivery before the handler
// runs (ConsumeOptions::validate, when left empty): the payload must be a JSON object whose
// top-level "event_id" and "event_type" are strings. Anything else is dead-lettered with
// reason "malformed". The full envelope validator (core/contracts) can replace it.
//
//   EXPECT_TRUE(CheckMinimalEnvelope(R"({"event_id":"e1","event_type":"scan.requested"})").ok());
//   EXPECT_FALSE(CheckMinimalEnvelope("[1,2]").ok());
#ifndef SECPLAT_JOBQUEUE_ENVELOPE_CHECK_H_
#define SECPLAT_JOBQUEUE_ENVELOPE_CHECK_H_

#include <string_view>

#include "core/common/result.h"

namespace secplat::jobqueue {

// Streams through the JSON (no DOM, no recursion: deep nesting is safe). Errors:
// kInvalidArgument with the reason ("invalid JSON at byte N", "not a JSON object",
// "event_id missing or not a string", ...). Never throws.
Status CheckMinimalEnvelope(std::string_view payload);

}  // namespace secplat::jobqueue

#endif  // SECPLAT_JOBQUEUE_ENVELOPE_CHECK_H_
