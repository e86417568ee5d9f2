// The explicit list of what the provider serves.
#include "resources/allowlist_resource.h"
#include "resources/catalog_data_source.h"
#include "resources/functions.h"
#include "resources/provider.h"
#include "resources/rules_data_source.h"

namespace prov::resources {

void RegisterAll(const DataHandle& data, std::vector<std::unique_ptr<protocol::Resource>>& resources,
                 std::vector<std::unique_ptr<protocol::DataSource>>& data_sources,
                 std::vector<std::unique_ptr<protocol::Function>>& functions) {
  resources.push_back(std::make_unique<AllowlistResource>(data));
  data_sources.push_back(std::make_unique<CatalogDataSource>(data));
  data_sources.push_back(std::make_unique<RulesDataSource>(data));
  functions = MakeFunctions(data);
}

}  // namespace prov::resources
