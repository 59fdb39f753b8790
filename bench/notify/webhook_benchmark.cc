// Webhook notifications/s: render (JSON + HMAC signature) and send through CurlSender (curl
// multi, keep-alive, `--in-flight` exchanges at once) to the loopback webhook receiver, which
// verifies every signature and payload. Prints one line per configuration:
//   in_flight batch notifications seconds notifications_per_s per_cpu_s render_us p50_ms p99_ms
//   invalid
// Exit status 1 when any notification was not accepted by the receiver.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "adapters/notify/curl_sender.h"
#include "adapters/notify/webhook_channel.h"
#include "core/notify/delivery.h"
#include "tests/support/receivers.h"

namespace {

using secplat::Duration;
using secplat::Timestamp;
using secplat::adapters::notify::CurlSender;
using secplat::adapters::notify::WebhookChannel;
namespace model = secplat::core::model;
namespace ports = secplat::ports;

constexpr char kSecret[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

// User + system CPU seconds of this process (sender, renderer and receiver threads together).
double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

int Arg(int argc, char** argv, const std::string& name, int fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (argv[i] == name) return std::atoi(argv[i + 1]);
  }
  return fallback;
}

model::NotifyEvent Event(int i) {
  model::NotifyEvent e;
  e.event_id = "bench-" + std::to_string(i);
  e.event_type = "posture.changed";
  e.ts = secplat::FromUnixMillis(1764358320000 + i);
  e.asset_key = "web-" + std::to_string(i % 1000);
  e.severity = model::Severity::kHigh;
  e.labels = {{"team", "payments"}, {"tier", "web"}};
  e.environment = "production";
  e.problem_key = e.asset_key + "/health";
  e.state = "down";
  e.summary = "HTTP health down: 3 consecutive failures";
  e.details = {{"reason", "status 503"}};
  e.link = "https://secplat.example/assets/" + e.asset_key;
  return e;
}

}  // namespace

int main(int argc, char** argv) {
  const int total = Arg(argc, argv, "--n", 50000);
  const int in_flight = Arg(argc, argv, "--in-flight", 64);
  const int batch = Arg(argc, argv, "--batch", 2000);
  const int io_threads = Arg(argc, argv, "--io-threads", 4);

  auto rx =
      secplat::testing::ProviderReceiver::Start({.provider = secplat::testing::Provider::kWebhook,
                                                 .webhook_secret = kSecret,
                                                 .io_threads = io_threads,
                                                 .record_requests = false});
  if (!rx.has_value()) {
    std::fprintf(stderr, "receiver: %s\n", rx.error().message.c_str());
    return 2;
  }
  auto hook = WebhookChannel::Make(
      "hook", {.url = model::Secret((*rx)->url("/hook")), .secret = model::Secret(kSecret)});
  auto sender = CurlSender::Make({.max_in_flight = in_flight});
  if (!hook.has_value() || !sender.has_value()) {
    std::fprintf(stderr, "setup failed\n");
    return 2;
  }
  std::vector<double> latencies_ms;
  latencies_ms.reserve(static_cast<size_t>(total));
  int accepted = 0;
  double render_s = 0;
  const double cpu_start = CpuSeconds();
  const auto start = std::chrono::steady_clock::now();
  for (int done = 0; done < total; done += batch) {
    const int n = std::min(batch, total - done);
    std::vector<ports::OutboundRequest> requests;
    requests.reserve(static_cast<size_t>(n));
    const auto render_start = std::chrono::steady_clock::now();
    const Timestamp now = std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
    for (int i = done; i < done + n; ++i) {
      model::NotifyEvent e = Event(i);
      ports::DeliveryContext ctx{
          .idempotency_key = secplat::core::notify::DeliveryIdempotencyKey(e.event_id, "hook"),
          .attempt = 1,
          .now = now};
      auto req = (*hook)->Render(e, ctx);
      if (!req.has_value()) return 2;
      requests.push_back(std::move(req).value());
    }
    render_s +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - render_start).count();
    for (const ports::SendResult& r : (*sender)->SendBatch(requests)) {
      if (r.status == 200) ++accepted;
      latencies_ms.push_back(static_cast<double>(r.latency.count()));
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double cpu = CpuSeconds() - cpu_start;
  std::sort(latencies_ms.begin(), latencies_ms.end());
  auto pct = [&](double p) {
    return latencies_ms.empty()
               ? 0.0
               : latencies_ms[std::min(
                     latencies_ms.size() - 1,
                     static_cast<size_t>(p * static_cast<double>(latencies_ms.size())))];
  };
  const size_t received = (*rx)->request_count();
  const size_t invalid = (*rx)->invalid_count();
  // per_cpu_s: notifications per CPU-second of the whole process (sender + receiver), which
  // does not depend on what else the machine runs; render_us: rendering + signing per message.
  std::printf("%9d %5d %13d %7.2f %19.0f %10.0f %9.1f %6.0f %6.0f %7zu\n", in_flight, batch, total,
              seconds, total / seconds, total / cpu, render_s * 1e6 / total, pct(0.50), pct(0.99),
              invalid);
  if (accepted != total || received != static_cast<size_t>(total) || invalid != 0) {
    std::fprintf(stderr, "accepted %d, received %zu, invalid %zu of %d\n", accepted, received,
                 invalid, total);
    return 1;
  }
  return 0;
}
