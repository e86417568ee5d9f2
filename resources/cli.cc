#include "resources/cli.h"

#include <chrono>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>

#include <CLI/CLI.hpp>

#include "provider/catalog/loader.h"
#include "provider/rules/compiler.h"
#include "resources/docs.h"
#include "resources/provider.h"
#include "resources/report/plan_report.h"

namespace prov::resources {

namespace {

Result<catalog::Catalog> LoadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return MakeError(ErrorCode::kNotFound, "cannot open \"" + path + "\"");
  std::ostringstream ss;
  ss << in.rdbuf();
  return catalog::LoadFromJson(ss.str());
}

std::vector<std::string> SplitCsv(const std::vector<std::string>& xs) {
  std::vector<std::string> out;
  for (const auto& x : xs) {
    std::stringstream ss(x);
    std::string item;
    while (std::getline(ss, item, ','))
      if (!item.empty()) out.push_back(item);
  }
  return out;
}

// `docs`: render the pages; write them, or with --check compare and list what is stale.
int RunDocs(const std::string& docs_dir, const std::string& examples_dir, bool check) {
  auto provider = NewProvider();
  for (const auto& m : MissingExamples(*provider, examples_dir))
    std::cerr << "warning: " << m << " not found under " << examples_dir
              << "; its section is left out (run from the repository root or pass --examples)\n";
  const auto pages = RenderDocs(*provider, examples_dir);
  if (check) {
    const DocsCheck c = CheckDocs(pages, docs_dir);
    for (const auto& p : c.stale) std::cerr << docs_dir << "/" << p << ": stale\n";
    for (const auto& p : c.missing) std::cerr << docs_dir << "/" << p << ": missing\n";
    for (const auto& p : c.obsolete) std::cerr << docs_dir << "/" << p << ": no longer generated; delete it\n";
    if (!c.ok()) {
      std::cerr << "run `terraform-provider-office docs` from the repository root to regenerate\n";
      return 1;
    }
    std::cout << pages.size() << " pages up to date in " << docs_dir << "\n";
    return 0;
  }
  auto written = WriteDocs(pages, docs_dir);
  if (!written.ok()) {
    std::cerr << "error: " << written.error().ToString() << "\n";
    return 1;
  }
  for (const auto& p : CheckDocs(pages, docs_dir).obsolete)
    std::cerr << "warning: " << docs_dir << "/" << p << " is no longer generated; delete it\n";
  std::cout << *written << " of " << pages.size() << " pages written to " << docs_dir << "\n";
  return 0;
}

// `report`: exit codes of its own (report::kExit*), whatever the other subcommands use.
int RunReport(const std::string& path, const std::string& format, long long budget) {
  std::string text;
  if (path == "-") {
    std::ostringstream ss;
    ss << std::cin.rdbuf();
    text = ss.str();
  } else {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      std::cerr << "error: cannot open \"" << path << "\"\n";
      return report::kExitError;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  auto r = report::BuildReport(text);
  if (!r.ok()) {
    std::cerr << "error: " << path << ": " << r.error().message << "\n";
    return report::kExitError;
  }
  report::RenderOptions o;
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
  o.generated_at = stamp;
  if (budget > 0) o.markdown_budget = static_cast<size_t>(budget);
  std::cout << (format == "json" ? report::RenderJson(*r, o) : report::RenderMarkdown(*r, o));
  std::cout.flush();
  if (!std::cout) {
    std::cerr << "error: writing the report failed\n";
    return report::kExitError;
  }
  return r->ExitCode();
}

}  // namespace

bool IsCliCommand(const char* arg) {
  return arg && (!std::strcmp(arg, "catalog") || !std::strcmp(arg, "rules") || !std::strcmp(arg, "docs") ||
                 !std::strcmp(arg, "report") ||
                 !std::strcmp(arg, "help") ||
                 !std::strcmp(arg, "--help") || !std::strcmp(arg, "-h"));
}

std::unique_ptr<protocol::Provider> NewProvider() { return std::make_unique<OfficeProvider>(); }

int RunCli(int argc, char** argv) {
  CLI::App app{
      "terraform-provider-office: the Office@Hand network requirements as firewall rules.\n"
      "Run by Terraform/OpenTofu as a plugin; these subcommands serve people and scripts."};
  app.require_subcommand(1);

  // catalog
  auto* cat_cmd = app.add_subcommand("catalog", "Print the catalog (embedded, or --catalog FILE).");
  std::string format = "json", catalog_file;
  cat_cmd->add_option("--format", format, "json, csv or markdown")->check(CLI::IsMember({"json", "csv", "markdown"}));
  cat_cmd->add_option("--catalog", catalog_file, "A catalog file instead of the embedded one");
  auto* diff_cmd = cat_cmd->add_subcommand("diff", "Show what changed between two catalogs, row by row.");
  std::string old_file, new_file;
  diff_cmd->add_option("OLD", old_file, "The old catalog file")->required();
  diff_cmd->add_option("NEW", new_file, "The new catalog file")->required();
  auto* validate_cmd = cat_cmd->add_subcommand("validate", "Validate a catalog file; print every error.");
  std::string validate_file;
  validate_cmd->add_option("FILE", validate_file, "The catalog file")->required();

  // rules
  auto* rules_cmd = app.add_subcommand("rules", "Print the compiled rules for a platform and both reports.");
  std::string platform, rules_format = "markdown", rules_catalog;
  std::vector<std::string> services, sip, sftp;
  bool line_sharing = false, tcp_fallback = false, ipv6 = false, prefix_list = false;
  int groups = 1, quota = 0, budget = 0, prio_from = 1000, prio_to = 1999;
  std::string name_prefix = "oah";
  rules_cmd->add_option("--platform", platform, "aws, azure or gcp")->required()->check(CLI::IsMember({"aws", "azure", "gcp"}));
  rules_cmd->add_option("--services", services, "Service ids, comma-separated (default: all)");
  rules_cmd->add_flag("--line-sharing", line_sharing, "Include the line-sharing (BLA) ports");
  rules_cmd->add_flag("--tcp-fallback", tcp_fallback, "Include the TCP 443 media fallback");
  rules_cmd->add_flag("--ipv6-clients", ipv6, "Include the IPv6 client rows");
  rules_cmd->add_option("--sip-trunk-peers", sip, "SIP trunk peer CIDRs, comma-separated");
  rules_cmd->add_option("--sftp-server", sftp, "SFTP server CIDRs for Archiver, comma-separated");
  rules_cmd->add_option("--groups", groups, "AWS: security groups to spread over");
  rules_cmd->add_option("--rule-quota", quota, "AWS: raised per-direction quota");
  rules_cmd->add_option("--budget", budget, "Maximum rules per group/target");
  rules_cmd->add_flag("--prefix-list", prefix_list, "AWS: reference a prefix list of the supernets");
  rules_cmd->add_option("--name-prefix", name_prefix, "Azure/GCP rule name prefix");
  rules_cmd->add_option("--priority-from", prio_from, "Azure: first priority (GCP: the priority)");
  rules_cmd->add_option("--priority-to", prio_to, "Azure: last priority");
  rules_cmd->add_option("--format", rules_format, "json or markdown")->check(CLI::IsMember({"json", "markdown"}));
  rules_cmd->add_option("--catalog", rules_catalog, "A catalog file instead of the embedded one");

  // docs
  auto* docs_cmd = app.add_subcommand(
      "docs", "Render the reference pages from the schema into DIR, or with --check list stale pages.");
  std::string docs_dir = "docs", examples_dir = "examples";
  bool docs_check = false;
  docs_cmd->add_flag("--check", docs_check, "Write nothing; exit 1 when a page differs from a fresh rendering");
  docs_cmd->add_option("--dir", docs_dir, "Where the pages go (default docs)");
  docs_cmd->add_option("--examples", examples_dir, "The examples folder (default examples)");

  // report
  auto* report_cmd = app.add_subcommand(
      "report",
      "Classify a saved plan's office_at_hand_allowlist changes as cloud drift, catalog change or "
      "configuration change. PLAN_JSON is `tofu show -json PLANFILE` / `terraform show -json PLANFILE` "
      "output (\"-\" reads stdin). Exit codes: 0 in sync, 2 drift or pending change, 1 error.");
  std::string report_file, report_format = "markdown";
  long long report_budget = 0;
  report_cmd->add_option("PLAN_JSON", report_file, "The plan's JSON")->required();
  report_cmd->add_option("--format", report_format, "markdown (default) or json")
      ->check(CLI::IsMember({"markdown", "json"}));
  report_cmd->add_option("--max-chars", report_budget,
                         "Markdown size budget in characters (default 60000; a GitHub comment holds 65536)")
      ->check(CLI::Range(4000LL, 10000000LL));

  app.add_subcommand("help", "Show this help.");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    // `report` promises 0 / 1 / 2 only: a usage error is an error (1), not CLI11's code.
    if (argc > 1 && !std::strcmp(argv[1], "report") && rc != 0) return report::kExitError;
    return rc;
  }
  if (app.got_subcommand("help")) {
    std::cout << app.help();
    return 0;
  }

