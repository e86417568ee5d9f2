// Small helpers for reading configuration values and building state values, so resource
// code reads as "what" rather than "how". Attribute names are given as the schema spells
// them; every getter tolerates null (returns nullopt / empty) and unknown (returns nullopt
// and sets *unknown when asked).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "provider/protocol/cty/value.h"
#include "provider/protocol/schema/schema.h"

namespace prov::resources {

using cty::Type;
using cty::Value;

std::optional<std::string> GetString(const Value& obj, const std::string& attr);
std::optional<bool> GetBool(const Value& obj, const std::string& attr);
std::optional<int64_t> GetInt(const Value& obj, const std::string& attr);
// Known string elements of a list/set attribute; nullopt when null or unknown.
std::optional<std::vector<std::string>> GetStrings(const Value& obj, const std::string& attr);
// A nested single block / object attribute; nullopt when null or absent.
std::optional<Value> GetObject(const Value& obj, const std::string& attr);
bool IsUnknownAttr(const Value& obj, const std::string& attr);

Value Str(const std::string& s);
Value StrOrNull(const std::optional<std::string>& s);
Value StrList(const std::vector<std::string>& xs);
Value Num(int64_t n);
Value BoolV(bool b);

// An object value of the block's implied type built from `attrs`; every attribute and
// nested block missing from `attrs` is set to null (lists/sets/maps of blocks: empty).
Value ObjectFor(const schema::Block& block, std::map<std::string, Value> attrs);
// Copy of `obj` with `attr` replaced.
Value WithAttr(const Value& obj, const std::string& attr, Value v);
// Replace every null computed attribute of `planned` (per `block`) with unknown.
Value MarkComputedUnknown(const schema::Block& block, const Value& planned,
                          const std::vector<std::string>& except = {});

// Schema building shorthands.
schema::Attribute Required(std::string name, Type t, std::string desc);
schema::Attribute Optional(std::string name, Type t, std::string desc);
schema::Attribute Computed(std::string name, Type t, std::string desc);
schema::Attribute OptionalComputed(std::string name, Type t, std::string desc);
schema::Attribute Sensitive(schema::Attribute a);

}  // namespace prov::resources
