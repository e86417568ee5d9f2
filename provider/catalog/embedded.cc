// The catalog compiled into the binary. The bytes come from a source file generated at
// build time by catalog_check, which refuses to generate it from an invalid catalog, so a
// failure to load here is a build-system bug, not a user error.
#include <cstddef>
#include <cstdio>
#include <cstdlib>

#include "provider/catalog/loader.h"

namespace prov::catalog::internal {
extern const unsigned char kEmbeddedCatalog[];
extern const std::size_t kEmbeddedCatalogSize;
}  // namespace prov::catalog::internal

namespace prov::catalog {

std::string_view EmbeddedJson() {
  return std::string_view(reinterpret_cast<const char*>(internal::kEmbeddedCatalog),
                          internal::kEmbeddedCatalogSize);
}

const Catalog& Embedded() {
  // C++11 guarantees thread-safe initialisation of function-local statics.
  static const Catalog* const catalog = [] {
    auto r = LoadFromJson(EmbeddedJson());
    if (!r.ok()) {
      std::fprintf(stderr, "embedded Office@Hand catalog does not load (validated at build time?): %s\n",
                   r.error().message.c_str());
      std::abort();
    }
    return new Catalog(std::move(r).value());
  }();
  return *catalog;
}

}  // namespace prov::catalog
