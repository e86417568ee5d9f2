// Allowlist resource logic against a fake FirewallBackend: planning from the catalog,
// apply recording exactly what exists (also on partial failure), drift through Read,
// a vanished target, import ids, and validation diagnostics that name the attribute.
#include "resources/allowlist_resource.h"

#include <gtest/gtest.h>

#include <map>
#include <mutex>

#include "provider/catalog/loader.h"
#include "resources/backends.h"
#include "resources/provider.h"
#include "resources/rule_values.h"
#include "resources/values.h"

namespace prov::resources {
namespace {

using cty::Value;

// An in-memory firewall: owned rules by key, foreign rules kept apart, optional failure
// after N successful changes.
struct FakeCloud {
  std::mutex mu;
  bool exists = true;
  std::map<std::string, cloud::LiveRule> owned;
  int foreign_rules = 3;
  int fail_after = -1;  // number of changes that succeed before failing; -1 = never
  bool lose_answer = false;  // the failing create lands but is reported unconfirmed
  int next_id = 1;
  int reads = 0;
  std::vector<cloud::LiveRule> others;  // rules of other allowlists
  std::vector<cloud::Change> last_changes;
};

class FakeBackend : public cloud::FirewallBackend {
 public:
  explicit FakeBackend(FakeCloud* c) : c_(c) {}
  Result<cloud::LiveState> Read(const std::atomic<bool>*) override {
    std::lock_guard<std::mutex> l(c_->mu);
    c_->reads++;
    cloud::LiveState s;
    s.target_exists = c_->exists;
    for (auto& [k, r] : c_->owned) s.owned.push_back(r);
    s.others = c_->others;
    return s;
  }
  cloud::ApplyOutcome Apply(const cloud::LiveState&, const std::vector<cloud::Change>& changes,
                            const std::atomic<bool>*) override {
    std::lock_guard<std::mutex> l(c_->mu);
    cloud::ApplyOutcome out;
    c_->last_changes = changes;
    int done = 0;
    for (const auto& ch : changes) {
      if (c_->fail_after >= 0 && done >= c_->fail_after) {
        out.error = MakeError(ErrorCode::kUnavailable, "injected failure");
        if (c_->lose_answer && ch.kind == cloud::ChangeKind::kCreate) {
          cloud::LiveRule lr;
          lr.rule = ch.desired;
          lr.rule.services.clear();
          lr.rule.rows.clear();
          lr.remote_id = "r-" + std::to_string(c_->next_id++);
          c_->owned[ch.desired.key] = lr;  // it landed
          lr.remote_id.clear();
          lr.unconfirmed = true;
          out.owned_after.push_back(lr);  // but nobody knows
        }
        break;
      }
      if (ch.kind == cloud::ChangeKind::kDelete) {
        c_->owned.erase(ch.current.rule.key);
      } else {
        cloud::LiveRule lr;
        lr.rule = ch.desired;
        lr.rule.services.clear();  // the cloud does not keep provenance
        lr.rule.rows.clear();
        lr.remote_id = "r-" + std::to_string(c_->next_id++);
        c_->owned[ch.desired.key] = lr;
      }
      ++done;
    }
    for (auto& [k, r] : c_->owned)
      if (!(c_->lose_answer && !out.owned_after.empty() && out.owned_after.front().rule.key == k))
        out.owned_after.push_back(r);
    return out;
  }

 private:
  FakeCloud* c_;
};

class AllowlistTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetBackendFactoryForTesting([this](const ProviderData&, const TargetSpec&)
                                    -> Result<std::unique_ptr<cloud::FirewallBackend>> {
      return std::unique_ptr<cloud::FirewallBackend>(new FakeBackend(&cloud_));
    });
    provider_ = std::make_unique<OfficeProvider>();
    for (auto* r : provider_->Resources())
      if (r->TypeName() == "office_at_hand_allowlist") res_ = r;
    ASSERT_NE(res_, nullptr);
  }
  void TearDown() override { SetBackendFactoryForTesting(nullptr); }

