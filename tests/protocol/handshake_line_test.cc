#include <gtest/gtest.h>

#include "provider/protocol/server/handshake.h"
#include "provider/protocol/server/tls.h"
#include "tests/support/plugin_client.h"

#include <openssl/x509.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

namespace prov::protocol::server {
namespace {

TEST(HandshakeTest, Base64HasNoPadding) {
  EXPECT_EQ(Base64NoPad(""), "");
  EXPECT_EQ(Base64NoPad("f"), "Zg");
  EXPECT_EQ(Base64NoPad("fo"), "Zm8");
  EXPECT_EQ(Base64NoPad("foo"), "Zm9v");
  EXPECT_EQ(Base64NoPad("foob"), "Zm9vYg");
  EXPECT_EQ(Base64NoPad(std::string("\xff\xfe\x00", 3)), "//4A");
}

TEST(HandshakeTest, LineFormatUnixPlaintext) {
  EXPECT_EQ(FormatHandshakeLine(6, "unix", "/tmp/plugin42", ""), "1|6|unix|/tmp/plugin42|grpc|\n");
  EXPECT_EQ(FormatHandshakeLine(5, "tcp", "127.0.0.1:10001", ""),
            "1|5|tcp|127.0.0.1:10001|grpc|\n");
}

TEST(HandshakeTest, LineCarriesUnpaddedDerCertificate) {
  auto id = GenerateTlsIdentity();
  ASSERT_TRUE(id.ok()) << id.error().ToString();
  const std::string line = FormatHandshakeLine(6, "unix", "/tmp/p", id->cert_der);
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find("unix:"), std::string::npos);
  auto hs = prov::testing::ParseHandshake(line);
  ASSERT_TRUE(hs.ok());
  EXPECT_EQ(hs->cert_b64.find('='), std::string::npos);
  EXPECT_GT(hs->cert_b64.size(), 50u);
  auto der = prov::testing::Base64DecodeNoPad(hs->cert_b64);
  ASSERT_TRUE(der.ok());
  EXPECT_EQ(*der, id->cert_der);
}

TEST(HandshakeTest, NegotiatesSixWhenOffered) {
  EXPECT_EQ(*NegotiateProtocol("5,6"), 6);
  EXPECT_EQ(*NegotiateProtocol("6,5"), 6);
  EXPECT_EQ(*NegotiateProtocol("6"), 6);
  EXPECT_EQ(*NegotiateProtocol(" 5 , 6 "), 6);
}

TEST(HandshakeTest, FallsBackToFive) {
  EXPECT_EQ(*NegotiateProtocol("5"), 5);
  EXPECT_EQ(*NegotiateProtocol("4,5"), 5);
  EXPECT_EQ(*NegotiateProtocol(""), 5);
}

TEST(HandshakeTest, RejectsUnsupportedOrMalformedVersions) {
  auto r = NegotiateProtocol("3,4");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE(NegotiateProtocol("5,x").ok());
  EXPECT_FALSE(NegotiateProtocol("99999999999").ok());
}

TEST(HandshakeTest, CookieMustMatchExactly) {
  EXPECT_FALSE(CookieValid(nullptr));
  EXPECT_FALSE(CookieValid(""));
  EXPECT_FALSE(CookieValid("d602bf8f"));
  EXPECT_TRUE(CookieValid(std::string(kMagicCookieValue).c_str()));
  EXPECT_NE(CookieMissingMessage().find("plugin"), std::string::npos);
}

TEST(HandshakeTest, CertificateFollowsGoPluginTemplate) {
  auto id = GenerateTlsIdentity();
  ASSERT_TRUE(id.ok());
  const unsigned char* p = reinterpret_cast<const unsigned char*>(id->cert_der.data());
  X509* x = d2i_X509(nullptr, &p, static_cast<long>(id->cert_der.size()));
  ASSERT_NE(x, nullptr);
  EXPECT_EQ(X509_check_host(x, "localhost", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ca(x), 1);
  EXPECT_TRUE(X509_get_extended_key_usage(x) & XKU_SSL_SERVER);
  EXPECT_TRUE(X509_get_extended_key_usage(x) & XKU_SSL_CLIENT);
  EXPECT_LT(X509_cmp_current_time(X509_get0_notBefore(x)), 0);  // already valid
  EVP_PKEY* key = X509_get0_pubkey(x);
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(EVP_PKEY_get_base_id(key), EVP_PKEY_EC);
  EXPECT_EQ(EVP_PKEY_get_bits(key), 256);
  X509_free(x);
  // Two processes never share a key.
  auto other = GenerateTlsIdentity();
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->cert_der, id->cert_der);
}

// The key and the certificate's public key are written without OpenSSL's encoders (a
// start-up cost): the PEM key must load, be the certificate's key, and have signed it.
TEST(HandshakeTest, KeyPemLoadsAndMatchesTheSelfSignedCertificate) {
  auto id = GenerateTlsIdentity();
  ASSERT_TRUE(id.ok()) << id.error().ToString();
  BIO* kb = BIO_new_mem_buf(id->key_pem.data(), static_cast<int>(id->key_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(kb, nullptr, nullptr, nullptr);
  BIO_free(kb);
  ASSERT_NE(key, nullptr) << id->key_pem.substr(0, 40);
  EXPECT_EQ(EVP_PKEY_get_base_id(key), EVP_PKEY_EC);
  BIO* cb = BIO_new_mem_buf(id->cert_pem.data(), static_cast<int>(id->cert_pem.size()));
  X509* cert = PEM_read_bio_X509(cb, nullptr, nullptr, nullptr);
  BIO_free(cb);
  ASSERT_NE(cert, nullptr);
  EXPECT_EQ(X509_check_private_key(cert, key), 1) << "key PEM is not the certificate's key";
  EXPECT_EQ(X509_verify(cert, key), 1) << "certificate not signed by its own key";
  const unsigned char* p = reinterpret_cast<const unsigned char*>(id->cert_der.data());
  X509* from_der = d2i_X509(nullptr, &p, static_cast<long>(id->cert_der.size()));
  ASSERT_NE(from_der, nullptr);
  EXPECT_EQ(X509_cmp(cert, from_der), 0) << "PEM and DER certificates differ";
  // An ECDSA signature made with the key verifies with the certificate's public key.
  const unsigned char msg[] = "handshake";
  unsigned char sig[128];
  size_t sig_len = sizeof sig;
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  ASSERT_EQ(EVP_DigestSignInit(md, nullptr, EVP_sha256(), nullptr, key), 1);
  ASSERT_EQ(EVP_DigestSign(md, sig, &sig_len, msg, sizeof msg), 1);
  EVP_MD_CTX_free(md);
  md = EVP_MD_CTX_new();
  ASSERT_EQ(EVP_DigestVerifyInit(md, nullptr, EVP_sha256(), nullptr, X509_get0_pubkey(cert)), 1);
  EXPECT_EQ(EVP_DigestVerify(md, sig, sig_len, msg, sizeof msg), 1);
  EVP_MD_CTX_free(md);
  X509_free(from_der);
  X509_free(cert);
  EVP_PKEY_free(key);
}

}  // namespace
}  // namespace prov::protocol::server
