// Logging as go-hclog JSON lines on stderr, so TF_LOG / TF_LOG_PROVIDER show them in
// Terraform's and OpenTofu's logs. Level from TF_LOG_PROVIDER, else TF_LOG (default: off
// except warn/error, which go-plugin drains anyway). Thread-safe.
//
// Never pass secrets as fields: use Redact() for anything that might hold one.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace prov::log {

enum class Level { kTrace = 0, kDebug, kInfo, kWarn, kError, kOff };

// Reads TF_LOG_PROVIDER / TF_LOG. Called once at start-up; safe to call again.
void InitFromEnvironment();
void SetLevel(Level level);
Level CurrentLevel();
bool Enabled(Level level);

using Field = std::pair<std::string_view, std::string>;

// Writes one JSON object line: {"@level":..,"@message":..,"@module":"provider",
// "@timestamp":"YYYY-MM-DDThh:mm:ss.ffffffZ", fields...}.
void Write(Level level, std::string_view message, std::initializer_list<Field> fields = {});

inline void Trace(std::string_view m, std::initializer_list<Field> f = {}) { Write(Level::kTrace, m, f); }
inline void Debug(std::string_view m, std::initializer_list<Field> f = {}) { Write(Level::kDebug, m, f); }
inline void Info(std::string_view m, std::initializer_list<Field> f = {}) { Write(Level::kInfo, m, f); }
inline void Warn(std::string_view m, std::initializer_list<Field> f = {}) { Write(Level::kWarn, m, f); }
inline void Error(std::string_view m, std::initializer_list<Field> f = {}) { Write(Level::kError, m, f); }

// "AKIA****XYZ1"-style masking for identifiers; full "<redacted>" for secrets.
std::string Redact(std::string_view secret);

}  // namespace prov::log
