// OfficeProvider: the `office` provider. Owns the configured ProviderData and the list of
// resources, data sources and functions (registry.cc). Thread-safe: configuration is
// published as an immutable snapshot that handlers read.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "provider/protocol/provider_api.h"
#include "resources/provider_data.h"

namespace prov::resources {

class OfficeProvider;

// Access to the configured data for resources and data sources.
class DataHandle {
 public:
  explicit DataHandle(const OfficeProvider* p) : provider_(p) {}
  // The snapshot in force; before ConfigureProvider, one with the embedded catalog.
  std::shared_ptr<const ProviderData> Get() const;

 private:
  const OfficeProvider* provider_;
};

class OfficeProvider : public protocol::Provider {
 public:
  OfficeProvider();
  ~OfficeProvider() override;

  const schema::Block& ProviderSchema() const override;
  void ValidateConfig(const protocol::CallContext&, const cty::Value& config,
                      protocol::Diagnostics&) override;
  void Configure(const protocol::CallContext&, const protocol::ConfigureRequest&,
                 protocol::Diagnostics&) override;
  std::vector<protocol::Resource*> Resources() override;
  std::vector<protocol::DataSource*> DataSources() override;
  std::vector<protocol::Function*> Functions() override;
  void Stop() override;

  std::shared_ptr<const ProviderData> Data() const;

 private:
  mutable std::mutex mu_;
  mutable std::shared_ptr<const ProviderData> data_;  // null until first use
  std::vector<std::unique_ptr<protocol::Resource>> resources_;
  std::vector<std::unique_ptr<protocol::DataSource>> data_sources_;
  std::vector<std::unique_ptr<protocol::Function>> functions_;
};

// Registry (registry.cc): the explicit list of what this provider serves.
void RegisterAll(const DataHandle& data,
                 std::vector<std::unique_ptr<protocol::Resource>>& resources,
                 std::vector<std::unique_ptr<protocol::DataSource>>& data_sources,
                 std::vector<std::unique_ptr<protocol::Function>>& functions);

}  // namespace prov::resources
