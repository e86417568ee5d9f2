// `report`: classification of real plans (fixtures saved from tofu 1.12 and terraform 1.5.7
// runs by fixtures/make_fixtures.py), golden Markdown/JSON, bad input, tolerance of extra
// attributes, and the Markdown size budget.
//
// A golden that differs leaves the actual output beside it (<golden>.actual);
// REPORT_UPDATE_GOLDEN=1 rewrites the goldens (review the diff like code).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "resources/report/plan_report.h"

namespace prov::report {
namespace {

using nlohmann::json;

std::string Dir() {
  const char* d = std::getenv("PROV_SOURCE_DIR");  // set by ctest
  return std::string(d ? d : "") + "/tests/report/";
}

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Fixture(const std::string& name) { return Read(Dir() + "fixtures/" + name + ".json"); }

RenderOptions Fixed() {
  RenderOptions o;
  o.generated_at = "2026-01-01T00:00:00Z";
  return o;
}

Report Build(const std::string& text) {
  auto r = BuildReport(text);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().ToString());
  return r.ok() ? std::move(*r) : Report{};
}

void CheckGolden(const std::string& name, const std::string& actual) {
  const std::string path = Dir() + "golden/" + name;
  if (const char* u = std::getenv("REPORT_UPDATE_GOLDEN"); u && std::string(u) == "1") {
    std::ofstream(path, std::ios::binary) << actual;
    return;
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  if (in) ss << in.rdbuf();
  if (!in || ss.str() != actual) {
    std::ofstream(path + ".actual", std::ios::binary) << actual;
    ADD_FAILURE() << "golden " << path << (in ? " differs" : " is missing") << "; the actual output is in "
                  << path << ".actual (REPORT_UPDATE_GOLDEN=1 rewrites the goldens)";
  } else {
    std::remove((path + ".actual").c_str());
  }
}

struct Expect {
  const char* fixture;
  int drift, catalog, config, exit_code;
};

// The scenarios of tests/acceptance/report_scenarios.py on an allowlist of the video service:
// drift = one rule deleted and one re-described by hand; catalog = video.media_secured's UDP
// range 10000-19999 -> 10000-20999 (9 supernet rules out, 9 in); config = tcp_fallback on
// (TCP 443 joins the 9 supernet rules: 8 changed, 1 new when the 9th was deleted by hand).
constexpr Expect kCases[] = {
    {"tofu-drift", 2, 0, 0, 2},      {"terraform-drift", 2, 0, 0, 2}, {"tofu-catalog", 0, 18, 0, 2},
    {"terraform-config", 0, 0, 9, 2}, {"tofu-all", 2, 18, 9, 2},      {"terraform-all", 2, 18, 9, 2},
    {"tofu-nothing", 0, 0, 0, 0},     {"terraform-nothing", 0, 0, 0, 0},
};

TEST(ReportTest, ClassifiesRealPlansOfBothTools) {
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.fixture);
    Report r = Build(Fixture(c.fixture));
    EXPECT_EQ(r.Count(Category::kCloudDrift), c.drift);
    EXPECT_EQ(r.Count(Category::kCatalogChange), c.catalog);
    EXPECT_EQ(r.Count(Category::kConfigurationChange), c.config);
    EXPECT_EQ(r.ExitCode(), c.exit_code);
    ASSERT_EQ(r.allowlists.size(), 1u);
    EXPECT_EQ(r.allowlists[0].address, "office_at_hand_allowlist.a");
    EXPECT_EQ(r.allowlists[0].platform, "aws");
    EXPECT_EQ(r.allowlists[0].target.rfind("sg-", 0), 0u) << r.allowlists[0].target;
    EXPECT_EQ(r.allowlists[0].unenforceable.size(), 9u);  // the video service's domain-only rows
    EXPECT_EQ(r.format_version, "1.2");
    EXPECT_EQ(r.tool, std::string(c.fixture).rfind("tofu", 0) == 0 ? "opentofu" : "terraform");
    EXPECT_FALSE(r.plan_timestamp.empty());
  }
}

