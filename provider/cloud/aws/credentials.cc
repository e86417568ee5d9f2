#include "provider/cloud/aws/credentials.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "provider/base/log.h"
#include "provider/cloud/aws/ec2_client.h"
#include "provider/cloud/aws/endpoints.h"
#include "provider/cloud/aws/xml_util.h"
#include "provider/cloud/http/retry.h"

namespace prov::cloud::aws {
namespace {

using Clock = std::chrono::system_clock;
using MaybeCreds = std::optional<Credentials>;
using Profiles = std::map<std::string, std::map<std::string, std::string>>;

constexpr auto kRefreshWindow = std::chrono::minutes(5);
constexpr const char* kDefaultSessionName = "office-at-hand-provider";

std::string Trim(std::string s) {
  auto sp = [](unsigned char c) { return std::isspace(c) != 0; };
  while (!s.empty() && sp(s.back())) s.pop_back();
  size_t b = 0;
  while (b < s.size() && sp(s[b])) ++b;
  return s.substr(b);
}

std::string LowerStr(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

class StaticCredentials final : public CredentialsProvider {
 public:
  explicit StaticCredentials(Credentials c) : c_(std::move(c)) {}
  Result<Credentials> Get() override {
    if (c_.empty()) return MakeError(ErrorCode::kPermissionDenied, "no AWS credentials configured");
    return c_;
  }

 private:
  Credentials c_;
};

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return MakeError(ErrorCode::kNotFound, "cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// INI as the AWS CLI reads it. `config_style`: sections are "[profile x]" (and
// "[default]"); otherwise "[x]". Other section kinds (sso-session, services) are skipped.
void ParseIni(const std::string& text, bool config_style, Profiles* out) {
  std::istringstream in(text);
  std::string line, section;
  bool use = false;
  while (std::getline(in, line)) {
    line = Trim(line);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      std::string name = Trim(line.substr(1, line.size() - 2));
      use = true;
      if (config_style) {
        if (name.starts_with("profile ")) {
          name = Trim(name.substr(8));
        } else if (name != "default") {
          use = false;
        }
      }
      section = name;
      if (use) (*out)[section];
      continue;
    }
    if (!use) continue;
    size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string k = LowerStr(Trim(line.substr(0, eq)));
    std::string v = Trim(line.substr(eq + 1));
    if (!k.empty() && v.empty()) continue;  // nested sub-sections ("s3 =") are not used here
    (*out)[section][k] = v;
  }
}

Result<Credentials> CredentialsFromStsXml(const std::string& body, const std::string& source) {
  PROV_ASSIGN_OR_RETURN(auto doc, xml::Parse(body));
  pugi::xml_node c = xml::Find(doc->document_element(), "Credentials");
  Credentials out;
  out.access_key_id = xml::ChildText(c, "AccessKeyId");
  out.secret_access_key = xml::ChildText(c, "SecretAccessKey");
  out.session_token = xml::ChildText(c, "SessionToken");
  out.source = source;
  if (out.empty()) return MakeError(ErrorCode::kDataLoss, source + ": STS response has no credentials");
  std::string exp = xml::ChildText(c, "Expiration");
  if (!exp.empty()) {
    PROV_ASSIGN_OR_RETURN(auto t, ParseIso8601(exp));
    out.expiration = t;
  }
  return out;
}

Result<Credentials> CredentialsFromJson(const std::string& body, const std::string& source) {
  try {
    auto j = nlohmann::json::parse(body);
    if (j.contains("Code") && j["Code"].is_string() && j["Code"] != "Success") {
      return MakeError(ErrorCode::kPermissionDenied, source + ": credentials endpoint answered Code=" +
                                                         j["Code"].get<std::string>());
    }
    Credentials c;
    c.access_key_id = j.value("AccessKeyId", "");
    c.secret_access_key = j.value("SecretAccessKey", "");
    c.session_token = j.value("Token", "");
    c.source = source;
    if (c.empty()) return MakeError(ErrorCode::kDataLoss, source + ": response has no AccessKeyId/SecretAccessKey");
    std::string exp = j.value("Expiration", "");
    if (!exp.empty()) {
      PROV_ASSIGN_OR_RETURN(auto t, ParseIso8601(exp));
      c.expiration = t;
    }
    return c;
  } catch (const nlohmann::json::exception& e) {
    return MakeError(ErrorCode::kDataLoss, source + ": credentials response is not valid JSON");
  }
}

class DefaultChain final : public CredentialsProvider {
 public:
  DefaultChain(CredentialsConfig cfg, CredentialsDeps deps) : cfg_(std::move(cfg)), deps_(std::move(deps)) {
    if (!deps_.getenv) deps_.getenv = ProcessGetEnv;
    if (!deps_.clock) deps_.clock = SystemNow;
  }

  Result<Credentials> Get() override {
    std::lock_guard<std::mutex> lock(mu_);
    const auto now = deps_.clock();
    if (cached_ && (!cached_->expiration || now + kRefreshWindow < *cached_->expiration)) return *cached_;
    auto fresh = Resolve();
    if (!fresh.ok()) {
      if (cached_ && cached_->expiration && now < *cached_->expiration) {
        log::Warn("aws: credential refresh failed; using current credentials until they expire",
                  {{"source", cached_->source}, {"error", fresh.error().message}});
        return *cached_;
      }
      return fresh.error();
    }
    log::Debug("aws credentials resolved",
               {{"source", fresh->source}, {"access_key_id", log::Redact(fresh->access_key_id)}});
    cached_ = *fresh;
    return *cached_;
  }

 private:
  std::string Env(const std::string& n) const {
    auto v = deps_.getenv(n);
    return v ? *v : "";
  }

  std::string Region(const std::string& profile_region = "") const {
    if (!cfg_.region.empty()) return cfg_.region;
    if (!profile_region.empty()) return profile_region;
    std::string r = Env("AWS_REGION");
    if (r.empty()) r = Env("AWS_DEFAULT_REGION");
    return r.empty() ? "us-east-1" : r;
  }

  Result<Credentials> Resolve() {
    PROV_ASSIGN_OR_RETURN(Credentials base, ResolveBase());
    if (cfg_.assume_role_arn.empty()) return base;
    return AssumeRole(base, cfg_.assume_role_arn,
                      cfg_.assume_role_session_name.empty() ? kDefaultSessionName : cfg_.assume_role_session_name,
                      cfg_.assume_role_external_id, "", "assume-role");
  }

  Result<Credentials> ResolveBase() {
    if (winner_) {
      PROV_ASSIGN_OR_RETURN(MaybeCreds c, winner_());
      if (c) return *c;
      winner_ = nullptr;  // the source vanished (e.g. env changed); walk the chain again
    }
    std::vector<std::pair<std::string, std::function<Result<MaybeCreds>()>>> sources = {
        {"explicit", [this] { return Explicit(); }},
        {"environment", [this] { return Environment(); }},
        {"web identity (environment)", [this] { return WebIdentityFromEnv(); }},
        {"shared config profile", [this] { return Profile(); }},
        {"container (ECS)", [this] { return Container(); }},
        {"EC2 instance metadata", [this] { return Imds(); }},
    };
    std::string tried;
    for (auto& [name, fn] : sources) {
      PROV_ASSIGN_OR_RETURN(MaybeCreds c, fn());
      if (c) {
        winner_ = fn;
        return *c;
      }
      tried += (tried.empty() ? "" : ", ") + name;
    }
    return MakeError(ErrorCode::kPermissionDenied, "no valid AWS credential source found (tried: " + tried +
                                                       "). Set access_key/secret_key, AWS_ACCESS_KEY_ID/"
                                                       "AWS_SECRET_ACCESS_KEY, a profile, or run with an "
                                                       "instance/container role");
  }

  Result<MaybeCreds> Explicit() {
    if (cfg_.access_key_id.empty() && cfg_.secret_access_key.empty()) return MaybeCreds{};
    if (cfg_.access_key_id.empty() || cfg_.secret_access_key.empty()) {
      return MakeError(ErrorCode::kInvalidArgument, "access_key and secret_key must be set together",
                       cfg_.access_key_id.empty() ? "access_key" : "secret_key");
    }
    return MaybeCreds(Credentials{cfg_.access_key_id, cfg_.secret_access_key, cfg_.session_token, std::nullopt,
                                  "explicit"});
  }

  Result<MaybeCreds> Environment() {
    if (!cfg_.profile.empty()) return MaybeCreds{};  // an explicitly chosen profile wins
    std::string ak = Env("AWS_ACCESS_KEY_ID"), sk = Env("AWS_SECRET_ACCESS_KEY");
    if (ak.empty() || sk.empty()) return MaybeCreds{};
    std::string tok = Env("AWS_SESSION_TOKEN");
    if (tok.empty()) tok = Env("AWS_SECURITY_TOKEN");
    Credentials c{ak, sk, tok, std::nullopt, "environment"};
    std::string exp = Env("AWS_CREDENTIAL_EXPIRATION");
    if (!exp.empty()) {
      PROV_ASSIGN_OR_RETURN(auto t, ParseIso8601(exp));
      c.expiration = t;
    }
    return MaybeCreds(c);
  }

  Result<MaybeCreds> WebIdentityFromEnv() {
    std::string file = Env("AWS_WEB_IDENTITY_TOKEN_FILE"), role = Env("AWS_ROLE_ARN");
    if (file.empty() || role.empty()) return MaybeCreds{};
    std::string session = Env("AWS_ROLE_SESSION_NAME");
    PROV_ASSIGN_OR_RETURN(auto c, WebIdentity(file, role, session.empty() ? kDefaultSessionName : session, ""));
    return MaybeCreds(c);
  }

  std::string ProfileName(bool* explicit_choice) const {
    *explicit_choice = true;
    if (!cfg_.profile.empty()) return cfg_.profile;
    std::string p = Env("AWS_PROFILE");
    if (p.empty()) p = Env("AWS_DEFAULT_PROFILE");
    if (!p.empty()) return p;
    *explicit_choice = false;
    return "default";
  }

  Profiles LoadProfiles(std::string* files_read) const {
    Profiles config, creds;
    std::string home = Env("HOME");
    auto expand = [&](std::string p) { return p.starts_with("~/") ? home + p.substr(1) : p; };
    std::vector<std::string> cfg_files = cfg_.shared_config_files, cred_files = cfg_.shared_credentials_files;
    if (cfg_files.empty()) {
      std::string e = Env("AWS_CONFIG_FILE");
      cfg_files.push_back(e.empty() ? home + "/.aws/config" : e);
    }
    if (cred_files.empty()) {
      std::string e = Env("AWS_SHARED_CREDENTIALS_FILE");
      cred_files.push_back(e.empty() ? home + "/.aws/credentials" : e);
    }
    for (const auto& f : cfg_files) {
      auto t = ReadFile(expand(f));
      if (t.ok()) ParseIni(*t, true, &config);
      *files_read += (files_read->empty() ? "" : ", ") + expand(f);
    }
    for (const auto& f : cred_files) {
      auto t = ReadFile(expand(f));
      if (t.ok()) ParseIni(*t, false, &creds);
      *files_read += (files_read->empty() ? "" : ", ") + expand(f);
    }
    // The credentials file wins key by key over the config file.
    for (auto& [name, kv] : creds) {
      for (auto& [k, v] : kv) config[name][k] = v;
    }
    return config;
  }

  Result<MaybeCreds> Profile() {
    bool explicit_choice = false;
    std::string name = ProfileName(&explicit_choice);
    std::string files;
    Profiles profiles = LoadProfiles(&files);
    if (!profiles.count(name)) {
      if (explicit_choice) {
        return MakeError(ErrorCode::kInvalidArgument, "AWS profile \"" + name + "\" not found in " + files, "profile");
      }
      return MaybeCreds{};
    }
    return FromProfile(profiles, name, 0);
  }

  Result<MaybeCreds> FromProfile(const Profiles& profiles, const std::string& name, int depth) {
    if (depth > 5) {
      return MakeError(ErrorCode::kInvalidArgument, "AWS profile \"" + name + "\": source_profile chain too deep or circular");
    }
    auto it = profiles.find(name);
    if (it == profiles.end()) {
      return MakeError(ErrorCode::kInvalidArgument, "AWS source_profile \"" + name + "\" not found");
    }
    const auto& p = it->second;
    auto get = [&](const char* k) {
      auto f = p.find(k);
      return f == p.end() ? std::string() : f->second;
    };
    const std::string src = "profile:" + name;
    bool has_static = !get("aws_access_key_id").empty() && !get("aws_secret_access_key").empty();
    std::string role = get("role_arn");
    // A source profile's own static keys are used as is (AWS CLI behaviour).
    if (!role.empty() && !(depth > 0 && has_static)) {
      std::string session = get("role_session_name");
      if (session.empty()) session = kDefaultSessionName;
      if (!get("source_profile").empty()) {
        PROV_ASSIGN_OR_RETURN(MaybeCreds base, FromProfile(profiles, get("source_profile"), depth + 1));
        if (!base) return MakeError(ErrorCode::kInvalidArgument, src + ": source_profile has no credentials");
        PROV_ASSIGN_OR_RETURN(auto c, AssumeRole(*base, role, session, get("external_id"), get("region"), src));
        return MaybeCreds(c);
      }
      if (!get("web_identity_token_file").empty()) {
        PROV_ASSIGN_OR_RETURN(auto c, WebIdentity(get("web_identity_token_file"), role, session, get("region")));
        c.source = src + " (web identity)";
        return MaybeCreds(c);
      }
      std::string cs = get("credential_source");
      if (!cs.empty()) {
        Result<MaybeCreds> base = MaybeCreds{};
        if (cs == "Environment") {
          CredentialsConfig saved = cfg_;
          cfg_.profile.clear();
          base = Environment();
          cfg_ = saved;
        } else if (cs == "Ec2InstanceMetadata") {
          base = Imds();
        } else if (cs == "EcsContainer") {
          base = Container();
        } else {
          return MakeError(ErrorCode::kInvalidArgument, src + ": unsupported credential_source \"" + cs + "\"");
        }
        if (!base.ok()) return base.error();
        if (!*base) return MakeError(ErrorCode::kPermissionDenied, src + ": credential_source " + cs + " has no credentials");
        PROV_ASSIGN_OR_RETURN(auto c, AssumeRole(**base, role, session, get("external_id"), get("region"), src));
        return MaybeCreds(c);
      }
      return MakeError(ErrorCode::kInvalidArgument,
                       src + ": role_arn needs source_profile, credential_source or web_identity_token_file");
    }
    if (has_static) {
      return MaybeCreds(Credentials{get("aws_access_key_id"), get("aws_secret_access_key"),
                                    get("aws_session_token"), std::nullopt, src});
    }
    if (!get("credential_process").empty() || !get("sso_start_url").empty() || !get("sso_session").empty()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       src + ": credential_process and SSO profiles are not supported by this provider; "
                             "export credentials to the environment instead");
    }
    return MaybeCreds{};
  }

  Result<http::Response> PostSts(http::Request req, const std::string& what) {
    http::RetryPolicy policy;
    policy.max_attempts = 3;
    auto classify = [](const Result<http::Response>& r) {
      http::Attempt a;
      if (!r.ok()) {
        a.verdict = http::Verdict::kRetry;
      } else if (r->status >= 500 || r->status == 429) {
        a.verdict = http::Verdict::kRetry;
      } else if (r->status >= 400) {
        auto e = xml::ParseError(r->body);
        a.verdict = e && IsRetryableAwsCode(e->code) ? http::Verdict::kRetry : http::Verdict::kFail;
      }
      return a;
    };
    auto r = http::WithRetry(policy, [&] { return deps_.transport->Do(req); }, classify);
    if (!r.ok()) {
      Error e = r.error();
      e.message = what + ": " + e.message;
      return e;
    }
    if (r->status != 200) {
      Error e;
      e.http_status = r->status;
      auto body = xml::ParseError(r->body);
      e.remote_code = body ? body->code : "";
      e.code = (r->status == 401 || r->status == 403 || e.remote_code == "AccessDenied" ||
                e.remote_code == "InvalidIdentityToken" || e.remote_code == "ExpiredTokenException" ||
                e.remote_code == "InvalidClientTokenId")
                   ? ErrorCode::kPermissionDenied
                   : (r->status >= 500 ? ErrorCode::kUnavailable : ErrorCode::kInvalidArgument);
      e.message = what + ": " + (body ? body->message : "HTTP " + std::to_string(r->status));
      return e;
    }
    return r;
  }

  Result<Credentials> AssumeRole(const Credentials& base, const std::string& role_arn, const std::string& session,
                                 const std::string& external_id, const std::string& profile_region,
                                 const std::string& source) {
    FormParams p = {{"Action", "AssumeRole"}, {"Version", "2011-06-15"}, {"RoleArn", role_arn},
                    {"RoleSessionName", session}};
    if (!external_id.empty()) p.emplace_back("ExternalId", external_id);
    http::Request req;
    req.method = "POST";
    req.url = StsEndpoint(cfg_, deps_.getenv);
    if (cfg_.sts_endpoint.empty() && Env("AWS_ENDPOINT_URL_STS").empty() && Env("AWS_ENDPOINT_URL").empty() &&
        cfg_.region.empty() && !profile_region.empty()) {
      req.url = DefaultEndpoint("sts", profile_region);
    }
    req.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
    req.body = EncodeForm(p);
    PROV_RETURN_IF_ERROR(SignV4(&req, base, Region(profile_region), "sts", deps_.clock()));
    PROV_ASSIGN_OR_RETURN(auto resp, PostSts(req, "STS AssumeRole (" + role_arn + ")"));
    return CredentialsFromStsXml(resp.body, source);
  }

  Result<Credentials> WebIdentity(const std::string& token_file, const std::string& role_arn,
                                  const std::string& session, const std::string& profile_region) {
    std::string home = Env("HOME");
    std::string path = token_file.starts_with("~/") ? home + token_file.substr(1) : token_file;
    auto token = ReadFile(path);
    if (!token.ok()) {
      return MakeError(ErrorCode::kPermissionDenied, "web identity token file " + path + " cannot be read");
    }
    FormParams p = {{"Action", "AssumeRoleWithWebIdentity"}, {"Version", "2011-06-15"}, {"RoleArn", role_arn},
                    {"RoleSessionName", session}, {"WebIdentityToken", Trim(*token)}};
    http::Request req;
    req.method = "POST";
    req.url = StsEndpoint(cfg_, deps_.getenv);
    req.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
    req.body = EncodeForm(p);  // unsigned: the token is the proof
    PROV_ASSIGN_OR_RETURN(auto resp, PostSts(req, "STS AssumeRoleWithWebIdentity (" + role_arn + ")"));
    return CredentialsFromStsXml(resp.body, "web-identity");
  }

  static bool AllowedContainerHost(const std::string& url) {
    size_t s = url.find("://");
    if (s == std::string::npos) return false;
    std::string scheme = LowerStr(url.substr(0, s));
    if (scheme == "https") return true;
    if (scheme != "http") return false;
    std::string rest = url.substr(s + 3);
    std::string host = rest.substr(0, rest.find_first_of("/?#"));
    if (host.starts_with("[")) {
      host = host.substr(0, host.find(']') + 1);
    } else {
      host = host.substr(0, host.find(':'));
    }
    return host == "localhost" || host.starts_with("127.") || host == "[::1]" || host == "169.254.170.2" ||
           host == "169.254.170.23" || host == "[fd00:ec2::23]";
  }

  Result<MaybeCreds> Container() {
    std::string rel = Env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"), full = Env("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    if (rel.empty() && full.empty()) return MaybeCreds{};
    std::string url = !rel.empty() ? "http://169.254.170.2" + rel : full;
    if (rel.empty() && !AllowedContainerHost(full)) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "AWS_CONTAINER_CREDENTIALS_FULL_URI must use https or a loopback / ECS / EKS address");
    }
    http::Request req;
    req.url = url;
    req.timeout = deps_.metadata_timeout;
    std::string token;
    std::string token_file = Env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    if (!token_file.empty()) {
      auto t = ReadFile(token_file);
      if (!t.ok()) return MakeError(ErrorCode::kPermissionDenied, "container authorization token file " + token_file + " cannot be read");
      token = Trim(*t);
    } else {
      token = Env("AWS_CONTAINER_AUTHORIZATION_TOKEN");
    }
    if (token.find_first_of("\r\n") != std::string::npos) {
      return MakeError(ErrorCode::kInvalidArgument, "container authorization token contains a line break");
    }
    if (!token.empty()) req.headers.emplace_back("Authorization", token);
    http::RetryPolicy policy;
    policy.max_attempts = 3;
    policy.base_delay = std::chrono::milliseconds(100);
    auto classify = [](const Result<http::Response>& r) {
      http::Attempt a;
      if (!r.ok() || r->status >= 500 || r->status == 429) a.verdict = http::Verdict::kRetry;
      return a;
    };
    auto r = http::WithRetry(policy, [&] { return deps_.transport->Do(req); }, classify);
    if (!r.ok()) {
      Error e = r.error();
      e.message = "container credentials endpoint: " + e.message;
      return e;
    }
    if (r->status != 200) {
      Error e = MakeError(r->status == 401 || r->status == 403 ? ErrorCode::kPermissionDenied : ErrorCode::kUnavailable,
                          "container credentials endpoint answered HTTP " + std::to_string(r->status));
      e.http_status = r->status;
      return e;
    }
    PROV_ASSIGN_OR_RETURN(auto c, CredentialsFromJson(r->body, "container"));
    return MaybeCreds(c);
  }

