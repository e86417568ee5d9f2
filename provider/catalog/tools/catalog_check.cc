// catalog_check: validates a catalog file and renders it. The build runs it on the
// canonical data before generating the embedded source (the catalog compiled into the
// constant tables of provider/catalog/compiled.h), so an invalid catalog fails the build
// with every problem listed.
//
//   catalog_check <catalog.json> [--emit-cc <out.cc>] [--format json|csv|markdown]
//                 [--diff <old.json>] [--sha256 <hex>]
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "provider/catalog/loader.h"
#include "provider/catalog/tools/emit_tables.h"

namespace {

bool ReadFile(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

int Usage() {
  std::cerr << "usage: catalog_check <catalog.json> [--emit-cc <out.cc>] [--format json|csv|markdown]"
               " [--diff <old.json>] [--sha256 <hex>]\n";
  return 2;
}

// Writes the generated source (the validated catalog as constant tables, and its bytes)
// through a temporary file, so an interrupted build never leaves half a source behind.
bool EmitCc(const std::string& path, const prov::catalog::Catalog& c, const std::string& bytes,
            const std::string& source) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return false;
    out << prov::catalog::tools::EmitCompiledCatalog(c, bytes, source);
    if (!out) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return Usage();
  std::string input = argv[1], emit, format, diff_against, sha;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) return Usage();
    if (a == "--emit-cc") emit = argv[++i];
    else if (a == "--format") format = argv[++i];
    else if (a == "--diff") diff_against = argv[++i];
    else if (a == "--sha256") sha = argv[++i];
    else return Usage();
  }
  std::string bytes;
  if (!ReadFile(input, bytes)) {
    std::cerr << input << ": cannot read\n";
    return 1;
  }
  std::vector<prov::catalog::ValidationError> errors;
  auto loaded = sha.empty() ? prov::catalog::LoadFromJson(bytes, errors) : prov::catalog::LoadPinned(bytes, sha);
  if (!loaded.ok()) {
    if (errors.empty()) {
      std::cerr << input << ": " << loaded.error().message << "\n";
    } else {
      std::cerr << input << ": invalid catalog, " << errors.size() << " problem(s):\n";
      for (const auto& e : errors) std::cerr << "  " << (e.pointer.empty() ? "(root)" : e.pointer) << ": " << e.reason << "\n";
    }
    return 1;
  }
  const auto& c = *loaded;
  if (prov::catalog::ToJson(c) != bytes)
    std::cerr << input << ": note: not in canonical form (rewrite it with --format json)\n";
  if (!emit.empty() && !EmitCc(emit, c, bytes, input)) {
    std::cerr << emit << ": cannot write\n";
    return 1;
  }
  if (!diff_against.empty()) {
    std::string old_bytes;
    if (!ReadFile(diff_against, old_bytes)) {
      std::cerr << diff_against << ": cannot read\n";
      return 1;
    }
    auto old = prov::catalog::LoadFromJson(old_bytes);
    if (!old.ok()) {
      std::cerr << diff_against << ": " << old.error().message << "\n";
      return 1;
    }
    std::cout << prov::catalog::Diff(*old, c);
  }
  if (format == "json") std::cout << prov::catalog::ToJson(c);
  else if (format == "csv") std::cout << prov::catalog::ToCsv(c);
  else if (format == "markdown") std::cout << prov::catalog::ToMarkdown(c);
  else if (!format.empty()) return Usage();
  if (emit.empty() && format.empty() && diff_against.empty()) {
    size_t rows = 0;
    for (const auto& s : c.services) rows += s.rows.size();
    std::cerr << input << ": ok, version " << c.version << ", " << c.services.size() << " services, " << rows
              << " rows, " << c.supernets.size() << " supernets, " << c.advisories.size()
              << " advisories, content_sha256 " << c.content_sha256 << "\n";
  }
  return 0;
}
