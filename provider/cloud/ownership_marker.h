// What the backends share about rules they write: the allowlist ownership marker in a
// description ("[oah:<owner>]" or "[oah:<owner>:<id>]") and whether a failed write may
// still have happened.
#pragma once

#include <string>

#include "provider/base/result.h"

namespace prov::cloud {

// The first allowlist marker in a description: its owner and allowlist id ("" for the
// owner-only format). False when there is none.
bool ParseOwnershipMarker(const std::string& description, std::string* owner, std::string* id);

// A write failed with no answer at all, an internal server error, a deadline, a cut
// connection or a cancellation: it may have happened. Throttling and "busy" answers say the
// request was refused.
bool WriteOutcomeUnknown(const Error& e);

}  // namespace prov::cloud