  if (cat_cmd->parsed()) {
    if (diff_cmd->parsed()) {
      auto a = LoadFile(old_file);
      if (!a.ok()) { std::cerr << "error: " << old_file << ":\n" << a.error().ToString() << "\n"; return 1; }
      auto b = LoadFile(new_file);
      if (!b.ok()) { std::cerr << "error: " << new_file << ":\n" << b.error().ToString() << "\n"; return 1; }
      std::cout << catalog::Diff(*a, *b);
      return 0;
    }
    if (validate_cmd->parsed()) {
      std::ifstream in(validate_file, std::ios::binary);
      if (!in) { std::cerr << "error: cannot open " << validate_file << "\n"; return 1; }
      std::ostringstream ss;
      ss << in.rdbuf();
      std::vector<catalog::ValidationError> errors;
      auto c = catalog::LoadFromJson(ss.str(), errors);
      if (!c.ok()) {
        if (errors.empty()) std::cerr << c.error().ToString() << "\n";
        for (const auto& e : errors) std::cerr << validate_file << ":" << e.pointer << ": " << e.reason << "\n";
        return 1;
      }
      std::cout << validate_file << ": valid catalog version " << c->version << ", "
                << c->services.size() << " services, sha256 " << c->content_sha256 << "\n";
      return 0;
    }
    const catalog::Catalog* cat = &catalog::Embedded();
    catalog::Catalog loaded;
    if (!catalog_file.empty()) {
      auto c = LoadFile(catalog_file);
      if (!c.ok()) { std::cerr << "error: " << catalog_file << ":\n" << c.error().ToString() << "\n"; return 1; }
      loaded = std::move(*c);
      cat = &loaded;
    }
    if (format == "json") std::cout << catalog::ToJson(*cat);
    else if (format == "csv") std::cout << catalog::ToCsv(*cat);
    else std::cout << catalog::ToMarkdown(*cat);
    return 0;
  }