  Value Config(std::vector<std::string> services, std::vector<std::string> groups = {"sg-0123abcd"}) {
    const auto& schema = res_->Schema();
    auto bt = schema::ImpliedType(*schema.FindBlock("aws_security_group"));
    std::map<std::string, Value> b;
    for (const auto& [k, t] : bt.attributes()) b[k] = Value::Null(t);
    b["group_ids"] = Value::StringList(groups);
    std::map<std::string, Value> attrs;
    if (!services.empty()) attrs["services"] = Value::StringList(services);
    attrs["aws_security_group"] = Value::ObjectOfType(bt, b);
    return ObjectFor(schema, attrs);
  }

  protocol::PlanResourceChangeResponse Plan(const Value& prior, const Value& config) {
    protocol::PlanResourceChangeRequest req;
    req.type_name = res_->TypeName();
    req.prior_state = prior.IsNull() ? Value::Null(res_->Schema().ImpliedType()) : prior;
    req.config = config;
    req.proposed_new_state = config;  // computed attributes null, as Terraform proposes on create
    if (!prior.IsNull()) {
      for (const auto& a : res_->Schema().attributes)
        if (a.computed && config.Get(a.name).IsNull()) req.proposed_new_state = req.proposed_new_state.With(a.name, prior.Get(a.name));
    }
    protocol::PlanResourceChangeResponse resp;
    res_->Plan(ctx_, req, resp);
    return resp;
  }

  protocol::ApplyResourceChangeResponse Apply(const Value& prior, const Value& planned, const Value& config) {
    protocol::ApplyResourceChangeRequest req;
    req.type_name = res_->TypeName();
    req.prior_state = prior.IsNull() ? Value::Null(res_->Schema().ImpliedType()) : prior;
    req.planned_state = planned;
    req.config = config;
    protocol::ApplyResourceChangeResponse resp;
    res_->Apply(ctx_, req, resp);
    return resp;
  }

  protocol::ReadResourceResponse Read(const Value& state) {
    protocol::ReadResourceRequest req;
    req.type_name = res_->TypeName();
    req.current_state = state;
    protocol::ReadResourceResponse resp;
    res_->Read(ctx_, req, resp);
    return resp;
  }

  static std::string Diags(const protocol::Diagnostics& d) {
    std::string s;
    for (const auto& x : d.items()) s += x.summary + ": " + x.detail + "\n";
    return s;
  }

  FakeCloud cloud_;
  std::unique_ptr<OfficeProvider> provider_;
  protocol::Resource* res_ = nullptr;
  protocol::CallContext ctx_;
};

TEST_F(AllowlistTest, PlanOnCreateListsEveryRuleWithUnknownRemoteIds) {
  Value config = Config({"desktop_softphone"});
  auto plan = Plan(Value(), config);
  ASSERT_FALSE(plan.diagnostics.HasError()) << Diags(plan.diagnostics);
  const Value& rules = plan.planned_state.Get("rules");
  ASSERT_TRUE(rules.IsKnown());
  EXPECT_GT(rules.Length(), 0u);
  for (const auto& [k, v] : rules.Attributes()) {
    EXPECT_TRUE(v.Get("remote_id").IsUnknown()) << k;
    EXPECT_EQ(v.Get("location").AsString(), "sg-0123abcd");
    EXPECT_FALSE(v.Get("description").AsString().empty());
  }
  EXPECT_EQ(plan.planned_state.Get("catalog_version").AsString(), catalog::Embedded().version);
  EXPECT_EQ(plan.planned_state.Get("id").AsString(), "sg-0123abcd");
  EXPECT_EQ(plan.planned_state.Get("owner").AsString(), "default");
}