  Result<MaybeCreds> Imds() {
    if (LowerStr(Env("AWS_EC2_METADATA_DISABLED")) == "true") return MaybeCreds{};
    std::string base = Env("AWS_EC2_METADATA_SERVICE_ENDPOINT");
    if (base.empty()) base = "http://169.254.169.254";
    while (base.ends_with("/")) base.pop_back();
    http::Request put;
    put.method = "PUT";
    put.url = base + "/latest/api/token";
    put.timeout = deps_.metadata_timeout;
    put.headers = {{"X-aws-ec2-metadata-token-ttl-seconds", "21600"}};
    auto tok = deps_.transport->Do(put);
    // Not on EC2 (no answer) or IMDS turned off: this source simply does not apply.
    if (!tok.ok() || tok->status != 200 || tok->body.empty()) return MaybeCreds{};
    const std::string token = Trim(tok->body);
    auto get = [&](const std::string& path) {
      http::Request g;
      g.url = base + path;
      g.timeout = deps_.metadata_timeout;
      g.headers = {{"X-aws-ec2-metadata-token", token}};
      return deps_.transport->Do(g);
    };
    auto role = get("/latest/meta-data/iam/security-credentials/");
    if (!role.ok()) {
      Error e = role.error();
      e.message = "EC2 instance metadata: " + e.message;
      return e;
    }
    if (role->status == 404) return MaybeCreds{};  // no instance profile attached
    if (role->status != 200) {
      return MakeError(ErrorCode::kUnavailable, "EC2 instance metadata answered HTTP " + std::to_string(role->status));
    }
    std::string name = Trim(role->body.substr(0, role->body.find('\n')));
    if (name.empty()) return MaybeCreds{};
    auto creds = get("/latest/meta-data/iam/security-credentials/" + name);
    if (!creds.ok()) {
      Error e = creds.error();
      e.message = "EC2 instance metadata: " + e.message;
      return e;
    }
    if (creds->status != 200) {
      return MakeError(ErrorCode::kUnavailable,
                       "EC2 instance metadata answered HTTP " + std::to_string(creds->status) + " for role " + name);
    }
    PROV_ASSIGN_OR_RETURN(auto c, CredentialsFromJson(creds->body, "imds"));
    return MaybeCreds(c);
  }

