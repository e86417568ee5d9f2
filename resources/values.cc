#include "resources/values.h"

#include <algorithm>

namespace prov::resources {

namespace {
const Value* Attr(const Value& obj, const std::string& attr) {
  if (!obj.IsKnown() || !obj.Has(attr)) return nullptr;
  const Value& v = obj.Get(attr);
  if (!v.IsKnown()) return nullptr;
  return &v;
}
}  // namespace

std::optional<std::string> GetString(const Value& obj, const std::string& attr) {
  const Value* v = Attr(obj, attr);
  if (!v) return std::nullopt;
  return v->AsString();
}

std::optional<bool> GetBool(const Value& obj, const std::string& attr) {
  const Value* v = Attr(obj, attr);
  if (!v) return std::nullopt;
  return v->AsBool();
}

std::optional<int64_t> GetInt(const Value& obj, const std::string& attr) {
  const Value* v = Attr(obj, attr);
  if (!v) return std::nullopt;
  auto r = v->AsInt64();
  if (!r.ok()) return std::nullopt;
  return *r;
}

std::optional<std::vector<std::string>> GetStrings(const Value& obj, const std::string& attr) {
  const Value* v = Attr(obj, attr);
  if (!v || v->ContainsUnknown()) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& e : v->Elements()) {
    if (e.IsNull()) continue;
    out.push_back(e.AsString());
  }
  return out;
}

std::optional<Value> GetObject(const Value& obj, const std::string& attr) {
  if (!obj.IsKnown() || !obj.Has(attr)) return std::nullopt;
  const Value& v = obj.Get(attr);
  if (v.IsNull()) return std::nullopt;
  return v;
}

bool IsUnknownAttr(const Value& obj, const std::string& attr) {
  if (obj.IsUnknown()) return true;
  if (!obj.IsKnown() || !obj.Has(attr)) return false;
  return obj.Get(attr).IsUnknown();
}

Value Str(const std::string& s) { return Value::String(s); }
Value StrOrNull(const std::optional<std::string>& s) {
  return s ? Value::String(*s) : Value::Null(Type::String());
}
Value StrList(const std::vector<std::string>& xs) { return Value::StringList(xs); }
Value Num(int64_t n) { return Value::Number(n); }
Value BoolV(bool b) { return Value::Bool(b); }

Value ObjectFor(const schema::Block& block, std::map<std::string, Value> attrs) {
  Type t = block.ImpliedType();
  std::map<std::string, Value> full;
  for (const auto& [name, at] : t.attributes()) {
    auto it = attrs.find(name);
    if (it != attrs.end()) {
      full[name] = it->second;
      continue;
    }
    const schema::NestedBlock* nb = block.FindBlock(name);
    if (nb && (nb->nesting == schema::NestingMode::kList)) {
      full[name] = Value::List(at.element(), {});
    } else if (nb && nb->nesting == schema::NestingMode::kSet) {
      full[name] = Value::Set(at.element(), {});
    } else if (nb && nb->nesting == schema::NestingMode::kMap) {
      full[name] = Value::Map(at.element(), {});
    } else {
      full[name] = Value::Null(at);
    }
  }
  return Value::ObjectOfType(t, std::move(full));
}

Value WithAttr(const Value& obj, const std::string& attr, Value v) { return obj.With(attr, std::move(v)); }

Value MarkComputedUnknown(const schema::Block& block, const Value& planned,
                          const std::vector<std::string>& except) {
  Value out = planned;
  for (const auto& a : block.attributes) {
    if (!a.computed) continue;
    if (std::find(except.begin(), except.end(), a.name) != except.end()) continue;
    const Value& cur = planned.Get(a.name);
    if (cur.IsNull()) out = out.With(a.name, Value::Unknown(a.type));
  }
  return out;
}

namespace {
schema::Attribute Make(std::string name, Type t, std::string desc) {
  schema::Attribute a;
  a.name = std::move(name);
  a.type = std::move(t);
  a.description = std::move(desc);
  return a;
}
}  // namespace

schema::Attribute Required(std::string name, Type t, std::string desc) {
  auto a = Make(std::move(name), std::move(t), std::move(desc));
  a.required = true;
  return a;
}
schema::Attribute Optional(std::string name, Type t, std::string desc) {
  auto a = Make(std::move(name), std::move(t), std::move(desc));
  a.optional = true;
  return a;
}
schema::Attribute Computed(std::string name, Type t, std::string desc) {
  auto a = Make(std::move(name), std::move(t), std::move(desc));
  a.computed = true;
  return a;
}
schema::Attribute OptionalComputed(std::string name, Type t, std::string desc) {
  auto a = Make(std::move(name), std::move(t), std::move(desc));
  a.optional = true;
  a.computed = true;
  return a;
}
schema::Attribute Sensitive(schema::Attribute a) {
  a.sensitive = true;
  return a;
}

}  // namespace prov::resources
