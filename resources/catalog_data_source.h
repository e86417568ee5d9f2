// Data source office_at_hand_catalog: the catalog in force (embedded or overridden),
// filtered by services and conditions, exposed as supernets, flows (one object per row),
// FQDNs, wildcard domains, explicit IPs and advisories.
#pragma once

#include "provider/protocol/provider_api.h"
#include "provider/rules/compiler.h"
#include "resources/provider.h"

namespace prov::resources {

class CatalogDataSource : public protocol::DataSource {
 public:
  explicit CatalogDataSource(DataHandle data) : data_(data) {}
  std::string TypeName() const override { return "office_at_hand_catalog"; }
  const schema::Block& Schema() const override;
  void Validate(const protocol::CallContext&, const cty::Value& config, protocol::Diagnostics&) override;
  void Read(const protocol::CallContext&, const protocol::ReadDataSourceRequest&,
            protocol::ReadDataSourceResponse&) override;

 private:
  DataHandle data_;
};

// Object types shared with functions.
cty::Type FlowType();
cty::Type AdvisoryType();
cty::Value FlowValue(const catalog::Service& s, const catalog::Row& r, const rules::Selection& sel);
cty::Value AdvisoryValue(const catalog::Advisory& a);

}  // namespace prov::resources
