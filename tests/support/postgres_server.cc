#include "tests/support/postgres_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

namespace secplat::testing {
namespace {

constexpr const char* kBinDir = "/usr/lib/postgresql/15/bin";

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

std::string Tail(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  return s.size() > 2000 ? s.substr(s.size() - 2000) : s;
}

// The postgres account when running as root (initdb and postgres refuse root).
struct RunAs {
  bool drop = false;
  uid_t uid = 0;
  gid_t gid = 0;
};

Result<RunAs> Account() {
  RunAs as;
  if (::geteuid() != 0) return as;
  passwd* pw = ::getpwnam("postgres");
  if (pw == nullptr) return Unexpected(ErrorCode::kUnavailable, "no postgres user");
  as.drop = true;
  as.uid = pw->pw_uid;
  as.gid = pw->pw_gid;
  return as;
}

// In a forked child: become the postgres user, send output to `log`, cd to `dir`.
void PrepareChild(const RunAs& as, const std::string& dir, const std::string& log) {
  if (as.drop) {
    if (::setgroups(0, nullptr) != 0 || ::setgid(as.gid) != 0 || ::setuid(as.uid) != 0)
      ::_exit(126);
  }
  if (::chdir(dir.c_str()) != 0) ::_exit(126);
  int devnull = ::open("/dev/null", O_RDONLY);
  if (devnull >= 0) ::dup2(devnull, 0);
  int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  if (out >= 0) {
    ::dup2(out, 1);
    ::dup2(out, 2);
  }
}

std::vector<char*> Argv(std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return argv;
}

std::string ConnInfo(int port, const std::string& database) {
  return "host=127.0.0.1 port=" + std::to_string(port) + " user=postgres dbname=" + database +
         " connect_timeout=5";
}

}  // namespace

std::string PostgresServer::url(const std::string& database) const {
  return "postgres://postgres@127.0.0.1:" + std::to_string(port_) + "/" + database;
}

Result<std::unique_ptr<PostgresServer>> PostgresServer::Start() {
  const std::string initdb = std::string(kBinDir) + "/initdb";
  if (::access(initdb.c_str(), X_OK) != 0 ||
      ::access((std::string(kBinDir) + "/postgres").c_str(), X_OK) != 0)
    return Unexpected(ErrorCode::kUnavailable,
                      std::string(kBinDir) + "/{initdb,postgres} not found");
  SECPLAT_ASSIGN_OR_RETURN(RunAs as, Account());
  // Not under /root (the postgres user cannot enter it): as root, always /tmp.
  const char* tmp = std::getenv("TMPDIR");
  std::string base = tmp != nullptr && *tmp != '\0' && !as.drop ? tmp : "/tmp";
  std::string pattern = base + "/secplat-pg-XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr)
    return Unexpected(ErrorCode::kUnavailable, "mkdtemp failed");
  std::string dir(buf.data());
  if (as.drop && ::chown(dir.c_str(), as.uid, as.gid) != 0) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    return Unexpected(ErrorCode::kUnavailable, "cannot chown " + dir + " to postgres");
  }

  // initdb (as postgres), waited for.
  std::vector<std::string> args = {initdb,  "-D", dir + "/data", "-U",          "postgres", "-A",
                                   "trust", "-E", "UTF8",        "--no-locale", "--no-sync"};
  std::vector<char*> argv = Argv(args);
  pid_t pid = ::fork();
  if (pid < 0) return Unexpected(ErrorCode::kUnavailable, "fork failed");
  if (pid == 0) {
    PrepareChild(as, dir, dir + "/initdb.log");
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string log = Tail(dir + "/initdb.log");
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    return Unexpected(ErrorCode::kUnavailable, "initdb failed: " + log);
  }

