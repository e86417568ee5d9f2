// Schema model (ImpliedType, lookups), diagnostics/attribute paths, and the default
// Resource implementations of provider_api.h.
#include <gtest/gtest.h>

#include "provider/protocol/cty/codec.h"
#include "provider/protocol/diagnostics.h"
#include "provider/protocol/provider_api.h"
#include "provider/protocol/schema/schema.h"

namespace prov {
namespace {

using cty::Type;
using schema::Attribute;
using schema::Block;
using schema::NestedBlock;
using schema::NestingMode;

Attribute Attr(std::string name, Type t, bool optional = false) {
  Attribute a;
  a.name = std::move(name);
  a.type = std::move(t);
  a.optional = optional;
  a.required = !optional;
  return a;
}

Block SampleBlock() {
  Block b;
  b.attributes.push_back(Attr("id", Type::String()));
  b.attributes.push_back(Attr("ports", Type::List(Type::Number()), true));
  Attribute nested;
  nested.name = "targets";
  nested.optional = true;
  nested.nested = schema::NestedAttributeType{
      NestingMode::kMap, {Attr("cidr", Type::String()), Attr("note", Type::String(), true)}};
  b.attributes.push_back(nested);
  NestedBlock rule;
  rule.type_name = "rule";
  rule.nesting = NestingMode::kSet;
  rule.attributes.push_back(Attr("port", Type::Number()));
  b.blocks.push_back(rule);
  NestedBlock timeouts;
  timeouts.type_name = "timeouts";
  timeouts.nesting = NestingMode::kSingle;
  timeouts.attributes.push_back(Attr("create", Type::String(), true));
  b.blocks.push_back(timeouts);
  return b;
}

TEST(SchemaTest, ImpliedTypeCoversAttributesNestedAttributesAndBlocks) {
  Block b = SampleBlock();
  Type want = Type::Object(
      {{"id", Type::String()},
       {"ports", Type::List(Type::Number())},
       {"targets", Type::Map(Type::Object({{"cidr", Type::String()}, {"note", Type::String()}}, {"note"}))},
       {"rule", Type::Set(Type::Object({{"port", Type::Number()}}))},
       {"timeouts", Type::Object({{"create", Type::String()}})}});
  EXPECT_EQ(b.ImpliedType(), want) << b.ImpliedType().ToJson().dump();
}

TEST(SchemaTest, ListBlocksWithDynamicAttributesAreDynamic) {
  NestedBlock nb;
  nb.type_name = "any";
  nb.nesting = NestingMode::kList;
  nb.attributes.push_back(Attr("v", Type::Dynamic()));
  EXPECT_EQ(schema::ImpliedType(nb), Type::Dynamic());
  nb.nesting = NestingMode::kSet;
  EXPECT_EQ(schema::ImpliedType(nb), Type::Set(Type::Object({{"v", Type::Dynamic()}})));
  nb.attributes[0].type = Type::String();
  nb.nesting = NestingMode::kList;
  EXPECT_EQ(schema::ImpliedType(nb), Type::List(Type::Object({{"v", Type::String()}})));
  nb.nesting = NestingMode::kGroup;
  EXPECT_EQ(schema::ImpliedType(nb), Type::Object({{"v", Type::String()}}));
}

TEST(SchemaTest, FindsAttributesAndBlocks) {
  Block b = SampleBlock();
  ASSERT_NE(b.FindAttribute("ports"), nullptr);
  EXPECT_TRUE(b.FindAttribute("ports")->optional);
  EXPECT_EQ(b.FindAttribute("rule"), nullptr);
  ASSERT_NE(b.FindBlock("rule"), nullptr);
  EXPECT_EQ(b.FindBlock("rule")->nesting, NestingMode::kSet);
  EXPECT_EQ(b.FindBlock("id"), nullptr);
}

TEST(SchemaTest, AttributePathRendersLikeTerraform) {
  protocol::AttributePath p;
  EXPECT_EQ(p.ToString(), "");
  EXPECT_TRUE(p.empty());
  EXPECT_EQ(p.Attr("target").Attr("group_ids").Index(1).ToString(), "target.group_ids[1]");
  EXPECT_EQ(p.Attr("rules").Key("k\"q").Attr("cidr").ToString(), "rules[\"k\\\"q\"].cidr");
  EXPECT_EQ(p.Attr("a").Index(2).steps().size(), 2u);
  EXPECT_EQ(p.Attr("a").Index(2).steps()[1].index, 2);
}

TEST(SchemaTest, DiagnosticsTrackErrors) {
  protocol::Diagnostics d;
  d.AddWarning("Careful");
  EXPECT_FALSE(d.HasError());
  protocol::Diagnostics more;
  more.AddError("Reading AWS security group rules (sg-1)",
                MakeError(ErrorCode::kNotFound, "gone", "group_id"),
                protocol::AttributePath().Attr("group_id"));
  d.Append(more);
  EXPECT_TRUE(d.HasError());
  ASSERT_EQ(d.items().size(), 2u);
  EXPECT_EQ(d.items()[1].detail, "group_id: gone");
  EXPECT_EQ(d.items()[1].attribute->ToString(), "group_id");
  EXPECT_EQ(d.items()[0].severity, protocol::Severity::kWarning);
}

class FakeResource : public protocol::Resource {
 public:
  FakeResource() : schema_(SampleBlock()) {}
  std::string TypeName() const override { return "office_fake"; }
  const Block& Schema() const override { return schema_; }
  void Read(const protocol::CallContext&, const protocol::ReadResourceRequest&,
            protocol::ReadResourceResponse&) override {}
  void Plan(const protocol::CallContext&, const protocol::PlanResourceChangeRequest&,
            protocol::PlanResourceChangeResponse&) override {}
  void Apply(const protocol::CallContext&, const protocol::ApplyResourceChangeRequest&,
             protocol::ApplyResourceChangeResponse&) override {}

