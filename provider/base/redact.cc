#include "provider/base/redact.h"

#include <algorithm>
#include <cctype>
#include <utility>

namespace prov::redact {
namespace {

struct ScopeState {
  std::vector<std::string> secrets;
  ScopeState* outer = nullptr;
};

thread_local ScopeState* current = nullptr;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IsWordChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
}

std::string UrlEncode(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

std::string UrlDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string JsonEscapeSlashes(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '/') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

void ReplaceAll(std::string& text, std::string_view needle) {
  if (needle.size() < kMinSecretLength) return;
  size_t pos = 0;
  while ((pos = text.find(needle, pos)) != std::string::npos) {
    text.replace(pos, needle.size(), kMask);
    pos += kMask.size();
  }
}

// Keys whose value is a secret. `to_eol`: the value runs to the end of the line or the
// closing quote (header values such as "AWS4-HMAC-SHA256 Credential=..., Signature=...").
struct Key {
  std::string_view name;
  bool to_eol;
};
constexpr Key kKeys[] = {
    {"proxy-authorization", true}, {"authorization", true},
    {"x-amz-security-token", false}, {"x-amz-signature", false},
    {"x-aws-ec2-metadata-token", false}, {"x-identity-header", false},
    {"client_secret", false}, {"client_assertion", false},
    {"subject_token", false}, {"actor_token", false},
    {"access_token", false}, {"refresh_token", false}, {"id_token", false},
    {"accesstoken", false}, {"sessiontoken", false}, {"session_token", false},
    {"secretaccesskey", false}, {"secret_access_key", false}, {"aws_secret_access_key", false},
    {"aws_session_token", false}, {"private_key", false}, {"password", false},
    {"assertion", false}, {"signature", false},
};

struct Span {
  size_t begin, end;
};

// Finds "<key><quote?><ws>[:=]<ws><quote?>value" and records the value's span.
void FindKeyed(const std::string& text, const std::string& lower, std::vector<Span>& spans) {
  for (const Key& key : kKeys) {
    size_t pos = 0;
    while ((pos = lower.find(key.name, pos)) != std::string::npos) {
      size_t start = pos;
      pos += key.name.size();
      if (start > 0 && IsWordChar(lower[start - 1])) continue;
      if (pos < lower.size() && IsWordChar(lower[pos])) continue;
      size_t i = pos;
      // XML element: <SessionToken>value</SessionToken>.
      if (start > 0 && text[start - 1] == '<' && i < text.size() && text[i] == '>') {
        size_t end = text.find('<', i + 1);
        if (end == std::string::npos) end = text.size();
        if (end > i + 1 && std::string_view(text).substr(i + 1, end - i - 1) != kMask)
          spans.push_back({i + 1, end});
        pos = end;
        continue;
      }
      if (i < text.size() && (text[i] == '"' || text[i] == '\'')) ++i;
      while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
      if (i >= text.size() || (text[i] != ':' && text[i] != '=')) continue;
      ++i;
      while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
      char quote = 0;
      if (i < text.size() && (text[i] == '"' || text[i] == '\'')) quote = text[i++];
      if (i < text.size() && text[i] == '\\' && i + 1 < text.size() && text[i + 1] == '"') {
        quote = '"';  // an escaped JSON string inside a string: \"value\"
        i += 2;
      }
      size_t end = i;
      while (end < text.size()) {
        char c = text[end];
        if (quote != 0) {
          if (c == '\\' && end + 1 < text.size() && text[end + 1] != quote) {
            end += 2;
            continue;
          }
          if (c == quote || (c == '\\' && end + 1 < text.size() && text[end + 1] == quote)) break;
          if (c == '\n' || c == '\r') break;
        } else if (key.to_eol) {
          if (c == '\n' || c == '\r' || c == '"' || c == '\'' || c == '<') break;
        } else if (c == '&' || c == '"' || c == '\'' || c == ',' || c == ';' || c == '<' ||
                   c == '}' || c == ')' || c == ']' || std::isspace(static_cast<unsigned char>(c))) {
          break;
        }
        ++end;
      }
      end = std::min(end, text.size());
      if (end > i && std::string_view(text).substr(i, end - i) != kMask) spans.push_back({i, end});
      pos = std::max(pos, end);
    }
  }
}

bool IsTokenChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
         c == '~' || c == '+' || c == '/' || c == '=';
}

// "Bearer <token>" and JWT-shaped strings ("eyJ...". "...". "...").
void FindTokens(const std::string& text, const std::string& lower, std::vector<Span>& spans) {
  size_t pos = 0;
  while ((pos = lower.find("bearer ", pos)) != std::string::npos) {
    size_t i = pos + 7;
    pos = i;
    while (i < text.size() && text[i] == ' ') ++i;
    size_t end = i;
    while (end < text.size() && IsTokenChar(text[end])) ++end;
    if (end > i && std::string_view(text).substr(i, end - i) != kMask) spans.push_back({i, end});
  }
  pos = 0;
  while ((pos = text.find("eyJ", pos)) != std::string::npos) {
    size_t end = pos;
    int dots = 0;
    while (end < text.size() && (IsTokenChar(text[end]) && text[end] != '/' && text[end] != '+')) {
      if (text[end] == '.') ++dots;
      ++end;
    }
    if (dots >= 2 && end - pos >= 20) spans.push_back({pos, end});
    pos = end + (end == pos ? 1 : 0);
  }
}

// Credentials in a URL's authority: "scheme://user:password@host" (proxy and catalog URLs).
void FindUrlUserinfo(const std::string& text, std::vector<Span>& spans) {
  size_t pos = 0;
  while ((pos = text.find("://", pos)) != std::string::npos) {
    size_t start = pos + 3;
    size_t end = start;
    while (end < text.size() && text[end] != '@' && text[end] != '/' && text[end] != '?' &&
           text[end] != '#' && !std::isspace(static_cast<unsigned char>(text[end])) &&
           text[end] != '"' && text[end] != '\'') {
      ++end;
    }
    if (end < text.size() && text[end] == '@' && end > start &&
        std::string_view(text).substr(start, end - start).find(':') != std::string_view::npos &&
        std::string_view(text).substr(start, end - start) != kMask) {
      spans.push_back({start, end});
    }
    pos = start;
  }
}

}  // namespace

