// A small Provider for the server tests, independent of resources/: one resource
// (office_thing), one data source (office_echo), one function (add). Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "provider/protocol/provider_api.h"

namespace prov::testing {

class TestProvider : public protocol::Provider {
 public:
  TestProvider();
  ~TestProvider() override;
  const schema::Block& ProviderSchema() const override { return provider_schema_; }
  void Configure(const protocol::CallContext&, const protocol::ConfigureRequest&,
                 protocol::Diagnostics&) override;
  std::vector<protocol::Resource*> Resources() override;
  std::vector<protocol::DataSource*> DataSources() override;
  std::vector<protocol::Function*> Functions() override;
  void Stop() override { stop_calls.fetch_add(1); }

  std::atomic<int> stop_calls{0};
  std::atomic<int> configure_calls{0};
  // office_echo with input "wait": calls that ended, and how long the last one waited.
  std::atomic<int> waits_finished{0};
  std::atomic<int64_t> last_wait_ms{0};

 private:
  schema::Block provider_schema_;
  std::unique_ptr<protocol::Resource> thing_;
  std::unique_ptr<protocol::DataSource> echo_;
  std::unique_ptr<protocol::Function> add_;
};

}  // namespace prov::testing