TEST_F(AllowlistTest, ApplyRecordsCreatedRulesConsistentWithPlan) {
  Value config = Config({"desktop_softphone"});
  auto plan = Plan(Value(), config);
  ASSERT_FALSE(plan.diagnostics.HasError()) << Diags(plan.diagnostics);
  auto applied = Apply(Value(), plan.planned_state, config);
  ASSERT_FALSE(applied.diagnostics.HasError()) << Diags(applied.diagnostics);
  const Value& planned_rules = plan.planned_state.Get("rules");
  const Value& rules = applied.new_state.Get("rules");
  ASSERT_EQ(rules.Length(), planned_rules.Length());
  EXPECT_EQ(cloud_.owned.size(), rules.Length());
  for (const auto& [k, v] : rules.Attributes()) {
    ASSERT_TRUE(planned_rules.Has(k));
    EXPECT_TRUE(v.Get("remote_id").IsKnown());
    // Everything known in the plan comes back identical.
    EXPECT_EQ(v.With("remote_id", Value::String("")), planned_rules.Get(k).With("remote_id", Value::String("")));
  }
  // A second plan is a no-op.
  auto again = Plan(applied.new_state, config);
  ASSERT_FALSE(again.diagnostics.HasError());
  EXPECT_EQ(again.planned_state, applied.new_state);
}

TEST_F(AllowlistTest, RuleDeletedOutsideTerraformShowsAsDriftAndIsRepaired) {
  Value config = Config({"desktop_softphone"});
  auto plan = Plan(Value(), config);
  auto applied = Apply(Value(), plan.planned_state, config);
  ASSERT_FALSE(applied.diagnostics.HasError());
  std::string victim = cloud_.owned.begin()->first;
  cloud_.owned.erase(victim);

  auto read = Read(applied.new_state);
  ASSERT_FALSE(read.diagnostics.HasError()) << Diags(read.diagnostics);
  EXPECT_FALSE(read.new_state.Get("rules").Has(victim));
  EXPECT_NE(read.new_state, applied.new_state);

  auto replan = Plan(read.new_state, config);
  ASSERT_TRUE(replan.planned_state.Get("rules").Has(victim));
  EXPECT_NE(replan.planned_state, read.new_state);
  auto repaired = Apply(read.new_state, replan.planned_state, config);
  ASSERT_FALSE(repaired.diagnostics.HasError());
  EXPECT_TRUE(cloud_.owned.count(victim));
}

TEST_F(AllowlistTest, PartialFailureRecordsExactlyWhatExists) {
  Value config = Config({"desktop_softphone"});
  auto plan = Plan(Value(), config);
  size_t wanted = plan.planned_state.Get("rules").Length();
  ASSERT_GT(wanted, 3u);
  cloud_.fail_after = 3;
  auto applied = Apply(Value(), plan.planned_state, config);
  EXPECT_TRUE(applied.diagnostics.HasError());
  ASSERT_FALSE(applied.new_state.IsNull());
  EXPECT_EQ(applied.new_state.Get("rules").Length(), 3u);
  EXPECT_EQ(cloud_.owned.size(), 3u);
  // A re-run finishes the job.
  cloud_.fail_after = -1;
  auto replan = Plan(applied.new_state, config);
  auto finished = Apply(applied.new_state, replan.planned_state, config);
  ASSERT_FALSE(finished.diagnostics.HasError()) << Diags(finished.diagnostics);
  EXPECT_EQ(cloud_.owned.size(), wanted);
}

TEST_F(AllowlistTest, VanishedTargetIsRemovedFromStateWithAWarning) {
  Value config = Config({"desktop_softphone"});
  auto plan = Plan(Value(), config);
  auto applied = Apply(Value(), plan.planned_state, config);
  cloud_.exists = false;
  auto read = Read(applied.new_state);
  EXPECT_FALSE(read.diagnostics.HasError());
  EXPECT_TRUE(read.new_state.IsNull());
  ASSERT_EQ(read.diagnostics.items().size(), 1u);
  EXPECT_EQ(read.diagnostics.items()[0].severity, protocol::Severity::kWarning);
}