SecretScope::SecretScope() {
  auto* s = new ScopeState;
  s->outer = current;
  current = s;
}

SecretScope::~SecretScope() {
  ScopeState* s = current;
  current = s->outer;
  delete s;
}

void NoteSecret(std::string_view value) {
  if (current == nullptr || value.size() < kMinSecretLength) return;
  std::string v(value);
  if (std::find(current->secrets.begin(), current->secrets.end(), v) == current->secrets.end())
    current->secrets.push_back(std::move(v));
}

std::string RedactValues(std::string_view text, const std::vector<std::string>& values) {
  std::string out(text);
  // Longest first, so a secret that contains another is replaced whole.
  std::vector<std::string> forms;
  for (const auto& v : values) {
    if (v.size() < kMinSecretLength) continue;
    forms.push_back(v);
    forms.push_back(UrlEncode(v));
    forms.push_back(UrlDecode(v));
    forms.push_back(JsonEscapeSlashes(v));
  }
  std::sort(forms.begin(), forms.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  for (const auto& f : forms) ReplaceAll(out, f);
  return out;
}

std::string RedactKnown(std::string_view text) {
  std::vector<std::string> all;
  for (ScopeState* s = current; s != nullptr; s = s->outer)
    all.insert(all.end(), s->secrets.begin(), s->secrets.end());
  if (all.empty()) return std::string(text);
  return RedactValues(text, all);
}

std::string RedactPatterns(std::string_view text_in) {
  std::string text(text_in);
  std::string lower = Lower(text);
  std::vector<Span> spans;
  FindKeyed(text, lower, spans);
  FindTokens(text, lower, spans);
  FindUrlUserinfo(text, spans);
  if (spans.empty()) return text;
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.begin < b.begin; });
  std::string out;
  out.reserve(text.size());
  size_t at = 0;
  for (const Span& s : spans) {
    if (s.end <= at) continue;
    size_t b = std::max(s.begin, at);
    out.append(text, at, b - at);
    out.append(kMask);
    at = s.end;
  }
  out.append(text, at, std::string::npos);
  return out;
}

std::string Scrub(std::string_view text) { return RedactPatterns(RedactKnown(text)); }

std::vector<std::string> SecretsInRequest(
    const std::vector<std::pair<std::string, std::string>>& headers, std::string_view body) {
  std::vector<std::string> out;
  for (const auto& [name, value] : headers) {
    std::string n = Lower(name);
    if (n == "authorization" || n == "proxy-authorization") {
      out.push_back(value);
      // The parts that are secret on their own: a bearer token, a SigV4 signature.
      size_t sp = value.find(' ');
      if (sp != std::string::npos) out.push_back(value.substr(sp + 1));
      size_t sig = value.find("Signature=");
      if (sig != std::string::npos) out.push_back(value.substr(sig + 10));
    } else if (n == "x-amz-security-token" || n == "x-aws-ec2-metadata-token" ||
               n == "x-identity-header" || n == "x-goog-iam-authorization-token") {
      out.push_back(value);
    }
  }
  // Form fields (application/x-www-form-urlencoded) that carry credentials.
  static constexpr std::string_view kFormKeys[] = {
      "client_secret", "client_assertion", "assertion", "subject_token", "actor_token",
      "refresh_token", "password", "SessionToken", "Token"};
  size_t i = 0;
  while (i < body.size()) {
    size_t amp = body.find('&', i);
    std::string_view pair = body.substr(i, amp == std::string_view::npos ? std::string_view::npos : amp - i);
    size_t eq = pair.find('=');
    if (eq != std::string_view::npos) {
      std::string_view key = pair.substr(0, eq);
      for (std::string_view k : kFormKeys) {
        if (key == k) {
          out.push_back(std::string(pair.substr(eq + 1)));
          out.push_back(UrlDecode(pair.substr(eq + 1)));
        }
      }
    }
    if (amp == std::string_view::npos) break;
    i = amp + 1;
  }
  out.erase(std::remove_if(out.begin(), out.end(),
                           [](const std::string& s) { return s.size() < kMinSecretLength; }),
            out.end());
  return out;
}

}  // namespace prov::redact