TEST(ReportTest, DriftNamesWhatChangedOutsideTerraform) {
  Report r = Build(Fixture("tofu-drift"));
  ASSERT_EQ(r.findings.size(), 2u);
  std::map<std::string, const Finding*> by_kind;
  for (const auto& f : r.findings) by_kind[f.kind] = &f;
  ASSERT_TRUE(by_kind.count("rule_removed"));
  ASSERT_TRUE(by_kind.count("rule_changed"));
  EXPECT_TRUE(by_kind["rule_removed"]->before.has_value());
  EXPECT_FALSE(by_kind["rule_removed"]->after.has_value());
  EXPECT_EQ(by_kind["rule_changed"]->changed_fields, std::vector<std::string>{"description"});
  EXPECT_EQ(by_kind["rule_changed"]->after->description, "changed by hand");
  EXPECT_NE(by_kind["rule_removed"]->recommended_action.find("CloudTrail"), std::string::npos);
}

TEST(ReportTest, CatalogChangeNamesTheRowsAndVersions) {
  Report r = Build(Fixture("tofu-catalog"));
  const auto& a = r.allowlists[0];
  ASSERT_TRUE(a.catalog_before && a.catalog_after);
  EXPECT_EQ(a.catalog_before->version, "2026.11.25");
  EXPECT_EQ(a.catalog_after->version, "2099.01.01");
  EXPECT_EQ(a.catalog_after->sha256.size(), 64u);
  EXPECT_EQ(a.catalog_rows, (std::map<std::string, std::string>{{"video.media_secured", "changed"}}));
  int added = 0, removed = 0;
  for (const auto& f : r.findings) {
    EXPECT_EQ(f.catalog_rows, std::vector<std::string>{"video.media_secured"});
    added += f.kind == "rule_added" && f.rule.find("udp/10000-20999") != std::string::npos;
    removed += f.kind == "rule_removed" && f.rule.find("udp/10000-19999") != std::string::npos;
  }
  EXPECT_EQ(added, 9);
  EXPECT_EQ(removed, 9);
}

TEST(ReportTest, AllThreeAtOnceAreToldApart) {
  Report r = Build(Fixture("terraform-all"));
  for (const auto& f : r.findings) {
    SCOPED_TRACE(f.rule);
    if (f.category == Category::kConfigurationChange) {
      // tcp_fallback: TCP 443 gains the media row.
      EXPECT_NE(f.rule.find("tcp/443"), std::string::npos);
      EXPECT_NE(std::find(f.catalog_rows.begin(), f.catalog_rows.end(), "video.media_secured"), f.catalog_rows.end());
    } else if (f.category == Category::kCatalogChange) {
      EXPECT_NE(f.rule.find("udp/10000-"), std::string::npos);
    }
  }
  EXPECT_EQ(r.allowlists[0].configuration_changed, std::vector<std::string>{"tcp_fallback"});
}

TEST(ReportTest, GoldenMarkdownAndJson) {
  for (const char* name : {"tofu-drift", "tofu-catalog", "terraform-config", "tofu-all", "tofu-nothing"}) {
    SCOPED_TRACE(name);
    CheckGolden(std::string(name) + ".md", RenderMarkdown(Build(Fixture(name)), Fixed()));
  }
  CheckGolden("tofu-all.json", RenderJson(Build(Fixture("tofu-all")), Fixed()));
}

