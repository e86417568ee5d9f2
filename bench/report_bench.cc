// report_bench: `terraform-provider-office report` on a plan of 200 allowlists (each the
// "all three at once" plan of tests/report/fixtures/tofu-all.json: 2 drifted rules, 18
// catalog and 9 configuration rule changes, 9 unenforceable rows), in-process and through
// the CLI binary. Prints figures.
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "resources/report/plan_report.h"

namespace {

template <typename Fn>
void Measure(const char* name, int iterations, Fn fn) {
  std::vector<double> ms;
  for (int i = 0; i < iterations; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    fn();
    auto t1 = std::chrono::steady_clock::now();
    ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  std::printf("%-48s n=%-3d median %8.1f ms  min %8.1f ms  max %8.1f ms\n", name, iterations, ms[ms.size() / 2],
              ms.front(), ms.back());
}

// 200 copies of the fixture's allowlist under distinct addresses (module instances).
std::string ManyAllowlists(const std::string& fixture, int n) {
  using nlohmann::json;
  json doc = json::parse(fixture);
  json changes = json::array(), drift = json::array(), state = json::array();
  for (int i = 0; i < n; ++i) {
    const std::string prefix = "module.site[" + std::to_string(i) + "].";
    for (auto [src, dst] : {std::pair{&doc["resource_changes"], &changes}, std::pair{&doc["resource_drift"], &drift},
                            std::pair{&doc["prior_state"]["values"]["root_module"]["resources"], &state}})
      for (json x : *src) {
        x["address"] = prefix + x["address"].get<std::string>();
        dst->push_back(std::move(x));
      }
  }
  doc["resource_changes"] = changes;
  doc["resource_drift"] = drift;
  doc["prior_state"]["values"]["root_module"]["resources"] = state;
  return doc.dump();
}

}  // namespace

int main() {
  const char* src = std::getenv("PROV_SOURCE_DIR");
  const char* bin = std::getenv("PROV_BINARY_DIR");
  if (!src) {
    std::fprintf(stderr, "PROV_SOURCE_DIR is not set (bench/run.sh sets it)\n");
    return 1;
  }
  std::ifstream in(std::string(src) + "/tests/report/fixtures/tofu-all.json", std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  if (ss.str().empty()) {
    std::fprintf(stderr, "cannot read tests/report/fixtures/tofu-all.json\n");
    return 1;
  }
  const std::string plan = ManyAllowlists(ss.str(), 200);
  auto r0 = prov::report::BuildReport(plan);
  if (!r0.ok()) {
    std::fprintf(stderr, "%s\n", r0.error().ToString().c_str());
    return 1;
  }
  prov::report::RenderOptions o;
  o.generated_at = "2026-01-01T00:00:00Z";
  std::printf("plan JSON: 200 allowlists, %zu bytes, %zu findings; Markdown %zu chars, JSON %zu bytes\n",
              plan.size(), r0->findings.size(), prov::report::RenderMarkdown(*r0, o).size(),
              prov::report::RenderJson(*r0, o).size());
  size_t sink = 0;
  Measure("BuildReport (parse + classify), 200 allowlists", 5, [&] {
    auto r = prov::report::BuildReport(plan);
    sink += r.ok() ? r->findings.size() : 0;
  });
  Measure("RenderMarkdown, 200 allowlists", 5, [&] { sink += prov::report::RenderMarkdown(*r0, o).size(); });
  Measure("RenderJson, 200 allowlists", 5, [&] { sink += prov::report::RenderJson(*r0, o).size(); });
  if (bin) {
    const std::string path = std::string(bin) + "/report_bench_plan.json";
    std::ofstream(path, std::ios::binary) << plan;
    for (const char* fmt : {"markdown", "json"}) {
      const std::string cmd = std::string(bin) + "/terraform-provider-office report --format " + fmt + " " + path +
                              " > /dev/null";
      const std::string label = std::string("CLI report --format ") + fmt + ", 200 allowlists";
      Measure(label.c_str(), 5, [&] {
        const int rc = std::system(cmd.c_str());
        if (!WIFEXITED(rc) || WEXITSTATUS(rc) != 2) {
          std::fprintf(stderr, "%s: unexpected exit %d\n", cmd.c_str(), rc);
          std::exit(1);
        }
      });
    }
    std::remove(path.c_str());
  }
  return sink == 0 ? 1 : 0;
}
