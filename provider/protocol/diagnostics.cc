#include "provider/protocol/diagnostics.h"

#include <utility>

namespace prov::protocol {

AttributePath AttributePath::Attr(std::string name) const {
  AttributePath p = *this;
  p.steps_.push_back({PathStep::Kind::kAttribute, std::move(name), 0});
  return p;
}

AttributePath AttributePath::Key(std::string key) const {
  AttributePath p = *this;
  p.steps_.push_back({PathStep::Kind::kElementKeyString, std::move(key), 0});
  return p;
}

AttributePath AttributePath::Index(int64_t i) const {
  AttributePath p = *this;
  p.steps_.push_back({PathStep::Kind::kElementKeyInt, {}, i});
  return p;
}

std::string AttributePath::ToString() const {
  std::string out;
  for (const auto& s : steps_) {
    switch (s.kind) {
      case PathStep::Kind::kAttribute:
        if (!out.empty()) out += '.';
        out += s.name;
        break;
      case PathStep::Kind::kElementKeyString:
        out += "[\"";
        for (char c : s.name) {
          if (c == '"' || c == '\\') out += '\\';
          out += c;
        }
        out += "\"]";
        break;
      case PathStep::Kind::kElementKeyInt:
        out += '[' + std::to_string(s.index) + ']';
        break;
    }
  }
  return out;
}

namespace {
// Cuts `s` to at most `max` bytes on a UTF-8 character boundary, marking the cut.
void Truncate(std::string& s, size_t max) {
  if (s.size() <= max) return;
  size_t cut = max - 3;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xc0) == 0x80) --cut;
  s.resize(cut);
  s += "...";
}
}  // namespace

void Diagnostics::Add(Diagnostic d) {
  if (items_.size() >= kMaxItems) {
    ++(d.severity == Severity::kError ? omitted_errors_ : omitted_warnings_);
    return;
  }
  Truncate(d.summary, kMaxSummaryBytes);
  Truncate(d.detail, kMaxDetailBytes);
  items_.push_back(std::move(d));
}

void Diagnostics::AddError(std::string summary, std::string detail,
                           std::optional<AttributePath> path) {
  Add({Severity::kError, std::move(summary), std::move(detail), std::move(path)});
}

void Diagnostics::AddWarning(std::string summary, std::string detail,
                             std::optional<AttributePath> path) {
  Add({Severity::kWarning, std::move(summary), std::move(detail), std::move(path)});
}

void Diagnostics::AddError(std::string summary, const Error& error,
                           std::optional<AttributePath> path) {
  AddError(std::move(summary), error.ToString(), std::move(path));
}

void Diagnostics::Append(const Diagnostics& other) {
  for (const Diagnostic& d : other.items_) Add(d);
  omitted_errors_ += other.omitted_errors_;
  omitted_warnings_ += other.omitted_warnings_;
}

bool Diagnostics::HasError() const {
  if (omitted_errors_ > 0) return true;
  for (const auto& d : items_) {
    if (d.severity == Severity::kError) return true;
  }
  return false;
}

}  // namespace prov::protocol