TEST_F(AllowlistTest, DestroyRemovesOwnedRules) {
  Value config = Config({"desktop_softphone"});
  auto plan = Plan(Value(), config);
  auto applied = Apply(Value(), plan.planned_state, config);
  auto destroyed = Apply(applied.new_state, Value::Null(res_->Schema().ImpliedType()), Value::Null(res_->Schema().ImpliedType()));
  ASSERT_FALSE(destroyed.diagnostics.HasError()) << Diags(destroyed.diagnostics);
  EXPECT_TRUE(destroyed.new_state.IsNull());
  EXPECT_TRUE(cloud_.owned.empty());
}

TEST_F(AllowlistTest, UnknownServiceNamesTheListElement) {
  protocol::ValidateResourceRequest req;
  req.config = Config({"desktop_softphone", "no_such_service"});
  protocol::Diagnostics d;
  res_->Validate(ctx_, req, d);
  ASSERT_TRUE(d.HasError());
  ASSERT_TRUE(d.items()[0].attribute.has_value());
  EXPECT_EQ(d.items()[0].attribute->ToString(), "services[1]");
}

TEST_F(AllowlistTest, BadSecurityGroupIdNamesTheAttribute) {
  protocol::ValidateResourceRequest req;
  req.config = Config({"desktop_softphone"}, {"sg-0123abcd", "vpc-123"});
  protocol::Diagnostics d;
  res_->Validate(ctx_, req, d);
  ASSERT_TRUE(d.HasError());
  EXPECT_EQ(d.items()[0].attribute->ToString(), "aws_security_group.group_ids[1]");
}

TEST_F(AllowlistTest, UnknownGroupIdPlansUnknownsAndAppliesOnceKnown) {
  // group_ids comes from a security group created in the same run: unknown at plan time.
  Value known = Config({"desktop_softphone"});
  const auto& schema = res_->Schema();
  Value blk = known.Get("aws_security_group");
  Value unknown_cfg = known.With("aws_security_group",
                                 blk.With("group_ids", Value::Unknown(Type::List(Type::String()))));
  auto plan = Plan(Value(), unknown_cfg);
  ASSERT_FALSE(plan.diagnostics.HasError()) << Diags(plan.diagnostics);
  EXPECT_TRUE(plan.planned_state.Get("rules").IsUnknown());
  EXPECT_TRUE(plan.planned_state.Get("aws_security_group").Get("prefix_list_name").IsUnknown());
  auto applied = Apply(Value(), plan.planned_state, known);
  ASSERT_FALSE(applied.diagnostics.HasError()) << Diags(applied.diagnostics);
  for (const auto& [k, v] : applied.new_state.Attributes()) EXPECT_FALSE(v.ContainsUnknown()) << k;
  EXPECT_GT(applied.new_state.Get("rules").Length(), 0u);
  EXPECT_EQ(cloud_.owned.size(), applied.new_state.Get("rules").Length());
  (void)schema;
}

TEST_F(AllowlistTest, ImportThenReadGivesANoChangePlan) {
  // Every service: 72 egress rules, spread over two groups.
  Value config = Config({}, {"sg-0123abcd", "sg-0456abcd"});
  auto plan = Plan(Value(), config);
  ASSERT_FALSE(plan.diagnostics.HasError()) << Diags(plan.diagnostics);
  auto applied = Apply(Value(), plan.planned_state, config);
  ASSERT_FALSE(applied.diagnostics.HasError()) << Diags(applied.diagnostics);

  protocol::ImportResourceStateRequest ireq;
  ireq.type_name = res_->TypeName();
  ireq.id = "sg-0123abcd,sg-0456abcd";
  protocol::ImportResourceStateResponse iresp;
  res_->Import(ctx_, ireq, iresp);
  ASSERT_FALSE(iresp.diagnostics.HasError()) << Diags(iresp.diagnostics);
  ASSERT_EQ(iresp.imported.size(), 1u);
  auto read = Read(iresp.imported[0].state);
  ASSERT_FALSE(read.diagnostics.HasError()) << Diags(read.diagnostics);
  EXPECT_EQ(read.new_state.Get("rules").Length(), cloud_.owned.size());
  auto replan = Plan(read.new_state, config);
  ASSERT_FALSE(replan.diagnostics.HasError()) << Diags(replan.diagnostics);
  EXPECT_EQ(replan.planned_state, read.new_state) << replan.planned_state.DebugString().substr(0, 2000);
}

