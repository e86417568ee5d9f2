// Loading and validating catalogs. Any catalog (embedded or a user's override) goes
// through the same validation and is rejected whole on the first batch of errors; a
// broken override never falls back to the embedded catalog.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "provider/base/result.h"
#include "provider/catalog/model.h"

namespace prov::catalog {

// One validation problem: JSON pointer ("/services/3/rows/2/ports/0/range") + reason.
struct ValidationError {
  std::string pointer;
  std::string reason;
};

// Parses and validates. On failure the Error's message lists every ValidationError (one
// per line, "pointer: reason") and `where` holds the first pointer.
Result<Catalog> LoadFromJson(std::string_view json_text);
// Same, returning all problems (for tests and the CLI).
Result<Catalog> LoadFromJson(std::string_view json_text, std::vector<ValidationError>& errors);

// Verifies sha256 (lowercase hex) of the raw bytes before parsing: kInvalidArgument on
// mismatch, naming both digests.
Result<Catalog> LoadPinned(std::string_view bytes, std::string_view expected_sha256);

// The catalog embedded in the binary (parsed once, cached, thread-safe).
const Catalog& Embedded();
std::string_view EmbeddedJson();

std::string Sha256Hex(std::string_view bytes);

// Renderings for `terraform-provider-office catalog --format ...`.
std::string ToJson(const Catalog& c);       // canonical JSON
std::string ToCsv(const Catalog& c);        // one line per (row, port)
std::string ToMarkdown(const Catalog& c);   // tables as in the article
// Row-by-row change report between two catalogs (added/removed/changed rows, supernets,
// advisories), for reviewing a vendor update.
std::string Diff(const Catalog& old_catalog, const Catalog& new_catalog);

}  // namespace prov::catalog
