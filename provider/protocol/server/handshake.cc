#include "provider/protocol/server/handshake.h"

#include <cstring>

namespace prov::protocol::server {

std::string CookieMissingMessage() {
  return "This binary is a plugin. These are not meant to be executed directly.\n"
         "Please execute the program that consumes these plugins (terraform or tofu), which\n"
         "will load any plugins automatically. To run it by hand for debugging, pass -debug.\n";
}

bool CookieValid(const char* value) {
  return value != nullptr && std::string_view(value) == kMagicCookieValue;
}

Result<int> NegotiateProtocol(std::string_view versions) {
  bool has5 = false, has6 = false, any = false;
  size_t pos = 0;
  while (pos <= versions.size()) {
    size_t comma = versions.find(',', pos);
    if (comma == std::string_view::npos) comma = versions.size();
    std::string_view item = versions.substr(pos, comma - pos);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) {
      any = true;
      int v = 0;
      for (char c : item) {
        if (c < '0' || c > '9' || v > 1000) {
          return MakeError(ErrorCode::kInvalidArgument,
                           "PLUGIN_PROTOCOL_VERSIONS has a non-numeric entry \"" +
                               std::string(item) + "\"");
        }
        v = v * 10 + (c - '0');
      }
      has5 |= v == 5;
      has6 |= v == 6;
    }
    pos = comma + 1;
  }
  if (!any) return 5;
  if (has6) return 6;
  if (has5) return 5;
  return MakeError(ErrorCode::kInvalidArgument,
                   "this provider speaks plugin protocol 5 and 6, the client offered \"" +
                       std::string(versions) + "\"");
}

std::string Base64NoPad(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t n = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.push_back(kAlphabet[(n >> 6) & 63]);
    out.push_back(kAlphabet[n & 63]);
  }
  const size_t rest = bytes.size() - i;
  if (rest == 1) {
    uint32_t n = uint8_t(bytes[i]) << 16;
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
  } else if (rest == 2) {
    uint32_t n = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8);
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.push_back(kAlphabet[(n >> 6) & 63]);
  }
  return out;
}

std::string FormatHandshakeLine(int app_protocol, std::string_view network,
                                std::string_view address, std::string_view cert_der) {
  std::string line = "1|" + std::to_string(app_protocol) + "|" + std::string(network) + "|" +
                     std::string(address) + "|grpc|";
  if (!cert_der.empty()) line += Base64NoPad(cert_der);
  line.push_back('\n');
  return line;
}

}  // namespace prov::protocol::server
