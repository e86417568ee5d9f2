// Arbitrary-precision decimal numbers for cty values (internal to the cty codecs).
//
// cty numbers are big.Float values; we keep them exactly as decimal digit strings with a
// base-10 exponent, which is enough for the wire formats (msgpack int/float/string forms,
// JSON number text) and gives an exact, canonical text form for equality and ordering.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "provider/base/result.h"

namespace prov::cty::internal {

// value = (negative ? -1 : 1) * digits * 10^exponent. `digits` has no leading or trailing
// zeros; zero is the empty digit string with exponent 0 and negative == false.
struct Decimal {
  bool negative = false;
  std::string digits;
  int64_t exponent = 0;
  bool IsZero() const { return digits.empty(); }
  bool IsInteger() const { return exponent >= 0; }
};

// Largest accepted |exponent|: keeps hostile input such as "1e999999999999" from
// producing absurd values while covering every float64 and far beyond.
inline constexpr int64_t kMaxDecimalExponent = 100000000;

// Parses "-12.5e3", "1E+400", "0.001", "123". No spaces, no hex, no inf/nan.
Result<Decimal> ParseDecimal(std::string_view text);
// Canonical text: plain notation ("-12500", "0.001") unless that would need more than
// ~1100 padding zeros, then scientific ("1.5e+5000").
std::string FormatDecimal(const Decimal& d);
Result<std::string> CanonicalNumberText(std::string_view text);
// Exact decimal expansion of a finite double (0.1 -> "0.1000000000000000055511...").
Result<std::string> ExactDoubleText(double d);
// Numeric order: <0, 0, >0.
int CompareDecimal(const Decimal& a, const Decimal& b);
std::optional<int64_t> DecimalToInt64(const Decimal& d);
std::optional<uint64_t> DecimalToUint64(const Decimal& d);
// The double equal to `d`, or nullopt when no double represents it exactly.
std::optional<double> DecimalToExactDouble(const Decimal& d);

}  // namespace prov::cty::internal
