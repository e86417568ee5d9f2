// Trust and proxy selection (network_options.h) and the AWS CA bundle lookup.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "provider/cloud/aws/credentials.h"
#include "provider/cloud/http/network_options.h"

namespace prov::cloud::http {
namespace {

EnvLookup Env(std::map<std::string, std::string> vars) {
  return [vars](const char* n) -> std::optional<std::string> {
    auto it = vars.find(n);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

struct ProviderBundleReset {
  ~ProviderBundleReset() { SetProviderCaBundle(""); }
};

TEST(NetworkOptionsTest, TrustPrecedence) {
  ProviderBundleReset reset;
  Request r;
  EXPECT_EQ(ChooseTrust(r, Env({})).source, "system");
  EXPECT_EQ(ChooseTrust(r, Env({})).Describe(), "the system CA bundle");

  auto t = ChooseTrust(r, Env({{"SSL_CERT_FILE", "/a.pem"}}));
  EXPECT_EQ(t.ca_file, "/a.pem");
  EXPECT_EQ(t.source, "SSL_CERT_FILE");
  EXPECT_EQ(t.Describe(), "CA bundle \"/a.pem\" (from SSL_CERT_FILE)");

  t = ChooseTrust(r, Env({{"SSL_CERT_DIR", "/certs:/more"}}));
  EXPECT_EQ(t.ca_file, "");
  EXPECT_EQ(t.ca_dir, "/certs");
  EXPECT_EQ(t.source, "SSL_CERT_DIR");

  t = ChooseTrust(r, Env({{"SSL_CERT_FILE", "/a.pem"}, {"CURL_CA_BUNDLE", "/c.pem"}}));
  EXPECT_EQ(t.ca_file, "/c.pem");
  EXPECT_EQ(t.source, "CURL_CA_BUNDLE");

  // An empty variable counts as unset.
  EXPECT_EQ(ChooseTrust(r, Env({{"CURL_CA_BUNDLE", ""}})).source, "system");

  r.ca_bundle = "/aws.pem";
  r.ca_bundle_source = "AWS_CA_BUNDLE";
  t = ChooseTrust(r, Env({{"CURL_CA_BUNDLE", "/c.pem"}}));
  EXPECT_EQ(t.ca_file, "/aws.pem");
  EXPECT_EQ(t.source, "AWS_CA_BUNDLE");

  SetProviderCaBundle("/provider.pem");
  t = ChooseTrust(r, Env({{"CURL_CA_BUNDLE", "/c.pem"}}));
  EXPECT_EQ(t.ca_file, "/provider.pem");
  EXPECT_EQ(t.source, "the provider's ca_bundle_file");
}

TEST(NetworkOptionsTest, ProxyBySchemeBothCases) {
  auto https = ChooseProxy("https://ec2.us-east-1.amazonaws.com/", Env({{"HTTPS_PROXY", "http://p:3128"}}));
  EXPECT_EQ(https.url, "http://p:3128");
  EXPECT_EQ(https.source, "HTTPS_PROXY");
  https = ChooseProxy("https://x.example/", Env({{"https_proxy", "http://low:1"}, {"HTTPS_PROXY", "http://up:2"}}));
  EXPECT_EQ(https.url, "http://low:1");
  // HTTP_PROXY in upper case is honoured for http:// URLs (curl alone would ignore it).
  auto http = ChooseProxy("http://169.254.169.254/latest", Env({{"HTTP_PROXY", "proxy:8080"}}));
  EXPECT_EQ(http.url, "http://proxy:8080");
  EXPECT_EQ(http.source, "HTTP_PROXY");
  // The scheme decides: no https proxy for an http URL and vice versa.
  EXPECT_EQ(ChooseProxy("http://x.example/", Env({{"HTTPS_PROXY", "http://p:1"}})).url, "");
  EXPECT_EQ(ChooseProxy("https://x.example/", Env({{"HTTP_PROXY", "http://p:1"}})).url, "");
}

TEST(NetworkOptionsTest, LoopbackAndNoProxyGoDirect) {
  auto env = Env({{"HTTPS_PROXY", "http://p:3128"}, {"NO_PROXY", "internal.example, .corp.test,10.0.0.0/8"}});
  EXPECT_EQ(ChooseProxy("https://127.0.0.1:8443/", env).url, "");
  EXPECT_EQ(ChooseProxy("https://localhost/", env).url, "");
  EXPECT_EQ(ChooseProxy("https://[::1]:443/", env).url, "");
  EXPECT_EQ(ChooseProxy("https://internal.example/", env).url, "");
  EXPECT_EQ(ChooseProxy("https://api.internal.example/", env).url, "");
  EXPECT_EQ(ChooseProxy("https://a.corp.test/", env).url, "");
  EXPECT_EQ(ChooseProxy("https://10.1.2.3/", env).url, "");
  EXPECT_EQ(ChooseProxy("https://notinternal.example/", env).url, "http://p:3128");
  EXPECT_EQ(ChooseProxy("https://11.1.2.3/", env).url, "http://p:3128");
  // Lower-case no_proxy, "*" and host:port entries.
  EXPECT_EQ(ChooseProxy("https://x.example/", Env({{"HTTPS_PROXY", "http://p:1"}, {"no_proxy", "*"}})).url, "");
  EXPECT_TRUE(NoProxyMatches("login.microsoftonline.com", "microsoftonline.com:443"));
  EXPECT_FALSE(NoProxyMatches("evilmicrosoftonline.com", "microsoftonline.com"));
}

TEST(NetworkOptionsTest, ProxyCredentialsAreNotDisplayed) {
  auto p = ChooseProxy("https://x.example/", Env({{"HTTPS_PROXY", "http://user:s3cr3t-pw@proxy.corp:3128"}}));
  EXPECT_EQ(p.url, "http://user:s3cr3t-pw@proxy.corp:3128");
  EXPECT_EQ(p.DisplayHost(), "proxy.corp:3128");
}

TEST(NetworkOptionsTest, AwsCaBundleFromEnvironmentThenProfile) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("wire-aws-ca-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  {
    std::ofstream(dir / "config") << "[default]\nregion = us-east-1\n\n[profile corp]\nca_bundle = /etc/corp/ca.pem\n";
  }
  aws::CredentialsConfig cfg;
  cfg.shared_config_files = {(dir / "config").string()};
  auto env = [](std::map<std::string, std::string> vars) {
    return [vars](const std::string& n) -> std::optional<std::string> {
      auto it = vars.find(n);
      if (it == vars.end()) return std::nullopt;
      return it->second;
    };
  };
  EXPECT_EQ(aws::ResolveAwsCaBundle(cfg, env({})).path, "");
  auto b = aws::ResolveAwsCaBundle(cfg, env({{"AWS_PROFILE", "corp"}}));
  EXPECT_EQ(b.path, "/etc/corp/ca.pem");
  EXPECT_EQ(b.source, "ca_bundle of AWS profile \"corp\"");
  cfg.profile = "corp";
  b = aws::ResolveAwsCaBundle(cfg, env({{"AWS_CA_BUNDLE", "/env.pem"}}));
  EXPECT_EQ(b.path, "/env.pem");
  EXPECT_EQ(b.source, "AWS_CA_BUNDLE");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace prov::cloud::http
