// The secplat command line: one binary, one subcommand per role or tool.
// Exit codes: 0 success, 1 runtime failure, 2 usage or configuration problems.
#ifndef SECPLAT_CMD_MAIN_LIB_H_
#define SECPLAT_CMD_MAIN_LIB_H_

namespace secplat::cmd {

int Main(int argc, char** argv);

}  // namespace secplat::cmd

#endif  // SECPLAT_CMD_MAIN_LIB_H_