  if (report_cmd->parsed()) return RunReport(report_file, report_format, report_budget);

  if (docs_cmd->parsed()) return RunDocs(docs_dir, examples_dir, docs_check);

  if (rules_cmd->parsed()) {
    const catalog::Catalog* cat = &catalog::Embedded();
    catalog::Catalog loaded;
    if (!rules_catalog.empty()) {
      auto c = LoadFile(rules_catalog);
      if (!c.ok()) { std::cerr << "error: " << rules_catalog << ":\n" << c.error().ToString() << "\n"; return 1; }
      loaded = std::move(*c);
      cat = &loaded;
    }
    rules::Selection sel;
    sel.services = SplitCsv(services);
    for (const auto& s : sel.services) {
      if (!cat->FindService(s)) {
        std::cerr << "error: unknown service \"" << s << "\"; known:";
        for (const auto& x : cat->services) std::cerr << " " << x.id;
        std::cerr << "\n";
        return 2;
      }
    }
    sel.line_sharing = line_sharing;
    sel.tcp_fallback = tcp_fallback;
    sel.ipv6_clients = ipv6;
    sel.sip_trunk_peers = SplitCsv(sip);
    sel.sftp_server_addresses = SplitCsv(sftp);
    rules::TargetOptions t;
    t.platform = *rules::ParsePlatform(platform);
    t.groups = groups;
    t.rule_quota = quota;
    t.rule_budget = budget;
    t.prefix_list = prefix_list;
    t.name_prefix = name_prefix;
    t.priority_from = prio_from;
    t.priority_to = t.platform == rules::Platform::kGcp ? prio_from : prio_to;
    auto compiled = rules::Compile(*cat, sel, t);
    if (!compiled.ok()) {
      std::cerr << "error: " << compiled.error().ToString() << "\n";
      return 1;
    }
    std::cout << (rules_format == "json" ? rules::ToJson(*compiled, t.platform)
                                         : rules::ToMarkdown(*compiled, t.platform));
    return 0;
  }
  return 0;
}

}  // namespace prov::resources
