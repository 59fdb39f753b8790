// The subcommand table: each row names a subcommand, declares its options on a CLI11 app, and
// runs it. main_lib.cc holds the table; each subcommand lives in its own .cc.
#ifndef SECPLAT_CMD_SUBCOMMANDS_SUBCOMMANDS_H_
#define SECPLAT_CMD_SUBCOMMANDS_SUBCOMMANDS_H_

#include <functional>
#include <string>

namespace CLI {
class App;
}

namespace secplat::cmd {

// Options shared by every subcommand.
struct GlobalOptions {
  std::string config_path;  // --config; empty: built-in defaults plus environment
};

struct Subcommand {
  const char* name;
  const char* help;
  // Adds the subcommand's own options to `app`; returns the function that runs it.
  std::function<std::function<int()>(CLI::App& app, const GlobalOptions& global)> setup;
};

Subcommand ApiSubcommand();
Subcommand UpSubcommand();
Subcommand MigrateSubcommand();
Subcommand CheckConfigSubcommand();
Subcommand QueueSubcommand();
Subcommand TokenSubcommand();
Subcommand VersionSubcommand();
Subcommand SchedulerSubcommand();
Subcommand WorkerSubcommand();
Subcommand DeriverSubcommand();
Subcommand NotifierSubcommand();

}  // namespace secplat::cmd

#endif  // SECPLAT_CMD_SUBCOMMANDS_SUBCOMMANDS_H_
