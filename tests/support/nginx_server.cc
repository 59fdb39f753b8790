#include "tests/support/nginx_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
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
#include <set>
#include <sstream>
#include <thread>

#include "core/common/check.h"

namespace secplat::testing {
namespace {

constexpr const char* kNginx = "/usr/sbin/nginx";

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

bool Accepts(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

std::string ReadTail(const std::string& path, size_t max = 3000) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  return s.size() > max ? s.substr(s.size() - max) : s;
}

void ReplaceAll(std::string& s, std::string_view from, std::string_view to) {
  for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size()) {
    s.replace(pos, from.size(), to);
  }
}

// nginx single-quoted string: escape backslashes and quotes.
std::string Quote(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  out += "'";
  return out;
}

}  // namespace

Result<std::unique_ptr<NginxServer>> NginxServer::Start(std::vector<NginxSite> sites,
                                                        NginxOptions options) {
  if (::access(kNginx, X_OK) != 0) {
    return Unexpected(ErrorCode::kUnavailable, std::string(kNginx) + " not found");
  }
  std::set<std::string> names;
  for (const NginxSite& s : sites) {
    if (s.name.empty() || !names.insert(s.name).second) {
      return Unexpected(ErrorCode::kInvalidArgument,
                        "duplicate or empty site name '" + s.name + "'");
    }
    for (char c : s.name) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') {
        return Unexpected(ErrorCode::kInvalidArgument,
                          "site name '" + s.name + "' must be [A-Za-z0-9_-]");
      }
    }
    if (s.tls && (s.cert_file.empty() || s.key_file.empty())) {
      return Unexpected(ErrorCode::kInvalidArgument,
                        "TLS site '" + s.name + "' needs cert and key");
    }
  }
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern =
      std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/secplat-nginx-XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr)
    return Unexpected(ErrorCode::kUnavailable, "mkdtemp failed");
  std::unique_ptr<NginxServer> server(new NginxServer());
  server->dir_ = buf.data();
  server->sites_ = std::move(sites);
  ::chmod(server->dir_.c_str(), 0755);
  Status last = OkStatus();
  // Another process may take a port between FreePort() and nginx's bind: retry with new ports.
  for (int attempt = 0; attempt < 4; ++attempt) {
    server->ports_.clear();
    for (const NginxSite& s : server->sites_) server->ports_[s.name] = FreePort();
    last = server->WriteConfig(options);
    if (!last.has_value()) return Unexpected(last.error());
    last = server->Launch();
    if (last.has_value()) return server;
  }
  return Unexpected(last.error());
}

