// catalog_bench: what loading the embedded catalog costs on first use (the compiled tables
// of compiled.h copied into the model) next to what it cost when the binary parsed and
// validated the JSON at run time (LoadFromJson, still the path of catalog_file/catalog_url
// overrides), plus the renderings and a selection. Prints figures.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "provider/catalog/compiled.h"
#include "provider/catalog/loader.h"
#include "provider/catalog/query.h"

namespace {

template <typename Fn>
void Measure(const char* name, int iterations, Fn fn) {
  std::vector<double> us;
  us.reserve(iterations);
  for (int i = 0; i < iterations; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    fn();
    auto t1 = std::chrono::steady_clock::now();
    us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  std::sort(us.begin(), us.end());
  std::printf("%-36s n=%-5d median %9.1f us  p90 %9.1f us  min %9.1f us\n", name, iterations,
              us[us.size() / 2], us[us.size() * 9 / 10], us.front());
}

}  // namespace

int main() {
  using namespace prov::catalog;
  // First, before anything touches the catalog: what a provider process pays once.
  auto t0 = std::chrono::steady_clock::now();
  const Catalog& first = Embedded();
  auto t1 = std::chrono::steady_clock::now();
  std::string_view json = EmbeddedJson();
  std::printf("embedded catalog: %zu bytes of JSON source, %zu services\n", json.size(), first.services.size());
  std::printf("%-36s n=1     %9.1f us  (compiled tables; no JSON parse)\n", "Embedded() first use",
              std::chrono::duration<double, std::micro>(t1 - t0).count());
  size_t sink = 0;
  Measure("FromTables(embedded) [now]", 200, [&] {
    auto c = compiled::FromTables(compiled::EmbeddedTables());
    sink += c.services.size();
  });
  Measure("LoadFromJson(embedded) [before]", 200, [&] {
    auto c = LoadFromJson(json);
    if (!c.ok()) std::abort();
    sink += c->services.size();
  });
  Measure("Sha256Hex(embedded)", 1000, [&] { sink += Sha256Hex(json).size(); });
  const Catalog& c = Embedded();
  Measure("ToJson", 200, [&] { sink += ToJson(c).size(); });
  Measure("ToCsv", 200, [&] { sink += ToCsv(c).size(); });
  Measure("ToMarkdown", 200, [&] { sink += ToMarkdown(c).size(); });
  Measure("Diff(same)", 200, [&] { sink += Diff(c, c).size(); });
  Filter f;
  f.line_sharing = f.tcp_fallback = f.ipv6_clients = true;
  Measure("Select(all services, all switches)", 1000, [&] {
    auto s = Select(c, f);
    sink += s->services.size();
  });
  std::printf("(checksum %zu)\n", sink);
  return 0;
}
