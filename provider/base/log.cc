#include "provider/base/log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <cctype>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "provider/base/redact.h"

namespace prov::log {
namespace {

// Warn/error by default: go-plugin drains stderr anyway and shows these only when the
// user turns logging on, so they cost nothing and help when they do.
std::atomic<int> g_level{static_cast<int>(Level::kWarn)};
std::mutex g_write_mu;

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::optional<Level> ParseLevel(const char* text) {
  if (text == nullptr || *text == '\0') return std::nullopt;
  const std::string v = Upper(text);
  if (v == "TRACE" || v == "JSON") return Level::kTrace;
  if (v == "DEBUG") return Level::kDebug;
  if (v == "INFO") return Level::kInfo;
  if (v == "WARN") return Level::kWarn;
  if (v == "ERROR") return Level::kError;
  if (v == "OFF") return Level::kOff;
  // Terraform treats any other non-empty value as TRACE.
  return Level::kTrace;
}

const char* LevelName(Level level) {
  switch (level) {
    case Level::kTrace: return "trace";
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
    case Level::kOff: return "off";
  }
  return "info";
}

std::string Timestamp() {
  const auto now = std::chrono::system_clock::now();
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(micros / 1000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>(micros % 1000000));
  return buf;
}

}  // namespace

void InitFromEnvironment() {
  std::optional<Level> level = ParseLevel(std::getenv("TF_LOG_PROVIDER"));
  if (!level) level = ParseLevel(std::getenv("TF_LOG"));
  SetLevel(level.value_or(Level::kWarn));
}

void SetLevel(Level level) { g_level.store(static_cast<int>(level)); }
Level CurrentLevel() { return static_cast<Level>(g_level.load()); }
bool Enabled(Level level) {
  return level != Level::kOff && static_cast<int>(level) >= g_level.load();
}

void Write(Level level, std::string_view message, std::initializer_list<Field> fields) {
  if (!Enabled(level)) return;
  // Built with nlohmann so strings are escaped properly; the @-keys are always strings, which
  // the CLI's log parser relies on (it type-asserts them).
  nlohmann::ordered_json j;
  j["@level"] = LevelName(level);
  // Every line passes the redaction point (base/redact.h): secrets of the current call and
  // credential-shaped text never reach the CLI's logs.
  j["@message"] = redact::Scrub(message);
  j["@module"] = "provider";
  j["@timestamp"] = Timestamp();
  for (const auto& [k, v] : fields) j[std::string(k)] = redact::Scrub(v);
  std::string line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  line.push_back('\n');
  std::lock_guard<std::mutex> lock(g_write_mu);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

std::string Redact(std::string_view secret) {
  // Long identifiers keep a recognisable head and tail; short ones could be guessed from
  // four characters, so they are hidden entirely.
  if (secret.size() < 12) return "<redacted>";
  return std::string(secret.substr(0, 4)) + "****" + std::string(secret.substr(secret.size() - 4));
}

}  // namespace prov::log
