#include "tests/e2e/harness.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace secplat::testing {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string MakeTempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "secplat-e2e-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  return tmpl;
}

// Forks and execs the binary with stdout/stderr redirected to files.
pid_t Spawn(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
            const std::string& out_path, const std::string& err_path) {
  pid_t pid = fork();
  if (pid == 0) {
    // If the test process dies without its teardown (a crash, a sanitizer abort), the server
    // must not outlive it.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    dup2(out, 1);
    dup2(err, 2);
    for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> argv;
    std::string bin = SECPLAT_BINARY_PATH;
    argv.push_back(bin.data());
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  return pid;
}

}  // namespace

CommandResult RunSecplat(const std::vector<std::string>& args,
                         const std::map<std::string, std::string>& env) {
  std::string dir = MakeTempDir();
  pid_t pid = Spawn(args, env, dir + "/out", dir + "/err");
  int status = 0;
  waitpid(pid, &status, 0);
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = ReadFile(dir + "/out");
  r.err = ReadFile(dir + "/err");
  std::filesystem::remove_all(dir);
  return r;
}

std::unique_ptr<Harness> Harness::Create() {
  auto h = std::make_unique<Harness>();
  h->dir = MakeTempDir();
  auto make = [&](const std::string& role) {
    CommandResult r =
        RunSecplat({"token", "create", "--role", role, "--name", "e2e-" + role}, h->Env());
    if (r.exit_code != 0) throw std::runtime_error("token create failed: " + r.err);
    std::string t = r.out;
    while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.pop_back();
    return t;
  };
  h->admin_token = make("admin");
  h->analyst_token = make("analyst");
  h->viewer_token = make("viewer");
  h->service_token = make("service");
  return h;
}

Harness::~Harness() {
  for (pid_t r : std::vector<pid_t>(roles)) StopRole(r, /*hard=*/true);
  Stop();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

std::map<std::string, std::string> Harness::Env() const {
  return {{"SECPLAT_STORAGE_DATA_DIR", dir + "/data"},
          {"SECPLAT_SERVER_PORT", "0"},
          {"SECPLAT_SERVER_LISTEN_ADDRESS", "127.0.0.1"},
          {"SECPLAT_LOG_LEVEL", "info"},
          // The suites send hundreds of deliberately bad tokens from one address; the
          // failed-authentication budget has its own test (AuthThrottleE2e) with a small one.
          {"SECPLAT_AUTH_FAILED_AUTH_BURST", "100000"}};
}

void Harness::Start(const std::string& subcommand,
                    const std::map<std::string, std::string>& extra_env) {
  std::string ready = dir + "/ready";
  std::filesystem::remove(ready);
  std::map<std::string, std::string> env = Env();
  for (const auto& [k, v] : extra_env) env[k] = v;
  pid = Spawn({subcommand, "--ready-file", ready}, env, dir + "/server.out", dir + "/server.err");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    std::string text = ReadFile(ready);
    if (!text.empty() && text.back() == '\n') {
      port = std::stoi(text);
      return;
    }
    int status;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      pid = -1;
      throw std::runtime_error("server exited early: " + ReadFile(dir + "/server.err") +
                               ReadFile(dir + "/server.out"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw std::runtime_error("server not ready within 20 s");
}

std::map<std::string, std::string> Harness::RoleEnv() const {
  auto env = Env();
  env["SECPLAT_PLATFORM_API_URL"] = Url("");
  env["SECPLAT_PLATFORM_TOKEN"] = service_token;
  return env;
}

pid_t Harness::StartRole(const std::string& name, const std::vector<std::string>& args,
                         const std::map<std::string, std::string>& extra_env) {
  auto env = RoleEnv();
  for (const auto& [k, v] : extra_env) env[k] = v;
  pid_t p = Spawn(args, env, dir + "/" + name + ".out", dir + "/" + name + ".err");
  roles.push_back(p);
  return p;
}

int Harness::StopRole(pid_t role_pid, bool hard) {
  std::erase(roles, role_pid);
  if (role_pid <= 0) return -1;
  kill(role_pid, hard ? SIGKILL : SIGTERM);
  int status = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < deadline) {
    if (waitpid(role_pid, &status, WNOHANG) == role_pid) {
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(role_pid, SIGKILL);
  waitpid(role_pid, &status, 0);
  return 128 + SIGKILL;
}

std::string Harness::RoleLog(const std::string& name) const {
  return ReadFile(dir + "/" + name + ".out") + ReadFile(dir + "/" + name + ".err");
}

bool Harness::Running() const { return pid > 0 && kill(pid, 0) == 0; }

void Harness::Stop() {
  if (pid <= 0) return;
  kill(pid, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  int status;
  while (std::chrono::steady_clock::now() < deadline) {
    if (waitpid(pid, &status, WNOHANG) == pid) {
      pid = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  pid = -1;
}

std::string Harness::Url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port) + path;
}

std::string Harness::LogText() const { return ReadFile(dir + "/server.out"); }

adapters::http::ClientResponse Harness::Call(
    const std::string& method, const std::string& path, const std::string& body,
    const std::string& token, std::vector<std::pair<std::string, std::string>> headers) {
  thread_local adapters::http::HttpClient client;
  adapters::http::ClientRequest req;
  req.method = method;
  req.url = Url(path);
  req.body = body;
  if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
  bool has_ct = false;
  for (auto& [k, v] : headers) has_ct = has_ct || k == "Content-Type";
  if (!body.empty() && !has_ct) headers.emplace_back("Content-Type", "application/json");
  req.headers = std::move(headers);
  auto r = client.Send(req);
  if (!r) throw std::runtime_error("HTTP call failed: " + r.error().message);
  return *r;
}

}  // namespace secplat::testing
