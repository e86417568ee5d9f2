// Diagnostics and attribute paths, protocol-neutral. The server converts them to the
// tfplugin6/5 Diagnostic and AttributePath messages.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "provider/base/result.h"

namespace prov::protocol {

// One step of an attribute path: .attr, ["key"], [index].
struct PathStep {
  enum class Kind { kAttribute, kElementKeyString, kElementKeyInt } kind;
  std::string name;   // attribute name or string key
  int64_t index = 0;  // for kElementKeyInt
};

class AttributePath {
 public:
  AttributePath() = default;
  AttributePath Attr(std::string name) const;
  AttributePath Key(std::string key) const;
  AttributePath Index(int64_t i) const;
  const std::vector<PathStep>& steps() const { return steps_; }
  bool empty() const { return steps_.empty(); }
  std::string ToString() const;  // target.group_ids[1], rules["k"].cidr
 private:
  std::vector<PathStep> steps_;
};

enum class Severity { kError = 1, kWarning = 2 };

struct Diagnostic {
  Severity severity = Severity::kError;
  std::string summary;
  std::string detail;
  std::optional<AttributePath> attribute;
};

class Diagnostics {
 public:
  void AddError(std::string summary, std::string detail = {},
                std::optional<AttributePath> path = std::nullopt);
  void AddWarning(std::string summary, std::string detail = {},
                  std::optional<AttributePath> path = std::nullopt);
  // "Summary" + error.ToString() as detail.
  void AddError(std::string summary, const Error& error,
                std::optional<AttributePath> path = std::nullopt);
  void Append(const Diagnostics& other);
  bool HasError() const;
  const std::vector<Diagnostic>& items() const { return items_; }
  std::vector<Diagnostic>& items() { return items_; }

  // Bounded: past kMaxItems diagnostics only a count is kept (a hostile or mistaken
  // request must not build an answer larger than the message limit), and each summary
  // and detail is cut to a few KiB. The server reports the count as one more diagnostic.
  static constexpr size_t kMaxItems = 100;
  static constexpr size_t kMaxSummaryBytes = 1024;
  static constexpr size_t kMaxDetailBytes = 8192;
  size_t omitted_errors() const { return omitted_errors_; }
  size_t omitted_warnings() const { return omitted_warnings_; }

 private:
  void Add(Diagnostic d);
  std::vector<Diagnostic> items_;
  size_t omitted_errors_ = 0;
  size_t omitted_warnings_ = 0;
};

}  // namespace prov::protocol
