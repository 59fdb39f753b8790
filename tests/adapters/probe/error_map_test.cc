// ClassifyTransfer: every curl outcome the prober can see maps to one ProbeError.
#include "adapters/probe/error_map.h"

#include <curl/curl.h>
#include <gtest/gtest.h>

#include <cerrno>

namespace secplat::adapters::probe {
namespace {

using core::model::ProbeError;

TransferFacts Facts(CURLcode code) { return TransferFacts{.curl_code = static_cast<int>(code)}; }

TEST(ClassifyTransferTest, SuccessAndPolicy) {
  EXPECT_EQ(ClassifyTransfer(Facts(CURLE_OK)), ProbeError::kNone);
  TransferFacts blocked = Facts(CURLE_COULDNT_CONNECT);
  blocked.blocked = true;
  EXPECT_EQ(ClassifyTransfer(blocked), ProbeError::kBlockedByPolicy);
  // A denied address among several, but another one connected: the failure is not the policy's.
  blocked.connected = true;
  blocked.curl_code = CURLE_RECV_ERROR;
  EXPECT_EQ(ClassifyTransfer(blocked), ProbeError::kProtocol);
}

TEST(ClassifyTransferTest, DnsAndConnect) {
  EXPECT_EQ(ClassifyTransfer(Facts(CURLE_COULDNT_RESOLVE_HOST)), ProbeError::kDnsFailed);
  TransferFacts refused = Facts(CURLE_COULDNT_CONNECT);
  refused.os_errno = ECONNREFUSED;
  EXPECT_EQ(ClassifyTransfer(refused), ProbeError::kConnectRefused);
  refused.os_errno = ETIMEDOUT;
  EXPECT_EQ(ClassifyTransfer(refused), ProbeError::kConnectTimeout);
  refused.os_errno = ENETUNREACH;
  EXPECT_EQ(ClassifyTransfer(refused), ProbeError::kConnectFailed);
}

TEST(ClassifyTransferTest, TimeoutsByPhase) {
  TransferFacts t = Facts(CURLE_OPERATION_TIMEDOUT);
  t.host_is_name = true;
  EXPECT_EQ(ClassifyTransfer(t), ProbeError::kDnsTimeout);
  t.resolved = true;
  EXPECT_EQ(ClassifyTransfer(t), ProbeError::kConnectTimeout);
  t.connected = true;
  t.https = true;
  EXPECT_EQ(ClassifyTransfer(t), ProbeError::kTlsHandshake);
  t.tls_done = true;
  EXPECT_EQ(ClassifyTransfer(t), ProbeError::kTimeoutFirstByte);
  t.header_received = true;
  EXPECT_EQ(ClassifyTransfer(t), ProbeError::kTimeoutTotal);
  TransferFacts literal = Facts(CURLE_OPERATION_TIMEDOUT);  // IP literal: no DNS phase
  EXPECT_EQ(ClassifyTransfer(literal), ProbeError::kConnectTimeout);
}

TEST(ClassifyTransferTest, TlsFailures) {
  for (CURLcode c : {CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CIPHER, CURLE_PEER_FAILED_VERIFICATION,
                     CURLE_SSL_CERTPROBLEM}) {
    EXPECT_EQ(ClassifyTransfer(Facts(c)), ProbeError::kTlsHandshake) << c;
  }
  TransferFacts reset = Facts(CURLE_RECV_ERROR);
  reset.https = true;
  reset.connected = true;
  EXPECT_EQ(ClassifyTransfer(reset), ProbeError::kTlsHandshake);
  reset.tls_done = true;
  EXPECT_EQ(ClassifyTransfer(reset), ProbeError::kProtocol);
}

TEST(ClassifyTransferTest, CapsAndProtocol) {
  TransferFacts capped = Facts(CURLE_WRITE_ERROR);
  capped.too_large = true;
  EXPECT_EQ(ClassifyTransfer(capped), ProbeError::kTooLarge);
  EXPECT_EQ(ClassifyTransfer(Facts(CURLE_FILESIZE_EXCEEDED)), ProbeError::kTooLarge);
  EXPECT_EQ(ClassifyTransfer(Facts(CURLE_WRITE_ERROR)), ProbeError::kProbeError);
  TransferFacts weird = Facts(CURLE_WEIRD_SERVER_REPLY);
  weird.connected = true;
  EXPECT_EQ(ClassifyTransfer(weird), ProbeError::kProtocol);
  weird.curl_code = CURLE_GOT_NOTHING;
  EXPECT_EQ(ClassifyTransfer(weird), ProbeError::kProtocol);
  weird.curl_code = CURLE_OUT_OF_MEMORY;  // curl's own 100 KiB header-line limit
  EXPECT_EQ(ClassifyTransfer(weird), ProbeError::kTooLarge);
  EXPECT_EQ(ClassifyTransfer(Facts(CURLE_OUT_OF_MEMORY)), ProbeError::kProbeError);
  EXPECT_EQ(ClassifyTransfer(Facts(CURLE_URL_MALFORMAT)), ProbeError::kProbeError);
}

}  // namespace
}  // namespace secplat::adapters::probe