  Status last = OkStatus();
  // Another process may take the port between FreePort() and the bind: try a few ports.
  for (int attempt = 0; attempt < 5; ++attempt) {
    int port = FreePort();
    if (port <= 0) continue;
    std::unique_ptr<PostgresServer> server(new PostgresServer(dir, port));
    last = server->Launch();
    if (last.has_value()) return server;
    server->dir_.clear();  // keep the dir for the next attempt
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return Unexpected(last.error());
}

Status PostgresServer::Launch() {
  if (pid_ > 0) return OkStatus();
  SECPLAT_ASSIGN_OR_RETURN(RunAs as, Account());
  std::vector<std::string> args = {std::string(kBinDir) + "/postgres",
                                   "-D",
                                   dir_ + "/data",
                                   "-p",
                                   std::to_string(port_),
                                   "-k",
                                   dir_,
                                   "-c",
                                   "listen_addresses=127.0.0.1",
                                   "-c",
                                   "fsync=off",
                                   "-c",
                                   "full_page_writes=off",
                                   "-c",
                                   "max_connections=200"};
  std::vector<char*> argv = Argv(args);
  const std::string log = dir_ + "/pg.log";
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) return Unexpected(ErrorCode::kUnavailable, "fork failed");
  if (pid == 0) {
    PrepareChild(as, dir_, log);
    // After setuid (which clears it): if the test process dies, the server goes with it.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(1);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  pid_ = pid;
  const std::string info = ConnInfo(port_, "postgres");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return Unexpected(ErrorCode::kUnavailable, "postgres exited during startup: " + Tail(log));
    }
    if (PQping(info.c_str()) == PQPING_OK) return OkStatus();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  (void)Stop(/*hard=*/true);
  return Unexpected(ErrorCode::kUnavailable, "postgres did not accept connections: " + Tail(log));
}

Status PostgresServer::Stop(bool hard) {
  if (pid_ <= 0) return OkStatus();
  ::kill(pid_, hard ? SIGQUIT : SIGINT);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (true) {
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_ || (r < 0 && errno == ECHILD)) break;
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  pid_ = -1;
  // The postmaster is gone; its backends notice within moments. Wait until the data dir is
  // free (postmaster.pid removed on a clean stop; on an immediate stop, give backends a moment).
  auto free_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::filesystem::exists(dir_ + "/data/postmaster.pid") &&
         std::chrono::steady_clock::now() < free_deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return OkStatus();
}

Status PostgresServer::Restart(bool hard) {
  SECPLAT_RETURN_IF_ERROR(Stop(hard));
  return Launch();
}

Result<std::string> PostgresServer::Query(const std::string& database, const std::string& sql) {
  PGconn* conn = PQconnectdb(ConnInfo(port_, database).c_str());
  if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
    std::string msg = conn != nullptr ? PQerrorMessage(conn) : "out of memory";
    if (conn != nullptr) PQfinish(conn);
    return Unexpected(ErrorCode::kUnavailable, "postgres: cannot connect: " + msg);
  }
  PGresult* res = PQexec(conn, sql.c_str());
  ExecStatusType st = PQresultStatus(res);
  Result<std::string> out = std::string();
  if (st == PGRES_TUPLES_OK) {
    if (PQntuples(res) > 0 && PQnfields(res) > 0) out = std::string(PQgetvalue(res, 0, 0));
  } else if (st != PGRES_COMMAND_OK) {
    out = Unexpected(ErrorCode::kInternal, "postgres: " + std::string(PQresultErrorMessage(res)));
  }
  PQclear(res);
  PQfinish(conn);
  return out;
}

Status PostgresServer::CreateDatabase(const std::string& name) {
  SECPLAT_ASSIGN_OR_RETURN(std::string ignored, Query("postgres", "CREATE DATABASE \"" + name +
                                                                      "\" TEMPLATE template0"));
  (void)ignored;
  return OkStatus();
}

Status PostgresServer::DropDatabase(const std::string& name) {
  SECPLAT_ASSIGN_OR_RETURN(std::string ignored, Query("postgres", "DROP DATABASE IF EXISTS \"" +
                                                                      name + "\" WITH (FORCE)"));
  (void)ignored;
  return OkStatus();
}

PostgresServer::~PostgresServer() {
  (void)Stop();
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

}  // namespace secplat::testing