TEST(ReportTest, JsonHasStableKeysVersionsAndOneEntryPerFinding) {
  Report r = Build(Fixture("tofu-all"));
  json j = json::parse(RenderJson(r, Fixed()));
  EXPECT_EQ(j["status"], "changes");
  EXPECT_EQ(j["exit_code"], 2);
  EXPECT_EQ(j["generated_at"], "2026-01-01T00:00:00Z");
  EXPECT_EQ(j["categories"], json({"cloud_drift", "catalog_change", "configuration_change"}));
  EXPECT_EQ(j["counts"]["cloud_drift"], 2);
  EXPECT_EQ(j["findings"].size(), 29u);
  EXPECT_EQ(j["catalogs"].size(), 2u);
  EXPECT_EQ(j["allowlists"][0]["catalog"]["planned"]["version"], "2099.01.01");
  std::set<std::string> ids;
  for (const auto& f : j["findings"]) {
    for (const char* k : {"id", "category", "kind", "address", "target", "rule", "summary", "recommended_action",
                          "catalog_rows", "before", "after"})
      EXPECT_TRUE(f.contains(k)) << k;
    EXPECT_FALSE(f["recommended_action"].get<std::string>().empty());
    ids.insert(f["id"].get<std::string>());
  }
  EXPECT_EQ(ids.size(), 29u) << "finding ids must be distinct";
  // Same input, same ids (deduplication across scheduled runs).
  json again = json::parse(RenderJson(Build(Fixture("tofu-all")), Fixed()));
  EXPECT_EQ(again["findings"], j["findings"]);
}

// ---------------------------------------------------------------- bad input
std::string ErrorOf(const std::string& text) {
  auto r = BuildReport(text);
  EXPECT_FALSE(r.ok());
  return r.ok() ? "" : r.error().message;
}

TEST(ReportTest, BadInputIsAClearError) {
  EXPECT_NE(ErrorOf("").find("empty"), std::string::npos);
  EXPECT_NE(ErrorOf("not json at all").find("not JSON"), std::string::npos);
  const std::string plan = Fixture("tofu-drift");
  EXPECT_NE(ErrorOf(plan.substr(0, plan.size() / 2)).find("truncated"), std::string::npos);
  EXPECT_NE(ErrorOf("[1,2]").find("not a plan"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"a":1})").find("format_version"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"format_version":"2.0","planned_values":{}})").find("not supported"), std::string::npos);
  // `show -json` without a plan file: a state.
  json doc = json::parse(plan);
  json state = {{"format_version", "1.0"}, {"terraform_version", "1.12.6"}, {"values", doc["prior_state"]["values"]}};
  EXPECT_NE(ErrorOf(state.dump()).find("state, not a plan"), std::string::npos);
  // A plan without our resources.
  json other = doc;
  other["resource_changes"] = json::array();
  other["resource_drift"] = json::array();
  other["prior_state"]["values"]["root_module"]["resources"] = json::array();
  EXPECT_NE(ErrorOf(other.dump()).find("no office_at_hand_allowlist"), std::string::npos);
  json errored = doc;
  errored["errored"] = true;
  EXPECT_NE(ErrorOf(errored.dump()).find("errored"), std::string::npos);
  json wrong_shape = doc;
  wrong_shape["resource_changes"][0]["change"] = "x";
  EXPECT_FALSE(ErrorOf(wrong_shape.dump()).empty());
}

// ---------------------------------------------------------------- tolerance
void ForEachRuleMap(json& j, const std::function<void(json&)>& fn) {
  if (j.is_object()) {
    if (j.contains("rules") && j["rules"].is_object()) fn(j);
    for (auto& [k, v] : j.items()) ForEachRuleMap(v, fn);
  } else if (j.is_array()) {
    for (auto& v : j) ForEachRuleMap(v, fn);
  }
}

TEST(ReportTest, ExtraAttributesAndSortedListsChangeNothing) {
  for (const char* name : {"tofu-all", "terraform-nothing"}) {
    SCOPED_TRACE(name);
    json doc = json::parse(Fixture(name));
    // What another helper's change adds: a computed allowlist_id, services/catalog_rows sorted.
    ForEachRuleMap(doc, [](json& values) {
      values["allowlist_id"] = "al-123";
      for (auto& [k, rule] : values["rules"].items()) {
        rule["new_computed_field"] = "x";
        for (const char* list : {"services", "catalog_rows"})
          if (rule.contains(list) && rule[list].is_array())
            std::sort(rule[list].begin(), rule[list].end(), std::greater<>());
      }
    });
    const Report a = Build(Fixture(name)), b = Build(doc.dump());
    ASSERT_EQ(a.findings.size(), b.findings.size());
    for (Category c : {Category::kCloudDrift, Category::kCatalogChange, Category::kConfigurationChange})
      EXPECT_EQ(a.Count(c), b.Count(c));
  }
}

