#include "resources/target_options.h"

#include <map>

namespace prov::resources {

void AddCompileError(const Error& e, const std::string& platform, protocol::Diagnostics& diags,
                     const protocol::AttributePath& path) {
  std::string summary = e.code == ErrorCode::kResourceExhausted
                            ? "The selected Office@Hand services do not fit the " + platform + " rule limits"
                            : "Compiling Office@Hand rules for " + platform;
  diags.AddError(summary, e.message, path);
}

void AddReportWarnings(const rules::Compiled& c, const std::string& platform,
                       protocol::Diagnostics& diags) {
  if (!c.unenforceable.empty()) {
    // Grouped by kind of reason, so a scheduled plan's output stays short; the full
    // reasons (with every domain name) are in the `unenforceable` attribute.
    std::map<std::string, std::vector<std::string>> by_kind;
    for (const auto& u : c.unenforceable) {
      std::string kind = u.reason.substr(0, u.reason.find(':'));
      by_kind[kind].push_back(u.row);
    }
    std::string detail = "The " + platform +
                         " rules do not cover these catalog rows; the `unenforceable` attribute says "
                         "why for each, with its domain names:";
    for (const auto& [kind, rows] : by_kind) {
      detail += "\n\n" + kind + " (" + std::to_string(rows.size()) + "):";
      for (const auto& r : rows) detail += "\n  " + r;
    }
    diags.AddWarning(std::to_string(c.unenforceable.size()) + " Office@Hand catalog rows cannot be enforced by " +
                         platform + " rules",
                     detail);
  }
  if (!c.over_permission.empty()) {
    std::string detail = "To fit the rule budget, these rules open more ports than the catalog asks "
                         "(see the `over_permission` attribute):\n";
    for (const auto& o : c.over_permission)
      detail += "\n  - " + o.rule_key + ": extra " + net::TransportName(o.transport) + " " + o.extra.ToString() +
                " (" + o.reason + ")";
    diags.AddWarning("Rules allow more than the Office@Hand catalog asks", detail);
  }
}

}  // namespace prov::resources
