// cty types and values: the data model of Terraform's wire format.
//
// A Value is null, unknown, or known, and always carries its Type. Known collection and
// structural values hold their children; numbers keep arbitrary precision as a canonical
// decimal string (cty's big.Float). Unknown values keep any refinement bytes they arrived
// with (msgpack ext type 12) so they can be echoed back unchanged.
//
// Values are immutable-by-convention, cheap to copy for small trees, and thread-compatible.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "provider/base/result.h"

namespace prov::cty {

enum class Kind { kString, kNumber, kBool, kList, kSet, kMap, kObject, kTuple, kDynamic };

class Type {
 public:
  Type() : kind_(Kind::kDynamic) {}
  static Type String() { return Type(Kind::kString); }
  static Type Number() { return Type(Kind::kNumber); }
  static Type Bool() { return Type(Kind::kBool); }
  static Type Dynamic() { return Type(Kind::kDynamic); }
  static Type List(Type element);
  static Type Set(Type element);
  static Type Map(Type element);
  // optional_attrs: names of attributes marked optional (object type constraints only).
  static Type Object(std::map<std::string, Type> attrs, std::vector<std::string> optional_attrs = {});
  static Type Tuple(std::vector<Type> elements);

  Kind kind() const { return kind_; }
  bool IsPrimitive() const { return kind_ == Kind::kString || kind_ == Kind::kNumber || kind_ == Kind::kBool; }
  bool IsCollection() const { return kind_ == Kind::kList || kind_ == Kind::kSet || kind_ == Kind::kMap; }
  // Component accessors. On a type of another kind they return an empty map/vector, and
  // element() returns the dynamic type (never a dangling reference).
  const Type& element() const;                                 // list/set/map
  const std::map<std::string, Type>& attributes() const;      // object
  const std::vector<std::string>& optional_attributes() const; // object (sorted)
  const std::vector<Type>& elements() const;                   // tuple

  bool operator==(const Type& o) const;
  bool operator!=(const Type& o) const { return !(*this == o); }

  // cty's JSON type encoding: "string", ["list","string"], ["object",{"a":"bool"}],
  // ["object",{...},["opt"]], ["tuple",[...]], "dynamic".
  nlohmann::json ToJson() const;
  static Result<Type> FromJson(const nlohmann::json& j);
  std::string FriendlyName() const;  // "list of string", "object", ...

 private:
  // Component types live in one shared, immutable representation so that copying a Type
  // (every Value holds one) is O(1) however deep the type is.
  struct Rep;
  explicit Type(Kind k) : kind_(k) {}
  Kind kind_;
  std::shared_ptr<const Rep> rep_;  // null for primitive and dynamic types
};

class Value {
 public:
  Value() : type_(Type::Dynamic()), state_(State::kNull) {}  // null of dynamic type

  static Value Null(Type t);
  static Value Unknown(Type t, std::string refinement_msgpack = {});
  static Value String(std::string s);
  static Value Bool(bool b);
  static Value Number(int64_t n);
  static Value NumberFromDouble(double d);
  // Decimal literal such as "-12.5e3" or "123456789012345678901234567890"; canonicalised.
  static Result<Value> NumberFromString(const std::string& decimal);
  static Value List(Type element, std::vector<Value> elems);
  static Value Set(Type element, std::vector<Value> elems);  // deduplicated, canonical order
  static Value Map(Type element, std::map<std::string, Value> elems);
  static Value Object(std::map<std::string, Value> attrs);   // type inferred from attrs
  static Value ObjectOfType(const Type& t, std::map<std::string, Value> attrs);
  static Value Tuple(std::vector<Value> elems);
  // Convenience: list/set of strings.
  static Value StringList(const std::vector<std::string>& xs);
  static Value StringSet(const std::vector<std::string>& xs);

  const Type& type() const { return type_; }
  bool IsNull() const { return state_ == State::kNull; }
  bool IsUnknown() const { return state_ == State::kUnknown; }
  bool IsKnown() const { return state_ == State::kKnown; }
  // True if this value or any nested value is unknown.
  bool ContainsUnknown() const;
  const std::string& refinement() const { return refinement_; }  // raw msgpack of ext 12 body

  // Accessors; precondition: known and of the right kind (checked; throws std::logic_error).
  const std::string& AsString() const;
  bool AsBool() const;
  const std::string& NumberText() const;  // canonical decimal
  Result<int64_t> AsInt64() const;         // error if not an integer in range
  double AsDouble() const;
  const std::vector<Value>& Elements() const;              // list/set/tuple
  const std::map<std::string, Value>& Attributes() const;  // map/object
  // Object attribute or map element; returns a null Value of dynamic type if absent.
  const Value& Get(const std::string& name) const;
  bool Has(const std::string& name) const;
  size_t Length() const;

  // Structural equality including type, nullness and unknownness (refinements ignored).
  bool operator==(const Value& o) const;
  bool operator!=(const Value& o) const { return !(*this == o); }
  // Total order used for set canonicalisation.
  static int Compare(const Value& a, const Value& b);

  // Builders for code that fills objects attribute by attribute.
  Value With(const std::string& attr, Value v) const;  // object copy with attr replaced

  // Debug rendering (not a wire format). Sensitive values must not be passed here.
  std::string DebugString() const;

 private:
  enum class State { kNull, kUnknown, kKnown };
  Type type_;
  State state_;
  std::string str_;   // string payload, or canonical number text
  bool bool_ = false;
  std::vector<Value> elems_;
  std::map<std::string, Value> attrs_;
  std::string refinement_;
  friend class ValueAccess;
};

}  // namespace prov::cty