// ---------------------------------------------------------------- other plan shapes
TEST(ReportTest, NewerTerraformPlanKeysAreIgnored) {
  // Terraform 1.8+ adds applyable/complete/errored, 1.10+ deferred changes, 1.12+ resource
  // identities; the format stays 1.2.
  json doc = json::parse(Fixture("terraform-all"));
  doc["errored"] = false;
  doc["applyable"] = true;
  doc["complete"] = true;
  doc["terraform_version"] = "1.11.4";
  for (auto& rc : doc["resource_changes"]) {
    rc["change"]["before_identity"] = json::object();
    rc["change"]["after_identity"] = json::object();
  }
  Report r = Build(doc.dump());
  EXPECT_EQ(r.tool, "terraform");
  EXPECT_EQ(r.tool_version, "1.11.4");
  EXPECT_EQ(r.Count(Category::kCloudDrift), 2);
  EXPECT_EQ(r.Count(Category::kCatalogChange), 18);
  EXPECT_EQ(r.Count(Category::kConfigurationChange), 9);
}

json TofuDrift() { return json::parse(Fixture("tofu-drift")); }

TEST(ReportTest, RefreshOnlyPlanReportsDriftOnly) {
  json doc = TofuDrift();
  doc["resource_changes"] = json::array();  // what -refresh-only leaves
  doc["planned_values"]["root_module"] = json::object();
  Report r = Build(doc.dump());
  EXPECT_TRUE(r.refresh_only);
  EXPECT_EQ(r.Count(Category::kCloudDrift), 2);
  EXPECT_EQ(r.findings.size(), 2u);
  EXPECT_EQ(r.allowlists[0].unenforceable.size(), 9u);  // from the prior state
}

TEST(ReportTest, DriftThatChangesNothingIsInSync) {
  // terraform#36403: refresh reports an object as drifted when nothing that matters moved.
  json doc = TofuDrift();
  auto& ch = doc["resource_drift"][0]["change"];
  ch["after"] = ch["before"];
  for (auto& [k, rule] : ch["after"]["rules"].items()) rule["remote_id"] = "sgr-other";
  doc["resource_changes"][0]["change"]["after"] = doc["resource_changes"][0]["change"]["before"] = ch["before"];
  doc["resource_changes"][0]["change"]["actions"] = {"no-op"};
  Report r = Build(doc.dump());
  EXPECT_TRUE(r.InSync());
  EXPECT_EQ(r.ExitCode(), 0);
}

TEST(ReportTest, CreateDeleteAndReplaceAreConfigurationChanges) {
  json doc = json::parse(Fixture("tofu-nothing"));
  auto& ch = doc["resource_changes"][0]["change"];
  json values = ch["before"];
  for (auto [actions, before, after, kind] :
       {std::tuple{json{"create"}, json(nullptr), values, "allowlist_created"},
        std::tuple{json{"delete"}, values, json(nullptr), "allowlist_deleted"},
        std::tuple{json{"delete", "create"}, values, values, "allowlist_replaced"},
        std::tuple{json{"create", "delete"}, values, values, "allowlist_replaced"}}) {
    SCOPED_TRACE(kind);
    ch["actions"] = actions;
    ch["before"] = before;
    ch["after"] = after;
    Report r = Build(doc.dump());
    ASSERT_EQ(r.findings.size(), 1u);
    EXPECT_EQ(r.findings[0].kind, kind);
    EXPECT_EQ(r.findings[0].category, Category::kConfigurationChange);
    EXPECT_EQ(r.ExitCode(), 2);
  }
}