TEST_F(AllowlistTest, CreatePlanLeavesTheIdUnknownAndApplyGeneratesIt) {
  Value config = Config({"desktop_softphone"});
  auto plan = Plan(Value(), config);
  ASSERT_FALSE(plan.diagnostics.HasError()) << Diags(plan.diagnostics);
  EXPECT_TRUE(plan.planned_state.Get("allowlist_id").IsUnknown());
  auto applied = Apply(Value(), plan.planned_state, config);
  ASSERT_FALSE(applied.diagnostics.HasError()) << Diags(applied.diagnostics);
  std::string id = applied.new_state.Get("allowlist_id").AsString();
  EXPECT_EQ(id.size(), 8u);
  EXPECT_EQ(id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789"), std::string::npos);
  // Kept from state afterwards.
  auto again = Plan(applied.new_state, config);
  EXPECT_EQ(again.planned_state.Get("allowlist_id").AsString(), id);
  // Two allowlists never share an id.
  auto other = Apply(Value(), plan.planned_state, config);
  EXPECT_NE(other.new_state.Get("allowlist_id").AsString(), id);
}

TEST_F(AllowlistTest, ApplyExecutesThePlanNotADiffAgainstLiveRules) {
  Value config = Config({"desktop_softphone"});
  auto plan = Plan(Value(), config);
  auto applied = Apply(Value(), plan.planned_state, config);
  ASSERT_FALSE(applied.diagnostics.HasError()) << Diags(applied.diagnostics);
  // A rule carrying our marker that the state does not record appears (an earlier,
  // unconfirmed create, say): an apply that does not plan it never deletes it.
  cloud::LiveRule stray = cloud_.owned.begin()->second;
  stray.rule.key = "egress tcp/9 192.0.2.0/24";
  stray.rule.remote_cidrs = {"192.0.2.0/24"};
  stray.remote_id = "r-stray";
  cloud_.owned[stray.rule.key] = stray;
  Value widened = Config({"desktop_softphone", "video"});
  auto plan2 = Plan(applied.new_state, widened);
  ASSERT_FALSE(plan2.diagnostics.HasError()) << Diags(plan2.diagnostics);
  auto applied2 = Apply(applied.new_state, plan2.planned_state, widened);
  ASSERT_FALSE(applied2.diagnostics.HasError()) << Diags(applied2.diagnostics);
  EXPECT_TRUE(cloud_.owned.count(stray.rule.key));
  ASSERT_FALSE(cloud_.last_changes.empty());
  for (const auto& c : cloud_.last_changes) {
    EXPECT_NE(c.current.rule.key, stray.rule.key);
    // Deletes and updates are exactly the plan's: rules of the prior state.
    if (c.kind != cloud::ChangeKind::kCreate) EXPECT_TRUE(applied.new_state.Get("rules").Has(c.current.rule.key));
  }
}

TEST_F(AllowlistTest, SavedPlanStopsWhenARuleToDeleteChangedSinceThePlan) {
  Value wide = Config({"desktop_softphone", "video"});
  auto plan = Plan(Value(), wide);
  auto applied = Apply(Value(), plan.planned_state, wide);
  ASSERT_FALSE(applied.diagnostics.HasError()) << Diags(applied.diagnostics);
  Value narrow = Config({"desktop_softphone"});
  auto shrink = Plan(applied.new_state, narrow);
  ASSERT_FALSE(shrink.diagnostics.HasError()) << Diags(shrink.diagnostics);
  // Find a rule the plan deletes, and change it behind the plan's back.
  std::string victim;
  for (const auto& [k, v] : applied.new_state.Get("rules").Attributes())
    if (!shrink.planned_state.Get("rules").Has(k)) victim = k;
  ASSERT_FALSE(victim.empty());
  cloud_.owned[victim].remote_id = "r-replaced";
  auto before = cloud_.owned;
  auto result = Apply(applied.new_state, shrink.planned_state, narrow);
  ASSERT_TRUE(result.diagnostics.HasError());
  EXPECT_NE(Diags(result.diagnostics).find(victim), std::string::npos) << Diags(result.diagnostics);
  EXPECT_NE(Diags(result.diagnostics).find("plan again"), std::string::npos);
  EXPECT_EQ(cloud_.owned.size(), before.size());  // nothing written
  EXPECT_EQ(result.new_state, applied.new_state);
}

TEST_F(AllowlistTest, RuleToDeleteAlreadyGoneIsFine) {
  Value wide = Config({"desktop_softphone", "video"});
  auto plan = Plan(Value(), wide);
  auto applied = Apply(Value(), plan.planned_state, wide);
  Value narrow = Config({"desktop_softphone"});
  auto shrink = Plan(applied.new_state, narrow);
  for (const auto& [k, v] : applied.new_state.Get("rules").Attributes())
    if (!shrink.planned_state.Get("rules").Has(k)) cloud_.owned.erase(k);
  auto result = Apply(applied.new_state, shrink.planned_state, narrow);
  ASSERT_FALSE(result.diagnostics.HasError()) << Diags(result.diagnostics);
  EXPECT_EQ(result.new_state.Get("rules").Length(), shrink.planned_state.Get("rules").Length());
}

TEST_F(AllowlistTest, LostAnswerIsRecordedUnconfirmedAndSettledByRefresh) {
  Value config = Config({"desktop_softphone"});
  auto plan = Plan(Value(), config);
  cloud_.fail_after = 2;
  cloud_.lose_answer = true;
  auto applied = Apply(Value(), plan.planned_state, config);
  ASSERT_TRUE(applied.diagnostics.HasError());
  EXPECT_NE(Diags(applied.diagnostics).find("could not be confirmed"), std::string::npos) << Diags(applied.diagnostics);
  const Value& rules = applied.new_state.Get("rules");
  ASSERT_EQ(rules.Length(), 3u);  // 2 confirmed + 1 unconfirmed: nothing forgotten
  int unconfirmed = 0;
  for (const auto& [k, v] : rules.Attributes())
    if (v.Get("remote_id").AsString() == "unconfirmed") ++unconfirmed;
  EXPECT_EQ(unconfirmed, 1);
  EXPECT_EQ(cloud_.owned.size(), 3u);
  // The refresh adopts the one that landed (with its real id) ...
  auto read = Read(applied.new_state);
  ASSERT_FALSE(read.diagnostics.HasError()) << Diags(read.diagnostics);
  EXPECT_EQ(read.new_state.Get("rules").Length(), 3u);
  for (const auto& [k, v] : read.new_state.Get("rules").Attributes())
    EXPECT_NE(v.Get("remote_id").AsString(), "unconfirmed") << k;
  // ... and drops one that did not.
  std::string gone;
  for (const auto& [k, v] : applied.new_state.Get("rules").Attributes())
    if (v.Get("remote_id").AsString() == "unconfirmed") gone = k;
  cloud_.owned.erase(gone);
  auto read2 = Read(applied.new_state);
  EXPECT_FALSE(read2.new_state.Get("rules").Has(gone));
  EXPECT_EQ(read2.new_state.Get("rules").Length(), 2u);
}

TEST_F(AllowlistTest, OverlapWithAnotherAllowlistIsAPlanError) {
  Value config = Config({"desktop_softphone"});
  auto plan = Plan(Value(), config);
  ASSERT_FALSE(plan.diagnostics.HasError());
  // Another allowlist already holds one of these rules in the group.
  auto first = plan.planned_state.Get("rules").Attributes().begin();
  auto r = RuleFromValue(first->first, first->second, {"sg-0123abcd"});
  ASSERT_TRUE(r.ok());
  cloud::LiveRule o;
  o.rule = *r;
  o.remote_id = "sgr-other";
  o.owner = "default";
  o.allowlist_id = "zzzz0000";
  cloud_.others.push_back(o);
  // Same owner and nothing but rules this plan has too: perhaps its own tainted predecessor
  // being replaced, so only a warning.
  auto maybe_own = Plan(Value(), config);
  ASSERT_FALSE(maybe_own.diagnostics.HasError()) << Diags(maybe_own.diagnostics);
  EXPECT_NE(Diags(maybe_own.diagnostics).find("tainted"), std::string::npos);
  cloud_.others.back().owner = "team-b";
  auto again = Plan(Value(), config);
  ASSERT_TRUE(again.diagnostics.HasError());
  std::string d = Diags(again.diagnostics);
  EXPECT_NE(d.find(first->first), std::string::npos) << d;
  EXPECT_NE(d.find("zzzz0000"), std::string::npos) << d;
  EXPECT_NE(d.find("one allowlist"), std::string::npos) << d;
  EXPECT_NE(d.find("own security group"), std::string::npos) << d;
}

TEST_F(AllowlistTest, OthersRulesAreNamedInAWarningAndNeverTouched) {
  Value config = Config({"desktop_softphone"});
  auto plan = Plan(Value(), config);
  auto applied = Apply(Value(), plan.planned_state, config);
  cloud::LiveRule o;
  o.rule.key = "egress tcp/9 192.0.2.0/24";
  o.rule.allowed = {{net::Transport::kTcp, {{9, 9}}}};
  o.rule.remote_cidrs = {"192.0.2.0/24"};
  o.remote_id = "sgr-other";
  o.owner = "default";
  o.allowlist_id = "yyyy1111";
  cloud_.others.push_back(o);
  auto read = Read(applied.new_state);
  ASSERT_FALSE(read.diagnostics.HasError());
  std::string d = Diags(read.diagnostics);
  EXPECT_NE(d.find("yyyy1111"), std::string::npos) << d;
  EXPECT_FALSE(read.new_state.Get("rules").Has(o.rule.key));
}

TEST_F(AllowlistTest, ImportOfAnOwnerWithSeveralAllowlistsAsksWhichOne) {
  cloud::LiveRule o;
  o.rule.key = "egress tcp/9 192.0.2.0/24";
  o.owner = "default";
  for (const char* id : {"aaaa1111", "bbbb2222"}) {
    o.allowlist_id = id;
    cloud_.others.push_back(o);
  }
  protocol::ImportResourceStateRequest ireq;
  ireq.type_name = res_->TypeName();
  ireq.id = "sg-0123abcd";
  protocol::ImportResourceStateResponse iresp;
  res_->Import(ctx_, ireq, iresp);
  ASSERT_TRUE(iresp.diagnostics.HasError());
  std::string d = Diags(iresp.diagnostics);
  EXPECT_NE(d.find("aaaa1111"), std::string::npos) << d;
  EXPECT_NE(d.find("bbbb2222"), std::string::npos) << d;
  ireq.id = "sg-0123abcd?allowlist_id=bbbb2222&services=video,desktop_app";
  protocol::ImportResourceStateResponse picked;
  res_->Import(ctx_, ireq, picked);
  ASSERT_FALSE(picked.diagnostics.HasError()) << Diags(picked.diagnostics);
  EXPECT_EQ(picked.imported[0].state.Get("allowlist_id").AsString(), "bbbb2222");
  EXPECT_EQ(picked.imported[0].state.Get("services"), Value::StringList({"video", "desktop_app"}));
}

TEST_F(AllowlistTest, ImportWithTheCreatorsServicesGivesANoChangePlan) {
  Value config = Config({"video", "desktop_app"});
  auto plan = Plan(Value(), config);
  ASSERT_FALSE(plan.diagnostics.HasError()) << Diags(plan.diagnostics);
  auto applied = Apply(Value(), plan.planned_state, config);
  ASSERT_FALSE(applied.diagnostics.HasError()) << Diags(applied.diagnostics);
  protocol::ImportResourceStateRequest ireq;
  ireq.type_name = res_->TypeName();
  ireq.id = "sg-0123abcd?services=video,desktop_app";
  protocol::ImportResourceStateResponse iresp;
  res_->Import(ctx_, ireq, iresp);
  ASSERT_FALSE(iresp.diagnostics.HasError()) << Diags(iresp.diagnostics);
  auto read = Read(iresp.imported[0].state);
  ASSERT_FALSE(read.diagnostics.HasError()) << Diags(read.diagnostics);
  auto replan = Plan(read.new_state, config);
  ASSERT_FALSE(replan.diagnostics.HasError()) << Diags(replan.diagnostics);
  EXPECT_EQ(replan.planned_state, read.new_state) << replan.planned_state.DebugString().substr(0, 2000);
}

TEST_F(AllowlistTest, ImportWhoseSelectionDoesNotCompileSaysHowToFixIt) {
  Value config = Config({"video", "desktop_app"});
  auto plan = Plan(Value(), config);
  auto applied = Apply(Value(), plan.planned_state, config);
  ASSERT_FALSE(applied.diagnostics.HasError());
  protocol::ImportResourceStateRequest ireq;
  ireq.type_name = res_->TypeName();
  ireq.id = "sg-0123abcd";  // every service: more rules than one group holds
  protocol::ImportResourceStateResponse iresp;
  res_->Import(ctx_, ireq, iresp);
  ASSERT_FALSE(iresp.diagnostics.HasError());
  auto read = Read(iresp.imported[0].state);
  ASSERT_TRUE(read.diagnostics.HasError());
  EXPECT_NE(Diags(read.diagnostics).find("?services="), std::string::npos) << Diags(read.diagnostics);
}

TEST(ImportIdTest, CarriesOwnerAndNamePrefixOptions) {
  auto g = ParseImportId("projects/p1/global/networks/n1?name_prefix=acc1&owner=team1");
  ASSERT_TRUE(g.ok()) << g.error().ToString();
  EXPECT_EQ(g->name_prefix, "acc1");
  EXPECT_EQ(g->owner, "team1");
  EXPECT_EQ(g->network, "n1");
  EXPECT_FALSE(ParseImportId("sg-1?colour=blue").ok());
}

TEST(ImportIdTest, RecognisesEachPlatform) {
  auto aws = ParseImportId("sg-1,sg-2");
  ASSERT_TRUE(aws.ok());
  EXPECT_EQ(aws->platform, rules::Platform::kAws);
  EXPECT_EQ(aws->locations.size(), 2u);
  auto az = ParseImportId("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/n");
  ASSERT_TRUE(az.ok());
  EXPECT_EQ(az->platform, rules::Platform::kAzure);
  auto g = ParseImportId("projects/p1/global/networks/default");
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->platform, rules::Platform::kGcp);
  EXPECT_EQ(g->network, "default");
  auto g2 = ParseImportId("p1/net");
  ASSERT_TRUE(g2.ok());
  EXPECT_EQ(g2->project, "p1");
  EXPECT_FALSE(ParseImportId("nonsense").ok());
  EXPECT_FALSE(ParseImportId("sg-1,vpc-2").ok());
}

}  // namespace
}  // namespace prov::resources
