// Writes a validated catalog as the constexpr tables of provider/catalog/compiled.h, plus
// the JSON bytes it came from (EmbeddedJson), into one generated C++ source.
#pragma once

#include <string>

#include "provider/catalog/model.h"

namespace prov::catalog::tools {

// `catalog` must come from LoadFromJson(`json_bytes`). `source` names the input file in
// the generated header comment.
std::string EmitCompiledCatalog(const Catalog& catalog, const std::string& json_bytes,
                                const std::string& source);

}  // namespace prov::catalog::tools
