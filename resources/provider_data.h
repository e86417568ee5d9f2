// What ConfigureProvider produces and every resource and data source reads: the catalog
// in force and the cloud settings. Settings are plain data; resources/backends.cc turns
// them into cloud clients. Secrets live only here and in the cloud layer's credential
// objects; they are never logged or put into diagnostics.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "provider/catalog/model.h"

namespace prov::resources {

struct AwsSettings {
  std::string region;
  std::string access_key, secret_key, token;
  std::string profile;
  std::vector<std::string> shared_config_files, shared_credentials_files;
  std::string assume_role_arn, assume_role_session_name, assume_role_external_id;
  std::string ec2_endpoint, sts_endpoint;
  int max_retries = 0;  // 0 = default
};

struct AzureSettings {
  std::string environment;
  std::string tenant_id, client_id, client_secret;
  std::string client_certificate_path, client_certificate_password;
  bool use_oidc = false;
  std::string oidc_token, oidc_token_file_path;
  bool use_msi = false;
  std::string msi_endpoint;
  std::string resource_manager_endpoint, authority_host;
  int max_retries = 0;
};

struct GcpSettings {
  std::string credentials;  // JSON content or a path
  std::string access_token;
  std::string compute_endpoint, token_endpoint, metadata_endpoint;
  int max_retries = 0;
};

struct ProviderData {
  std::shared_ptr<const catalog::Catalog> catalog;
  std::string catalog_origin;  // "embedded", "file:<path>", "url:<url>"
  AwsSettings aws;
  AzureSettings azure;
  GcpSettings gcp;
  std::string terraform_version;
};

}  // namespace prov::resources