Status NginxServer::WriteConfig(const NginxOptions& options) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir_ + "/tmp", ec);
  fs::create_directories(dir_ + "/www", ec);
  std::ostringstream conf;
  bool master = options.worker_processes > 1;
  conf << "daemon off;\n"
       << "master_process " << (master ? "on" : "off") << ";\n"
       << "worker_processes " << options.worker_processes << ";\n"
       << "worker_rlimit_nofile " << (options.worker_connections * 2 + 64) << ";\n"
       << "pid " << dir_ << "/nginx.pid;\n"
       << "error_log " << dir_ << "/error.log warn;\n";
  if (master && ::geteuid() == 0) conf << "user nobody nogroup;\n";
  conf << "events { worker_connections " << options.worker_connections << "; }\n"
       << "http {\n"
       << "  include /etc/nginx/mime.types;\n"
       << "  default_type application/octet-stream;\n"
       << "  sendfile on;\n"
       << "  keepalive_requests 1000000;\n"
       << "  keepalive_timeout 65;\n";
  for (const char* t : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"}) {
    conf << "  " << t << "_temp_path " << dir_ << "/tmp/" << t << ";\n";
  }
  for (const NginxSite& s : sites_) {
    conf << "  log_format site_" << s.name << " '" << s.name
         << " $remote_addr:$remote_port $connection $connection_requests $status \"$request\"';\n";
  }
  for (const NginxSite& s : sites_) {
    std::string root = dir_ + "/www/" + s.name;
    fs::create_directories(root, ec);
    bool has_index = false;
    for (const auto& [path, content] : s.files) {
      if (path.empty() || path[0] != '/' || path.find("..") != std::string::npos) {
        return Unexpected(ErrorCode::kInvalidArgument, "bad file path '" + path + "'");
      }
      fs::path p = fs::path(root + path);
      fs::create_directories(p.parent_path(), ec);
      std::ofstream out(p, std::ios::binary | std::ios::trunc);
      out << content;
      if (path == "/index.html") has_index = true;
    }
    if (!has_index) {
      std::ofstream out(root + "/index.html", std::ios::binary | std::ios::trunc);
      out << s.name << " ok\n";
    }
    // World-readable tree (workers may run as nobody).
    for (auto it = fs::recursive_directory_iterator(dir_ + "/www", ec);
         it != fs::recursive_directory_iterator(); it.increment(ec)) {
      ::chmod(it->path().c_str(), it->is_directory() ? 0755 : 0644);
    }
    ::chmod((dir_ + "/www").c_str(), 0755);

    auto expand = [&](std::string text) {
      ReplaceAll(text, "{{port}}", std::to_string(ports_.at(s.name)));
      for (const auto& [name, port] : ports_) {
        ReplaceAll(text, "{{port:" + name + "}}", std::to_string(port));
      }
      return text;
    };
    conf << "  server {\n"
         << "    listen 127.0.0.1:" << ports_.at(s.name) << (s.tls ? " ssl" : "")
         << " backlog=" << options.listen_backlog << ";\n"
         << "    server_name " << s.server_name << ";\n"
         << "    root " << root << ";\n"
         << "    index index.html;\n"
         << "    server_tokens " << (s.server_tokens ? "on" : "off") << ";\n"
         << "    access_log " << dir_ << "/access.log site_" << s.name << ";\n";
    if (s.tls) {
      conf << "    ssl_certificate " << s.cert_file << ";\n"
           << "    ssl_certificate_key " << s.key_file << ";\n"
           << "    ssl_protocols " << s.ssl_protocols << ";\n";
      if (!s.ssl_ciphers.empty()) conf << "    ssl_ciphers " << Quote(s.ssl_ciphers) << ";\n";
    }
    for (const std::string& h : s.add_headers) conf << "    add_header " << expand(h) << ";\n";
    std::string extra = expand(s.extra_config);
    if (extra.find("location / ") == std::string::npos &&
        extra.find("location /{") == std::string::npos) {
      conf << "    location / { }\n";
    }
    conf << "    " << extra << "\n  }\n";
  }
  conf << "}\n";
  std::ofstream out(dir_ + "/nginx.conf", std::ios::trunc);
  out << conf.str();
  if (!out) return Unexpected(ErrorCode::kUnavailable, "cannot write " + dir_ + "/nginx.conf");
  return OkStatus();
}

Status NginxServer::Launch() {
  std::vector<std::string> args = {kNginx, "-e", dir_ + "/error.log", "-p",
                                   dir_,   "-c", dir_ + "/nginx.conf"};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) return Unexpected(ErrorCode::kUnavailable, "fork failed");
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(1);
    int devnull = ::open("/dev/null", O_RDWR);
    if (devnull >= 0) {
      ::dup2(devnull, 0);
      ::dup2(devnull, 1);
    }
    int err = ::open((dir_ + "/stderr.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (err >= 0) ::dup2(err, 2);
    ::execv(kNginx, argv.data());
    ::_exit(127);
  }
  pid_ = pid;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return Unexpected(ErrorCode::kUnavailable,
                        "nginx exited during startup: " + ReadTail(dir_ + "/error.log") +
                            ReadTail(dir_ + "/stderr.log"));
    }
    bool all = true;
    for (const auto& [name, port] : ports_) {
      if (!Accepts(port)) {
        all = false;
        break;
      }
    }
    if (all) return OkStatus();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  (void)Stop();
  return Unexpected(ErrorCode::kUnavailable,
                    "nginx did not come up: " + ReadTail(dir_ + "/error.log"));
}