TEST(ReportTest, RulesThatMoveWithNeitherCatalogNorConfigurationArePendingChanges) {
  // E.g. a provider upgrade that compiles differently: apply would change rules.
  json doc = json::parse(Fixture("terraform-nothing"));
  auto& ch = doc["resource_changes"][0]["change"];
  ch["actions"] = {"update"};
  auto& rule = ch["after"]["rules"].begin().value();
  rule["description"] = "compiled differently";
  Report r = Build(doc.dump());
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].category, Category::kConfigurationChange);
  EXPECT_EQ(r.findings[0].changed_fields, std::vector<std::string>{"description"});
  EXPECT_NE(r.findings[0].summary.find("provider upgrade"), std::string::npos) << r.findings[0].summary;
}

TEST(ReportTest, UnknownRulesAndAnOptionWithoutRuleChangesStillCount) {
  json doc = json::parse(Fixture("tofu-nothing"));
  auto& ch = doc["resource_changes"][0]["change"];
  ch["actions"] = {"update"};
  ch["after"]["rule_budget"] = 50;
  ch["after"].erase("rules");
  ch["after_unknown"]["rules"] = true;
  Report r = Build(doc.dump());
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].kind, "attribute_changed");
  EXPECT_EQ(r.findings[0].rule, "rule_budget");
  EXPECT_EQ(r.findings[0].after_value, "50");
}

TEST(ReportTest, AllowlistsInModulesAreFound) {
  json doc = json::parse(Fixture("tofu-drift"));
  for (auto* list : {&doc["resource_changes"], &doc["resource_drift"]})
    for (auto& rc : *list) {
      rc["address"] = "module.site[\"hq\"]." + rc["address"].get<std::string>();
      rc["module_address"] = "module.site[\"hq\"]";
    }
  auto root = doc["prior_state"]["values"]["root_module"];
  doc["prior_state"]["values"]["root_module"] = {
      {"child_modules", json::array({{{"address", "module.site[\"hq\"]"}, {"resources", root["resources"]}}})}};
  Report r = Build(doc.dump());
  EXPECT_EQ(r.Count(Category::kCloudDrift), 2);
  EXPECT_EQ(r.findings[0].address, "module.site[\"hq\"].office_at_hand_allowlist.a");
}

// ---------------------------------------------------------------- Markdown safety and size
TEST(ReportTest, TextFromTheCloudCannotInjectMarkup) {
  json doc = TofuDrift();
  for (auto& [k, rule] : doc["resource_drift"][0]["change"]["after"]["rules"].items())
    if (rule["description"] == "changed by hand") rule["description"] = "x | <img src=x onerror=alert(1)> `y`\n## z";
  const std::string md = RenderMarkdown(Build(doc.dump()), Fixed());
  for (size_t p = md.find("<img"); p != std::string::npos; p = md.find("<img", p + 1))
    EXPECT_EQ(md[p - 1], '\\') << "unescaped HTML at " << p;
  EXPECT_NE(md.find("x \\| \\<img src=x onerror=alert(1)\\> \\`y\\` \\#\\# z"), std::string::npos) << md;
}

json ManyDriftedRules(int n) {
  json doc = TofuDrift();
  auto& ch = doc["resource_drift"][0]["change"];
  json proto = ch["before"]["rules"].begin().value();
  json rules = json::object();
  for (int i = 0; i < n; ++i) {
    json r = proto;
    const std::string cidr = "10." + std::to_string(i / 250) + "." + std::to_string(i % 250) + ".0/24";
    r["cidrs"] = {cidr};
    r["description"] = "Office@Hand video.media_secured: media UDP 10000-19999 (" + std::to_string(i) + ")";
    rules["egress udp/10000-19999 " + cidr] = r;
  }
  ch["before"]["rules"] = rules;
  ch["after"]["rules"] = json::object();  // every rule deleted by hand
  doc["resource_changes"][0]["change"]["before"]["rules"] = json::object();
  doc["resource_changes"][0]["change"]["after"]["rules"] = rules;
  return doc;
}

