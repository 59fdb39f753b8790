// E2E harness: runs the real `secplat` binary in a temp data dir and talks to it over HTTP.
//
//   auto h = Harness::Create();                  // temp dir + four tokens via `secplat token`
//   h->StartApi();                                // `secplat api` on port 0, waits for readiness
//   auto r = h->Call("GET", "/api/v1/assets", "", h->admin_token);
#ifndef SECPLAT_TESTS_E2E_HARNESS_H_
#define SECPLAT_TESTS_E2E_HARNESS_H_

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "adapters/http/client.h"

namespace secplat::testing {

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `secplat args...` to completion with extra environment variables.
CommandResult RunSecplat(const std::vector<std::string>& args,
                         const std::map<std::string, std::string>& env);

class Harness {
 public:
  // Makes a temp data dir and one token per role with `secplat token create`.
  static std::unique_ptr<Harness> Create();
  ~Harness();

  // Starts `secplat <subcommand> --ready-file ...` on port 0; waits up to 20 s for the port.
  // `extra_env` is added to Env() (and wins over it), e.g. {"SECPLAT_QUEUE_URL", url}.
  void Start(const std::string& subcommand = "api",
             const std::map<std::string, std::string>& extra_env = {});
  void Stop();  // SIGTERM, waits for exit (SIGKILL after 10 s); returns when gone
  bool Running() const;

  adapters::http::ClientResponse Call(
      const std::string& method, const std::string& path, const std::string& body,
      const std::string& token, std::vector<std::pair<std::string, std::string>> headers = {});
  std::string Url(const std::string& path) const;
  std::string LogText() const;  // everything the server wrote to stdout so far

  std::map<std::string, std::string> Env() const;  // SECPLAT_* for this data dir

  // Another role (`secplat worker`, `scheduler`, ...) against the running API with the service
  // token (RoleEnv()); `extra_env` wins. Output goes to <dir>/<name>.out / .err. Stopped by
  // StopRole or the destructor.
  pid_t StartRole(const std::string& name, const std::vector<std::string>& args,
                  const std::map<std::string, std::string>& extra_env = {});
  // SIGTERM (SIGKILL when `hard`) and wait; the role's exit code (128 + signal when killed).
  int StopRole(pid_t role_pid, bool hard = false);
  std::string RoleLog(const std::string& name) const;  // <name>.out + <name>.err
  // Env() plus SECPLAT_PLATFORM_API_URL (this API) and SECPLAT_PLATFORM_TOKEN (service).
  std::map<std::string, std::string> RoleEnv() const;
  std::vector<pid_t> roles;

  std::string dir;
  int port = 0;
  pid_t pid = -1;
  std::string admin_token, analyst_token, viewer_token, service_token;
};

}  // namespace secplat::testing

#endif  // SECPLAT_TESTS_E2E_HARNESS_H_