Status NginxServer::Stop() {
  if (pid_ <= 0) return OkStatus();
  ::kill(pid_, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
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
  return OkStatus();
}

NginxServer::~NginxServer() {
  (void)Stop();
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

int NginxServer::port(std::string_view site) const {
  auto it = ports_.find(site);
  SECPLAT_CHECK(it != ports_.end(), "NginxServer: unknown site");
  return it->second;
}

const NginxSite& NginxServer::site(std::string_view name) const {
  for (const NginxSite& s : sites_) {
    if (s.name == name) return s;
  }
  SECPLAT_CHECK(false, "NginxServer: unknown site");
  return sites_.front();
}

std::string NginxServer::Url(std::string_view site_name, std::string_view path,
                             std::string_view host) const {
  const NginxSite& s = site(site_name);
  std::string h = host.empty() ? s.server_name : std::string(host);
  return std::string(s.tls ? "https://" : "http://") + h + ":" + std::to_string(port(site_name)) +
         std::string(path);
}

std::vector<std::string> NginxServer::AccessLogLines() const {
  std::vector<std::string> lines;
  std::ifstream in(access_log_path());
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::vector<std::string> NginxServer::WaitForAccessLogLines(
    size_t count, std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<std::string> lines = AccessLogLines();
  while (lines.size() < count && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    lines = AccessLogLines();
  }
  return lines;
}

namespace nginx_sites {
namespace {

NginxSite TlsSite(std::string_view name, const TestPki& pki, TestPki::LeafKind leaf) {
  NginxSite s;
  s.name = std::string(name);
  s.tls = true;
  s.cert_file = pki.leaf(leaf).cert;
  s.key_file = pki.leaf(leaf).key;
  return s;
}

std::string Header(std::string_view name, std::string_view value) {
  return std::string(name) + " " + Quote(value) + " always";
}

}  // namespace

NginxSite Tls12Only(const TestPki& pki) {
  NginxSite s = TlsSite(kTls12Only, pki, TestPki::kRsa2048);
  s.ssl_protocols = "TLSv1.2";
  return s;
}

NginxSite Tls13Only(const TestPki& pki) {
  NginxSite s = TlsSite(kTls13Only, pki, TestPki::kRsa2048);
  s.ssl_protocols = "TLSv1.3";
  return s;
}

NginxSite LegacyTls(const TestPki& pki) {
  NginxSite s = TlsSite(kLegacyTls, pki, TestPki::kRsa2048);
  s.ssl_protocols = "TLSv1 TLSv1.1 TLSv1.2";
  s.ssl_ciphers = "ALL:@SECLEVEL=0";
  return s;
}

NginxSite ExpiredCert(const TestPki& pki) { return TlsSite(kExpiredCert, pki, TestPki::kExpired); }

NginxSite WrongHost(const TestPki& pki) { return TlsSite(kWrongHost, pki, TestPki::kWrongHost); }

NginxSite Rsa1024(const TestPki& pki) {
  NginxSite s = TlsSite(kRsa1024, pki, TestPki::kRsa1024);
  s.ssl_ciphers = "ALL:@SECLEVEL=0";
  return s;
}

NginxSite SelfSigned(const TestPki& pki) { return TlsSite(kSelfSigned, pki, TestPki::kSelfSigned); }

NginxSite EcP256(const TestPki& pki) { return TlsSite(kEcP256, pki, TestPki::kEcP256); }

NginxSite GoodHeaders(const TestPki& pki) {
  NginxSite s = TlsSite(kGoodHeaders, pki, TestPki::kRsa2048);
  s.add_headers = {Header("Strict-Transport-Security", kGoodHsts),
                   Header("Content-Security-Policy", kGoodCsp),
                   Header("X-Frame-Options", "DENY"),
                   Header("X-Content-Type-Options", "nosniff"),
                   Header("Referrer-Policy", kGoodReferrerPolicy),
                   Header("Permissions-Policy", kGoodPermissionsPolicy),
                   Header("Set-Cookie", kGoodCookie)};
  return s;
}

NginxSite MissingHeaders(const TestPki& pki) {
  NginxSite s = TlsSite(kMissingHeaders, pki, TestPki::kRsa2048);
  s.server_tokens = true;
  s.add_headers = {Header("X-Powered-By", "PHP/7.4.3"), Header("Set-Cookie", kInsecureCookie)};
  return s;
}

NginxSite GitExposed() {
  NginxSite s;
  s.name = std::string(kGitExposed);
  s.files = {{"/.git/HEAD", std::string(kGitHeadContent)},
             {"/index.html", "<html><body>git_exposed home</body></html>\n"}};
  return s;
}

NginxSite Soft404() {
  NginxSite s;
  s.name = std::string(kSoft404);
  s.files = {{"/index.html", std::string(kSoft404Body)}};
  s.extra_config = "location / { default_type text/html; try_files /index.html =404; }";
  return s;
}

NginxSite RedirectLoop() {
  NginxSite s;
  s.name = std::string(kRedirectLoop);
  s.extra_config =
      "location = / { return 302 /loop-a; }\n"
      "    location = /loop-a { return 302 /loop-b; }\n"
      "    location = /loop-b { return 302 /loop-a; }";
  return s;
}

NginxSite PlainHttp() {
  NginxSite s;
  s.name = std::string(kPlainHttp);
  return s;
}

NginxSite HttpToHttps(std::string_view https_site) {
  NginxSite s;
  s.name = std::string(kHttpToHttps);
  s.extra_config = "location / { return 301 https://site.test:{{port:" + std::string(https_site) +
                   "}}$request_uri; }";
  return s;
}

NginxSite RedirectToMetadata() {
  NginxSite s;
  s.name = std::string(kRedirectToMetadata);
  s.extra_config = "location = / { return 302 " + std::string(kMetadataUrl) +
                   "; }\n    location = /ok { return 200 'ok\\n'; }";
  return s;
}

}  // namespace nginx_sites

}  // namespace secplat::testing
