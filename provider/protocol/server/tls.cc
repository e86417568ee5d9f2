#include "provider/protocol/server/tls.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cstring>
#include <memory>

namespace prov::protocol::server {
namespace {

template <typename T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;

Error OpenSslError(const std::string& what) {
  std::string msg = what;
  unsigned long code;
  while ((code = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    msg += ": ";
    msg += buf;
  }
  return MakeError(ErrorCode::kInternal, "generating the TLS certificate: " + msg);
}

std::string BioToString(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, n > 0 ? static_cast<size_t>(n) : 0);
}

bool AddExt(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return false;
  const int ok = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  return ok == 1;
}

// The P-256 key in the two fixed DER layouts the certificate and the PEM key need, written
// directly: going through OpenSSL 3's encoder framework (X509_set_pubkey and
// PEM_write_bio_PrivateKey) costs about 0.5 ms on its first use in a process, a
// twelfth of exec -> handshake, for 91 + 121 bytes of constant shape. Anything unexpected
// (another point format, a wider scalar) returns false and the caller takes the encoder.
struct P256Key {
  unsigned char pub[65];   // uncompressed point, 0x04 || X || Y
  unsigned char priv[32];  // big-endian scalar, left-padded
  ~P256Key() { OPENSSL_cleanse(priv, sizeof priv); }
};

bool ExportP256(EVP_PKEY* key, P256Key& out) {
  size_t pub_len = 0;
  if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, out.pub, sizeof out.pub,
                                      &pub_len) != 1 ||
      pub_len != sizeof out.pub || out.pub[0] != 0x04)
    return false;
  BIGNUM* priv = nullptr;
  if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_PRIV_KEY, &priv) != 1) return false;
  const bool ok = BN_bn2binpad(priv, out.priv, sizeof out.priv) == sizeof out.priv;
  BN_clear_free(priv);
  return ok;
}

// SEC 1 ECPrivateKey (RFC 5915) with the named curve and the public key, as PEM.
std::string P256PrivateKeyPem(const P256Key& k) {
  static constexpr unsigned char kHead[] = {0x30, 0x77, 0x02, 0x01, 0x01, 0x04, 0x20};
  static constexpr unsigned char kCurve[] = {0xa0, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48,
                                             0xce, 0x3d, 0x03, 0x01, 0x07};  // prime256v1
  static constexpr unsigned char kPubHead[] = {0xa1, 0x44, 0x03, 0x42, 0x00};
  unsigned char der[sizeof kHead + 32 + sizeof kCurve + sizeof kPubHead + 65];
  unsigned char* p = der;
  std::memcpy(p, kHead, sizeof kHead), p += sizeof kHead;
  std::memcpy(p, k.priv, 32), p += 32;
  std::memcpy(p, kCurve, sizeof kCurve), p += sizeof kCurve;
  std::memcpy(p, kPubHead, sizeof kPubHead), p += sizeof kPubHead;
  std::memcpy(p, k.pub, 65);
  unsigned char b64[((sizeof der + 2) / 3) * 4 + 1];
  const int n = EVP_EncodeBlock(b64, der, sizeof der);
  OPENSSL_cleanse(der, sizeof der);
  std::string pem = "-----BEGIN EC PRIVATE KEY-----\n";
  for (int i = 0; i < n; i += 64) {
    pem.append(reinterpret_cast<const char*>(b64) + i, static_cast<size_t>(std::min(64, n - i)));
    pem.push_back('\n');
  }
  OPENSSL_cleanse(b64, sizeof b64);
  pem += "-----END EC PRIVATE KEY-----\n";
  return pem;
}

// SubjectPublicKeyInfo of the certificate: id-ecPublicKey, prime256v1, the point.
bool SetP256PublicKey(X509* cert, const P256Key& k) {
  unsigned char* bits = static_cast<unsigned char*>(OPENSSL_memdup(k.pub, sizeof k.pub));
  if (bits == nullptr) return false;
  if (X509_PUBKEY_set0_param(X509_get_X509_PUBKEY(cert), OBJ_nid2obj(NID_X9_62_id_ecPublicKey),
                             V_ASN1_OBJECT, OBJ_nid2obj(NID_X9_62_prime256v1), bits,
                             static_cast<int>(sizeof k.pub)) != 1) {
    OPENSSL_free(bits);
    return false;
  }
  return true;
}

}  // namespace

