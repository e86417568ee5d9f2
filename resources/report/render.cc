// Renderings of a Report: Markdown for a pull-request / issue comment (a size budget, the
// summary first, details collapsed) and JSON for machines (stable keys, every finding).
#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "resources/report/plan_report.h"

namespace prov::report {

namespace {

using nlohmann::json;

constexpr Category kCategories[] = {Category::kCloudDrift, Category::kCatalogChange,
                                    Category::kConfigurationChange};

std::string Join(const std::vector<std::string>& xs, const char* sep) {
  std::string s;
  for (const auto& x : xs) s += (s.empty() ? "" : sep) + x;
  return s;
}

// Text from the plan (descriptions may have been edited by anyone) as inert Markdown: every
// character that could start markup or HTML is escaped, line breaks become spaces.
std::string Text(const std::string& in) {
  std::string out;
  out.reserve(in.size() + 8);
  for (char c : in) {
    if (c == '\n' || c == '\r' || c == '\t') {
      out += ' ';
    } else if (std::string_view("\\`*_[]<>|#!~&").find(c) != std::string_view::npos) {
      out += '\\';
      out += c;
    } else {
      out += c;
    }
  }
  return out;
}

// A code span: backticks cannot be escaped inside one, so they are replaced.
std::string Code(const std::string& in) {
  std::string s = in;
  for (auto& c : s)
    if (c == '`' || c == '\n' || c == '\r' || c == '|') c = c == '|' ? '/' : '\'';
  return "`" + s + "`";
}

std::string CodeList(const std::vector<std::string>& xs) {
  std::string s;
  for (const auto& x : xs) s += (s.empty() ? "" : ", ") + Code(x);
  return s;
}

std::string Plural(int n, const std::string& one, const std::string& many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string CountWords(Category c, int n) {
  switch (c) {
    case Category::kCloudDrift: return Plural(n, "cloud drift", "cloud drifts");
    case Category::kCatalogChange: return Plural(n, "catalog change", "catalog changes");
    case Category::kConfigurationChange: return Plural(n, "configuration change", "configuration changes");
  }
  return "";
}

std::string ToolName(const Report& r) { return r.tool == "opentofu" ? "OpenTofu" : "Terraform"; }

std::string StampWords(const AllowlistReport& a) {
  if (!a.catalog_before && !a.catalog_after) return "";
  if (a.catalog_before && a.catalog_after && !(*a.catalog_before == *a.catalog_after))
    return a.catalog_before->version + " → " + a.catalog_after->version;
  if (a.catalog_before) return a.catalog_before->version;
  return a.catalog_after->version;
}

std::string RuleWords(const RuleView& v) {
  std::string s = v.direction + " " + v.Ports() + " " + (v.direction == "ingress" ? "from " : "to ") + v.Peer();
  if (!v.description.empty()) s += ", description \"" + v.description + "\"";
  if (!v.location.empty()) s += ", in " + v.location;
  if (v.priority && *v.priority != 0) s += ", priority " + std::to_string(static_cast<long long>(*v.priority));
  return s;
}

// The Markdown writer: appends while the text fits the budget, counts what it leaves out.
// `reserve` keeps room for the lines that are always written (closing tags, the
// "N more" lines and the final truncation note).
class Writer {
 public:
  explicit Writer(size_t budget) : budget_(budget) {}
  bool Fits(size_t n) const { return s_.size() + n + kReserve <= budget_; }
  bool Add(const std::string& x) {
    if (!Fits(x.size())) {
      ++omitted_;
      return false;
    }
    s_ += x;
    return true;
  }
  void Force(const std::string& x) { s_ += x; }
  void Skip(int n) { omitted_ += n; }
  int omitted() const { return omitted_; }
  std::string& str() { return s_; }
  static constexpr size_t kReserve = 2000;  // measured worst case of the forced lines: ~1,500

 private:
  std::string s_;
  size_t budget_;
  int omitted_ = 0;
};

// A table: the header only when at least the first row fits; "N more" when rows are left out.
void Table(Writer& w, const std::string& header, const std::vector<std::string>& rows, const std::string& what) {
  if (rows.empty()) return;
  size_t shown = 0;
  if (w.Fits(header.size() + rows[0].size())) {
    w.Add(header);
    while (shown < rows.size() && w.Add(rows[shown])) ++shown;
  }
  const int left = static_cast<int>(rows.size() - shown);
  if (left) {
    w.Skip(left - (shown < rows.size() && shown > 0 ? 1 : 0));
    w.Force("\n_…and " + Plural(left, what, what + "s") + " more, left out to fit the size budget._\n");
  }
  w.Force("\n");
}

void Details(Writer& w, const std::string& summary, const std::vector<std::string>& items, const std::string& what) {
  if (items.empty()) return;
  const std::string open = "<details><summary>" + summary + "</summary>\n\n";
  if (!w.Fits(open.size() + items[0].size())) {
    w.Force("_" + summary + ": left out to fit the size budget._\n\n");
    return;
  }
  w.Add(open);
  int left = 0;
  for (const auto& x : items)
    if (!w.Add(x)) ++left;
  if (left) w.Force("\n_…and " + Plural(left, what, what + "s") + " more, left out to fit the size budget._\n");
  w.Force("\n</details>\n\n");
}

std::string FindingDetail(const Finding& f) {
  std::string s = "- " + Code(f.address) + (f.rule.empty() ? "" : " " + Code(f.rule)) + ": " + Text(f.summary);
  if (f.before) s += "\n  - before: " + Text(RuleWords(*f.before));
  if (f.after) s += "\n  - after: " + Text(RuleWords(*f.after));
  if (!f.before_value.empty() || !f.after_value.empty())
    s += "\n  - " + Text(f.before_value) + " → " + Text(f.after_value);
  if (!f.rows_added.empty()) s += "\n  - catalog rows gained: " + CodeList(f.rows_added);
  if (!f.rows_removed.empty()) s += "\n  - catalog rows lost: " + CodeList(f.rows_removed);
  if (!f.catalog_rows.empty() && f.rows_added.empty() && f.rows_removed.empty())
    s += "\n  - catalog rows: " + CodeList(f.catalog_rows);
  s += "\n  - finding id " + Code(f.id) + "\n";
  return s;
}

std::string ShortAddress(const Report& r, const std::string& address) {
  // With one allowlist the table leaves its address out of every row.
  return r.allowlists.size() == 1 ? "" : Code(address) + " | ";
}

}  // namespace

std::string RenderMarkdown(const Report& r, const RenderOptions& o) {
  Writer w(o.markdown_budget);
  // Headline: counts first.
  std::string head = "## Office@Hand firewall report: ";
  if (r.InSync()) {
    head += "in sync";
  } else {
    std::vector<std::string> parts;
    for (Category c : kCategories)
      if (int n = r.Count(c)) parts.push_back(CountWords(c, n));
    head += Join(parts, ", ");
  }
  w.Force(head + "\n\n");
  std::string status = r.InSync() ? "**In sync** (exit 0): the cloud matches the last apply, and the plan changes no rule"
                                  : "**Drift or pending change** (exit 2)";
  status += " · " + Plural(static_cast<int>(r.allowlists.size()), "allowlist", "allowlists");
  if (int u = r.UnenforceableCount()) status += " · " + Plural(u, "catalog row", "catalog rows") + " not enforceable";
  w.Force(status + "\n\n");
  std::string meta = ToolName(r) + (r.tool_version.empty() ? "" : " " + r.tool_version) + ", plan format " +
                     r.format_version;
  if (r.refresh_only) meta += ", refresh-only";
  if (!r.plan_timestamp.empty()) meta += ", planned " + r.plan_timestamp;
  if (!o.generated_at.empty()) meta += " · report " + o.generated_at;
  w.Force("<sub>" + Text(meta) + "</sub>\n\n");

  // One line per allowlist.
  {
    std::vector<std::string> rows;
    for (const auto& a : r.allowlists)
      rows.push_back("| " + Code(a.address) + " | " + Text(a.target) + " | " + std::to_string(a.counts[0]) + " | " +
                     std::to_string(a.counts[1]) + " | " + std::to_string(a.counts[2]) + " | " +
                     std::to_string(a.unenforceable.size()) + " | " + Text(StampWords(a)) + " |\n");
    Table(w,
          "| Allowlist | Target | Cloud drift | Catalog change | Configuration change | Unenforceable | Catalog |\n"
          "| --- | --- | ---: | ---: | ---: | ---: | --- |\n",
          rows, "allowlist");
  }

  for (Category c : kCategories) {
    std::vector<const Finding*> fs;
    for (const auto& f : r.findings)
      if (f.category == c) fs.push_back(&f);
    if (fs.empty()) continue;
    w.Force("### " + std::string(CategoryTitle(c)) + " (" + std::to_string(fs.size()) + ")\n\n");
    std::vector<std::string> actions;
    for (const auto* f : fs)
      if (std::find(actions.begin(), actions.end(), f->recommended_action) == actions.end())
        actions.push_back(f->recommended_action);
    for (const auto& act : actions) w.Add("- **Recommended:** " + act + "\n");  // our own text, with code spans
    w.Force("\n");
    if (c == Category::kCatalogChange) {
      std::map<std::string, std::set<std::string>> by_state;
      for (const auto& a : r.allowlists)
        for (const auto& [row, state] : a.catalog_rows) by_state[state].insert(row);
      for (const auto& [state, rows] : by_state) {
        std::vector<std::string> named;
        for (const auto& x : rows) named.push_back(Code(x));
        w.Add("Catalog rows " + state + ": " + Join(named, ", ") + "\n\n");
      }
    }
    const bool many = r.allowlists.size() != 1;
    std::vector<std::string> rows, details;
    for (const auto* f : fs) {
      const std::vector<std::string>& rows_cell =
          f->rows_added.empty() && f->rows_removed.empty() ? f->catalog_rows
          : f->rows_added.empty()                          ? f->rows_removed
                                                           : f->rows_added;
      rows.push_back("| " + ShortAddress(r, f->address) + (f->rule.empty() ? "" : Code(f->rule)) + " | " +
                     Text(f->summary) + " | " + CodeList(rows_cell) + " |\n");
      details.push_back(FindingDetail(*f));
    }
    Table(w, std::string(many ? "| Allowlist " : "") + "| Rule | Change | Catalog rows |\n" +
                 (many ? "| --- " : "") + "| --- | --- | --- |\n",
          rows, "finding");
    Details(w, std::string(CategoryTitle(c)) + ": before and after, rule by rule", details, "finding");
  }

  if (int u = r.UnenforceableCount()) {
    w.Force("### Not enforceable on the target (" + std::to_string(u) + ")\n\n");
    std::vector<std::string> items;
    for (const auto& a : r.allowlists)
      for (const auto& x : a.unenforceable)
        items.push_back("- " + Code(a.address) + " on " + Text(a.target.empty() ? "(target unknown)" : a.target) +
                        ": " + Code(x.row) + " — " + Text(x.reason) +
                        (x.destinations.empty() || x.reason.find(x.destinations[0]) != std::string::npos
                             ? ""
                             : " (" + Text(Join(x.destinations, ", ")) + ")") +
                        "\n");
    Details(w, "Catalog rows a L3/L4 firewall cannot enforce, per target: use an FQDN-capable firewall or proxy",
            items, "row");
  }

  if (w.omitted()) {
    w.Force("> **Truncated:** " + Plural(w.omitted(), "line", "lines") + " left out to stay within the " +
            std::to_string(o.markdown_budget) +
            "-character budget (a GitHub comment holds 65,536). `terraform-provider-office report --format json` "
            "lists every finding.\n\n");
  }
  w.Force("<sub>Exit codes: 0 in sync, 2 drift or pending change, 1 error.</sub>\n");
  return std::move(w.str());
}

namespace {

json RuleJson(const std::optional<RuleView>& v) {
  if (!v) return nullptr;
  json j = {{"direction", v->direction}, {"protocol", v->protocol}, {"ports", v->ports},
            {"cidrs", v->cidrs},         {"prefix_list", v->prefix_list}, {"description", v->description},
            {"services", v->services},   {"catalog_rows", v->catalog_rows}, {"location", v->location},
            {"name", v->name}};
  j["priority"] = v->priority ? json(*v->priority) : json(nullptr);
  return j;
}

json StampJson(const std::optional<CatalogStamp>& s) {
  if (!s) return nullptr;
  return {{"version", s->version}, {"sha256", s->sha256}};
}

}  // namespace

std::string RenderJson(const Report& r, const RenderOptions& o) {
  json j;
  j["report_format_version"] = "1";
  j["generated_at"] = o.generated_at;
  j["status"] = r.InSync() ? "in_sync" : "changes";
  j["exit_code"] = r.ExitCode();
  j["plan"] = {{"tool", r.tool},
               {"tool_version", r.tool_version},
               {"format_version", r.format_version},
               {"timestamp", r.plan_timestamp.empty() ? json(nullptr) : json(r.plan_timestamp)},
               {"refresh_only", r.refresh_only}};
  json counts = json::object();
  json cats = json::array();
  for (Category c : kCategories) {
    counts[CategoryName(c)] = r.Count(c);
    if (r.Count(c)) cats.push_back(CategoryName(c));
  }
  counts["unenforceable"] = r.UnenforceableCount();
  j["counts"] = counts;
  j["categories"] = cats;
  std::set<std::pair<std::string, std::string>> stamps;
  json als = json::array();
  for (const auto& a : r.allowlists) {
    json x;
    x["address"] = a.address;
    x["target"] = a.target;
    x["platform"] = a.platform;
    x["actions"] = a.actions;
    x["catalog"] = {{"applied", StampJson(a.catalog_before)}, {"planned", StampJson(a.catalog_after)}};
    for (const auto* s : {&a.catalog_before, &a.catalog_after})
      if (*s) stamps.insert({(*s)->version, (*s)->sha256});
    x["configuration_changed"] = a.configuration_changed;
    x["catalog_rows"] = a.catalog_rows;
    x["rules_applied"] = a.rules_before;
    x["rules_planned"] = a.rules_after;
    json c = json::object();
    for (Category cat : kCategories) c[CategoryName(cat)] = a.counts[static_cast<int>(cat)];
    x["counts"] = c;
    json u = json::array();
    for (const auto& e : a.unenforceable)
      u.push_back({{"row", e.row}, {"service", e.service}, {"reason", e.reason}, {"destinations", e.destinations}});
    x["unenforceable"] = u;
    als.push_back(std::move(x));
  }
  j["allowlists"] = als;
  json cat_list = json::array();
  for (const auto& [v, s] : stamps) cat_list.push_back({{"version", v}, {"sha256", s}});
  j["catalogs"] = cat_list;
  json fs = json::array();
  for (const auto& f : r.findings) {
    json x;
    x["id"] = f.id;
    x["category"] = CategoryName(f.category);
    x["kind"] = f.kind;
    x["address"] = f.address;
    x["target"] = f.target;
    x["rule"] = f.rule;
    x["summary"] = f.summary;
    x["recommended_action"] = f.recommended_action;
    x["catalog_rows"] = f.catalog_rows;
    x["rows_added"] = f.rows_added;
    x["rows_removed"] = f.rows_removed;
    x["changed_fields"] = f.changed_fields;
    x["before"] = RuleJson(f.before);
    x["after"] = RuleJson(f.after);
    x["before_value"] = f.before_value.empty() ? json(nullptr) : json(f.before_value);
    x["after_value"] = f.after_value.empty() ? json(nullptr) : json(f.after_value);
    fs.push_back(std::move(x));
  }
  j["findings"] = fs;
  return j.dump(2) + "\n";
}

}  // namespace prov::report
