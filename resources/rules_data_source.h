// Data source office_at_hand_rules: the compiled rules for a platform and a selection,
// for people who apply them with the official AWS/Azure/Google providers (for_each over
// `rules`), plus the unenforceable and over-permission reports.
#pragma once

#include "provider/protocol/provider_api.h"
#include "resources/provider.h"

namespace prov::resources {

class RulesDataSource : public protocol::DataSource {
 public:
  explicit RulesDataSource(DataHandle data) : data_(data) {}
  std::string TypeName() const override { return "office_at_hand_rules"; }
  const schema::Block& Schema() const override;
  void Validate(const protocol::CallContext&, const cty::Value& config, protocol::Diagnostics&) override;
  void Read(const protocol::CallContext&, const protocol::ReadDataSourceRequest&,
            protocol::ReadDataSourceResponse&) override;

 private:
  DataHandle data_;
};

}  // namespace prov::resources
