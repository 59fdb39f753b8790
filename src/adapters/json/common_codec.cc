// Shared pieces of the codec: depth scan, canonical objects, errors, lists, tokens and audit.
#include <string>

#include "adapters/json/codec.h"
#include "adapters/json/internal/reader.h"
#include "core/validation/text.h"

namespace secplat::adapters::json {

using internal::Json;
using internal::ObjectReader;
using internal::OJson;

Status CheckNestingDepth(std::string_view text, int max_depth) {
  // Counts '{' and '[' outside strings. Unbalanced or malformed input is left to the parser;
  // this only guarantees that the parser's recursion stays shallow.
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '{':
      case '[':
        if (++depth > max_depth)
          return internal::FailAt("",
                                  "nesting deeper than " + std::to_string(max_depth) + " levels");
        break;
      case '}':
      case ']':
        if (depth > 0) --depth;
        break;
      default:
        break;
    }
  }
  return OkStatus();
}

Result<std::string> CanonicalJsonObject(std::string_view text) {
  SECPLAT_ASSIGN_OR_RETURN(Json doc, internal::ParseStrict(text));
  SECPLAT_RETURN_IF_ERROR(ObjectReader::Open(doc, ""));
  return internal::CanonicalDump(doc);
}

std::string EncodeError(std::string_view code, std::string_view message, bool retryable,
                        std::string_view request_id) {
  OJson inner = OJson::object();
  inner["code"] = std::string(code);
  inner["message"] = std::string(message);
  inner["retryable"] = retryable;
  inner["request_id"] = std::string(request_id);
  OJson out = OJson::object();
  out["error"] = std::move(inner);
  return internal::Dump(out);
}

std::string EncodeList(const std::vector<std::string>& encoded_items,
                       std::string_view next_cursor) {
  size_t total = 32 + next_cursor.size();
  for (const auto& item : encoded_items) total += item.size() + 1;
  std::string out;
  out.reserve(total);
  out += "{\"items\":[";
  for (size_t i = 0; i < encoded_items.size(); ++i) {
    if (i > 0) out.push_back(',');
    out += encoded_items[i];
  }
  out += "],\"next_cursor\":";
  out +=
      next_cursor.empty() ? std::string("null") : internal::Dump(OJson(std::string(next_cursor)));
  out.push_back('}');
  return out;
}

Result<ErrorBody> DecodeError(std::string_view body) {
  SECPLAT_ASSIGN_OR_RETURN(Json doc, internal::ParseStrict(body));
  SECPLAT_ASSIGN_OR_RETURN(ObjectReader top, ObjectReader::Open(doc, ""));
  if (!top.Has("error")) return top.Fail("error", "required");
  SECPLAT_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Open(*top.Find("error"), "error"));
  ErrorBody e;
  SECPLAT_ASSIGN_OR_RETURN(e.code, r.RequiredString("code"));
  SECPLAT_ASSIGN_OR_RETURN(e.message, r.RequiredString("message"));
  SECPLAT_ASSIGN_OR_RETURN(auto retryable, r.OptionalBool("retryable"));
  e.retryable = retryable.value_or(false);
  SECPLAT_ASSIGN_OR_RETURN(auto request_id, r.OptionalString("request_id"));
  e.request_id = request_id.value_or("");
  return e;
}

Result<ListPage> DecodeList(std::string_view body) {
  SECPLAT_ASSIGN_OR_RETURN(Json doc, internal::ParseStrict(body));
  SECPLAT_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Open(doc, ""));
  const Json* items = r.Find("items");
  if (items == nullptr) return r.Fail("items", "required");
  if (!items->is_array()) return r.Fail("items", "must be an array");
  ListPage page;
  page.items.reserve(items->size());
  for (const Json& item : *items) page.items.push_back(internal::CanonicalDump(item));
  const Json* cursor = r.Find("next_cursor");
  if (cursor != nullptr && !cursor->is_null()) {
    if (!cursor->is_string()) return r.Fail("next_cursor", "must be a string or null");
    page.next_cursor = cursor->get<std::string>();
  }
  return page;
}

Result<TokenRequest> DecodeTokenCreate(std::string_view body) {
  SECPLAT_ASSIGN_OR_RETURN(Json doc, internal::ParseStrict(body));
  SECPLAT_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Open(doc, ""));
  SECPLAT_RETURN_IF_ERROR(r.OnlyKnown({"name", "role"}));
  TokenRequest t;
  SECPLAT_ASSIGN_OR_RETURN(t.name, r.RequiredString("name"));
  SECPLAT_ASSIGN_OR_RETURN(t.role,
                           r.RequiredEnum<core::model::Role>("role", core::model::ParseRole,
                                                             "viewer, analyst, admin, service"));
  SECPLAT_RETURN_IF_ERROR(core::validation::CheckText("name", t.name, 1, 100));
  return t;
}

namespace {

OJson TokenObject(const core::model::ApiToken& t) {
  OJson o = OJson::object();
  o["id"] = t.id;
  o["name"] = t.name;
  o["role"] = std::string(core::model::RoleName(t.role));
  o["created_by"] = t.created_by;
  o["created_at"] = FormatRfc3339(t.created_at);
  o["revoked_at"] = internal::TimeOrNull(t.revoked_at);
  return o;
}

}  // namespace

std::string EncodeToken(const core::model::ApiToken& token) {
  return internal::Dump(TokenObject(token));
}

std::string EncodeTokenCreated(const core::model::ApiToken& token, std::string_view plaintext) {
  OJson o = TokenObject(token);
  o["token"] = std::string(plaintext);
  return internal::Dump(o);
}

std::string EncodeAuditEntry(const core::model::AuditEntry& e) {
  OJson o = OJson::object();
  o["id"] = e.id;
  o["ts"] = FormatRfc3339(e.ts);
  o["actor"] = e.actor;
  o["action"] = e.action;
  o["target"] = e.target;
  o["before"] = internal::Embed(e.before_json);
  o["after"] = internal::Embed(e.after_json);
  o["request_id"] = e.request_id;
  return internal::Dump(o);
}

}  // namespace secplat::adapters::json
