#include "provider/protocol/cty/value.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "provider/protocol/cty/number.h"

namespace prov::cty {

struct Type::Rep {
  Type element;                          // list/set/map
  std::map<std::string, Type> attrs;     // object
  std::vector<std::string> optional;     // object, sorted and unique
  std::vector<Type> elems;               // tuple
};

namespace {

const Type& DynamicType() {
  static const Type* t = new Type(Type::Dynamic());
  return *t;
}
const std::map<std::string, Type>& EmptyAttrTypes() {
  static const auto* m = new std::map<std::string, Type>();
  return *m;
}
const std::vector<std::string>& EmptyNames() {
  static const auto* v = new std::vector<std::string>();
  return *v;
}
const std::vector<Type>& EmptyTypes() {
  static const auto* v = new std::vector<Type>();
  return *v;
}
const Value& NullDynamic() {
  static const Value* v = new Value();
  return *v;
}

// Type JSON nesting limit; hostile dynamic values carry their own type text.
constexpr int kMaxTypeDepth = 64;

Result<Type> TypeFromJson(const nlohmann::json& j, int depth) {
  auto bad = [](std::string msg) { return MakeError(ErrorCode::kInvalidArgument, std::move(msg)); };
  if (depth > kMaxTypeDepth) return bad("type nesting is too deep");
  if (j.is_string()) {
    const std::string& s = j.get_ref<const std::string&>();
    if (s == "string") return Type::String();
    if (s == "number") return Type::Number();
    if (s == "bool") return Type::Bool();
    if (s == "dynamic") return Type::Dynamic();
    return bad("invalid primitive type name \"" + s.substr(0, 40) + "\"");
  }
  if (!j.is_array() || j.empty() || !j[0].is_string()) {
    return bad("type must be a string or an array starting with a kind name");
  }
  const std::string& kind = j[0].get_ref<const std::string&>();
  if (kind == "list" || kind == "set" || kind == "map") {
    if (j.size() != 2) return bad(kind + " type needs exactly one element type");
    PROV_ASSIGN_OR_RETURN(Type et, TypeFromJson(j[1], depth + 1));
    if (kind == "list") return Type::List(std::move(et));
    if (kind == "set") return Type::Set(std::move(et));
    return Type::Map(std::move(et));
  }
  if (kind == "object") {
    if ((j.size() != 2 && j.size() != 3) || !j[1].is_object()) {
      return bad("object type needs an attribute-type object");
    }
    std::map<std::string, Type> attrs;
    for (auto it = j[1].begin(); it != j[1].end(); ++it) {
      PROV_ASSIGN_OR_RETURN(Type at, TypeFromJson(it.value(), depth + 1));
      attrs.emplace(it.key(), std::move(at));
    }
    std::vector<std::string> optional;
    if (j.size() == 3) {
      if (!j[2].is_array()) return bad("object optional attributes must be an array");
      for (const auto& o : j[2]) {
        if (!o.is_string()) return bad("optional attribute name must be a string");
        const std::string& name = o.get_ref<const std::string&>();
        if (!attrs.count(name)) return bad("optional attribute \"" + name + "\" is not an attribute");
        optional.push_back(name);
      }
    }
    return Type::Object(std::move(attrs), std::move(optional));
  }
  if (kind == "tuple") {
    if (j.size() != 2 || !j[1].is_array()) return bad("tuple type needs an element-type array");
    std::vector<Type> elems;
    elems.reserve(j[1].size());
    for (const auto& e : j[1]) {
      PROV_ASSIGN_OR_RETURN(Type et, TypeFromJson(e, depth + 1));
      elems.push_back(std::move(et));
    }
    return Type::Tuple(std::move(elems));
  }
  return bad("invalid type kind \"" + kind.substr(0, 40) + "\"");
}

int CompareTypes(const Type& a, const Type& b) {
  if (a.kind() != b.kind()) return a.kind() < b.kind() ? -1 : 1;
  // Component references point into the shared representation, so equal addresses mean
  // the very same type: the common case when comparing decoded values.
  switch (a.kind()) {
    case Kind::kList:
    case Kind::kSet:
    case Kind::kMap:
      if (&a.element() == &b.element()) return 0;
      return CompareTypes(a.element(), b.element());
    case Kind::kObject: {
      const auto& x = a.attributes();
      const auto& y = b.attributes();
      if (&x == &y) return 0;
      auto i = x.begin();
      auto k = y.begin();
      for (; i != x.end() && k != y.end(); ++i, ++k) {
        if (int c = i->first.compare(k->first)) return c < 0 ? -1 : 1;
        if (int c = CompareTypes(i->second, k->second)) return c;
      }
      if (x.size() != y.size()) return x.size() < y.size() ? -1 : 1;
      const auto& ox = a.optional_attributes();
      const auto& oy = b.optional_attributes();
      if (ox != oy) return ox < oy ? -1 : 1;
      return 0;
    }
    case Kind::kTuple: {
      const auto& x = a.elements();
      const auto& y = b.elements();
      if (&x == &y) return 0;
      for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
        if (int c = CompareTypes(x[i], y[i])) return c;
      }
      if (x.size() != y.size()) return x.size() < y.size() ? -1 : 1;
      return 0;
    }
    default:
      return 0;
  }
}

void AppendQuoted(std::string& out, const std::string& s) {
  out.push_back('"');
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

[[noreturn]] void Precondition(const char* what) { throw std::logic_error(what); }

}  // namespace

// ---- Type ----

Type Type::List(Type element) {
  Type t(Kind::kList);
  t.rep_ = std::make_shared<const Rep>(Rep{std::move(element), {}, {}, {}});
  return t;
}
Type Type::Set(Type element) {
  Type t(Kind::kSet);
  t.rep_ = std::make_shared<const Rep>(Rep{std::move(element), {}, {}, {}});
  return t;
}
Type Type::Map(Type element) {
  Type t(Kind::kMap);
  t.rep_ = std::make_shared<const Rep>(Rep{std::move(element), {}, {}, {}});
  return t;
}
Type Type::Object(std::map<std::string, Type> attrs, std::vector<std::string> optional_attrs) {
  std::sort(optional_attrs.begin(), optional_attrs.end());
  optional_attrs.erase(std::unique(optional_attrs.begin(), optional_attrs.end()),
                       optional_attrs.end());
  Type t(Kind::kObject);
  t.rep_ = std::make_shared<const Rep>(
      Rep{Type::Dynamic(), std::move(attrs), std::move(optional_attrs), {}});
  return t;
}
Type Type::Tuple(std::vector<Type> elements) {
  Type t(Kind::kTuple);
  t.rep_ = std::make_shared<const Rep>(Rep{Type::Dynamic(), {}, {}, std::move(elements)});
  return t;
}

const Type& Type::element() const {
  if (rep_ && IsCollection()) return rep_->element;
  return DynamicType();
}
const std::map<std::string, Type>& Type::attributes() const {
  return rep_ && kind_ == Kind::kObject ? rep_->attrs : EmptyAttrTypes();
}
const std::vector<std::string>& Type::optional_attributes() const {
  return rep_ && kind_ == Kind::kObject ? rep_->optional : EmptyNames();
}
const std::vector<Type>& Type::elements() const {
  return rep_ && kind_ == Kind::kTuple ? rep_->elems : EmptyTypes();
}

bool Type::operator==(const Type& o) const {
  if (kind_ != o.kind_) return false;
  if (rep_ == o.rep_) return true;
  return CompareTypes(*this, o) == 0;
}

nlohmann::json Type::ToJson() const {
  switch (kind_) {
    case Kind::kString: return "string";
    case Kind::kNumber: return "number";
    case Kind::kBool: return "bool";
    case Kind::kDynamic: return "dynamic";
    case Kind::kList: return nlohmann::json::array({"list", element().ToJson()});
    case Kind::kSet: return nlohmann::json::array({"set", element().ToJson()});
    case Kind::kMap: return nlohmann::json::array({"map", element().ToJson()});
    case Kind::kObject: {
      nlohmann::json attrs = nlohmann::json::object();
      for (const auto& [name, t] : attributes()) attrs[name] = t.ToJson();
      nlohmann::json j = nlohmann::json::array({"object", std::move(attrs)});
      if (!optional_attributes().empty()) j.push_back(optional_attributes());
      return j;
    }
    case Kind::kTuple: {
      nlohmann::json elems = nlohmann::json::array();
      for (const auto& t : elements()) elems.push_back(t.ToJson());
      return nlohmann::json::array({"tuple", std::move(elems)});
    }
  }
  return "dynamic";
}

Result<Type> Type::FromJson(const nlohmann::json& j) { return TypeFromJson(j, 0); }

std::string Type::FriendlyName() const {
  switch (kind_) {
    case Kind::kString: return "string";
    case Kind::kNumber: return "number";
    case Kind::kBool: return "bool";
    case Kind::kDynamic: return "dynamic";
    case Kind::kList: return "list of " + element().FriendlyName();
    case Kind::kSet: return "set of " + element().FriendlyName();
    case Kind::kMap: return "map of " + element().FriendlyName();
    case Kind::kObject: return "object";
    case Kind::kTuple: return "tuple";
  }
  return "dynamic";
}

// ---- Value constructors ----

Value Value::Null(Type t) {
  Value v;
  v.type_ = std::move(t);
  v.state_ = State::kNull;
  return v;
}

Value Value::Unknown(Type t, std::string refinement_msgpack) {
  Value v;
  v.type_ = std::move(t);
  v.state_ = State::kUnknown;
  v.refinement_ = std::move(refinement_msgpack);
  return v;
}

Value Value::String(std::string s) {
  Value v;
  v.type_ = Type::String();
  v.state_ = State::kKnown;
  v.str_ = std::move(s);
  return v;
}

Value Value::Bool(bool b) {
  Value v;
  v.type_ = Type::Bool();
  v.state_ = State::kKnown;
  v.bool_ = b;
  return v;
}

Value Value::Number(int64_t n) {
  Value v;
  v.type_ = Type::Number();
  v.state_ = State::kKnown;
  v.str_ = std::to_string(n);
  return v;
}

Value Value::NumberFromDouble(double d) {
  Result<std::string> text = internal::ExactDoubleText(d);
  if (!text.ok()) throw std::invalid_argument("cty::Value::NumberFromDouble: " + text.error().message);
  Value v;
  v.type_ = Type::Number();
  v.state_ = State::kKnown;
  v.str_ = std::move(*text);
  return v;
}

Result<Value> Value::NumberFromString(const std::string& decimal) {
  PROV_ASSIGN_OR_RETURN(std::string text, internal::CanonicalNumberText(decimal));
  Value v;
  v.type_ = Type::Number();
  v.state_ = State::kKnown;
  v.str_ = std::move(text);
  return v;
}

Value Value::List(Type element, std::vector<Value> elems) {
  Value v;
  v.type_ = Type::List(std::move(element));
  v.state_ = State::kKnown;
  v.elems_ = std::move(elems);
  return v;
}

Value Value::Set(Type element, std::vector<Value> elems) {
  Value v;
  v.type_ = Type::Set(std::move(element));
  v.state_ = State::kKnown;
  std::stable_sort(elems.begin(), elems.end(),
                   [](const Value& a, const Value& b) { return Compare(a, b) < 0; });
  // Only wholly known elements are deduplicated: two unknowns may turn out different, so
  // cty keeps both (and Terraform checks the element count).
  std::vector<Value> out;
  out.reserve(elems.size());
  for (auto& e : elems) {
    if (!out.empty() && !e.ContainsUnknown() && !out.back().ContainsUnknown() &&
        Compare(out.back(), e) == 0) {
      continue;
    }
    out.push_back(std::move(e));
  }
  v.elems_ = std::move(out);
  return v;
}

Value Value::Map(Type element, std::map<std::string, Value> elems) {
  Value v;
  v.type_ = Type::Map(std::move(element));
  v.state_ = State::kKnown;
  v.attrs_ = std::move(elems);
  return v;
}

Value Value::Object(std::map<std::string, Value> attrs) {
  std::map<std::string, Type> types;
  for (const auto& [name, val] : attrs) types.emplace_hint(types.end(), name, val.type());
  Value v;
  v.type_ = Type::Object(std::move(types));
  v.state_ = State::kKnown;
  v.attrs_ = std::move(attrs);
  return v;
}

Value Value::ObjectOfType(const Type& t, std::map<std::string, Value> attrs) {
  if (t.kind() != Kind::kObject) Precondition("cty::Value::ObjectOfType: type is not an object");
  for (const auto& [name, at] : t.attributes()) {
    if (!attrs.count(name)) attrs.emplace(name, Null(at));
  }
  Value v;
  v.type_ = t;
  v.state_ = State::kKnown;
  v.attrs_ = std::move(attrs);
  return v;
}

Value Value::Tuple(std::vector<Value> elems) {
  std::vector<Type> types;
  types.reserve(elems.size());
  for (const auto& e : elems) types.push_back(e.type());
  Value v;
  v.type_ = Type::Tuple(std::move(types));
  v.state_ = State::kKnown;
  v.elems_ = std::move(elems);
  return v;
}

Value Value::StringList(const std::vector<std::string>& xs) {
  std::vector<Value> elems;
  elems.reserve(xs.size());
  for (const auto& x : xs) elems.push_back(String(x));
  return List(Type::String(), std::move(elems));
}

Value Value::StringSet(const std::vector<std::string>& xs) {
  std::vector<Value> elems;
  elems.reserve(xs.size());
  for (const auto& x : xs) elems.push_back(String(x));
  return Set(Type::String(), std::move(elems));
}

// ---- accessors ----

bool Value::ContainsUnknown() const {
  if (state_ == State::kUnknown) return true;
  if (state_ == State::kNull) return false;
  for (const auto& e : elems_) {
    if (e.ContainsUnknown()) return true;
  }
  for (const auto& [k, e] : attrs_) {
    if (e.ContainsUnknown()) return true;
  }
  return false;
}

const std::string& Value::AsString() const {
  if (!IsKnown() || type_.kind() != Kind::kString) Precondition("cty::Value::AsString on a non-string or non-known value");
  return str_;
}

bool Value::AsBool() const {
  if (!IsKnown() || type_.kind() != Kind::kBool) Precondition("cty::Value::AsBool on a non-bool or non-known value");
  return bool_;
}

const std::string& Value::NumberText() const {
  if (!IsKnown() || type_.kind() != Kind::kNumber) Precondition("cty::Value::NumberText on a non-number or non-known value");
  return str_;
}

Result<int64_t> Value::AsInt64() const {
  if (!IsKnown() || type_.kind() != Kind::kNumber) {
    return MakeError(ErrorCode::kInvalidArgument, "value is not a known number");
  }
  Result<internal::Decimal> d = internal::ParseDecimal(str_);
  if (!d.ok()) return d.error();
  std::optional<int64_t> i = internal::DecimalToInt64(*d);
  if (!i) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "number " + str_.substr(0, 40) + " is not a whole number in the 64-bit range");
  }
  return *i;
}

