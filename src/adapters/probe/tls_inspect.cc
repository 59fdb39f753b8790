#include "adapters/probe/tls_inspect.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <memory>

#include "core/netpolicy/address.h"

namespace secplat::adapters::probe {
namespace {

using core::model::CertificateInfo;
using core::model::TlsSessionInfo;
using core::model::TlsVersion;

std::string NameRfc2253(const X509_NAME* name) {
  if (name == nullptr) return {};
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  if (!bio) return {};
  // XN_FLAG_RFC2253 escapes non-ASCII as \XX; keep UTF-8 readable instead.
  unsigned long flags = XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB;
  if (X509_NAME_print_ex(bio.get(), name, 0, flags) < 0) return {};
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return len > 0 ? std::string(data, static_cast<size_t>(len)) : std::string();
}

std::string Hex(const unsigned char* data, size_t len) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (size_t i = 0; i < len; ++i) {
    out += kHex[data[i] >> 4];
    out += kHex[data[i] & 0xf];
  }
  return out;
}

Timestamp AsnTime(const ASN1_TIME* t) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return Timestamp{};
  std::time_t secs = ::timegm(&tm);
  return Timestamp(std::chrono::duration_cast<Duration>(std::chrono::seconds(secs)));
}

std::string KeyType(const EVP_PKEY* key) {
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
    case EVP_PKEY_RSA_PSS:
      return "RSA";
    case EVP_PKEY_EC:
      return "EC";
    case EVP_PKEY_ED25519:
      return "Ed25519";
    case EVP_PKEY_ED448:
      return "Ed448";
    case EVP_PKEY_DSA:
      return "DSA";
    default: {
      const char* name = OBJ_nid2sn(EVP_PKEY_get_base_id(key));
      return name != nullptr ? name : "unknown";
    }
  }
}

void ReadSans(X509* cert, CertificateInfo& info) {
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) return;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names, i);
    if (gn->type == GEN_DNS) {
      const ASN1_IA5STRING* s = gn->d.dNSName;
      info.dns_sans.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                 static_cast<size_t>(ASN1_STRING_length(s)));
    } else if (gn->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* s = gn->d.iPAddress;
      const unsigned char* b = ASN1_STRING_get0_data(s);
      int len = ASN1_STRING_length(s);
      if (len == 4) {
        info.ip_sans.push_back(core::netpolicy::IpAddress::V4(b[0], b[1], b[2], b[3]).ToString());
      } else if (len == 16) {
        std::array<uint8_t, 16> bytes{};
        for (int k = 0; k < 16; ++k) bytes[static_cast<size_t>(k)] = b[k];
        info.ip_sans.push_back(core::netpolicy::IpAddress::V6(bytes).ToString());
      }
    }
  }
  GENERAL_NAMES_free(names);
}

}  // namespace

CertificateInfo InspectCertificate(X509* cert) {
  CertificateInfo info;
  if (cert == nullptr) return info;
  info.subject = NameRfc2253(X509_get_subject_name(cert));
  info.issuer = NameRfc2253(X509_get_issuer_name(cert));
  ReadSans(cert, info);
  if (BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr)) {
    if (char* hex = BN_bn2hex(bn)) {
      info.serial_hex = hex;
      for (char& c : info.serial_hex)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      OPENSSL_free(hex);
    }
    BN_free(bn);
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  if (X509_digest(cert, EVP_sha256(), md, &md_len) == 1) info.sha256_fingerprint = Hex(md, md_len);
  info.not_before = AsnTime(X509_get0_notBefore(cert));
  info.not_after = AsnTime(X509_get0_notAfter(cert));
  if (EVP_PKEY* key = X509_get0_pubkey(cert)) {
    info.key_type = KeyType(key);
    info.key_bits = EVP_PKEY_get_bits(key);
  }
  const char* sig = OBJ_nid2ln(X509_get_signature_nid(cert));
  info.signature_algorithm = sig != nullptr ? sig : "unknown";
  info.self_signed = X509_self_signed(cert, /*verify_signature=*/1) == 1;
  return info;
}

TlsSessionInfo InspectSession(const SSL* ssl, std::string_view host) {
  TlsSessionInfo s;
  if (ssl == nullptr) return s;
  switch (SSL_version(ssl)) {
    case TLS1_VERSION:
      s.version = TlsVersion::kTls10;
      break;
    case TLS1_1_VERSION:
      s.version = TlsVersion::kTls11;
      break;
    case TLS1_2_VERSION:
      s.version = TlsVersion::kTls12;
      break;
    default:
      s.version = TlsVersion::kTls13;
      break;
  }
  if (const SSL_CIPHER* c = SSL_get_current_cipher(ssl)) s.cipher = SSL_CIPHER_get_name(c);
  // Client side: the chain includes the leaf.
  if (STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl)) {
    for (int i = 0; i < sk_X509_num(chain); ++i) {
      s.chain.push_back(InspectCertificate(sk_X509_value(chain, i)));
    }
  }
  long verify = SSL_get_verify_result(ssl);
  s.chain_trusted = verify == X509_V_OK && !s.chain.empty();
  if (!s.chain_trusted) {
    s.verify_error =
        s.chain.empty() ? "no certificate served" : X509_verify_cert_error_string(verify);
  }
  std::string name(host);
  if (name.size() >= 2 && name.front() == '[' && name.back() == ']') {
    name = name.substr(1, name.size() - 2);
  }
  X509* leaf = SSL_get0_peer_certificate(ssl);
  if (leaf != nullptr && !name.empty()) {
    if (core::netpolicy::IpAddress::Parse(name).has_value()) {
      s.hostname_match = X509_check_ip_asc(leaf, name.c_str(), 0) == 1;
    } else {
      s.hostname_match = X509_check_host(leaf, name.data(), name.size(), 0, nullptr) == 1;
    }
  }
  return s;
}

Result<CertificateInfo> ReadCertificatePem(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return Unexpected(ErrorCode::kInvalidArgument, "cannot open " + path);
  X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  if (cert == nullptr)
    return Unexpected(ErrorCode::kInvalidArgument, "no PEM certificate in " + path);
  CertificateInfo info = InspectCertificate(cert);
  X509_free(cert);
  return info;
}

}  // namespace secplat::adapters::probe
