#include "resources/functions.h"

#include <functional>
#include <set>

#include "resources/selection.h"
#include "resources/values.h"

namespace prov::resources {

namespace {

using Impl = std::function<Result<cty::Value>(const catalog::Catalog&, const std::vector<cty::Value>&,
                                              std::optional<protocol::FunctionError>&)>;

class CatalogFunction : public protocol::Function {
 public:
  CatalogFunction(DataHandle data, std::string name, schema::FunctionSignature sig, Impl impl)
      : data_(data), name_(std::move(name)), sig_(std::move(sig)), impl_(std::move(impl)) {}
  std::string Name() const override { return name_; }
  const schema::FunctionSignature& Signature() const override { return sig_; }
  Result<cty::Value> Call(const protocol::CallContext&, const std::vector<cty::Value>& args,
                          std::optional<protocol::FunctionError>& error) override {
    auto data = data_.Get();
    return impl_(*data->catalog, args, error);
  }

 private:
  DataHandle data_;
  std::string name_;
  schema::FunctionSignature sig_;
  Impl impl_;
};

schema::Parameter ServiceParam() {
  schema::Parameter p;
  p.name = "service";
  p.type = Type::String();
  p.description = "A catalog service id, e.g. `desktop_app`.";
  return p;
}

const catalog::Service* FindOrError(const catalog::Catalog& cat, const cty::Value& arg,
                                    std::optional<protocol::FunctionError>& error) {
  const std::string& id = arg.AsString();
  const catalog::Service* s = cat.FindService(id);
  if (!s) {
    std::string known;
    for (const auto& x : cat.services) known += (known.empty() ? "" : ", ") + x.id;
    error = protocol::FunctionError{"unknown Office@Hand service \"" + id + "\"; known: " + known, 0};
  }
  return s;
}

}  // namespace

std::vector<std::unique_ptr<protocol::Function>> MakeFunctions(const DataHandle& data) {
  std::vector<std::unique_ptr<protocol::Function>> fs;
  {
    schema::FunctionSignature sig;
    sig.return_type = Type::List(Type::String());
    sig.summary = "The advertised Office@Hand IP supernets";
    sig.description = "Returns the IP supernets of Table 2.1 of the catalog in force, as CIDR strings.";
    fs.push_back(std::make_unique<CatalogFunction>(
        data, "supernets", sig,
        [](const catalog::Catalog& cat, const std::vector<cty::Value>&, std::optional<protocol::FunctionError>&)
            -> Result<cty::Value> {
          std::vector<std::string> out;
          for (const auto& s : cat.supernets) out.push_back(s.cidr.ToString());
          return StrList(out);
        }));
  }
  {
    schema::FunctionSignature sig;
    sig.return_type = Type::List(Type::String());
    sig.summary = "The catalog's service ids";
    sig.description = "Returns every service id of the catalog in force, in document order.";
    fs.push_back(std::make_unique<CatalogFunction>(
        data, "services", sig,
        [](const catalog::Catalog& cat, const std::vector<cty::Value>&, std::optional<protocol::FunctionError>&)
            -> Result<cty::Value> {
          std::vector<std::string> out;
          for (const auto& s : cat.services) out.push_back(s.id);
          return StrList(out);
        }));
  }
  {
    schema::FunctionSignature sig;
    sig.parameters = {ServiceParam()};
    sig.return_type = Type::List(Type::String());
    sig.summary = "The ports a service needs, as transport/range strings";
    sig.description =
        "Returns the ports of a service (following tables added by reference) as \"tcp/443\" or "
        "\"udp/20000-64999\", merged and sorted. Fallback and conditional ports (TCP 443 media "
        "fallback, line-sharing ports, IPv6 client rows) are not included.";
    fs.push_back(std::make_unique<CatalogFunction>(
        data, "service_ports", sig,
        [](const catalog::Catalog& cat, const std::vector<cty::Value>& args,
           std::optional<protocol::FunctionError>& error) -> Result<cty::Value> {
          if (!FindOrError(cat, args[0], error)) return StrList({});
          rules::Selection sel;
          std::map<net::Transport, std::vector<net::PortRange>> by_t;
          for (const auto* s : ExpandServices(cat, {args[0].AsString()}))
            for (const auto& r : s->rows) {
              if (!RowSelected(r, sel)) continue;
              for (const auto& p : r.ports)
                if (PortSelected(p, sel)) by_t[p.transport].push_back(p.range);
            }
          std::vector<std::string> out;
          for (auto& [t, ranges] : by_t)
            for (const auto& pr : net::MergeRanges(ranges))
              out.push_back(std::string(net::TransportName(t)) + "/" + pr.ToString());
          return StrList(out);
        }));
  }
  {
    schema::FunctionSignature sig;
    sig.parameters = {ServiceParam()};
    sig.return_type = Type::List(Type::String());
    sig.summary = "The domain names a service needs";
    sig.description =
        "Returns the exact and wildcard domain names of a service (following tables added by "
        "reference), sorted and unique, for web proxies and FQDN-capable firewalls.";
    fs.push_back(std::make_unique<CatalogFunction>(
        data, "service_domains", sig,
        [](const catalog::Catalog& cat, const std::vector<cty::Value>& args,
           std::optional<protocol::FunctionError>& error) -> Result<cty::Value> {
          if (!FindOrError(cat, args[0], error)) return StrList({});
          rules::Selection sel;
          std::set<std::string> out;
          for (const auto* s : ExpandServices(cat, {args[0].AsString()}))
            for (const auto& r : s->rows) {
              if (!RowSelected(r, sel)) continue;
              out.insert(r.destinations.fqdns.begin(), r.destinations.fqdns.end());
              out.insert(r.destinations.wildcards.begin(), r.destinations.wildcards.end());
              for (const auto& [g, names] : r.destinations.groups) out.insert(names.begin(), names.end());
            }
          return StrList({out.begin(), out.end()});
        }));
  }
  return fs;
}

}  // namespace prov::resources