double Value::AsDouble() const {
  return std::strtod(NumberText().c_str(), nullptr);
}

const std::vector<Value>& Value::Elements() const {
  Kind k = type_.kind();
  if (!IsKnown() || (k != Kind::kList && k != Kind::kSet && k != Kind::kTuple)) {
    Precondition("cty::Value::Elements on a non-sequence or non-known value");
  }
  return elems_;
}

const std::map<std::string, Value>& Value::Attributes() const {
  Kind k = type_.kind();
  if (!IsKnown() || (k != Kind::kMap && k != Kind::kObject)) {
    Precondition("cty::Value::Attributes on a non-map/object or non-known value");
  }
  return attrs_;
}

const Value& Value::Get(const std::string& name) const {
  if (!IsKnown()) return NullDynamic();
  auto it = attrs_.find(name);
  return it == attrs_.end() ? NullDynamic() : it->second;
}

bool Value::Has(const std::string& name) const {
  return IsKnown() && attrs_.count(name) > 0;
}

size_t Value::Length() const {
  if (!IsKnown()) return 0;
  switch (type_.kind()) {
    case Kind::kList:
    case Kind::kSet:
    case Kind::kTuple:
      return elems_.size();
    case Kind::kMap:
    case Kind::kObject:
      return attrs_.size();
    case Kind::kString:
      return str_.size();
    default:
      return 0;
  }
}

