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

void Diagnostics::AddError(std::string summary, std::string detail,
                           std::optional<AttributePath> path) {
  items_.push_back({Severity::kError, std::move(summary), std::move(detail), std::move(path)});
}

void Diagnostics::AddWarning(std::string summary, std::string detail,
                             std::optional<AttributePath> path) {
  items_.push_back({Severity::kWarning, std::move(summary), std::move(detail), std::move(path)});
}

void Diagnostics::AddError(std::string summary, const Error& error,
                           std::optional<AttributePath> path) {
  AddError(std::move(summary), error.ToString(), std::move(path));
}

void Diagnostics::Append(const Diagnostics& other) {
  items_.insert(items_.end(), other.items_.begin(), other.items_.end());
}

bool Diagnostics::HasError() const {
  for (const auto& d : items_) {
    if (d.severity == Severity::kError) return true;
  }
  return false;
}

}  // namespace prov::protocol
