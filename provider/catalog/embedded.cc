// The catalog compiled into the binary. catalog_check validated the JSON at build time and
// wrote it as constant tables (compiled.h); it refuses to write them from an invalid
// catalog. Loading is a copy of those tables into the model: no JSON parse, no validation
// and no hashing at run time.
#include <cstddef>

#include "provider/catalog/compiled.h"
#include "provider/catalog/loader.h"

namespace prov::catalog::internal {
extern const unsigned char kEmbeddedCatalog[];
extern const std::size_t kEmbeddedCatalogSize;
extern const compiled::Tables kEmbeddedTables;
}  // namespace prov::catalog::internal

namespace prov::catalog {

const compiled::Tables& compiled::EmbeddedTables() { return internal::kEmbeddedTables; }

std::string_view EmbeddedJson() {
  return std::string_view(reinterpret_cast<const char*>(internal::kEmbeddedCatalog),
                          internal::kEmbeddedCatalogSize);
}

const Catalog& Embedded() {
  // C++11 guarantees thread-safe initialisation of function-local statics.
  static const Catalog* const catalog = new Catalog(compiled::FromTables(internal::kEmbeddedTables));
  return *catalog;
}

}  // namespace prov::catalog
