// The schema model: what resources, data sources and the provider declare once. The
// server turns it into tfplugin6 and tfplugin5 Schema messages, and the codec derives
// the cty object type of a block from it (ImpliedType).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "provider/protocol/cty/value.h"

namespace prov::schema {

enum class StringKind { kPlain, kMarkdown };
enum class NestingMode { kSingle, kList, kSet, kMap, kGroup };  // for blocks and nested attributes

struct Block;

struct NestedAttributeType {  // protocol 6 nested attributes (object attribute types)
  NestingMode nesting = NestingMode::kSingle;
  std::vector<struct Attribute> attributes;
};

struct Attribute {
  std::string name;
  cty::Type type;                               // ignored when nested is set
  std::optional<NestedAttributeType> nested;    // v6 only; v5 gets the implied type
  std::string description;
  StringKind description_kind = StringKind::kMarkdown;
  bool required = false;
  bool optional = false;
  bool computed = false;
  bool sensitive = false;
  bool deprecated = false;
  bool write_only = false;
};

struct NestedBlock {
  std::string type_name;
  NestingMode nesting = NestingMode::kList;
  int64_t min_items = 0;
  int64_t max_items = 0;
  std::vector<Attribute> attributes;   // flattened: Block below
  std::vector<NestedBlock> blocks;
  std::string description;
  bool deprecated = false;
};

struct Block {
  int64_t version = 0;                 // schema version (resource state version)
  std::vector<Attribute> attributes;
  std::vector<NestedBlock> blocks;
  std::string description;
  StringKind description_kind = StringKind::kMarkdown;
  bool deprecated = false;

  // The cty object type of values conforming to this block.
  cty::Type ImpliedType() const;
  const Attribute* FindAttribute(const std::string& name) const;
  const NestedBlock* FindBlock(const std::string& name) const;
};

// Type of a nested attribute / nested block value (list(object), map(object), ...).
cty::Type ImpliedType(const NestedAttributeType& n);
cty::Type ImpliedType(const NestedBlock& b);

// Function signatures (provider-defined functions).
struct Parameter {
  std::string name;
  cty::Type type;
  std::string description;
  bool allow_null = false;
  bool allow_unknown = false;
};
struct FunctionSignature {
  std::vector<Parameter> parameters;
  std::optional<Parameter> variadic;
  cty::Type return_type;
  std::string summary;
  std::string description;
  std::string deprecation_message;
};

}  // namespace prov::schema
