#include "resources/provider.h"

#include <fstream>
#include <sstream>

#include "provider/base/log.h"
#include "provider/catalog/loader.h"
#include "provider/cloud/http/fetch.h"
#include "provider/cloud/http/network_options.h"
#include "resources/values.h"

namespace prov::resources {

using protocol::AttributePath;
using protocol::Diagnostics;

namespace {

schema::NestedBlock SingleBlock(std::string name, std::string desc,
                                std::vector<schema::Attribute> attrs,
                                std::vector<schema::NestedBlock> blocks = {}) {
  schema::NestedBlock b;
  b.type_name = std::move(name);
  b.nesting = schema::NestingMode::kSingle;
  b.description = std::move(desc);
  b.attributes = std::move(attrs);
  b.blocks = std::move(blocks);
  return b;
}

schema::Block BuildSchema() {
  schema::Block b;
  b.description =
      "The `office` provider turns the network requirements AT&T publishes for Office@Hand "
      "(article #91404) into firewall allow-rules and keeps AWS security groups, Azure network "
      "security groups and GCP VPC firewalls in line with them. With no configuration it uses the "
      "catalog embedded in the binary.";
  auto S = Type::String();
  b.attributes = {
      Optional("catalog_file", S,
               "Path of a catalog JSON file to use instead of the embedded catalog. It is validated "
               "whole; a broken file is an error, never a silent fallback."),
      Optional("catalog_url", S,
               "HTTPS URL of a catalog JSON file to use instead of the embedded catalog. Requires "
               "`catalog_sha256`."),
      Optional("catalog_sha256", S,
               "Lowercase hex SHA-256 of the catalog file's bytes. Required with `catalog_url`, "
               "optional with `catalog_file`."),
      Optional("ca_bundle_file", S,
               "Path of a PEM file of CA certificates to trust for every HTTPS call of the provider "
               "(`catalog_url` and every cloud API), in place of the system bundle: for networks "
               "whose TLS-inspecting proxy or private CA signs the certificates. Without it, "
               "`AWS_CA_BUNDLE` or the AWS profile's `ca_bundle` (AWS endpoints only), "
               "`CURL_CA_BUNDLE`, `SSL_CERT_FILE` / `SSL_CERT_DIR` and then the system bundle are "
               "used. Certificates are always verified. Proxies come from `HTTPS_PROXY`, "
               "`HTTP_PROXY` and `NO_PROXY` (either case)."),
  };
  auto SL = Type::List(Type::String());
  auto N = Type::Number();
  auto B = Type::Bool();
  schema::NestedBlock assume = SingleBlock(
      "assume_role", "Assume this IAM role (STS AssumeRole) with the credentials found.",
      {Required("role_arn", S, "ARN of the role to assume."),
       Optional("session_name", S, "Session name (default `terraform-provider-office`)."),
       Optional("external_id", S, "External id required by the role's trust policy.")});
  b.blocks = {
      SingleBlock(
          "aws",
          "AWS settings. Unset values come from the standard environment variables, shared "
          "config and credentials files, web identity, ECS and EC2 instance metadata.",
          {Optional("region", S, "Default region (else `AWS_REGION` / `AWS_DEFAULT_REGION` / profile)."),
           Optional("access_key", S, "Access key id."),
           Sensitive(Optional("secret_key", S, "Secret access key.")),
           Sensitive(Optional("token", S, "Session token for temporary credentials.")),
           Optional("profile", S, "Named profile of the shared config and credentials files."),
           Optional("shared_config_files", SL, "Shared config files (default `~/.aws/config`)."),
           Optional("shared_credentials_files", SL,
                    "Shared credentials files (default `~/.aws/credentials`)."),
           Optional("ec2_endpoint", S,
                    "EC2 endpoint URL override (else `AWS_ENDPOINT_URL_EC2` / `AWS_ENDPOINT_URL`)."),
           Optional("sts_endpoint", S, "STS endpoint URL override."),
           Optional("max_retries", N, "Maximum attempts per API call (default 8).")},
          {assume}),
      SingleBlock(
          "azure",
          "Azure settings. Unset values come from the `ARM_*` and `AZURE_*` environment variables "
          "azurerm users already set.",
          {Optional("environment", S, "Cloud: `public` (default), `usgovernment` or `china`."),
           Optional("tenant_id", S, "Entra ID tenant."),
           Optional("client_id", S, "Application (client) id."),
           Sensitive(Optional("client_secret", S, "Client secret.")),
           Optional("client_certificate_path", S, "PEM file with the client certificate and key."),
           Sensitive(Optional("client_certificate_password", S, "Password of the certificate key.")),
           Optional("use_oidc", B, "Use an OIDC federated token (CI)."),
           Sensitive(Optional("oidc_token", S, "The OIDC token.")),
           Optional("oidc_token_file_path", S, "File holding the OIDC token."),
           Optional("use_msi", B, "Use the managed identity of the host."),
           Optional("msi_endpoint", S, "Managed identity endpoint override."),
           Optional("resource_manager_endpoint", S, "ARM endpoint override."),
           Optional("authority_host", S, "Entra ID authority host override."),
           Optional("max_retries", N, "Maximum attempts per API call (default 8).")}),
      SingleBlock(
          "gcp",
          "Google Cloud settings. Unset values come from `GOOGLE_APPLICATION_CREDENTIALS`, "
          "`GOOGLE_CREDENTIALS`, `GOOGLE_OAUTH_ACCESS_TOKEN` or the metadata server.",
          {Sensitive(Optional("credentials", S,
                              "Service-account key or external-account JSON, or a path to it.")),
           Sensitive(Optional("access_token", S, "An OAuth2 access token.")),
           Optional("compute_endpoint", S, "Compute API base URL override."),
           Optional("token_endpoint", S, "OAuth2 token endpoint override."),
           Optional("metadata_endpoint", S, "Metadata server override."),
           Optional("max_retries", N, "Maximum attempts per API call (default 8).")}),
  };
  return b;
}

const schema::Block& Schema() {
  static const schema::Block* s = new schema::Block(BuildSchema());
  return *s;
}

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::shared_ptr<const ProviderData> DataHandle::Get() const { return provider_->Data(); }

OfficeProvider::OfficeProvider() {
  // The embedded catalog is parsed on first use, not here: start-up (exec to handshake)
  // and GetProviderSchema do not need it.
  RegisterAll(DataHandle(this), resources_, data_sources_, functions_);
}

OfficeProvider::~OfficeProvider() = default;

const schema::Block& OfficeProvider::ProviderSchema() const { return Schema(); }

std::shared_ptr<const ProviderData> OfficeProvider::Data() const {
  std::lock_guard<std::mutex> l(mu_);
  if (!data_) {
    auto d = std::make_shared<ProviderData>();
    d->catalog = std::shared_ptr<const catalog::Catalog>(&catalog::Embedded(), [](const catalog::Catalog*) {});
    d->catalog_origin = "embedded";
    data_ = d;
  }
  return data_;
}

void OfficeProvider::ValidateConfig(const protocol::CallContext&, const cty::Value& config,
                                    Diagnostics& diags) {
  auto url = GetString(config, "catalog_url");
  auto file = GetString(config, "catalog_file");
  auto sha = GetString(config, "catalog_sha256");
  if (url && file) {
    diags.AddError("Conflicting catalog overrides",
                   "Set either catalog_file or catalog_url, not both.",
                   AttributePath().Attr("catalog_url"));
  }
  if (url && !sha && !IsUnknownAttr(config, "catalog_sha256")) {
    diags.AddError("Missing catalog_sha256",
                   "catalog_url needs catalog_sha256, the SHA-256 of the file's bytes, so that a "
                   "changed or tampered file is refused instead of silently used.",
                   AttributePath().Attr("catalog_sha256"));
  }
  if (sha) {
    bool hex = sha->size() == 64 && sha->find_first_not_of("0123456789abcdef") == std::string::npos;
    if (!hex) {
      diags.AddError("Invalid catalog_sha256",
                     "Expected 64 lowercase hexadecimal characters, got \"" + *sha + "\".",
                     AttributePath().Attr("catalog_sha256"));
    }
  }
  if (url && url->rfind("https://", 0) != 0 && url->rfind("http://127.", 0) != 0 &&
      url->rfind("http://localhost", 0) != 0 && url->rfind("file://", 0) != 0) {
    diags.AddError("Invalid catalog_url", "catalog_url must be an https:// URL, got \"" + *url + "\".",
                   AttributePath().Attr("catalog_url"));
  }
  if (auto az = GetObject(config, "azure")) {
    if (auto env = GetString(*az, "environment")) {
      auto e = Lower(*env);
      if (e != "public" && e != "usgovernment" && e != "china") {
        diags.AddError("Invalid Azure environment",
                       "environment must be one of public, usgovernment, china; got \"" + *env + "\".",
                       AttributePath().Attr("azure").Attr("environment"));
      }
    }
  }
  for (const char* blk : {"aws", "azure", "gcp"}) {
    if (auto o = GetObject(config, blk)) {
      if (auto r = GetInt(*o, "max_retries"); r && (*r < 1 || *r > 100)) {
        diags.AddError("Invalid max_retries", "max_retries must be between 1 and 100.",
                       AttributePath().Attr(blk).Attr("max_retries"));
      }
    }
  }
}

namespace {

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return MakeError(ErrorCode::kNotFound, "cannot open \"" + path + "\"");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void FillStrings(const cty::Value& o, const std::string& attr, std::vector<std::string>& out) {
  if (auto v = GetStrings(o, attr)) out = *v;
}

}  // namespace

void OfficeProvider::Configure(const protocol::CallContext& ctx, const protocol::ConfigureRequest& req,
                               Diagnostics& diags) {
  ValidateConfig(ctx, req.config, diags);
  if (diags.HasError()) return;
  auto d = std::make_shared<ProviderData>();
  d->terraform_version = req.terraform_version;
  const cty::Value& c = req.config;

  // Trust for every HTTPS call made from here on (catalog_url included).
  {
    std::string ca = GetString(c, "ca_bundle_file").value_or("");
    if (!ca.empty()) {
      auto pem = ReadFile(ca);
      if (!pem.ok() || pem->find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
        diags.AddError("Unusable ca_bundle_file",
                       "\"" + ca + "\" " +
                           (pem.ok() ? std::string("holds no PEM certificate") : pem.error().ToString()) +
                           ". Point ca_bundle_file at a PEM file of CA certificates.",
                       AttributePath().Attr("ca_bundle_file"));
        return;
      }
    }
    cloud::http::SetProviderCaBundle(ca);
  }

  // Catalog: embedded unless overridden; an override that fails is an error, never a
  // silent fallback.
  auto file = GetString(c, "catalog_file");
  auto url = GetString(c, "catalog_url");
  auto sha = GetString(c, "catalog_sha256");
  if (file || url) {
    std::string origin = file ? "file:" + *file : "url:" + *url;
    auto bytes = file ? ReadFile(*file) : cloud::http::FetchDocument(*url);
    AttributePath where = AttributePath().Attr(file ? "catalog_file" : "catalog_url");
    if (!bytes.ok()) {
      diags.AddError("Reading the Office@Hand catalog (" + origin + ")", bytes.error(), where);
      return;
    }
    Result<catalog::Catalog> cat = sha ? catalog::LoadPinned(*bytes, *sha) : catalog::LoadFromJson(*bytes);
    if (!cat.ok()) {
      diags.AddError("Loading the Office@Hand catalog (" + origin + ")",
                     "The catalog was rejected as a whole; the embedded catalog is NOT used in its "
                     "place.\n\n" + cat.error().ToString(),
                     sha && cat.error().message.find("sha256") != std::string::npos
                         ? AttributePath().Attr("catalog_sha256")
                         : where);
      return;
    }
    d->catalog = std::make_shared<const catalog::Catalog>(std::move(*cat));
    d->catalog_origin = origin;
    log::Info("catalog override loaded", {{"origin", origin}, {"version", d->catalog->version}});
  } else {
    d->catalog = std::shared_ptr<const catalog::Catalog>(&catalog::Embedded(), [](const catalog::Catalog*) {});
    d->catalog_origin = "embedded";
  }

  if (auto a = GetObject(c, "aws")) {
    auto& s = d->aws;
    s.region = GetString(*a, "region").value_or("");
    s.access_key = GetString(*a, "access_key").value_or("");
    s.secret_key = GetString(*a, "secret_key").value_or("");
    s.token = GetString(*a, "token").value_or("");
    s.profile = GetString(*a, "profile").value_or("");
    FillStrings(*a, "shared_config_files", s.shared_config_files);
    FillStrings(*a, "shared_credentials_files", s.shared_credentials_files);
    s.ec2_endpoint = GetString(*a, "ec2_endpoint").value_or("");
    s.sts_endpoint = GetString(*a, "sts_endpoint").value_or("");
    s.max_retries = static_cast<int>(GetInt(*a, "max_retries").value_or(0));
    if (auto ar = GetObject(*a, "assume_role")) {
      s.assume_role_arn = GetString(*ar, "role_arn").value_or("");
      s.assume_role_session_name = GetString(*ar, "session_name").value_or("");
      s.assume_role_external_id = GetString(*ar, "external_id").value_or("");
    }
    if (!s.access_key.empty() != !s.secret_key.empty()) {
      diags.AddError("Incomplete AWS credentials", "Set both access_key and secret_key, or neither.",
                     AttributePath().Attr("aws").Attr(s.access_key.empty() ? "access_key" : "secret_key"));
      return;
    }
  }
  if (auto a = GetObject(c, "azure")) {
    auto& s = d->azure;
    s.environment = Lower(GetString(*a, "environment").value_or(""));
    s.tenant_id = GetString(*a, "tenant_id").value_or("");
    s.client_id = GetString(*a, "client_id").value_or("");
    s.client_secret = GetString(*a, "client_secret").value_or("");
    s.client_certificate_path = GetString(*a, "client_certificate_path").value_or("");
    s.client_certificate_password = GetString(*a, "client_certificate_password").value_or("");
    s.use_oidc = GetBool(*a, "use_oidc").value_or(false);
    s.oidc_token = GetString(*a, "oidc_token").value_or("");
    s.oidc_token_file_path = GetString(*a, "oidc_token_file_path").value_or("");
    s.use_msi = GetBool(*a, "use_msi").value_or(false);
    s.msi_endpoint = GetString(*a, "msi_endpoint").value_or("");
    s.resource_manager_endpoint = GetString(*a, "resource_manager_endpoint").value_or("");
    s.authority_host = GetString(*a, "authority_host").value_or("");
    s.max_retries = static_cast<int>(GetInt(*a, "max_retries").value_or(0));
  }
  if (auto g = GetObject(c, "gcp")) {
    auto& s = d->gcp;
    s.credentials = GetString(*g, "credentials").value_or("");
    s.access_token = GetString(*g, "access_token").value_or("");
    s.compute_endpoint = GetString(*g, "compute_endpoint").value_or("");
    s.token_endpoint = GetString(*g, "token_endpoint").value_or("");
    s.metadata_endpoint = GetString(*g, "metadata_endpoint").value_or("");
    s.max_retries = static_cast<int>(GetInt(*g, "max_retries").value_or(0));
  }
  std::lock_guard<std::mutex> l(mu_);
  data_ = std::move(d);
}

std::vector<protocol::Resource*> OfficeProvider::Resources() {
  std::vector<protocol::Resource*> out;
  for (auto& r : resources_) out.push_back(r.get());
  return out;
}
std::vector<protocol::DataSource*> OfficeProvider::DataSources() {
  std::vector<protocol::DataSource*> out;
  for (auto& r : data_sources_) out.push_back(r.get());
  return out;
}
std::vector<protocol::Function*> OfficeProvider::Functions() {
  std::vector<protocol::Function*> out;
  for (auto& r : functions_) out.push_back(r.get());
  return out;
}

void OfficeProvider::Stop() { log::Info("stop requested"); }

}  // namespace prov::resources