 private:
  Block schema_;
};

TEST(SchemaTest, DefaultUpgradeStateDecodesRawJson) {
  FakeResource r;
  protocol::UpgradeResourceStateRequest req;
  req.type_name = "office_fake";
  req.raw_state_json = R"({"id":"sg-1","ports":[443],"rule":[{"port":80}],"timeouts":null})";
  protocol::UpgradeResourceStateResponse resp;
  r.UpgradeState(protocol::CallContext{}, req, resp);
  ASSERT_FALSE(resp.diagnostics.HasError()) << resp.diagnostics.items()[0].detail;
  EXPECT_EQ(resp.upgraded_state.Get("id").AsString(), "sg-1");
  EXPECT_TRUE(resp.upgraded_state.Get("targets").IsNull());  // absent -> null
  EXPECT_EQ(resp.upgraded_state.type(), r.Schema().ImpliedType());
  // The upgraded state must be encodable for the wire.
  EXPECT_TRUE(cty::EncodeMsgpack(resp.upgraded_state, r.Schema().ImpliedType()).ok());
}

TEST(SchemaTest, DefaultUpgradeStateReportsBadState) {
  FakeResource r;
  protocol::UpgradeResourceStateRequest req;
  req.raw_state_json = R"({"id":"sg-1","removed_attr":1})";
  protocol::UpgradeResourceStateResponse resp;
  r.UpgradeState(protocol::CallContext{}, req, resp);
  ASSERT_TRUE(resp.diagnostics.HasError());
  EXPECT_EQ(resp.diagnostics.items()[0].summary, "Upgrading resource state (office_fake)");
  EXPECT_NE(resp.diagnostics.items()[0].detail.find("removed_attr"), std::string::npos);
}

TEST(SchemaTest, DefaultImportAndMoveAreErrors) {
  FakeResource r;
  protocol::ImportResourceStateResponse ir;
  r.Import(protocol::CallContext{}, protocol::ImportResourceStateRequest{"office_fake", "x"}, ir);
  ASSERT_TRUE(ir.diagnostics.HasError());
  EXPECT_EQ(ir.diagnostics.items()[0].summary, "Resource office_fake does not support import");
  EXPECT_TRUE(ir.imported.empty());
  protocol::MoveResourceStateResponse mr;
  r.Move(protocol::CallContext{}, protocol::MoveResourceStateRequest{}, mr);
  ASSERT_TRUE(mr.diagnostics.HasError());
  EXPECT_EQ(mr.diagnostics.items()[0].summary, "Resource office_fake does not support move");
}

}  // namespace
}  // namespace prov
