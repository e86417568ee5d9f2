// The one place secrets are scrubbed from text that leaves the process.
//
// Two layers:
//  - Known secrets: the HTTP transport registers the secret values it sends (Authorization
//    and token headers, client secrets and assertions in form bodies) for the duration of
//    the RPC being served, and removes them from response bodies before any adapter builds
//    error text from them. RedactKnown() replaces every registered value.
//  - Patterns: RedactPatterns() scrubs what looks like a credential whatever its origin
//    ("Authorization: ...", "Bearer ...", "X-Amz-Security-Token: ...", "Signature=...",
//    "client_secret=...", JSON "access_token": "..."), for servers that echo in forms the
//    first layer cannot foresee. Diagnostics and log lines pass through Scrub() (both).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace prov::redact {

inline constexpr std::string_view kMask = "[REDACTED]";

// Secret values shorter than this are not tracked (they would match ordinary text).
inline constexpr size_t kMinSecretLength = 8;

// Registers secret values for the current thread's call (see SecretScope); no-op outside a
// scope except that the values are still removed from the text passed to Scrub() by the
// caller that holds them (RedactValues).
void NoteSecret(std::string_view value);

// Collects the secrets noted on this thread while it lives (the RPC server opens one per
// call). Nested scopes see their outer scope's secrets.
class SecretScope {
 public:
  SecretScope();
  ~SecretScope();
  SecretScope(const SecretScope&) = delete;
  SecretScope& operator=(const SecretScope&) = delete;
};

// Replaces each of `values` (and its URL-encoded / JSON-escaped spellings) in `text`.
std::string RedactValues(std::string_view text, const std::vector<std::string>& values);
// Replaces every secret noted in the current thread's scopes.
std::string RedactKnown(std::string_view text);
// Pattern-based scrubbing (see above).
std::string RedactPatterns(std::string_view text);
// RedactKnown + RedactPatterns: use for every text that leaves the process.
std::string Scrub(std::string_view text);

// Secret values carried by one HTTP request: token headers and credential form / JSON
// fields. Used by the transport to register them and to scrub the answer.
std::vector<std::string> SecretsInRequest(
    const std::vector<std::pair<std::string, std::string>>& headers, std::string_view body);

}  // namespace prov::redact