  std::mutex mu_;
  CredentialsConfig cfg_;
  CredentialsDeps deps_;
  std::optional<Credentials> cached_;
  std::function<Result<MaybeCreds>()> winner_;
};

}  // namespace

std::optional<std::string> ProcessGetEnv(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

std::shared_ptr<CredentialsProvider> NewStaticCredentials(Credentials creds) {
  return std::make_shared<StaticCredentials>(std::move(creds));
}

AwsCaBundle ResolveAwsCaBundle(const CredentialsConfig& config, const GetEnvFn& getenv) {
  auto env = [&](const char* n) { return getenv(n).value_or(""); };
  if (std::string v = env("AWS_CA_BUNDLE"); !v.empty()) return {v, "AWS_CA_BUNDLE"};
  std::string profile = config.profile;
  if (profile.empty()) profile = env("AWS_PROFILE");
  if (profile.empty()) profile = env("AWS_DEFAULT_PROFILE");
  if (profile.empty()) profile = "default";
  std::string home = env("HOME");
  std::vector<std::string> files = config.shared_config_files;
  if (files.empty()) {
    std::string e = env("AWS_CONFIG_FILE");
    files.push_back(e.empty() ? home + "/.aws/config" : e);
  }
  Profiles profiles;
  for (std::string f : files) {
    if (f.starts_with("~/")) f = home + f.substr(1);
    if (auto t = ReadFile(f); t.ok()) ParseIni(*t, true, &profiles);
  }
  auto it = profiles.find(profile);
  if (it == profiles.end()) return {};
  auto ca = it->second.find("ca_bundle");
  if (ca == it->second.end() || ca->second.empty()) return {};
  std::string path = ca->second;
  if (path.starts_with("~/")) path = home + path.substr(1);
  return {path, "ca_bundle of AWS profile \"" + profile + "\""};
}

std::string StsEndpoint(const CredentialsConfig& config, const GetEnvFn& getenv) {
  auto env = [&](const char* n) {
    auto v = getenv ? getenv(n) : std::nullopt;
    return v ? *v : std::string();
  };
  std::string ep = config.sts_endpoint;
  bool ignore = env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS") == "true";
  if (ep.empty() && !ignore) ep = env("AWS_ENDPOINT_URL_STS");
  if (ep.empty() && !ignore) ep = env("AWS_ENDPOINT_URL");
  if (ep.empty()) {
    std::string region = config.region;
    if (region.empty()) region = env("AWS_REGION");
    if (region.empty()) region = env("AWS_DEFAULT_REGION");
    if (region.empty()) region = "us-east-1";
    ep = DefaultEndpoint("sts", region);
  }
  if (!ep.ends_with("/")) ep += "/";
  return ep;
}

std::shared_ptr<CredentialsProvider> NewDefaultCredentialsChain(CredentialsConfig config, CredentialsDeps deps) {
  return std::make_shared<DefaultChain>(std::move(config), std::move(deps));
}

}  // namespace prov::cloud::aws