TEST(ReportTest, FiveHundredDriftedRulesStayWithinTheBudget) {
  Report r = Build(ManyDriftedRules(500).dump());
  EXPECT_EQ(r.Count(Category::kCloudDrift), 500);
  EXPECT_EQ(r.Count(Category::kConfigurationChange), 0) << "re-creating deleted rules is the drift, not a change";
  const RenderOptions o = Fixed();
  const std::string md = RenderMarkdown(r, o);
  EXPECT_LE(md.size(), o.markdown_budget);
  EXPECT_GT(md.size(), o.markdown_budget / 2) << "the budget should be used, not wasted";
  EXPECT_EQ(md.rfind("## Office@Hand firewall report: 500 cloud drifts", 0), 0u) << md.substr(0, 200);
  EXPECT_NE(md.find("**Truncated:**"), std::string::npos);
  EXPECT_NE(md.find("more, left out to fit the size budget"), std::string::npos);
  // Every <details> opened is closed.
  size_t open = 0, close = 0;
  for (size_t p = 0; (p = md.find("<details>", p)) != std::string::npos; ++p) ++open;
  for (size_t p = 0; (p = md.find("</details>", p)) != std::string::npos; ++p) ++close;
  EXPECT_EQ(open, close);
  // A smaller budget is honoured too; JSON keeps every finding.
  RenderOptions small = o;
  small.markdown_budget = 5000;
  EXPECT_LE(RenderMarkdown(r, small).size(), 5000u);
  EXPECT_EQ(json::parse(RenderJson(r, o))["findings"].size(), 500u);
}

json ManyAllowlists(const std::string& fixture, int n) {
  json doc = json::parse(Fixture(fixture));
  json changes = json::array(), drift = json::array(), state = json::array();
  for (int i = 0; i < n; ++i) {
    const std::string prefix = "module.site[" + std::to_string(i) + "].";
    for (auto [src, dst] : {std::pair{&doc["resource_changes"], &changes}, std::pair{&doc["resource_drift"], &drift},
                            std::pair{&doc["prior_state"]["values"]["root_module"]["resources"], &state}})
      for (json x : *src) {
        x["address"] = prefix + x["address"].get<std::string>();
        dst->push_back(std::move(x));
      }
  }
  doc["resource_changes"] = changes;
  doc["resource_drift"] = drift;
  doc["prior_state"]["values"]["root_module"]["resources"] = state;
  return doc;
}

TEST(ReportTest, EveryBudgetIsHonouredAndEveryDetailsBlockClosed) {
  const Report many = Build(ManyAllowlists("tofu-all", 40).dump());
  EXPECT_EQ(many.allowlists.size(), 40u);
  EXPECT_EQ(many.Count(Category::kCatalogChange), 40 * 18);
  const Report drifted = Build(ManyDriftedRules(500).dump());
  for (const Report* r : {&many, &drifted})
    for (size_t budget : {4000, 6000, 10000, 30000, 60000}) {
      SCOPED_TRACE(budget);
      RenderOptions o = Fixed();
      o.markdown_budget = budget;
      const std::string md = RenderMarkdown(*r, o);
      EXPECT_LE(md.size(), budget);
      EXPECT_NE(md.find("**Truncated:**"), std::string::npos);
      size_t open = 0, close = 0;
      for (size_t p = 0; (p = md.find("<details>", p)) != std::string::npos; ++p) ++open;
      for (size_t p = 0; (p = md.find("</details>", p)) != std::string::npos; ++p) ++close;
      EXPECT_EQ(open, close);
    }
  // Several allowlists: the tables name the allowlist of each finding.
  const std::string md = RenderMarkdown(many, Fixed());
  EXPECT_NE(md.find("| Allowlist | Rule | Change | Catalog rows |"), std::string::npos);
  EXPECT_NE(md.find("| `module.site[0].office_at_hand_allowlist.a` | `egress"), std::string::npos);
}

TEST(ReportTest, EveryTruncationOfAPlanIsAnErrorNotACrash) {
  const std::string plan = Fixture("tofu-drift");
  for (size_t n = 1; n < plan.size() - 1; n += 997) {
    auto r = BuildReport(plan.substr(0, n));
    ASSERT_FALSE(r.ok()) << n;
    EXPECT_NE(r.error().message.find("truncated"), std::string::npos) << n << ": " << r.error().message;
  }
}

}  // namespace
}  // namespace prov::report
