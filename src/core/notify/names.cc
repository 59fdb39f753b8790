// Names of the notification enums (core/model/notification.h).
#include <array>
#include <optional>
#include <string_view>
#include <utility>

#include "core/model/name_table.h"
#include "core/model/notification.h"

namespace secplat::core::model {
namespace {

using names::NameOf;
using names::ValueOf;

constexpr std::array<std::pair<ChannelKind, std::string_view>, 4> kChannelKinds{{
    {ChannelKind::kSlack, "slack"},
    {ChannelKind::kTwilio, "twilio"},
    {ChannelKind::kJira, "jira"},
    {ChannelKind::kWebhook, "webhook"},
}};

constexpr std::array<std::pair<ResponseClass, std::string_view>, 7> kResponseClasses{{
    {ResponseClass::kOk, "ok"},
    {ResponseClass::kRateLimited, "rate_limited"},
    {ResponseClass::kServerError, "server_error"},
    {ResponseClass::kTimeout, "timeout"},
    {ResponseClass::kConnection, "connection"},
    {ResponseClass::kAuthError, "auth_error"},
    {ResponseClass::kClientError, "client_error"},
}};

constexpr std::array<std::pair<TransportError, std::string_view>, 4> kTransportErrors{{
    {TransportError::kNone, "none"},
    {TransportError::kTimeout, "timeout"},
    {TransportError::kConnection, "connection"},
    {TransportError::kInvalidRequest, "invalid_request"},
}};

constexpr std::array<std::pair<DeliveryState, std::string_view>, 5> kDeliveryStates{{
    {DeliveryState::kPending, "pending"},
    {DeliveryState::kRetrying, "retrying"},
    {DeliveryState::kDelivered, "delivered"},
    {DeliveryState::kFailedPermanent, "failed_permanent"},
    {DeliveryState::kDead, "dead"},
}};

}  // namespace

std::string_view ProblemStatusName(ProblemStatus s) {
  return s == ProblemStatus::kFiring ? "firing" : "resolved";
}
std::string_view ChannelKindName(ChannelKind k) { return NameOf(kChannelKinds, k); }
std::optional<ChannelKind> ParseChannelKind(std::string_view s) {
  return ValueOf(kChannelKinds, s);
}
std::string_view ResponseClassName(ResponseClass c) { return NameOf(kResponseClasses, c); }
std::string_view TransportErrorName(TransportError e) { return NameOf(kTransportErrors, e); }
std::string_view DeliveryStateName(DeliveryState s) { return NameOf(kDeliveryStates, s); }
std::optional<DeliveryState> ParseDeliveryState(std::string_view s) {
  return ValueOf(kDeliveryStates, s);
}

}  // namespace secplat::core::model
