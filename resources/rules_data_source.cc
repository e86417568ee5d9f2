#include "resources/rules_data_source.h"

#include "resources/rule_values.h"
#include "resources/selection.h"
#include "resources/target_options.h"
#include "resources/values.h"

namespace prov::resources {

using protocol::AttributePath;

namespace {

schema::Block BuildSchema() {
  schema::Block b;
  b.description =
      "The firewall rules the Office@Hand catalog needs on one platform, compiled to that platform's "
      "shape and limits, for use with the official AWS, Azure or Google providers.";
  b.attributes = {Required("platform", Type::String(), "Target platform: `aws`, `azure` or `gcp`.")};
  auto sel = SelectionAttributes(/*with_parameters=*/true);
  b.attributes.insert(b.attributes.end(), sel.begin(), sel.end());
  std::vector<schema::Attribute> more = {
      Optional("groups", Type::Number(), "AWS: number of security groups the rules may be spread over (default 1)."),
      Optional("rule_quota", Type::Number(), "AWS: your per-direction rule quota if raised above 60."),
      Optional("rule_budget", Type::Number(),
               "Maximum rules per group or target; nearest port ranges are merged to fit, and every "
               "extra port opened is reported in `over_permission`."),
      Optional("use_prefix_list", Type::Bool(), "AWS: reference a managed prefix list of the supernets."),
      Optional("name_prefix", Type::String(), "Azure/GCP: prefix of rule names (default `oah`)."),
      Optional("priority_from", Type::Number(), "Azure: first priority the rules may use (default 1000); GCP: the priority."),
      Optional("priority_to", Type::Number(), "Azure: last priority the rules may use (default 1999)."),
      Computed("id", Type::String(), "Platform and catalog version."),
      Computed("catalog_version", Type::String(), "Version of the catalog the rules come from."),
      Computed("rules", RulesMapType(/*live=*/false), "The compiled rules, keyed by a stable key."),
      Computed("unenforceable", Type::List(UnenforceableType()),
               "Catalog rows this platform cannot enforce, and why."),
      Computed("over_permission", Type::List(OverPermissionType()),
               "Every place where the rules allow more than the catalog asks."),
      Computed("strategy", Type::String(), "How the rules were fitted to the platform's limits."),
      Computed("rules_needed", Type::Number(), "Platform-weighted rule count before budgeting."),
      Computed("notes", Type::List(Type::String()), "Compiler notes."),
  };
  b.attributes.insert(b.attributes.end(), more.begin(), more.end());
  return b;
}

bool ReadTarget(const cty::Value& c, rules::TargetOptions& t, protocol::Diagnostics& diags) {
  auto platform = GetString(c, "platform");
  if (!platform) return false;
  auto p = rules::ParsePlatform(*platform);
  if (!p.ok()) {
    diags.AddError("Invalid platform", "platform must be one of aws, azure, gcp; got \"" + *platform + "\".",
                   AttributePath().Attr("platform"));
    return false;
  }
  t.platform = *p;
  t.groups = static_cast<int>(GetInt(c, "groups").value_or(1));
  t.rule_quota = static_cast<int>(GetInt(c, "rule_quota").value_or(0));
  t.rule_budget = static_cast<int>(GetInt(c, "rule_budget").value_or(0));
  t.prefix_list = GetBool(c, "use_prefix_list").value_or(false);
  t.name_prefix = GetString(c, "name_prefix").value_or("oah");
  t.priority_from = static_cast<int>(GetInt(c, "priority_from").value_or(t.platform == rules::Platform::kGcp ? 1000 : 1000));
  t.priority_to = static_cast<int>(GetInt(c, "priority_to").value_or(1999));
  if (t.groups < 1 || t.groups > 16)
    diags.AddError("Invalid groups", "groups must be between 1 and 16.", AttributePath().Attr("groups"));
  if (t.rule_quota < 0 || t.rule_quota > 1000)
    diags.AddError("Invalid rule_quota", "rule_quota must be between 1 and 1000.", AttributePath().Attr("rule_quota"));
  if (t.rule_budget < 0)
    diags.AddError("Invalid rule_budget", "rule_budget must be positive.", AttributePath().Attr("rule_budget"));
  if (t.platform == rules::Platform::kAzure &&
      (t.priority_from < 100 || t.priority_to > 4096 || t.priority_from > t.priority_to))
    diags.AddError("Invalid priority range",
                   "Azure priorities run from 100 to 4096 and priority_from must not exceed priority_to.",
                   AttributePath().Attr("priority_from"));
  return !diags.HasError();
}

}  // namespace

const schema::Block& RulesDataSource::Schema() const {
  static const schema::Block* s = new schema::Block(BuildSchema());
  return *s;
}

void RulesDataSource::Validate(const protocol::CallContext&, const cty::Value& config,
                               protocol::Diagnostics& diags) {
  auto data = data_.Get();
  ReadSelection(config, *data->catalog, diags);
  rules::TargetOptions t;
  ReadTarget(config, t, diags);
}

void RulesDataSource::Read(const protocol::CallContext&, const protocol::ReadDataSourceRequest& req,
                           protocol::ReadDataSourceResponse& resp) {
  auto data = data_.Get();
  const catalog::Catalog& cat = *data->catalog;
  rules::Selection sel = ReadSelection(req.config, cat, resp.diagnostics);
  rules::TargetOptions t;
  if (!ReadTarget(req.config, t, resp.diagnostics) || resp.diagnostics.HasError()) return;
  auto compiled = rules::Compile(cat, sel, t);
  if (!compiled.ok()) {
    AddCompileError(compiled.error(), rules::PlatformName(t.platform), resp.diagnostics,
                    AttributePath().Attr("services"));
    return;
  }
  std::map<std::string, cty::Value> rules_map;
  for (const auto& r : compiled->rules) rules_map[r.key] = RuleValue(r, false, "", "");
  std::map<std::string, cty::Value> attrs;
  for (const auto& [k, v] : req.config.Attributes()) attrs[k] = v;
  attrs["id"] = Str(std::string(rules::PlatformName(t.platform)) + "/" + cat.version);
  attrs["catalog_version"] = Str(cat.version);
  attrs["rules"] = cty::Value::Map(RuleObjectType(false), rules_map);
  attrs["unenforceable"] = UnenforceableList(compiled->unenforceable);
  attrs["over_permission"] = OverPermissionList(compiled->over_permission);
  attrs["strategy"] = Str(compiled->strategy);
  attrs["rules_needed"] = Num(compiled->rules_needed);
  attrs["notes"] = StrList(compiled->notes);
  resp.state = ObjectFor(Schema(), std::move(attrs));
}

}  // namespace prov::resources
