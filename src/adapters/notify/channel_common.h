// Internal to adapters/notify: text shared by the channel renderers and the URL checks every
// channel runs at construction. Not a public API.
#ifndef SECPLAT_ADAPTERS_NOTIFY_CHANNEL_COMMON_H_
#define SECPLAT_ADAPTERS_NOTIFY_CHANNEL_COMMON_H_

#include <string>
#include <string_view>

#include "core/common/result.h"
#include "core/model/notification.h"

namespace secplat::adapters::notify::internal {

// "FIRING" / "RESOLVED".
std::string StatusWord(const core::model::NotifyEvent& e);
// "[FIRING] critical web-shop: HTTP health down" (summary omitted when empty).
std::string OneLine(const core::model::NotifyEvent& e);
// RFC 3339 of e.since, or "-" when unset.
std::string SinceText(const core::model::NotifyEvent& e);
// Checks an http(s) URL without echoing it (it may hold a secret). `what` names the field.
// Errors: kInvalidArgument ("slack webhook_url: must start with https:// or http://").
Status CheckHttpUrl(std::string_view url, std::string_view what);
// Host (and port) of an http(s) URL, or "" when unparsable.
std::string UrlHost(std::string_view url);
// `base` without trailing slashes.
std::string TrimSlash(std::string_view base);
// Checks the fields every rendered event needs. Errors: kInvalidArgument.
Status CheckEvent(const core::model::NotifyEvent& e);

}  // namespace secplat::adapters::notify::internal

#endif  // SECPLAT_ADAPTERS_NOTIFY_CHANNEL_COMMON_H_
