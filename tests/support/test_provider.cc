#include "tests/support/test_provider.h"

#include <chrono>
#include <thread>

namespace prov::testing {
namespace {

using namespace prov::protocol;  // NOLINT: test helper

schema::Attribute Attr(std::string name, cty::Type t, bool required, bool optional,
                       bool computed) {
  schema::Attribute a;
  a.name = std::move(name);
  a.type = std::move(t);
  a.description = "test attribute " + a.name;
  a.required = required;
  a.optional = optional;
  a.computed = computed;
  return a;
}

class Thing : public Resource {
 public:
  Thing() {
    schema_.attributes.push_back(Attr("id", cty::Type::String(), false, false, true));
    schema_.attributes.push_back(Attr("name", cty::Type::String(), true, false, false));
    schema_.attributes.push_back(
        Attr("ports", cty::Type::List(cty::Type::Number()), false, true, false));
    schema::Attribute rules;
    rules.name = "rules";
    rules.optional = true;
    rules.description = "nested attribute";
    rules.nested = schema::NestedAttributeType{};
    rules.nested->nesting = schema::NestingMode::kList;
    rules.nested->attributes.push_back(Attr("cidr", cty::Type::String(), true, false, false));
    schema_.attributes.push_back(rules);
  }
  std::string TypeName() const override { return "office_thing"; }
  const schema::Block& Schema() const override { return schema_; }
  void Validate(const CallContext&, const ValidateResourceRequest& req,
                Diagnostics& diags) override {
    const cty::Value& name = req.config.Get("name");
    if (name.IsKnown() && name.AsString().empty())
      diags.AddError("Invalid name", "name must not be empty", AttributePath().Attr("name"));
  }
  void Read(const CallContext&, const ReadResourceRequest& req,
            ReadResourceResponse& resp) override {
    resp.new_state = req.current_state;
  }
  void Plan(const CallContext&, const PlanResourceChangeRequest& req,
            PlanResourceChangeResponse& resp) override {
    resp.planned_state = req.proposed_new_state;
    if (req.proposed_new_state.IsNull()) return;
    if (req.prior_state.IsNull()) {
      resp.planned_state =
          req.proposed_new_state.With("id", cty::Value::Unknown(cty::Type::String()));
    } else if (req.prior_state.Get("name") != req.proposed_new_state.Get("name")) {
      resp.requires_replace.push_back(AttributePath().Attr("name"));
    }
  }
  void Apply(const CallContext&, const ApplyResourceChangeRequest& req,
             ApplyResourceChangeResponse& resp) override {
    if (req.planned_state.IsNull()) {
      resp.new_state = cty::Value::Null(schema_.ImpliedType());
      return;
    }
    resp.new_state = req.planned_state.With(
        "id", cty::Value::String("id-" + req.planned_state.Get("name").AsString()));
  }

 private:
  schema::Block schema_;
};

class Echo : public DataSource {
 public:
  Echo() {
    schema_.attributes.push_back(Attr("input", cty::Type::String(), true, false, false));
    schema_.attributes.push_back(Attr("output", cty::Type::String(), false, false, true));
  }
  std::string TypeName() const override { return "office_echo"; }
  const schema::Block& Schema() const override { return schema_; }
  // Special inputs for the server tests: "wait" blocks until the call is cancelled (as a
  // hung HTTP call would), "diag:<text>" returns <text> as an error detail, "many:<n>"
  // returns n errors.
  void Read(const CallContext& ctx, const ReadDataSourceRequest& req,
            ReadDataSourceResponse& resp) override {
    const cty::Value& in = req.config.Get("input");
    const std::string input = in.IsKnown() ? in.AsString() : "";
    if (input == "wait") {
      auto start = std::chrono::steady_clock::now();
      while (!ctx.Cancelled() && std::chrono::steady_clock::now() - start < std::chrono::seconds(30))
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
      last_wait_ms->store(ms.count());
      waits_finished->fetch_add(1);
      resp.diagnostics.AddError("Cancelled", "the call was cancelled");
      return;
    }
    if (input.rfind("diag:", 0) == 0) {
      resp.diagnostics.AddError("Echoed", input.substr(5));
      return;
    }
    if (input.rfind("many:", 0) == 0) {
      int n = std::stoi(input.substr(5));
      for (int i = 0; i < n; ++i)
        resp.diagnostics.AddError("Bad value " + std::to_string(i), "value " + std::to_string(i) + " is bad",
                                  AttributePath().Attr("input"));
      return;
    }
    resp.state = req.config.With("output", req.config.Get("input"));
  }
  std::atomic<int>* waits_finished = nullptr;
  std::atomic<int64_t>* last_wait_ms = nullptr;

 private:
  schema::Block schema_;
};

class Add : public Function {
 public:
  Add() {
    sig_.parameters.push_back({"a", cty::Type::Number(), "first", false, false});
    sig_.parameters.push_back({"b", cty::Type::Number(), "second", false, false});
    sig_.return_type = cty::Type::Number();
    sig_.summary = "Adds two integers";
  }
  std::string Name() const override { return "add"; }
  const schema::FunctionSignature& Signature() const override { return sig_; }
  Result<cty::Value> Call(const CallContext&, const std::vector<cty::Value>& args,
                          std::optional<FunctionError>& error) override {
    auto a = args[0].AsInt64();
    auto b = args[1].AsInt64();
    if (!a.ok()) {
      error = FunctionError{"a must be an integer", 0};
      return cty::Value::Null(cty::Type::Number());
    }
    if (!b.ok()) {
      error = FunctionError{"b must be an integer", 1};
      return cty::Value::Null(cty::Type::Number());
    }
    return cty::Value::Number(*a + *b);
  }

 private:
  schema::FunctionSignature sig_;
};

}  // namespace

TestProvider::TestProvider()
    : thing_(std::make_unique<Thing>()), echo_(std::make_unique<Echo>()), add_(std::make_unique<Add>()) {
  static_cast<Echo*>(echo_.get())->waits_finished = &waits_finished;
  static_cast<Echo*>(echo_.get())->last_wait_ms = &last_wait_ms;
  provider_schema_.attributes.push_back(Attr("region", cty::Type::String(), false, true, false));
}
TestProvider::~TestProvider() = default;

void TestProvider::Configure(const protocol::CallContext&, const protocol::ConfigureRequest& req,
                             protocol::Diagnostics& diags) {
  configure_calls.fetch_add(1);
  const cty::Value& region = req.config.Get("region");
  if (region.IsKnown() && region.AsString() == "bad")
    diags.AddError("Invalid region", "region \"bad\" is not allowed",
                   protocol::AttributePath().Attr("region"));
}

std::vector<protocol::Resource*> TestProvider::Resources() { return {thing_.get()}; }
std::vector<protocol::DataSource*> TestProvider::DataSources() { return {echo_.get()}; }
std::vector<protocol::Function*> TestProvider::Functions() { return {add_.get()}; }

}  // namespace prov::testing
