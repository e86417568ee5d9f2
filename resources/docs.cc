#include "resources/docs.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <set>
#include <sstream>
#include <system_error>

namespace prov::resources {

namespace fs = std::filesystem;

namespace {

constexpr const char* kProviderName = "office";
constexpr const char* kBinary = "terraform-provider-office";
constexpr const char* kTypePrefix = "office_at_hand_";

std::optional<std::string> ReadText(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Example files end with one newline inside the fence, whatever the file had.
std::string TrimTrailingNewlines(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string CodeBlock(const std::string& lang, const std::string& body) {
  return "```" + lang + "\n" + TrimTrailingNewlines(body) + "\n```\n";
}

// YAML front matter the registry reads (page_title, subcategory, description).
std::string FrontMatter(const std::string& title, const std::string& description) {
  std::string out = "---\npage_title: \"" + title + "\"\nsubcategory: \"\"\ndescription: |-\n";
  std::istringstream in(description.empty() ? std::string(" ") : description);
  std::string line;
  while (std::getline(in, line)) out += "  " + line + "\n";
  out += "---\n\n";
  return out;
}

// The first sentence of a description, for index pages.
std::string FirstSentence(const std::string& d) {
  for (size_t i = 0; i + 1 < d.size(); ++i)
    if (d[i] == '.' && d[i + 1] == ' ') return d.substr(0, i + 1);
  return d;
}

// Object types (and collections of them) get a nested section rather than an inline
// expression: their fields are listed one per line.
const cty::Type* ObjectWithin(const cty::Type& t) {
  if (t.kind() == cty::Kind::kObject) return &t;
  if (t.IsCollection() && t.element().kind() == cty::Kind::kObject) return &t.element();
  return nullptr;
}

// Like TypeExpression but with the object's fields elided ("map(object({...}))").
std::string ShortTypeExpression(const cty::Type& t) {
  switch (t.kind()) {
    case cty::Kind::kObject: return "object({...})";
    case cty::Kind::kList: return "list(" + ShortTypeExpression(t.element()) + ")";
    case cty::Kind::kSet: return "set(" + ShortTypeExpression(t.element()) + ")";
    case cty::Kind::kMap: return "map(" + ShortTypeExpression(t.element()) + ")";
    default: return TypeExpression(t);
  }
}

std::string NestingName(schema::NestingMode m) {
  switch (m) {
    case schema::NestingMode::kSingle: return "single";
    case schema::NestingMode::kGroup: return "group";
    case schema::NestingMode::kList: return "list";
    case schema::NestingMode::kSet: return "set";
    case schema::NestingMode::kMap: return "map";
  }
  return "single";
}

std::string Anchor(const std::string& kind, const std::string& path) {
  // "aws.assume_role" -> "nestedblock--aws--assume_role", the registry's anchor form.
  std::string a;
  for (char c : path) a += c == '.' ? std::string("--") : std::string(1, c);
  return "nested" + kind + "--" + a;
}

// Renders one block's schema: attribute/block lists split into Required / Optional /
// Read-Only, then a nested section for every nested block, nested attribute and computed
// object type, depth-first, so every link points further down the page.
class SchemaWriter {
 public:
  std::string Render(const schema::Block& b) {
    out_ << "## Schema\n\n";
    Lists(b.attributes, b.blocks, "", /*top=*/true);
    while (!pending_.empty()) {
      auto next = std::move(pending_.front());
      pending_.erase(pending_.begin());
      next();
    }
    return out_.str();
  }

 private:
  enum class Section { kRequired, kOptional, kReadOnly };

  static Section SectionOf(const schema::Attribute& a) {
    if (a.required) return Section::kRequired;
    if (a.optional) return Section::kOptional;
    return Section::kReadOnly;
  }

  std::string Flags(const schema::Attribute& a) {
    std::string f;
    if (a.sensitive) f += ", Sensitive";
    if (a.write_only) f += ", Write-only";
    if (a.deprecated) f += ", Deprecated";
    return f;
  }

  std::string AttributeLine(const schema::Attribute& a, const std::string& prefix) {
    const std::string path = prefix.empty() ? a.name : prefix + "." + a.name;
    std::string line = "- `" + a.name + "` (";
    std::string link;
    if (a.nested) {
      const auto& n = *a.nested;
      line += NestingName(n.nesting) == "single" ? "object({...})"
                                                  : NestingName(n.nesting) + "(object({...}))";
      line += Flags(a) + ")";
      link = Anchor("att", path);
      auto attrs = n.attributes;
      pending_.push_back([this, attrs, path] { NestedSection("att", path, attrs, {}); });
    } else if (const cty::Type* obj = ObjectWithin(a.type)) {
      line += ShortTypeExpression(a.type) + Flags(a) + ")";
      link = Anchor("att", path);
      cty::Type copy = *obj;
      pending_.push_back([this, copy, path] { ObjectSection(path, copy); });
    } else {
      line += TypeExpression(a.type) + Flags(a) + ")";
    }
    if (!a.description.empty()) line += " " + a.description;
    if (!link.empty()) line += " (see [below for nested schema](#" + link + "))";
    return line + "\n";
  }

  std::string BlockLine(const schema::NestedBlock& nb, const std::string& prefix) {
    const std::string path = prefix.empty() ? nb.type_name : prefix + "." + nb.type_name;
    std::string kind = "Block";
    if (nb.nesting != schema::NestingMode::kSingle && nb.nesting != schema::NestingMode::kGroup)
      kind += " " + NestingName(nb.nesting);
    if (nb.min_items > 0) kind += ", Min: " + std::to_string(nb.min_items);
    if (nb.nesting == schema::NestingMode::kSingle) kind += ", Max: 1";
    else if (nb.max_items > 0) kind += ", Max: " + std::to_string(nb.max_items);
    if (nb.deprecated) kind += ", Deprecated";
    std::string line = "- `" + nb.type_name + "` (" + kind + ")";
    if (!nb.description.empty()) line += " " + nb.description;
    line += " (see [below for nested schema](#" + Anchor("block", path) + "))\n";
    schema::NestedBlock copy = nb;
    pending_.push_back([this, copy, path] {
      NestedSection("block", path, copy.attributes, copy.blocks);
    });
    return line;
  }

  // The Required / Optional / Read-Only lists. At the top they are "### " headings, inside
  // nested sections plain "Required:" labels, as the registry renders them.
  void Lists(const std::vector<schema::Attribute>& attrs, const std::vector<schema::NestedBlock>& blocks,
             const std::string& prefix, bool top) {
    std::vector<const schema::Attribute*> sorted;
    for (const auto& a : attrs) sorted.push_back(&a);
    std::sort(sorted.begin(), sorted.end(), [](auto* x, auto* y) { return x->name < y->name; });
    std::vector<const schema::NestedBlock*> sorted_blocks;
    for (const auto& b : blocks) sorted_blocks.push_back(&b);
    std::sort(sorted_blocks.begin(), sorted_blocks.end(),
              [](auto* x, auto* y) { return x->type_name < y->type_name; });

    const std::pair<Section, const char*> sections[] = {
        {Section::kRequired, "Required"}, {Section::kOptional, "Optional"}, {Section::kReadOnly, "Read-Only"}};
    for (const auto& [sec, title] : sections) {
      // Lines are built before the heading is written so nested sections queue in order.
      std::string lines;
      for (const auto* a : sorted)
        if (SectionOf(*a) == sec) lines += AttributeLine(*a, prefix);
      for (const auto* nb : sorted_blocks) {
        const Section bs = nb->min_items > 0 ? Section::kRequired : Section::kOptional;
        if (bs == sec) lines += BlockLine(*nb, prefix);
      }
      if (lines.empty()) continue;
      out_ << (top ? "### " + std::string(title) + "\n\n" : std::string(title) + ":\n\n") << lines << "\n";
    }
  }

  void NestedSection(const std::string& kind, const std::string& path, const std::vector<schema::Attribute>& attrs,
                     const std::vector<schema::NestedBlock>& blocks) {
    out_ << "<a id=\"" << Anchor(kind, path) << "\"></a>\n### Nested Schema for `" << path << "`\n\n";
    Lists(attrs, blocks, path, /*top=*/false);
  }

  // A computed object type: its fields have no descriptions of their own (cty types carry
  // none), so the list gives names and types; the attribute's description says what it is.
  void ObjectSection(const std::string& path, const cty::Type& obj) {
    out_ << "<a id=\"" << Anchor("att", path) << "\"></a>\n### Nested Schema for `" << path << "`\n\n";
    out_ << "Read-Only:\n\n";
    for (const auto& [name, t] : obj.attributes()) {
      const std::string sub = path + "." + name;
      if (const cty::Type* inner = ObjectWithin(t)) {
        out_ << "- `" << name << "` (" << ShortTypeExpression(t) << ") (see [below for nested schema](#"
             << Anchor("att", sub) << "))\n";
        cty::Type copy = *inner;
        pending_.push_back([this, copy, sub] { ObjectSection(sub, copy); });
      } else {
        out_ << "- `" << name << "` (" << TypeExpression(t) << ")\n";
      }
    }
    out_ << "\n";
  }

  std::ostringstream out_;
  std::vector<std::function<void()>> pending_;
};

std::string RenderBlockSchema(const schema::Block& b) { return SchemaWriter().Render(b); }

std::string ExampleSection(const fs::path& file) {
  auto text = ReadText(file);
  if (!text) return "";
  return "## Example Usage\n\n" + CodeBlock("terraform", *text) + "\n";
}

template <typename T>
std::vector<T*> SortedByName(std::vector<T*> xs, std::function<std::string(T*)> name) {
  std::sort(xs.begin(), xs.end(), [&](T* a, T* b) { return name(a) < name(b); });
  return xs;
}

std::string RenderProviderPage(protocol::Provider& p, const fs::path& ex) {
  const auto& s = p.ProviderSchema();
  std::string out = FrontMatter(std::string(kProviderName) + " Provider", FirstSentence(s.description));
  out += "# " + std::string(kProviderName) + " Provider\n\n";
  if (!s.description.empty()) out += s.description + "\n\n";
  out += ExampleSection(ex / "provider" / "provider.tf");
  out += RenderBlockSchema(s);
  return out;
}

// The import id forms the allowlist understands (ParseImportId in allowlist_resource.cc).
std::string ImportIdParagraph() {
  return "The import id names the target:\n\n"
         "- AWS: the security group ids, comma-separated, in the order of `group_ids` "
         "(`sg-0123456789abcdef0,sg-0fedcba9876543210`).\n"
         "- Azure: the network security group's resource id "
         "(`/subscriptions/<subscription>/resourceGroups/<group>/providers/Microsoft.Network/"
         "networkSecurityGroups/<name>`).\n"
         "- GCP: the VPC network, `projects/<project>/global/networks/<network>`.\n\n"
         "Any of them may be followed by `?owner=X&name_prefix=Y&region=Z` (each part optional) "
         "for settings the id cannot carry: `owner` selects which allowlist's rules are adopted "
         "(default `default`), `name_prefix` the Azure/GCP rule name prefix (default `oah`), "
         "`region` the AWS region of the groups. Only rules marked with that owner are imported; "
         "rules anyone else created stay untouched. When the owner's rules belong to several "
         "allowlists, the import names their ids: pick one with `allowlist_id=<id>` (`none` for "
         "rules of the first marker format, without id). The rules do not record the selection "
         "they were made from: give it with `services=a,b` (in the configuration's order) and, "
         "when set, `line_sharing=true`, `tcp_fallback=true`, `ipv6_clients=true`; without "
         "`services` the import assumes every service. With the creator's configuration, the "
         "first plan after the import is empty; otherwise it shows the "
         "difference between the imported rules and what the catalog needs.\n\n";
}

std::string RenderResourcePage(protocol::Resource& r, const fs::path& ex) {
  const auto& s = r.Schema();
  const std::string type = r.TypeName();
  std::string out = FrontMatter(type + " Resource - " + kBinary, FirstSentence(s.description));
  out += "# " + type + " (Resource)\n\n";
  if (!s.description.empty()) out += s.description + "\n\n";
  out += ExampleSection(ex / "resources" / type / "resource.tf");
  out += RenderBlockSchema(s);
  auto import_sh = ReadText(ex / "resources" / type / "import.sh");
  if (import_sh) {
    out += "## Import\n\nImport is supported using the following syntax:\n\n";
    out += CodeBlock("shell", *import_sh) + "\n";
    if (type == std::string(kTypePrefix) + "allowlist") out += ImportIdParagraph();
  }
  return TrimTrailingNewlines(out) + "\n";
}

std::string RenderDataSourcePage(protocol::DataSource& d, const fs::path& ex) {
  const auto& s = d.Schema();
  const std::string type = d.TypeName();
  std::string out = FrontMatter(type + " Data Source - " + kBinary, FirstSentence(s.description));
  out += "# " + type + " (Data Source)\n\n";
  if (!s.description.empty()) out += s.description + "\n\n";
  out += ExampleSection(ex / "data-sources" / type / "data-source.tf");
  out += RenderBlockSchema(s);
  return TrimTrailingNewlines(out) + "\n";
}

std::string FunctionCall(const std::string& name, const schema::FunctionSignature& sig) {
  std::string call = "provider::" + std::string(kProviderName) + "::" + name + "(";
  for (size_t i = 0; i < sig.parameters.size(); ++i)
    call += (i ? ", " : "") + std::string("var.") + sig.parameters[i].name;
  if (sig.variadic) call += std::string(sig.parameters.empty() ? "" : ", ") + "var." + sig.variadic->name + "...";
  return call + ")";
}

std::string RenderFunctionPage(protocol::Function& f, const fs::path& ex) {
  const auto& sig = f.Signature();
  const std::string name = f.Name();
  std::string out = FrontMatter(name + " function - " + kBinary, sig.summary);
  out += "# function: " + name + "\n\n";
  if (!sig.summary.empty()) out += sig.summary + ".\n\n";
  if (!sig.description.empty()) out += sig.description + "\n\n";
  if (!sig.deprecation_message.empty()) out += "~> **Deprecated:** " + sig.deprecation_message + "\n\n";
  out += "## Example Usage\n\n";
  if (auto text = ReadText(ex / "functions" / name / "function.tf")) {
    out += CodeBlock("terraform", *text) + "\n";
  } else {
    // No example file: a call built from the signature, each argument from a variable of
    // the parameter's name, which still shows the call syntax and argument order.
    out += "Provider functions need Terraform 1.8 or later (or OpenTofu 1.7 or later).\n\n";
    out += CodeBlock("terraform", "output \"" + name + "\" {\n  value = " + FunctionCall(name, sig) + "\n}") +
           "\n";
  }
  out += "## Signature\n\n";
  std::string text = name + "(";
  for (size_t i = 0; i < sig.parameters.size(); ++i)
    text += (i ? ", " : "") + sig.parameters[i].name + " " + TypeExpression(sig.parameters[i].type);
  if (sig.variadic)
    text += (sig.parameters.empty() ? "" : ", ") + std::string("...") + sig.variadic->name + " " +
            TypeExpression(sig.variadic->type);
  text += ") " + TypeExpression(sig.return_type);
  out += CodeBlock("text", text) + "\n";
  if (!sig.parameters.empty() || sig.variadic) {
    out += "## Arguments\n\n";
    int i = 1;
    auto param = [&](const schema::Parameter& p, bool variadic) {
      out += std::to_string(i++) + ". `" + p.name + "` (" + TypeExpression(p.type) +
             (variadic ? ", Variadic" : "") + (p.allow_null ? ", Nullable" : "") + ")";
      if (!p.description.empty()) out += " " + p.description;
      out += "\n";
    };
    for (const auto& p : sig.parameters) param(p, false);
    if (sig.variadic) param(*sig.variadic, true);
    out += "\n";
  }
  return TrimTrailingNewlines(out) + "\n";
}

std::string RenderIndexPage(protocol::Provider& p) {
  std::string out =
      "# Reference\n\n"
      "<!-- Generated from the provider's schema by `" + std::string(kBinary) +
      " docs`; do not edit by hand. -->\n\n"
      "- [Provider configuration](index.md)\n\n## Resources\n\n";
  auto rs = SortedByName<protocol::Resource>(p.Resources(), [](auto* r) { return r->TypeName(); });
  for (auto* r : rs)
    out += "- [`" + r->TypeName() + "`](resources/" + DocName(r->TypeName()) + ".md): " +
           FirstSentence(r->Schema().description) + "\n";
  out += "\n## Data Sources\n\n";
  auto ds = SortedByName<protocol::DataSource>(p.DataSources(), [](auto* d) { return d->TypeName(); });
  for (auto* d : ds)
    out += "- [`" + d->TypeName() + "`](data-sources/" + DocName(d->TypeName()) + ".md): " +
           FirstSentence(d->Schema().description) + "\n";
  out += "\n## Functions\n\n";
  auto fns = SortedByName<protocol::Function>(p.Functions(), [](auto* f) { return f->Name(); });
  for (auto* f : fns)
    out += "- [`provider::" + std::string(kProviderName) + "::" + f->Name() + "`](functions/" + f->Name() +
           ".md): " + f->Signature().summary + "\n";
  return out;
}

}  // namespace

std::string TypeExpression(const cty::Type& t) {
  switch (t.kind()) {
    case cty::Kind::kString: return "string";
    case cty::Kind::kNumber: return "number";
    case cty::Kind::kBool: return "bool";
    case cty::Kind::kDynamic: return "any";
    case cty::Kind::kList: return "list(" + TypeExpression(t.element()) + ")";
    case cty::Kind::kSet: return "set(" + TypeExpression(t.element()) + ")";
    case cty::Kind::kMap: return "map(" + TypeExpression(t.element()) + ")";
    case cty::Kind::kTuple: {
      std::string s = "tuple([";
      for (size_t i = 0; i < t.elements().size(); ++i) s += (i ? ", " : "") + TypeExpression(t.elements()[i]);
      return s + "])";
    }
    case cty::Kind::kObject: {
      const auto& opt = t.optional_attributes();
      std::string s = "object({";
      bool first = true;
      for (const auto& [name, at] : t.attributes()) {
        std::string e = TypeExpression(at);
        if (std::binary_search(opt.begin(), opt.end(), name)) e = "optional(" + e + ")";
        s += (first ? " " : ", ") + name + " = " + e;
        first = false;
      }
      return s + (first ? "})" : " })");
    }
  }
  return "any";
}

std::string DocName(const std::string& type_name) {
  const std::string prefix = kTypePrefix;
  if (type_name.size() > prefix.size() && type_name.rfind(prefix, 0) == 0) return type_name.substr(prefix.size());
  return type_name;
}

std::map<std::string, std::string> RenderDocs(protocol::Provider& provider, const std::string& examples_dir) {
  const fs::path ex(examples_dir);
  std::map<std::string, std::string> pages;
  pages["docs/index.md"] = TrimTrailingNewlines(RenderProviderPage(provider, ex)) + "\n";
  for (auto* r : provider.Resources())
    pages["docs/resources/" + DocName(r->TypeName()) + ".md"] = RenderResourcePage(*r, ex);
  for (auto* d : provider.DataSources())
    pages["docs/data-sources/" + DocName(d->TypeName()) + ".md"] = RenderDataSourcePage(*d, ex);
  for (auto* f : provider.Functions()) pages["docs/functions/" + f->Name() + ".md"] = RenderFunctionPage(*f, ex);
  pages["docs/resources.md"] = RenderIndexPage(provider);
  return pages;
}

std::vector<std::string> MissingExamples(protocol::Provider& provider, const std::string& examples_dir) {
  const fs::path ex(examples_dir);
  std::vector<std::string> want = {"provider/provider.tf"};
  for (auto* r : provider.Resources()) {
    want.push_back("resources/" + r->TypeName() + "/resource.tf");
    // Import examples only make sense for resources that override Import; all of ours do.
    want.push_back("resources/" + r->TypeName() + "/import.sh");
  }
  for (auto* d : provider.DataSources()) want.push_back("data-sources/" + d->TypeName() + "/data-source.tf");
  std::vector<std::string> missing;
  for (const auto& w : want)
    if (!fs::is_regular_file(ex / w)) missing.push_back("examples/" + w);
  return missing;
}

DocsCheck CheckDocs(const std::map<std::string, std::string>& pages, const std::string& docs_dir) {
  DocsCheck out;
  const fs::path root(docs_dir);
  std::set<std::string> rendered;
  for (const auto& [key, text] : pages) {
    const std::string rel = key.rfind("docs/", 0) == 0 ? key.substr(5) : key;
    rendered.insert(rel);
    auto have = ReadText(root / rel);
    if (!have) out.missing.push_back(rel);
    else if (*have != text) out.stale.push_back(rel);
  }
  // Only the folders this generator owns: docs/catalog.md and the design notes are
  // hand-written and live at the top.
  for (const char* sub : {"resources", "data-sources", "functions"}) {
    std::error_code ec;
    if (!fs::is_directory(root / sub, ec)) continue;
    for (const auto& e : fs::directory_iterator(root / sub, ec)) {
      if (!e.is_regular_file() || e.path().extension() != ".md") continue;
      const std::string rel = std::string(sub) + "/" + e.path().filename().string();
      if (!rendered.count(rel)) out.obsolete.push_back(rel);
    }
  }
  std::sort(out.obsolete.begin(), out.obsolete.end());
  return out;
}

Result<int> WriteDocs(const std::map<std::string, std::string>& pages, const std::string& docs_dir) {
  const fs::path root(docs_dir);
  int changed = 0;
  for (const auto& [key, text] : pages) {
    const std::string rel = key.rfind("docs/", 0) == 0 ? key.substr(5) : key;
    const fs::path p = root / rel;
    auto have = ReadText(p);
    if (have && *have == text) continue;
    std::error_code ec;
    fs::create_directories(p.parent_path(), ec);
    if (ec)
      return MakeError(ErrorCode::kInvalidArgument,
                       "cannot create directory \"" + p.parent_path().string() + "\": " + ec.message());
    std::ofstream o(p, std::ios::binary | std::ios::trunc);
    o << text;
    o.close();
    if (!o) return MakeError(ErrorCode::kInvalidArgument, "cannot write \"" + p.string() + "\"");
    ++changed;
  }
  return changed;
}

}  // namespace prov::resources
