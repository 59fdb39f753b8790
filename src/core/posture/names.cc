// Wire names of the posture enums and the dashboard numbers: the single place they are spelled.
#include <array>
#include <optional>
#include <string_view>
#include <utility>

#include "core/model/name_table.h"
#include "core/model/posture.h"

namespace secplat::core::model {
namespace {

using names::NameOf;
using names::ValueOf;

constexpr std::array<std::pair<PostureState, std::string_view>, 7> kStates{{
    {PostureState::kUnknown, "unknown"},
    {PostureState::kUp, "up"},
    {PostureState::kPending, "pending"},
    {PostureState::kDown, "down"},
    {PostureState::kFlapping, "flapping"},
    {PostureState::kStale, "stale"},
    {PostureState::kMaintenance, "maintenance"},
}};
constexpr std::array<std::pair<CheckOutcome, std::string_view>, 3> kOutcomes{{
    {CheckOutcome::kUp, "up"},
    {CheckOutcome::kDown, "down"},
    {CheckOutcome::kProbeError, "probe_error"},
}};
constexpr std::array<std::pair<TransitionReason, std::string_view>, 10> kReasons{{
    {TransitionReason::kFirstResult, "first_result"},
    {TransitionReason::kFailureUnconfirmed, "failure_unconfirmed"},
    {TransitionReason::kConsecutiveFailures, "consecutive_failures"},
    {TransitionReason::kRecovered, "recovered"},
    {TransitionReason::kConsecutiveSuccesses, "consecutive_successes"},
    {TransitionReason::kFlappingStarted, "flapping_started"},
    {TransitionReason::kFlappingStopped, "flapping_stopped"},
    {TransitionReason::kNoFreshResult, "no_fresh_result"},
    {TransitionReason::kFreshResult, "fresh_result"},
    {TransitionReason::kRecomputed, "recomputed"},
}};

}  // namespace

std::string_view PostureStateName(PostureState s) { return NameOf(kStates, s); }
std::optional<PostureState> ParsePostureState(std::string_view s) { return ValueOf(kStates, s); }
std::string_view CheckOutcomeName(CheckOutcome o) { return NameOf(kOutcomes, o); }
std::optional<CheckOutcome> ParseCheckOutcome(std::string_view s) { return ValueOf(kOutcomes, s); }
std::string_view TransitionReasonName(TransitionReason r) { return NameOf(kReasons, r); }
std::optional<TransitionReason> ParseTransitionReason(std::string_view s) {
  return ValueOf(kReasons, s);
}

int StatusNum(PostureState s) {
  switch (s) {
    case PostureState::kUp:
      return 1;
    case PostureState::kPending:
      return 2;
    case PostureState::kMaintenance:
      return 3;
    case PostureState::kStale:
      return 0;
    case PostureState::kUnknown:
      return -1;
    case PostureState::kDown:
      return -2;
    case PostureState::kFlapping:
      return -3;
  }
  return -1;
}

}  // namespace secplat::core::model