Result<TlsIdentity> GenerateTlsIdentity() {
  PkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return OpenSslError("EC key");

  X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), 2) != 1) return OpenSslError("X509_new");

  // Random positive 128-bit serial, like Go's crypto/x509 templates.
  unsigned char serial_bytes[16];
  if (RAND_bytes(serial_bytes, sizeof serial_bytes) != 1) return OpenSslError("serial");
  serial_bytes[0] &= 0x7f;
  BnPtr serial(BN_bin2bn(serial_bytes, sizeof serial_bytes, nullptr));
  if (!serial || BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr)
    return OpenSslError("serial");

  if (X509_gmtime_adj(X509_getm_notBefore(cert.get()), -30) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(cert.get()), 262980L * 3600L) == nullptr)
    return OpenSslError("validity");

  X509_NAME* name = X509_get_subject_name(cert.get());
  if (X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>("HashiCorp"), -1, -1,
                                 0) != 1 ||
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>("localhost"), -1, -1,
                                 0) != 1 ||
      X509_set_issuer_name(cert.get(), name) != 1)
    return OpenSslError("subject");
  P256Key raw;
  const bool direct = ExportP256(key.get(), raw);
  if (direct ? !SetP256PublicKey(cert.get(), raw) : X509_set_pubkey(cert.get(), key.get()) != 1)
    return OpenSslError("public key");

  if (!AddExt(cert.get(), NID_basic_constraints, "critical,CA:TRUE") ||
      !AddExt(cert.get(), NID_key_usage,
              "critical,digitalSignature,keyEncipherment,keyAgreement,keyCertSign") ||
      !AddExt(cert.get(), NID_ext_key_usage, "clientAuth,serverAuth") ||
      !AddExt(cert.get(), NID_subject_alt_name, "DNS:localhost") ||
      !AddExt(cert.get(), NID_subject_key_identifier, "hash"))
    return OpenSslError("extensions");

  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) return OpenSslError("signing");

  TlsIdentity id;
  if (direct) {
    id.key_pem = P256PrivateKeyPem(raw);
  } else {
    BioPtr key_bio(BIO_new(BIO_s_mem()));
    if (!key_bio ||
        PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
      return OpenSslError("key PEM");
    id.key_pem = BioToString(key_bio.get());
  }

  BioPtr cert_bio(BIO_new(BIO_s_mem()));
  if (!cert_bio || PEM_write_bio_X509(cert_bio.get(), cert.get()) != 1)
    return OpenSslError("certificate PEM");
  id.cert_pem = BioToString(cert_bio.get());

  unsigned char* der = nullptr;
  const int der_len = i2d_X509(cert.get(), &der);
  if (der_len <= 0) return OpenSslError("certificate DER");
  id.cert_der.assign(reinterpret_cast<char*>(der), static_cast<size_t>(der_len));
  OPENSSL_free(der);
  return id;
}

Status ValidateClientCertificate(std::string_view pem) {
  auto invalid = [](const std::string& why) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "PLUGIN_CLIENT_CERT is not a usable client certificate: " + why +
                         ". Terraform and OpenTofu set this variable when they start the "
                         "provider; when starting it yourself, pass one PEM certificate or "
                         "leave the variable unset.");
  };
  if (pem.find("-----BEGIN CERTIFICATE-----") == std::string_view::npos) {
    return invalid("it holds no PEM \"CERTIFICATE\" block");
  }
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return OpenSslError("BIO_new_mem_buf");
  int count = 0;
  while (true) {
    X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!cert) break;
    ++count;
  }
  unsigned long err = ERR_peek_last_error();
  ERR_clear_error();
  // Reaching the end of the input after at least one certificate is the normal ending.
  if (count == 0 || (err != 0 && ERR_GET_REASON(err) != PEM_R_NO_START_LINE)) {
    char buf[256] = {0};
    if (err != 0) ERR_error_string_n(err, buf, sizeof buf);
    return invalid(count == 0 ? std::string("no certificate could be parsed") + (buf[0] ? std::string(" (") + buf + ")" : "")
                              : std::string("certificate ") + std::to_string(count + 1) +
                                    " could not be parsed (" + buf + ")");
  }
  return Status::Ok();
}

}  // namespace prov::protocol::server
