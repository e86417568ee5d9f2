// Compile(): resolve -> optimise -> render, and the pieces of the report that do not
// depend on the platform.
#include "provider/rules/compiler.h"

#include <set>

#include "provider/rules/ir.h"
#include "provider/rules/render.h"

namespace prov::rules {

Result<Compiled> Compile(const catalog::Catalog& catalog, const Selection& selection,
                         const TargetOptions& target) {
  PROV_ASSIGN_OR_RETURN(Resolved resolved, Resolve(catalog, selection));
  OptimiseOptions opt;
  switch (target.platform) {
    case Platform::kAws: opt = {false, false}; break;
    case Platform::kAzure: opt = {false, true}; break;
    case Platform::kGcp: opt = {true, false}; break;
  }
  std::vector<std::string> local_notes;
  if (!opt.keep_local) {
    std::set<int> seen;
    for (const auto& f : resolved.flows) {
      if (f.local.empty() || !seen.insert(f.row).second) continue;
      std::string cidrs;
      for (const auto& l : f.local) cidrs += (cidrs.empty() ? "" : ", ") + l.ToString();
      local_notes.push_back(resolved.rows[f.row].row + ": " + PlatformName(target.platform) +
                            " rules cannot name the enterprise side (" + cidrs +
                            "); attach the rules only to those hosts");
    }
  }
  std::vector<Group> groups = Optimise(resolved, opt);
  Result<Compiled> rendered = [&]() -> Result<Compiled> {
    switch (target.platform) {
      case Platform::kAws: return internal::RenderAws(resolved, std::move(groups), target);
      case Platform::kAzure: return internal::RenderAzure(resolved, std::move(groups), target);
      case Platform::kGcp: return internal::RenderGcp(resolved, std::move(groups), target);
    }
    return MakeError(ErrorCode::kInvalidArgument, "unknown platform", "target.platform");
  }();
  if (!rendered.ok()) return rendered.error();
  Compiled c = std::move(rendered).value();
  c.unenforceable = std::move(resolved.unenforceable);
  std::vector<std::string> notes = std::move(resolved.notes);
  notes.insert(notes.end(), local_notes.begin(), local_notes.end());
  notes.insert(notes.end(), c.notes.begin(), c.notes.end());
  c.notes = std::move(notes);
  return c;
}

}  // namespace prov::rules
