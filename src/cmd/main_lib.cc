#include "cmd/main_lib.h"

#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <vector>

#include "adapters/system/allocator.h"
#include "cmd/subcommands/subcommands.h"

namespace secplat::cmd {

int Main(int argc, char** argv) {
  // The data dir holds findings, audit history and token hashes: everything SecPlat creates is
  // private to its user (dirs 0700, files 0600) unless a caller sets a mode explicitly.
  ::umask(077);
  // MB-sized request and response bodies are reused from the heap, not mmapped per request.
  (void)adapters::system::KeepLargeBuffersInHeap();
  // The subcommand table (after ClickHouse's programs/main.cpp): name, help, entry.
  const std::vector<Subcommand> table = {
      ApiSubcommand(),    UpSubcommand(),      MigrateSubcommand(),  CheckConfigSubcommand(),
      QueueSubcommand(),  TokenSubcommand(),   VersionSubcommand(),  SchedulerSubcommand(),
      WorkerSubcommand(), DeriverSubcommand(), NotifierSubcommand(),
  };
  CLI::App app{"secplat: self-hosted security posture platform"};
  app.require_subcommand(1);
  GlobalOptions global;
  std::vector<std::function<int()>> runners(table.size());
  std::vector<CLI::App*> subs;
  for (size_t i = 0; i < table.size(); ++i) {
    CLI::App* sub = app.add_subcommand(table[i].name, table[i].help);
    sub->add_option("-c,--config", global.config_path,
                    "YAML config file (default: built-in defaults; SECPLAT_<SECTION>_<KEY> "
                    "environment variables override any key)");
    runners[i] = table[i].setup(*sub, global);
    subs.push_back(sub);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);  // prints help (rc 0) or the usage error (rc != 0)
    return rc == 0 ? 0 : 2;
  }
  for (size_t i = 0; i < subs.size(); ++i)
    if (subs[i]->parsed()) return runners[i]();
  return 2;
}

}  // namespace secplat::cmd
