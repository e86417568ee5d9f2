// Provider functions (provider::office::<name>) for the common look-ups people need when
// they feed the official AWS/Azure/Google providers: supernets(), service_ports(service),
// service_domains(service), services().
#pragma once

#include <memory>
#include <vector>

#include "provider/protocol/provider_api.h"
#include "resources/provider.h"

namespace prov::resources {

std::vector<std::unique_ptr<protocol::Function>> MakeFunctions(const DataHandle& data);

}  // namespace prov::resources
