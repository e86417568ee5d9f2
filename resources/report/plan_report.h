// The drift/plan report: `terraform-provider-office report PLAN_JSON`.
//
// Input is the JSON of a saved plan (`tofu show -json PLANFILE`, `terraform show -json
// PLANFILE`, plan format 1.x). For each office_at_hand_allowlist it compares, rule by rule
// (the `rules` map keyed by stable rule key):
//   - resource_drift before -> after: cloud drift (changed, removed or added outside Terraform);
//   - resource_changes before (the refreshed state) -> after (the plan): catalog change when
//     catalog_version/catalog_sha256 moved, configuration change when services, options or
//     the target were edited and not applied. Planned changes that only undo drift are part
//     of the drift finding, not counted again.
// Unknown attributes (other providers' versions, new computed attributes) are ignored.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "provider/base/result.h"

namespace prov::report {

enum class Category { kCloudDrift, kCatalogChange, kConfigurationChange };
const char* CategoryName(Category c);    // "cloud_drift", "catalog_change", "configuration_change"
const char* CategoryTitle(Category c);   // "Cloud drift", ...

// One rule as the report shows it (the fields that matter to a reader).
struct RuleView {
  std::string direction, protocol, description, prefix_list, location, name;
  std::vector<std::string> ports, cidrs, services, catalog_rows;
  std::optional<double> priority;
  std::string Peer() const;   // cidrs joined, or the prefix list
  std::string Ports() const;  // ports joined
};

struct Finding {
  Category category = Category::kCloudDrift;
  // rule_added, rule_removed, rule_changed, attribute_changed, allowlist_created,
  // allowlist_deleted, allowlist_replaced, allowlist_gone.
  std::string kind;
  std::string address;  // office_at_hand_allowlist.x (with module path)
  std::string target;   // the allowlist's id (security groups / NSG / network), or "" if unknown
  std::string rule;     // the rule key (or the attribute name for attribute_changed)
  std::optional<RuleView> before, after;
  std::vector<std::string> changed_fields;  // rule_changed: which fields differ
  std::vector<std::string> catalog_rows;    // rows of the rule (both sides)
  std::vector<std::string> rows_added, rows_removed;  // rule_changed: rows gained / lost
  std::string before_value, after_value;    // attribute_changed: JSON of both sides
  std::string summary;                      // one line for a table
  std::string recommended_action;
  std::string id;                           // stable fingerprint (dedup across runs)
};

struct Unenforceable {
  std::string row, service, reason;
  std::vector<std::string> destinations;
};

struct CatalogStamp {
  std::string version, sha256;
  bool operator==(const CatalogStamp& o) const { return version == o.version && sha256 == o.sha256; }
};

struct AllowlistReport {
  std::string address, target, platform;  // platform: aws / azure / gcp / ""
  std::vector<std::string> actions;       // the planned actions ("no-op", "update", ...)
  std::optional<CatalogStamp> catalog_before, catalog_after;  // after: empty when unknown
  std::vector<std::string> configuration_changed;  // attribute names edited but not applied
  // Catalog rows gained, lost or changed across the allowlist's planned rules (catalog
  // changes only): row id -> "added" / "removed" / "changed".
  std::map<std::string, std::string> catalog_rows;
  std::vector<Unenforceable> unenforceable;
  int rules_before = 0, rules_after = 0;
  int counts[3] = {0, 0, 0};
};

struct Report {
  std::string format_version, tool, tool_version, plan_timestamp;  // from the plan
  bool refresh_only = false;
  std::vector<AllowlistReport> allowlists;  // sorted by address
  std::vector<Finding> findings;            // by category, address, rule
  int Count(Category c) const;
  int UnenforceableCount() const;
  bool InSync() const { return findings.empty(); }
  int ExitCode() const { return InSync() ? 0 : 2; }
};

// Exit codes of `report` (independent of the other subcommands').
inline constexpr int kExitInSync = 0;
inline constexpr int kExitError = 1;
inline constexpr int kExitChanges = 2;

// Parses and classifies. Errors (kInvalidArgument / kDataLoss) name the cause: not JSON,
// truncated, not a plan (a state, another document), unsupported format version, no
// office_at_hand_allowlist in the plan, a plan that errored.
Result<Report> BuildReport(const std::string& plan_json);

struct RenderOptions {
  std::string generated_at;        // RFC 3339 UTC; the CLI passes the current time
  size_t markdown_budget = 60000;  // characters; GitHub's comment limit is 65,536
};

std::string RenderMarkdown(const Report& r, const RenderOptions& o);
std::string RenderJson(const Report& r, const RenderOptions& o);

}  // namespace prov::report
