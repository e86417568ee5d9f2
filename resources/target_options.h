// Compiler target options shared by the rules data source and the allowlist resource.
#pragma once

#include <vector>

#include "provider/protocol/diagnostics.h"
#include "provider/protocol/schema/schema.h"
#include "provider/rules/compiler.h"

namespace prov::resources {

// Reports a failed compilation as a diagnostic that names how many rules are needed and
// what would fit (the compiler's message), on `path`.
void AddCompileError(const Error& e, const std::string& platform, protocol::Diagnostics& diags,
                     const protocol::AttributePath& path);

// One warning each for unenforceable rows and over-permission, with the details listed.
void AddReportWarnings(const rules::Compiled& c, const std::string& platform,
                       protocol::Diagnostics& diags);

}  // namespace prov::resources
