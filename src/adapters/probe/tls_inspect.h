// TLS inspection over OpenSSL: turns a live SSL* (a handshake done with verification off) and
// served certificates into the plain structs of core/model/probe.h. CurlProber calls it from
// the SSL info callback at the handshake's end, while the connection is alive; tests use it on
// PEM files.
//
//   TlsSessionInfo s = InspectSession(ssl, "site.test");
//   // s.version, s.cipher, s.chain[0].not_after, s.chain_trusted, s.verify_error,
//   // s.hostname_match
//   auto leaf = ReadCertificatePem("/tmp/pki/site.pem");
//
// OpenSSL types are forward-declared so this header pulls in no OpenSSL headers.
#ifndef SECPLAT_ADAPTERS_PROBE_TLS_INSPECT_H_
#define SECPLAT_ADAPTERS_PROBE_TLS_INSPECT_H_

#include <string>
#include <string_view>

#include "core/common/result.h"
#include "core/model/probe.h"

typedef struct ssl_st SSL;
typedef struct x509_st X509;

namespace secplat::adapters::probe {

// The negotiated version and cipher, the served chain (leaf first), the verification result the
// handshake recorded against the CA store (SSL_get_verify_result: chain_trusted only when it is
// X509_V_OK; verify_error is OpenSSL's text otherwise) and whether the leaf matches `host`
// (X509_check_host for names, X509_check_ip_asc for IP literals; brackets are stripped).
core::model::TlsSessionInfo InspectSession(const SSL* ssl, std::string_view host);

// One certificate: RFC 2253 subject/issuer, SANs, serial, SHA-256 fingerprint, validity, key,
// signature algorithm and self-signed (issuer == subject and its own key verifies it).
core::model::CertificateInfo InspectCertificate(X509* cert);

// The first certificate of a PEM file. kInvalidArgument when unreadable.
Result<core::model::CertificateInfo> ReadCertificatePem(const std::string& path);

}  // namespace secplat::adapters::probe

#endif  // SECPLAT_ADAPTERS_PROBE_TLS_INSPECT_H_
