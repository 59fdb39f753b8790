#include "tests/support/test_pki.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

namespace secplat::testing {
namespace {

constexpr const char* kOpenssl = "/usr/bin/openssl";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  return static_cast<bool>(out);
}

// "YYYYMMDDHHMMSSZ" as `openssl ca -startdate/-enddate` wants it.
std::string AsnTime(Timestamp t) {
  std::time_t secs = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y%m%d%H%M%SZ", &tm);
  return buf;
}

constexpr const char* kCaConfig = R"([ ca ]
default_ca = test_ca
[ test_ca ]
dir = .
database = DIR/index.txt
new_certs_dir = DIR/newcerts
serial = DIR/serial
default_md = sha256
policy = test_policy
unique_subject = no
copy_extensions = none
email_in_dn = no
[ test_policy ]
organizationName = optional
commonName = supplied
)";

std::string MakeTempDir(const std::string& prefix) {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern =
      std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/" + prefix + "-XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) return {};
  return std::string(buf.data());
}

}  // namespace

Status RunCommand(const std::vector<std::string>& argv, std::string* output, int timeout_s) {
  if (argv.empty()) return Unexpected(ErrorCode::kInvalidArgument, "empty command");
  char tmpl[] = "/tmp/secplat-cmd-XXXXXX";
  int out_fd = ::mkstemp(tmpl);
  if (out_fd < 0) return Unexpected(ErrorCode::kUnavailable, "mkstemp failed");
  ::unlink(tmpl);
  std::vector<std::string> args = argv;
  std::vector<char*> cargv;
  for (std::string& a : args) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(out_fd);
    return Unexpected(ErrorCode::kUnavailable, "fork failed");
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(1);
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    ::dup2(out_fd, 1);
    ::dup2(out_fd, 2);
    ::execv(cargv[0], cargv.data());
    ::_exit(127);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  int status = 0;
  bool exited = false;
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      exited = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  if (!exited) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  }
  std::string text;
  ::lseek(out_fd, 0, SEEK_SET);
  char buf[4096];
  ssize_t n;
  while ((n = ::read(out_fd, buf, sizeof(buf))) > 0) text.append(buf, static_cast<size_t>(n));
  ::close(out_fd);
  if (text.size() > 4096) text = text.substr(text.size() - 4096);
  if (output != nullptr) *output = text;
  if (!exited) return Unexpected(ErrorCode::kUnavailable, argv[0] + " timed out: " + text);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return Unexpected(ErrorCode::kUnavailable,
                      argv[0] + " failed (status " + std::to_string(status) + "): " + text);
  }
  return OkStatus();
}

Result<std::unique_ptr<TestPki>> TestPki::Create() {
  if (::access(kOpenssl, X_OK) != 0) {
    return Unexpected(ErrorCode::kUnavailable, std::string(kOpenssl) + " not found");
  }
  std::unique_ptr<TestPki> pki(new TestPki());
  pki->dir_ = MakeTempDir("secplat-pki");
  if (pki->dir_.empty()) return Unexpected(ErrorCode::kUnavailable, "mkdtemp failed");
  // nginx workers never read keys (the master does, as root), but tests may run nginx as
  // another user: keep the dir traversable.
  ::chmod(pki->dir_.c_str(), 0755);
  SECPLAT_RETURN_IF_ERROR(pki->Build());
  return pki;
}

Result<const TestPki*> TestPki::Shared() {
  static std::mutex mu;
  static std::unique_ptr<TestPki> shared;  // destroyed at exit: removes the dir
  std::lock_guard<std::mutex> lock(mu);
  if (!shared) {
    SECPLAT_ASSIGN_OR_RETURN(shared, Create());
  }
  return static_cast<const TestPki*>(shared.get());
}

