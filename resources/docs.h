// Reference documentation rendered from the schema model, in the Terraform Registry's
// layout (docs/index.md, docs/resources/<name>.md, docs/data-sources/<name>.md,
// docs/functions/<name>.md) plus docs/resources.md, an index the README links to.
//
// Every description, type and required/optional/computed flag comes from the same
// schema::Block / FunctionSignature the plugin server sends to Terraform, so the pages
// cannot drift from the code; tests/resources/docs_test.cc fails when the committed pages
// differ from a fresh rendering. Example Usage and Import come from examples/ (registry
// layout), which the quickstart tests also exercise.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "provider/protocol/cty/value.h"
#include "provider/protocol/provider_api.h"

namespace prov::resources {

// Renders every page. Keys are paths relative to the repository root ("docs/index.md",
// "docs/resources/allowlist.md", ...); values are the markdown. `examples_dir` is the
// examples/ folder: provider/provider.tf, resources/<type>/resource.tf and import.sh,
// data-sources/<type>/data-source.tf and, when present, functions/<name>/function.tf.
// A missing example file leaves its section out (DocsProblems reports it).
std::map<std::string, std::string> RenderDocs(protocol::Provider& provider,
                                              const std::string& examples_dir);

// Example files RenderDocs expected but could not read, as "examples/..." paths relative
// to `examples_dir`'s parent. Functions' examples are optional and not listed.
std::vector<std::string> MissingExamples(protocol::Provider& provider, const std::string& examples_dir);

// A cty type as a Terraform type expression: string, list(string),
// map(object({ key = string, ports = list(number) })), optional(...) inside objects.
std::string TypeExpression(const cty::Type& t);

// The page name of a resource/data source type: "office_at_hand_allowlist" -> "allowlist".
std::string DocName(const std::string& type_name);

// Result of comparing rendered pages with the files under a docs directory.
struct DocsCheck {
  std::vector<std::string> stale;     // rendered page differs from the file
  std::vector<std::string> missing;   // rendered page has no file
  std::vector<std::string> obsolete;  // generated-area file (resources/, data-sources/,
                                      // functions/) that no page renders any more
  bool ok() const { return stale.empty() && missing.empty() && obsolete.empty(); }
};

// `pages` as returned by RenderDocs; `docs_dir` is where the "docs/" prefix of each key
// maps to (the repository's docs/ folder, or --dir).
DocsCheck CheckDocs(const std::map<std::string, std::string>& pages, const std::string& docs_dir);

// Writes the pages under docs_dir (creating folders). Returns the number of files whose
// content changed, or an error naming the file that could not be written.
Result<int> WriteDocs(const std::map<std::string, std::string>& pages, const std::string& docs_dir);

}  // namespace prov::resources