bool Value::operator==(const Value& o) const { return Compare(*this, o) == 0; }

int Value::Compare(const Value& a, const Value& b) {
  if (int c = CompareTypes(a.type_, b.type_)) return c;
  // known < null < unknown: unknowns sort last, as in cty's set ordering.
  auto rank = [](State s) { return s == State::kKnown ? 0 : (s == State::kNull ? 1 : 2); };
  if (a.state_ != b.state_) return rank(a.state_) < rank(b.state_) ? -1 : 1;
  if (a.state_ != State::kKnown) return 0;
  switch (a.type_.kind()) {
    case Kind::kString: {
      int c = a.str_.compare(b.str_);
      return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    case Kind::kBool:
      return a.bool_ == b.bool_ ? 0 : (a.bool_ ? 1 : -1);
    case Kind::kNumber: {
      if (a.str_ == b.str_) return 0;
      Result<internal::Decimal> x = internal::ParseDecimal(a.str_);
      Result<internal::Decimal> y = internal::ParseDecimal(b.str_);
      if (!x.ok() || !y.ok()) return a.str_ < b.str_ ? -1 : 1;  // unreachable: canonical text
      return internal::CompareDecimal(*x, *y);
    }
    case Kind::kList:
    case Kind::kSet:
    case Kind::kTuple: {
      for (size_t i = 0; i < a.elems_.size() && i < b.elems_.size(); ++i) {
        if (int c = Compare(a.elems_[i], b.elems_[i])) return c;
      }
      if (a.elems_.size() != b.elems_.size()) return a.elems_.size() < b.elems_.size() ? -1 : 1;
      return 0;
    }
    case Kind::kMap:
    case Kind::kObject: {
      auto i = a.attrs_.begin();
      auto k = b.attrs_.begin();
      for (; i != a.attrs_.end() && k != b.attrs_.end(); ++i, ++k) {
        if (int c = i->first.compare(k->first)) return c < 0 ? -1 : 1;
        if (int c = Compare(i->second, k->second)) return c;
      }
      if (a.attrs_.size() != b.attrs_.size()) return a.attrs_.size() < b.attrs_.size() ? -1 : 1;
      return 0;
    }
    case Kind::kDynamic:
      return 0;
  }
  return 0;
}

Value Value::With(const std::string& attr, Value v) const {
  if (!IsKnown() || type_.kind() != Kind::kObject) {
    Precondition("cty::Value::With on a non-object or non-known value");
  }
  Value out = *this;
  const auto& types = type_.attributes();
  auto it = types.find(attr);
  if (it == types.end()) {
    std::map<std::string, Type> nt = types;
    nt.emplace(attr, v.type());
    out.type_ = Type::Object(std::move(nt), type_.optional_attributes());
  }
  out.attrs_[attr] = std::move(v);
  return out;
}

std::string Value::DebugString() const {
  if (IsNull()) return "null";
  if (IsUnknown()) return "(unknown " + type_.FriendlyName() + ")";
  std::string out;
  switch (type_.kind()) {
    case Kind::kString:
      AppendQuoted(out, str_);
      return out;
    case Kind::kNumber:
      return str_;
    case Kind::kBool:
      return bool_ ? "true" : "false";
    case Kind::kList:
    case Kind::kSet:
    case Kind::kTuple: {
      out = type_.kind() == Kind::kSet ? "set[" : (type_.kind() == Kind::kTuple ? "tuple[" : "[");
      for (size_t i = 0; i < elems_.size(); ++i) {
        if (i) out += ", ";
        out += elems_[i].DebugString();
      }
      out += "]";
      return out;
    }
    case Kind::kMap:
    case Kind::kObject: {
      out = "{";
      bool first = true;
      for (const auto& [k, e] : attrs_) {
        if (!first) out += ", ";
        first = false;
        if (type_.kind() == Kind::kMap) {
          AppendQuoted(out, k);
        } else {
          out += k;
        }
        out += " = ";
        out += e.DebugString();
      }
      out += "}";
      return out;
    }
    case Kind::kDynamic:
      return "(dynamic)";
  }
  return "?";
}

}  // namespace prov::cty