TestPki::~TestPki() {
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

Status TestPki::Build() {
  auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  created_at_ = std::chrono::time_point_cast<Duration>(now);
  std::string config = kCaConfig;
  for (size_t pos; (pos = config.find("DIR")) != std::string::npos;) {
    config.replace(pos, 3, dir_);
  }
  std::filesystem::create_directories(dir_ + "/newcerts");
  if (!WriteFile(dir_ + "/ca.cnf", config) || !WriteFile(dir_ + "/index.txt", "") ||
      !WriteFile(dir_ + "/serial", "1000\n")) {
    return Unexpected(ErrorCode::kUnavailable, "cannot write CA files in " + dir_);
  }
  ca_cert_ = dir_ + "/ca.pem";
  ca_key_ = dir_ + "/ca.key";
  std::string out;
  SECPLAT_RETURN_IF_ERROR(RunCommand({kOpenssl,
                                      "req",
                                      "-x509",
                                      "-newkey",
                                      "ec",
                                      "-pkeyopt",
                                      "ec_paramgen_curve:P-256",
                                      "-nodes",
                                      "-keyout",
                                      ca_key_,
                                      "-out",
                                      ca_cert_,
                                      "-subj",
                                      "/O=SecPlat Test/CN=SecPlat Test CA",
                                      "-days",
                                      "3650",
                                      "-sha256",
                                      "-addext",
                                      "basicConstraints=critical,CA:TRUE",
                                      "-addext",
                                      "keyUsage=critical,keyCertSign,cRLSign"},
                                     &out));
  SECPLAT_RETURN_IF_ERROR(MakeLeaf(kRsa2048, "rsa2048", "site.test", "rsa:2048", false, false));
  SECPLAT_RETURN_IF_ERROR(MakeLeaf(kEcP256, "ecp256", "site.test", "ec", false, false));
  SECPLAT_RETURN_IF_ERROR(MakeLeaf(kExpired, "expired", "site.test", "ec", true, false));
  SECPLAT_RETURN_IF_ERROR(MakeLeaf(kWrongHost, "wronghost", "other.test", "ec", false, false));
  SECPLAT_RETURN_IF_ERROR(MakeLeaf(kRsa1024, "rsa1024", "site.test", "rsa:1024", false, false));
  SECPLAT_RETURN_IF_ERROR(MakeLeaf(kSelfSigned, "selfsigned", "site.test", "ec", false, true));
  return OkStatus();
}

Status TestPki::MakeLeaf(LeafKind kind, const std::string& name, const std::string& cn,
                         const std::string& key_alg, bool expired, bool self_signed) {
  Leaf leaf;
  leaf.cert = dir_ + "/" + name + ".pem";
  leaf.key = dir_ + "/" + name + ".key";
  leaf.common_name = cn;
  if (cn == "site.test") {
    leaf.dns_sans = {"site.test", "localhost"};
    leaf.ip_sans = {"127.0.0.1"};
  } else {
    leaf.dns_sans = {cn};
  }
  leaf.key_type = key_alg == "ec" ? "EC" : "RSA";
  leaf.key_bits = key_alg == "ec" ? 256 : std::stoi(key_alg.substr(4));
  leaf.self_signed = self_signed;
  auto day = std::chrono::hours(24);
  if (expired) {
    leaf.not_before = created_at_ - 31 * day;
    leaf.not_after = created_at_ - day;
  } else {
    leaf.not_before = created_at_ - day;
    leaf.not_after = created_at_ + 90 * day;
  }
  std::string san;
  for (const std::string& d : leaf.dns_sans) san += (san.empty() ? "DNS:" : ",DNS:") + d;
  for (const std::string& ip : leaf.ip_sans) san += ",IP:" + ip;
  std::string ext_path = dir_ + "/" + name + ".ext";
  if (!WriteFile(ext_path, "subjectAltName=" + san +
                               "\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")) {
    return Unexpected(ErrorCode::kUnavailable, "cannot write " + ext_path);
  }
  std::string csr = dir_ + "/" + name + ".csr";
  std::string out;
  std::vector<std::string> req = {kOpenssl, "req", "-new", "-newkey", key_alg};
  if (key_alg == "ec") {
    req.push_back("-pkeyopt");
    req.push_back("ec_paramgen_curve:P-256");
  }
  for (const char* a : {"-nodes", "-keyout"}) req.push_back(a);
  req.push_back(leaf.key);
  req.push_back("-out");
  req.push_back(csr);
  req.push_back("-subj");
  req.push_back("/O=SecPlat Test/CN=" + cn);
  SECPLAT_RETURN_IF_ERROR(RunCommand(req, &out));
  std::vector<std::string> sign = {kOpenssl,
                                   "ca",
                                   "-batch",
                                   "-config",
                                   dir_ + "/ca.cnf",
                                   "-in",
                                   csr,
                                   "-out",
                                   leaf.cert,
                                   "-notext",
                                   "-md",
                                   "sha256",
                                   "-startdate",
                                   AsnTime(leaf.not_before),
                                   "-enddate",
                                   AsnTime(leaf.not_after),
                                   "-extfile",
                                   ext_path};
  if (self_signed) {
    sign.push_back("-selfsign");
    sign.push_back("-keyfile");
    sign.push_back(leaf.key);
  } else {
    sign.push_back("-cert");
    sign.push_back(ca_cert_);
    sign.push_back("-keyfile");
    sign.push_back(ca_key_);
  }
  SECPLAT_RETURN_IF_ERROR(RunCommand(sign, &out));
  if (ReadFile(leaf.cert).find("BEGIN CERTIFICATE") == std::string::npos) {
    return Unexpected(ErrorCode::kUnavailable, "openssl ca wrote no certificate: " + out);
  }
  leaves_[kind] = std::move(leaf);
  return OkStatus();
}

}  // namespace secplat::testing
