// AutoMTLS material for the go-plugin handshake: a fresh ECDSA P-256 key and a self-signed
// certificate made per process with OpenSSL's libcrypto, following go-plugin's template
// (CN/SAN "localhost", O "HashiCorp", CA, digitalSignature|keyEncipherment|keyAgreement|
// certSign, EKU serverAuth+clientAuth, NotBefore back-dated 30 s, NotAfter +30 years), which
// Go's TLS verifier is known to accept. Thread-safe (no shared state).
#pragma once

#include <string>
#include <string_view>

#include "provider/base/result.h"

namespace prov::protocol::server {

struct TlsIdentity {
  std::string key_pem;   // P-256 private key, PEM (SEC 1 "EC PRIVATE KEY")
  std::string cert_pem;  // certificate, PEM (for grpc++ credentials)
  std::string cert_der;  // certificate, DER (for handshake field 6)
};

// Errors (kInternal) carry the OpenSSL error queue text.
Result<TlsIdentity> GenerateTlsIdentity();

// Checks PLUGIN_CLIENT_CERT (the client's certificate for AutoMTLS): one or more PEM
// certificates and nothing else. Errors (kInvalidArgument) name the variable and the cause,
// so a broken value is not reported later as a failure to listen.
Status ValidateClientCertificate(std::string_view pem);

}  // namespace prov::protocol::server
