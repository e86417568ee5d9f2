#include "provider/protocol/cty/number.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

namespace prov::cty::internal {
namespace {

constexpr int64_t kMaxPlainZeros = 1100;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

Result<Decimal> ParseDecimal(std::string_view s) {
  auto bad = [&](const char* why) {
    std::string shown(s.substr(0, 64));
    if (s.size() > 64) shown += "...";
    return MakeError(ErrorCode::kInvalidArgument,
                     std::string("invalid number \"") + shown + "\": " + why);
  };
  size_t i = 0;
  Decimal d;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) {
    d.negative = s[i] == '-';
    ++i;
  }
  std::string digits;
  int64_t frac_digits = 0;
  bool seen_digit = false, seen_point = false;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (IsDigit(c)) {
      seen_digit = true;
      if (digits.empty() && c == '0') {
        if (seen_point) ++frac_digits;  // leading zero after the point still scales
        continue;
      }
      digits.push_back(c);
      if (seen_point) ++frac_digits;
    } else if (c == '.' && !seen_point) {
      seen_point = true;
    } else {
      break;
    }
  }
  if (!seen_digit) return bad("no digits");
  int64_t exp = 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    bool exp_neg = false;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) {
      exp_neg = s[i] == '-';
      ++i;
    }
    if (i >= s.size() || !IsDigit(s[i])) return bad("exponent has no digits");
    for (; i < s.size() && IsDigit(s[i]); ++i) {
      exp = exp * 10 + (s[i] - '0');
      if (exp > 4 * kMaxDecimalExponent) return bad("exponent out of range");
    }
    if (exp_neg) exp = -exp;
  }
  if (i != s.size()) return bad("unexpected character");
  if (digits.empty()) return Decimal{};  // zero, sign dropped
  size_t nz = digits.find_last_not_of('0');
  int64_t trailing = static_cast<int64_t>(digits.size() - 1 - nz);
  digits.resize(nz + 1);
  d.digits = std::move(digits);
  d.exponent = exp - frac_digits + trailing;
  int64_t magnitude = d.exponent + static_cast<int64_t>(d.digits.size());
  if (d.exponent > kMaxDecimalExponent || d.exponent < -kMaxDecimalExponent ||
      magnitude > kMaxDecimalExponent || magnitude < -kMaxDecimalExponent) {
    return bad("exponent out of range");
  }
  return d;
}

std::string FormatDecimal(const Decimal& d) {
  if (d.IsZero()) return "0";
  std::string out;
  if (d.negative) out.push_back('-');
  const int64_t n = static_cast<int64_t>(d.digits.size());
  const int64_t point = n + d.exponent;  // digits before the decimal point
  if (d.exponent >= 0 && d.exponent <= kMaxPlainZeros) {
    out += d.digits;
    out.append(static_cast<size_t>(d.exponent), '0');
  } else if (d.exponent < 0 && point > 0) {
    out.append(d.digits, 0, static_cast<size_t>(point));
    out.push_back('.');
    out.append(d.digits, static_cast<size_t>(point));
  } else if (d.exponent < 0 && -point <= kMaxPlainZeros) {
    out += "0.";
    out.append(static_cast<size_t>(-point), '0');
    out += d.digits;
  } else {
    out.push_back(d.digits[0]);
    if (n > 1) {
      out.push_back('.');
      out.append(d.digits, 1);
    }
    int64_t e = point - 1;
    out += e < 0 ? "e-" : "e+";
    out += std::to_string(e < 0 ? -e : e);
  }
  return out;
}

Result<std::string> CanonicalNumberText(std::string_view text) {
  PROV_ASSIGN_OR_RETURN(Decimal d, ParseDecimal(text));
  return FormatDecimal(d);
}

Result<std::string> ExactDoubleText(double v) {
  if (!std::isfinite(v)) {
    return MakeError(ErrorCode::kInvalidArgument, "number is not finite (infinity or NaN)");
  }
  // glibc prints the exact binary value; 1080 fractional digits cover the smallest
  // subnormal (2^-1074 has 1074 of them).
  char buf[1500];
  int len = std::snprintf(buf, sizeof buf, "%.1080f", v);
  if (len <= 0 || static_cast<size_t>(len) >= sizeof buf) {
    return MakeError(ErrorCode::kInternal, "formatting a double failed");
  }
  return CanonicalNumberText(std::string_view(buf, static_cast<size_t>(len)));
}

int CompareDecimal(const Decimal& a, const Decimal& b) {
  int sa = a.IsZero() ? 0 : (a.negative ? -1 : 1);
  int sb = b.IsZero() ? 0 : (b.negative ? -1 : 1);
  if (sa != sb) return sa < sb ? -1 : 1;
  if (sa == 0) return 0;
  int64_t ma = a.exponent + static_cast<int64_t>(a.digits.size());
  int64_t mb = b.exponent + static_cast<int64_t>(b.digits.size());
  int mag;
  if (ma != mb) {
    mag = ma < mb ? -1 : 1;
  } else {
    // Same order of magnitude: digit strings are aligned at the front; without trailing
    // zeros a longer string that shares the prefix is the larger one.
    int c = a.digits.compare(0, std::string::npos, b.digits);
    mag = c < 0 ? -1 : (c > 0 ? 1 : 0);
    if (c != 0) {
      size_t common = std::min(a.digits.size(), b.digits.size());
      int pc = a.digits.compare(0, common, b.digits, 0, common);
      if (pc != 0) {
        mag = pc < 0 ? -1 : 1;
      } else {
        mag = a.digits.size() < b.digits.size() ? -1 : 1;
      }
    }
  }
  return sa > 0 ? mag : -mag;
}

std::optional<uint64_t> DecimalToUint64(const Decimal& d) {
  if (d.IsZero()) return 0;
  if (d.negative || !d.IsInteger()) return std::nullopt;
  if (static_cast<int64_t>(d.digits.size()) + d.exponent > 20) return std::nullopt;
  uint64_t v = 0;
  auto push = [&v](unsigned digit) {
    if (v > (std::numeric_limits<uint64_t>::max() - digit) / 10) return false;
    v = v * 10 + digit;
    return true;
  };
  for (char c : d.digits) {
    if (!push(static_cast<unsigned>(c - '0'))) return std::nullopt;
  }
  for (int64_t i = 0; i < d.exponent; ++i) {
    if (!push(0)) return std::nullopt;
  }
  return v;
}

std::optional<int64_t> DecimalToInt64(const Decimal& d) {
  Decimal mag = d;
  mag.negative = false;
  std::optional<uint64_t> u = DecimalToUint64(mag);
  if (!u || !d.IsInteger()) return std::nullopt;
  if (!d.negative) {
    if (*u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
    return static_cast<int64_t>(*u);
  }
  if (*u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) + 1) return std::nullopt;
  return static_cast<int64_t>(0 - *u);
}

std::optional<double> DecimalToExactDouble(const Decimal& d) {
  if (d.IsZero()) return 0.0;
  // A double has at most 767 significant decimal digits and magnitude within 1e-324..1e309.
  int64_t mag = d.exponent + static_cast<int64_t>(d.digits.size());
  if (d.digits.size() > 767 || mag > 309 || mag < -324) return std::nullopt;
  std::string text = FormatDecimal(d);
  errno = 0;
  double v = std::strtod(text.c_str(), nullptr);
  if (!std::isfinite(v) || v == 0.0) return std::nullopt;
  Result<std::string> back = ExactDoubleText(v);
  if (!back.ok() || *back != text) return std::nullopt;
  return v;
}

}  // namespace prov::cty::internal
