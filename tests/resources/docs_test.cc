// Reference docs: the committed pages under docs/ must equal a fresh rendering from the
// schema (the staleness test), and the renderer must put every schema fact where the
// registry layout expects it (checked on a small provider built here, so a renderer bug
// cannot hide behind regenerated golden files).
#include "resources/docs.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include "resources/cli.h"
#include "resources/values.h"

namespace prov::resources {
namespace {

namespace fs = std::filesystem;

std::string SourceDir() {
  const char* d = std::getenv("PROV_SOURCE_DIR");
  return d ? d : "";
}

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A unified-ish first difference, so a stale page's failure shows what changed.
std::string FirstDifference(const std::string& want, const std::string& have) {
  std::istringstream a(want), b(have);
  std::string la, lb;
  for (int line = 1;; ++line) {
    const bool ga = static_cast<bool>(std::getline(a, la));
    const bool gb = static_cast<bool>(std::getline(b, lb));
    if (!ga && !gb) return "(only line endings differ)";
    if (!ga || !gb || la != lb)
      return "line " + std::to_string(line) + ":\n  rendered:  " + (ga ? la : "<end>") +
             "\n  committed: " + (gb ? lb : "<end>");
  }
}

TEST(DocsTest, CommittedPagesMatchTheSchema) {
  const std::string src = SourceDir();
  ASSERT_FALSE(src.empty()) << "PROV_SOURCE_DIR is not set (ctest sets it)";
  auto provider = NewProvider();
  const auto pages = RenderDocs(*provider, src + "/examples");
  ASSERT_GE(pages.size(), 9u);
  for (const auto& [key, text] : pages) {
    const fs::path file = fs::path(src) / key;
    ASSERT_TRUE(fs::is_regular_file(file))
        << key << " is missing; run `terraform-provider-office docs` from the repository root";
    const std::string have = Slurp(file);
    EXPECT_EQ(have, text) << key
                          << " is stale (the schema or examples changed); run `terraform-provider-office "
                             "docs` from the repository root and commit the result. First difference at "
                          << FirstDifference(text, have);
  }
  const DocsCheck c = CheckDocs(pages, src + "/docs");
  EXPECT_TRUE(c.obsolete.empty()) << "no longer generated, delete: " << ::testing::PrintToString(c.obsolete);
}

TEST(DocsTest, EveryExampleFileExists) {
  const std::string src = SourceDir();
  ASSERT_FALSE(src.empty()) << "PROV_SOURCE_DIR is not set (ctest sets it)";
  auto provider = NewProvider();
  EXPECT_EQ(MissingExamples(*provider, src + "/examples"), std::vector<std::string>{});
}

TEST(DocsTest, PagesFollowTheRegistryLayout) {
  const std::string src = SourceDir();
  ASSERT_FALSE(src.empty()) << "PROV_SOURCE_DIR is not set (ctest sets it)";
  auto provider = NewProvider();
  const auto pages = RenderDocs(*provider, src + "/examples");
  for (const char* key : {"docs/index.md", "docs/resources/allowlist.md", "docs/data-sources/catalog.md",
                          "docs/data-sources/rules.md", "docs/functions/supernets.md", "docs/functions/services.md",
                          "docs/functions/service_ports.md", "docs/functions/service_domains.md",
                          "docs/resources.md"})
    EXPECT_TRUE(pages.count(key)) << key;

  const std::string& res = pages.at("docs/resources/allowlist.md");
  EXPECT_EQ(res.rfind("---\npage_title: \"office_at_hand_allowlist Resource", 0), 0u) << res.substr(0, 200);
  for (const char* heading : {"## Example Usage", "## Schema", "### Optional", "### Read-Only", "## Import",
                              "### Nested Schema for `aws_security_group`", "### Nested Schema for `rules`"})
    EXPECT_NE(res.find(heading), std::string::npos) << heading;
  // Sections in registry order.
  EXPECT_LT(res.find("## Example Usage"), res.find("## Schema"));
  EXPECT_LT(res.find("### Optional"), res.find("### Read-Only"));
  EXPECT_LT(res.find("## Schema"), res.find("## Import"));
  // Import: the example and the id forms.
  EXPECT_NE(res.find("terraform import office_at_hand_allowlist.aws"), std::string::npos);
  for (const char* form : {"sg-0123456789abcdef0,sg-0fedcba9876543210", "projects/<project>/global/networks/<network>",
                           "?owner=X&name_prefix=Y&region=Z", "network security group's resource id"})
    EXPECT_NE(res.find(form), std::string::npos) << form;

  // Every attribute of every schema appears with its description.
  auto check_block = [&](const std::string& page_key, const schema::Block& b) {
    const std::string& page = pages.at(page_key);
    for (const auto& a : b.attributes) {
      EXPECT_NE(page.find("- `" + a.name + "` ("), std::string::npos) << page_key << ": " << a.name;
      EXPECT_NE(page.find(a.description), std::string::npos) << page_key << ": " << a.name;
    }
    for (const auto& nb : b.blocks) {
      EXPECT_NE(page.find("### Nested Schema for `" + nb.type_name + "`"), std::string::npos) << nb.type_name;
      for (const auto& a : nb.attributes)
        EXPECT_NE(page.find(a.description), std::string::npos) << page_key << ": " << nb.type_name << "." << a.name;
    }
  };
  check_block("docs/index.md", provider->ProviderSchema());
  for (auto* r : provider->Resources()) check_block("docs/resources/" + DocName(r->TypeName()) + ".md", r->Schema());
  for (auto* d : provider->DataSources())
    check_block("docs/data-sources/" + DocName(d->TypeName()) + ".md", d->Schema());

  const std::string& fn = pages.at("docs/functions/service_ports.md");
  EXPECT_NE(fn.find("service_ports(service string) list(string)"), std::string::npos) << fn;
  EXPECT_NE(fn.find("1. `service` (string)"), std::string::npos) << fn;
  EXPECT_NE(fn.find("provider::office::service_ports(var.service)"), std::string::npos) << fn;

  const std::string& index = pages.at("docs/resources.md");
  for (const char* link : {"(resources/allowlist.md)", "(data-sources/catalog.md)", "(data-sources/rules.md)",
                           "(functions/supernets.md)", "(index.md)"})
    EXPECT_NE(index.find(link), std::string::npos) << link;
}

TEST(DocsTest, TypeExpressions) {
  using cty::Type;
  EXPECT_EQ(TypeExpression(Type::String()), "string");
  EXPECT_EQ(TypeExpression(Type::List(Type::String())), "list(string)");
  EXPECT_EQ(TypeExpression(Type::Set(Type::Number())), "set(number)");
  EXPECT_EQ(TypeExpression(Type::Map(Type::Bool())), "map(bool)");
  EXPECT_EQ(TypeExpression(Type::Dynamic()), "any");
  EXPECT_EQ(TypeExpression(Type::Tuple({Type::String(), Type::Number()})), "tuple([string, number])");
  EXPECT_EQ(TypeExpression(Type::Map(Type::Object({{"key", Type::String()}, {"ports", Type::List(Type::Number())}}))),
            "map(object({ key = string, ports = list(number) }))");
  EXPECT_EQ(TypeExpression(Type::Object({{"a", Type::String()}, {"b", Type::Number()}}, {"b"})),
            "object({ a = string, b = optional(number) })");
  EXPECT_EQ(TypeExpression(Type::Object({})), "object({})");
}

TEST(DocsTest, DocName) {
  EXPECT_EQ(DocName("office_at_hand_allowlist"), "allowlist");
  EXPECT_EQ(DocName("office_other"), "office_other");
  EXPECT_EQ(DocName("office_at_hand_"), "office_at_hand_");
}

// A small provider whose schema exercises every rendering rule.
class FakeResource : public protocol::Resource {
 public:
  FakeResource() {
    using cty::Type;
    schema_.description = "A thing. It does things.";
    auto obj = Type::Object({{"port", Type::Number()}, {"inner", Type::List(Type::Object({{"x", Type::Bool()}}))}});
    schema_.attributes = {
        Required("name", Type::String(), "The name."),
        Sensitive(Optional("secret", Type::String(), "A secret.")),
        OptionalComputed("mode", Type::String(), "The mode."),
        Computed("items", Type::Map(obj), "The items."),
    };
    schema::NestedBlock nb;
    nb.type_name = "target";
    nb.nesting = schema::NestingMode::kList;
    nb.min_items = 1;
    nb.max_items = 3;
    nb.description = "Targets.";
    nb.attributes = {Required("zone", Type::String(), "The zone.")};
    schema::NestedBlock sub;
    sub.type_name = "tls";
    sub.nesting = schema::NestingMode::kSingle;
    sub.attributes = {Optional("verify", Type::Bool(), "Verify peers.")};
    nb.blocks = {sub};
    schema_.blocks = {nb};
  }
  std::string TypeName() const override { return "office_at_hand_thing"; }
  const schema::Block& Schema() const override { return schema_; }
  void Read(const protocol::CallContext&, const protocol::ReadResourceRequest&, protocol::ReadResourceResponse&) override {}
  void Plan(const protocol::CallContext&, const protocol::PlanResourceChangeRequest&,
            protocol::PlanResourceChangeResponse&) override {}
  void Apply(const protocol::CallContext&, const protocol::ApplyResourceChangeRequest&,
             protocol::ApplyResourceChangeResponse&) override {}

