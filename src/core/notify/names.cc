// Names of the notification enums (core/model/notification.h).
#include <array>
#include <optional>
#include <string_view>
#include <utility>

#include "core/model/notification.h"

namespace secplat::core::model {
namespace {

template <typename E, size_t N>
std::string_view NameOf(const std::array<std::pair<E, std::string_view>, N>& table, E value) {
  for (const auto& [v, name] : table) {
    if (v == value) return name;
  }
  return "unknown";
}

template <typename E, size_t N>
std::optional<E> ValueOf(const std::array<std::pair<E, std::string_view>, N>& table,
                         std::string_view name) {
  for (const auto& [v, n] : table) {
    if (n == name) return v;
  }
  return std::nullopt;
}

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
