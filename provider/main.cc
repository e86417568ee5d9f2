// terraform-provider-office: start-up only. CLI subcommands go to resources/cli; everything
// else runs the plugin server (what Terraform/OpenTofu start, with no arguments).
#include <cstdio>
#include <cstring>
#include <memory>

#include "provider/protocol/server/serve.h"
#include "resources/cli.h"

#ifndef PROV_VERSION
#define PROV_VERSION "0.1.0"
#endif

int main(int argc, char** argv) {
  if (argc > 1) {
    const char* arg = argv[1];
    if (std::strcmp(arg, "--version") == 0 || std::strcmp(arg, "-version") == 0) {
      std::printf("terraform-provider-office %s\n", PROV_VERSION);
      return 0;
    }
    if (prov::resources::IsCliCommand(arg)) return prov::resources::RunCli(argc, argv);
    if (std::strcmp(arg, "-debug") != 0 && std::strcmp(arg, "--debug") != 0) {
      std::fprintf(stderr, "terraform-provider-office: unknown argument \"%s\"\n", arg);
      return 2;
    }
  }
  std::unique_ptr<prov::protocol::Provider> provider = prov::resources::NewProvider();
  prov::protocol::server::ServeOptions options;
  options.debug = argc > 1;  // only -debug/--debug reach this point with an argument
  return prov::protocol::server::Serve(*provider, options);
}