 private:
  schema::Block schema_;
};

class FakeProvider : public protocol::Provider {
 public:
  const schema::Block& ProviderSchema() const override { return schema_; }
  void Configure(const protocol::CallContext&, const protocol::ConfigureRequest&, protocol::Diagnostics&) override {}
  std::vector<protocol::Resource*> Resources() override { return {&resource_}; }
  std::vector<protocol::DataSource*> DataSources() override { return {}; }
  std::vector<protocol::Function*> Functions() override { return {}; }

 private:
  schema::Block schema_;
  FakeResource resource_;
};

TEST(DocsTest, RendersSectionsNestedBlocksAndObjects) {
  FakeProvider p;
  const fs::path ex = fs::temp_directory_path() / ("docs_test_examples_" + std::to_string(::getpid()));
  fs::create_directories(ex / "resources" / "office_at_hand_thing");
  std::ofstream(ex / "resources" / "office_at_hand_thing" / "resource.tf") << "resource \"office_at_hand_thing\" \"x\" {}\n\n\n";
  const auto pages = RenderDocs(p, ex.string());
  const auto missing = MissingExamples(p, ex.string());
  fs::remove_all(ex);

  ASSERT_TRUE(pages.count("docs/resources/thing.md"));
  const std::string& page = pages.at("docs/resources/thing.md");
  const std::string expected_schema =
      "## Schema\n\n"
      "### Required\n\n"
      "- `name` (string) The name.\n"
      "- `target` (Block list, Min: 1, Max: 3) Targets. (see [below for nested schema](#nestedblock--target))\n\n"
      "### Optional\n\n"
      "- `mode` (string) The mode.\n"
      "- `secret` (string, Sensitive) A secret.\n\n"
      "### Read-Only\n\n"
      "- `items` (map(object({...}))) The items. (see [below for nested schema](#nestedatt--items))\n\n"
      "<a id=\"nestedblock--target\"></a>\n### Nested Schema for `target`\n\n"
      "Required:\n\n- `zone` (string) The zone.\n\n"
      "Optional:\n\n- `tls` (Block, Max: 1) (see [below for nested schema](#nestedblock--target--tls))\n\n"
      "<a id=\"nestedatt--items\"></a>\n### Nested Schema for `items`\n\n"
      "Read-Only:\n\n"
      "- `inner` (list(object({...}))) (see [below for nested schema](#nestedatt--items--inner))\n"
      "- `port` (number)\n\n"
      "<a id=\"nestedblock--target--tls\"></a>\n### Nested Schema for `target.tls`\n\n"
      "Optional:\n\n- `verify` (bool) Verify peers.\n\n"
      "<a id=\"nestedatt--items--inner\"></a>\n### Nested Schema for `items.inner`\n\n"
      "Read-Only:\n\n- `x` (bool)\n";
  EXPECT_NE(page.find(expected_schema), std::string::npos) << page;
  EXPECT_NE(page.find("## Example Usage\n\n```terraform\nresource \"office_at_hand_thing\" \"x\" {}\n```\n"),
            std::string::npos)
      << page;
  EXPECT_EQ(page.find("## Import"), std::string::npos) << "no import.sh, no Import section";
  EXPECT_EQ(page.rfind("---\npage_title: \"office_at_hand_thing Resource - terraform-provider-office\"\n"
                       "subcategory: \"\"\ndescription: |-\n  A thing.\n---\n\n# office_at_hand_thing (Resource)\n\n",
                       0),
            0u)
      << page;
  EXPECT_EQ(missing, (std::vector<std::string>{"examples/provider/provider.tf",
                                                "examples/resources/office_at_hand_thing/import.sh"}));
}

TEST(DocsTest, CheckAndWrite) {
  const fs::path dir = fs::temp_directory_path() / ("docs_test_out_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  std::map<std::string, std::string> pages = {{"docs/index.md", "a\n"}, {"docs/resources/x.md", "b\n"}};
  auto c = CheckDocs(pages, dir.string());
  EXPECT_EQ(c.missing, (std::vector<std::string>{"index.md", "resources/x.md"}));
  EXPECT_FALSE(c.ok());
  auto w = WriteDocs(pages, dir.string());
  ASSERT_TRUE(w.ok()) << w.error().ToString();
  EXPECT_EQ(*w, 2);
  EXPECT_TRUE(CheckDocs(pages, dir.string()).ok());
  EXPECT_EQ(*WriteDocs(pages, dir.string()), 0) << "unchanged pages are not rewritten";
  std::ofstream(dir / "resources" / "x.md") << "edited by hand\n";
  std::ofstream(dir / "resources" / "gone.md") << "old\n";
  std::ofstream(dir / "catalog.md") << "hand-written, not ours\n";
  c = CheckDocs(pages, dir.string());
  EXPECT_EQ(c.stale, std::vector<std::string>{"resources/x.md"});
  EXPECT_EQ(c.obsolete, std::vector<std::string>{"resources/gone.md"});
  EXPECT_TRUE(c.missing.empty());
  fs::remove_all(dir);
}

TEST(DocsTest, CliDocsCheckExitsOneWhenStale) {
  const std::string src = SourceDir();
  ASSERT_FALSE(src.empty()) << "PROV_SOURCE_DIR is not set (ctest sets it)";
  const fs::path dir = fs::temp_directory_path() / ("docs_test_cli_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  const std::string examples = src + "/examples";
  const std::string d = dir.string();
  auto run = [&](std::vector<std::string> args) {
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    return RunCli(static_cast<int>(argv.size()), argv.data());
  };
  EXPECT_TRUE(IsCliCommand("docs"));
  EXPECT_EQ(run({"terraform-provider-office", "docs", "--check", "--dir", d, "--examples", examples}), 1);
  EXPECT_EQ(run({"terraform-provider-office", "docs", "--dir", d, "--examples", examples}), 0);
  EXPECT_EQ(run({"terraform-provider-office", "docs", "--check", "--dir", d, "--examples", examples}), 0);
  std::ofstream(dir / "functions" / "supernets.md", std::ios::app) << "edit\n";
  EXPECT_EQ(run({"terraform-provider-office", "docs", "--check", "--dir", d, "--examples", examples}), 1);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace prov::resources
