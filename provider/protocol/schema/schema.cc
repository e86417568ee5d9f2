#include "provider/protocol/schema/schema.h"

namespace prov::schema {
namespace {

bool HasDynamicTypes(const cty::Type& t) {
  switch (t.kind()) {
    case cty::Kind::kDynamic:
      return true;
    case cty::Kind::kList:
    case cty::Kind::kSet:
    case cty::Kind::kMap:
      return HasDynamicTypes(t.element());
    case cty::Kind::kObject:
      for (const auto& [name, at] : t.attributes()) {
        if (HasDynamicTypes(at)) return true;
      }
      return false;
    case cty::Kind::kTuple:
      for (const auto& et : t.elements()) {
        if (HasDynamicTypes(et)) return true;
      }
      return false;
    default:
      return false;
  }
}

cty::Type AttributeType(const Attribute& a) {
  return a.nested ? ImpliedType(*a.nested) : a.type;
}

cty::Type BlockObjectType(const std::vector<Attribute>& attributes,
                          const std::vector<NestedBlock>& blocks) {
  std::map<std::string, cty::Type> attrs;
  for (const auto& a : attributes) attrs.emplace(a.name, AttributeType(a));
  for (const auto& b : blocks) attrs.emplace(b.type_name, ImpliedType(b));
  return cty::Type::Object(std::move(attrs));
}

}  // namespace

cty::Type ImpliedType(const NestedAttributeType& n) {
  std::map<std::string, cty::Type> attrs;
  std::vector<std::string> optional;
  for (const auto& a : n.attributes) {
    attrs.emplace(a.name, AttributeType(a));
    if (a.optional) optional.push_back(a.name);
  }
  // Nested attribute objects carry their optional attributes in the type, as Terraform's
  // configschema.Object.ImpliedType does.
  cty::Type obj = cty::Type::Object(std::move(attrs), std::move(optional));
  switch (n.nesting) {
    case NestingMode::kList: return cty::Type::List(obj);
    case NestingMode::kSet: return cty::Type::Set(obj);
    case NestingMode::kMap: return cty::Type::Map(obj);
    case NestingMode::kSingle:
    case NestingMode::kGroup: return obj;
  }
  return obj;
}

cty::Type ImpliedType(const NestedBlock& b) {
  cty::Type obj = BlockObjectType(b.attributes, b.blocks);
  switch (b.nesting) {
    case NestingMode::kSingle:
    case NestingMode::kGroup:
      return obj;
    case NestingMode::kList:
      // A list of objects with dynamic attributes may hold elements of different concrete
      // types, so Terraform (hcldec) types the whole block as dynamic (a tuple at run time).
      return HasDynamicTypes(obj) ? cty::Type::Dynamic() : cty::Type::List(obj);
    case NestingMode::kMap:
      return HasDynamicTypes(obj) ? cty::Type::Dynamic() : cty::Type::Map(obj);
    case NestingMode::kSet:
      return cty::Type::Set(obj);
  }
  return obj;
}

cty::Type Block::ImpliedType() const { return BlockObjectType(attributes, blocks); }

const Attribute* Block::FindAttribute(const std::string& name) const {
  for (const auto& a : attributes) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

const NestedBlock* Block::FindBlock(const std::string& name) const {
  for (const auto& b : blocks) {
    if (b.type_name == name) return &b;
  }
  return nullptr;
}

}  // namespace prov::schema
