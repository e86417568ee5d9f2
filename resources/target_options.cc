#include "resources/target_options.h"

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
    std::string detail = "These catalog rows are not enforced by the " + platform +
                         " rules (see the `unenforceable` attribute):\n";
    for (const auto& u : c.unenforceable) detail += "\n  - " + u.row + ": " + u.reason;
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
