#include "provider/protocol/server/rpc_core.h"

#include <cstdio>

namespace prov::protocol::server {

ProviderCore::ProviderCore(Provider& provider) : provider_(provider) {
  provider_type_ = provider.ProviderSchema().ImpliedType();
  if (const schema::Block* meta = provider.ProviderMetaSchema()) {
    meta_type_ = meta->ImpliedType();
    has_meta_ = true;
  }
  for (Resource* r : provider.Resources()) {
    resources_.emplace(r->TypeName(), ResourceEntry{r, r->Schema().ImpliedType()});
  }
  for (DataSource* d : provider.DataSources()) {
    data_sources_.emplace(d->TypeName(), DataSourceEntry{d, d->Schema().ImpliedType()});
  }
  for (Function* f : provider.Functions()) functions_.emplace(f->Name(), f);
}

const ProviderCore::ResourceEntry* ProviderCore::FindResource(const std::string& name) const {
  auto it = resources_.find(name);
  return it == resources_.end() ? nullptr : &it->second;
}

const ProviderCore::DataSourceEntry* ProviderCore::FindDataSource(const std::string& name) const {
  auto it = data_sources_.find(name);
  return it == data_sources_.end() ? nullptr : &it->second;
}

Function* ProviderCore::FindFunction(const std::string& name) const {
  auto it = functions_.find(name);
  return it == functions_.end() ? nullptr : it->second;
}

void ProviderCore::Stop() {
  stopping_.store(true);
  provider_.Stop();
}

CallContext ProviderCore::NewContext() {
  CallContext ctx;
  ctx.stopping = &stopping_;
  char buf[24];
  std::snprintf(buf, sizeof buf, "%016llx",
                static_cast<unsigned long long>(next_request_.fetch_add(1)));
  ctx.request_id = buf;
  return ctx;
}

AttributePath PathFromWhere(std::string_view where) {
  AttributePath path;
  size_t i = 0;
  while (i < where.size()) {
    if (where[i] == '.') {
      size_t j = i + 1;
      while (j < where.size() && where[j] != '.' && where[j] != '[') ++j;
      if (j == i + 1) break;
      path = path.Attr(std::string(where.substr(i + 1, j - i - 1)));
      i = j;
    } else if (where[i] == '[' && i + 1 < where.size() && where[i + 1] == '"') {
      std::string key;
      size_t j = i + 2;
      bool closed = false;
      while (j < where.size()) {
        if (where[j] == '\\' && j + 1 < where.size()) {
          key.push_back(where[j + 1]);
          j += 2;
        } else if (where[j] == '"') {
          closed = true;
          break;
        } else {
          key.push_back(where[j++]);
        }
      }
      if (!closed || j + 1 >= where.size() || where[j + 1] != ']') break;
      path = path.Key(std::move(key));
      i = j + 2;
    } else if (where[i] == '[') {
      size_t j = i + 1;
      int64_t n = 0;
      bool digits = false;
      while (j < where.size() && where[j] >= '0' && where[j] <= '9' && n < (int64_t{1} << 50)) {
        n = n * 10 + (where[j] - '0');
        digits = true;
        ++j;
      }
      if (!digits || j >= where.size() || where[j] != ']') break;
      path = path.Index(n);
      i = j + 1;
    } else {
      break;
    }
  }
  return path;
}

void AddUnknownType(Diagnostics& diags, std::string_view kind, std::string_view name) {
  diags.AddError("Unknown " + std::string(kind) + " type (" + std::string(name) + ")",
                 "This provider does not implement a " + std::string(kind) + " type named \"" +
                     std::string(name) + "\". Check the type name or the provider version.");
}

}  // namespace prov::protocol::server
