// `secplat migrate`: applies pending schema migrations and lists what it applied.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "adapters/postgres/pg_store.h"
#include "adapters/sqlite/sqlite_store.h"
#include "adapters/system/files.h"
#include "cmd/subcommands/subcommands.h"
#include "cmd/wiring.h"

namespace secplat::cmd {

Subcommand MigrateSubcommand() {
  return {"migrate", "Apply pending database migrations (each in its own transaction)",
          [](CLI::App&, const GlobalOptions& global) -> std::function<int()> {
            return [&global]() {
              auto cfg = LoadConfigOrReport(global.config_path);
              if (!cfg) return 2;
              if (UsesPostgres(*cfg)) {
                adapters::postgres::PgOptions opts;
                opts.url = PostgresUrl(*cfg);
                opts.apply_migrations = false;
                auto store = adapters::postgres::PgStore::Open(opts);
                if (!store) {
                  std::fprintf(stderr, "migrate: %s\n", store.error().message.c_str());
                  return 1;
                }
                auto applied = (*store)->Migrate();
                if (!applied) {
                  std::fprintf(stderr, "migrate: %s\n", applied.error().message.c_str());
                  return 1;
                }
                if (applied->empty()) std::printf("schema up to date\n");
                for (const auto& v : *applied) std::printf("applied %s\n", v.c_str());
                return 0;
              }
              auto path = SqlitePath(*cfg);
              if (!path) {
                std::fprintf(stderr, "migrate: %s\n", path.error().message.c_str());
                return 2;
              }
              auto dir = adapters::system::EnsureDirectory(cfg->storage.data_dir);
              if (!dir) {
                std::fprintf(stderr, "migrate: %s\n", dir.error().message.c_str());
                return 1;
              }
              adapters::sqlite::SqliteOptions opts;
              opts.path = *path;
              opts.apply_migrations = false;
              auto store = adapters::sqlite::SqliteStore::Open(opts);
              if (!store) {
                std::fprintf(stderr, "migrate: %s\n", store.error().message.c_str());
                return 1;
              }
              auto applied = (*store)->Migrate();
              if (!applied) {
                std::fprintf(stderr, "migrate: %s\n", applied.error().message.c_str());
                return 1;
              }
              if (applied->empty()) std::printf("schema up to date\n");
              for (const auto& v : *applied) std::printf("applied %s\n", v.c_str());
              return 0;
            };
          }};
}

}  // namespace secplat::cmd
