// cty wire codecs, type-directed: the msgpack form (DynamicValue.msgpack) and the JSON
// form (DynamicValue.json, used by UpgradeResourceState's raw state and some older
// clients). Decoding never throws and never crashes on hostile input; it returns an
// Error whose `where` is the attribute path at which decoding failed (".rules[\"k\"].cidr").
#pragma once

#include <string>
#include <string_view>

#include "provider/base/result.h"
#include "provider/protocol/cty/value.h"

namespace prov::cty {

// Encodes `v` conforming to `t` (which may be dynamic: then the [type-json, value] pair
// form is written). Every object attribute present in the type is emitted, null as nil.
// Unknown: ext type 0 with a one-byte body (d4 00 00), or ext 12 with kept refinements.
Result<std::string> EncodeMsgpack(const Value& v, const Type& t);
Result<Value> DecodeMsgpack(std::string_view bytes, const Type& t);

// JSON: unknowns cannot be represented (error). Numbers are written exactly.
Result<std::string> EncodeJson(const Value& v, const Type& t);
Result<Value> DecodeJson(std::string_view json, const Type& t);

// True when `s` is well-formed UTF-8 (no overlongs, surrogates or code points past
// U+10FFFF). Both decoders reject strings, map keys and attribute names that are not.
bool IsValidUtf8(std::string_view s);

}  // namespace prov::cty
