// Command-line subcommands of the provider binary, for people and scripts without
// Terraform:
//   terraform-provider-office catalog [--format json|csv|markdown] [--catalog FILE]
//   terraform-provider-office catalog diff OLD.json NEW.json
//   terraform-provider-office catalog validate FILE.json
//   terraform-provider-office rules --platform aws|azure|gcp [--services a,b] [...]
//   terraform-provider-office docs [--check] [--dir DIR]   (reference pages from the schema)
// and the factory main.cc uses to serve the plugin.
#pragma once

#include <memory>

#include "provider/protocol/provider_api.h"

namespace prov::resources {

bool IsCliCommand(const char* arg);
int RunCli(int argc, char** argv);
std::unique_ptr<protocol::Provider> NewProvider();

}  // namespace prov::resources
