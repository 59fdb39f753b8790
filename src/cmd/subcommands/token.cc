// `secplat token create|list|revoke`: manages API tokens on the store directly (for the host's
// operator; the API offers the same to admins). The plaintext is printed once by `create`.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "adapters/system/system_clock.h"
#include "cmd/subcommands/subcommands.h"
#include "cmd/wiring.h"
#include "services/api/api_service.h"

namespace secplat::cmd {
namespace {

struct TokenArgs {
  std::string role;
  std::string name;
  std::string id;
};

int WithService(const GlobalOptions& global,
                const std::function<int(services::api::ApiService&, services::api::CallMeta)>& fn) {
  auto cfg = LoadConfigOrReport(global.config_path);
  if (!cfg) return 2;
  auto store = OpenStore(*cfg, /*migrate=*/true);
  if (!store) {
    std::fprintf(stderr, "token: %s\n", store.error().message.c_str());
    return 1;
  }
  adapters::system::SystemClock clock;
  services::api::ApiService service(**store);
  core::model::Actor cli{"", "cli", core::model::Role::kAdmin};
  return fn(service, {cli, "cli", clock.Now()});
}

}  // namespace

Subcommand TokenSubcommand() {
  return {"token", "Create, list or revoke API tokens (works on the store directly)",
          [](CLI::App& app, const GlobalOptions& global) -> std::function<int()> {
            auto args = std::make_shared<TokenArgs>();
            app.require_subcommand(1);
            CLI::App* create = app.add_subcommand("create", "Create a token; prints it once");
            create->add_option("--role", args->role, "viewer, analyst, admin or service")
                ->required()
                ->check(CLI::IsMember({"viewer", "analyst", "admin", "service"}));
            create->add_option("--name", args->name, "A label for the token")->required();
            CLI::App* list = app.add_subcommand("list", "List tokens (never their secrets)");
            CLI::App* revoke = app.add_subcommand("revoke", "Revoke a token by id");
            revoke->add_option("id", args->id, "Token id (16 hex characters)")->required();
            return [&global, args, create, list, revoke]() -> int {
              if (create->parsed()) {
                return WithService(global, [&](auto& svc, auto meta) {
                  auto role = core::model::ParseRole(args->role);
                  if (args->name.empty() || args->name.size() > 100) {
                    std::fprintf(stderr, "token: --name must be 1..100 characters\n");
                    return 2;
                  }
                  auto issued = svc.IssueToken(args->name, *role, meta);
                  if (!issued) {
                    std::fprintf(stderr, "token: %s\n", issued.error().message.c_str());
                    return 1;
                  }
                  std::fprintf(stderr, "created token %s (%s, role %s); it is shown once:\n",
                               issued->token.id.c_str(), args->name.c_str(), args->role.c_str());
                  std::printf("%s\n", issued->plaintext.c_str());
                  return 0;
                });
              }
              if (list->parsed()) {
                return WithService(global, [&](auto& svc, auto) {
                  auto tokens = svc.store().ListTokens();
                  if (!tokens) {
                    std::fprintf(stderr, "token: %s\n", tokens.error().message.c_str());
                    return 1;
                  }
                  std::printf("%-16s  %-8s  %-24s  %-24s  %s\n", "ID", "ROLE", "CREATED", "REVOKED",
                              "NAME");
                  for (const auto& t : *tokens)
                    std::printf("%-16s  %-8s  %-24s  %-24s  %s\n", t.id.c_str(),
                                std::string(core::model::RoleName(t.role)).c_str(),
                                FormatRfc3339(t.created_at).c_str(),
                                t.revoked_at ? FormatRfc3339(*t.revoked_at).c_str() : "-",
                                t.name.c_str());
                  return 0;
                });
              }
              if (revoke->parsed()) {
                return WithService(global, [&](auto& svc, auto meta) {
                  auto r = svc.RevokeToken(args->id, meta);
                  if (!r) {
                    std::fprintf(stderr, "token: %s\n", r.error().message.c_str());
                    return 1;
                  }
                  std::printf("revoked %s\n", args->id.c_str());
                  return 0;
                });
              }
              return 2;
            };
          }};
}

}  // namespace secplat::cmd
