// The build-time checker: it must reject a broken catalog (that is what fails the build)
// and emit the embedded source only for a valid one.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "provider/catalog/loader.h"
#include "tests/catalog/catalog_test_util.h"
#include "tests/support/temp_dir.h"

namespace prov::catalog {
namespace {

struct ToolRun {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

// The build directory: PROV_BINARY_DIR when set, else derived from this binary's path
// (<build>/tests/catalog_test), so the test also runs when started by hand or by a runner
// that passes only part of the environment.
std::string BinaryDir() {
  if (const char* bin = std::getenv("PROV_BINARY_DIR")) return bin;
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  return self.parent_path().parent_path().string();
}

ToolRun RunCheck(const std::string& args) {
  ToolRun r;
  std::string tool = BinaryDir() + "/provider/catalog/catalog_check";
  if (!std::filesystem::exists(tool)) {
    ADD_FAILURE() << "catalog_check not found at " << tool;
    return r;
  }
  std::string cmd = tool + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) {
    ADD_FAILURE() << "cannot run " << cmd;
    return r;
  }
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

TEST(CatalogCheckToolTest, AcceptsTheCanonicalData) {
  ToolRun r = RunCheck(testing::SourcePath("provider/catalog/data/office_at_hand.json"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("12 services, 87 rows, 9 supernets"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("not in canonical form"), std::string::npos) << r.output;
}

TEST(CatalogCheckToolTest, RejectsABrokenCatalogListingEveryProblem) {
  prov::testing::UniqueTempDir tmp;
  std::string out_cc = tmp.File("catalog_check_broken.cc");
  ToolRun r = RunCheck(testing::SourcePath("tests/catalog/broken/many_errors_at_once.json") + " --emit-cc " + out_cc);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("3 problem(s)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("/services/0/rows/0/ports/0/range: port out of range"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(out_cc)) << "no embedded source from an invalid catalog";
}

TEST(CatalogCheckToolTest, EmitsTheBytesOfAValidCatalog) {
  prov::testing::UniqueTempDir tmp;
  std::string out_cc = tmp.File("catalog_check_ok.cc");
  std::string src = testing::SourcePath("tests/catalog/testdata/minimal.json");
  ToolRun r = RunCheck(src + " --emit-cc " + out_cc);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::string cc = testing::ReadFile(out_cc);
  std::string bytes = testing::ReadFile(src);
  EXPECT_NE(cc.find("kEmbeddedCatalogSize = " + std::to_string(bytes.size()) + ";"), std::string::npos);
  EXPECT_NE(cc.find("0x7b,"), std::string::npos);  // '{'
  std::filesystem::remove(out_cc);
}

TEST(CatalogCheckToolTest, PinnedDigestAndRenderings) {
  std::string data = testing::SourcePath("provider/catalog/data/office_at_hand.json");
  ToolRun bad = RunCheck(data + " --sha256 " + std::string(64, 'a'));
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.output.find("sha256 mismatch"), std::string::npos) << bad.output;
  ToolRun good = RunCheck(data + " --sha256 " + Embedded().content_sha256 + " --format json");
  EXPECT_EQ(good.exit_code, 0) << good.output;
  EXPECT_TRUE(good.output == EmbeddedJson()) << "--format json differs from the data file";
  ToolRun diff = RunCheck(data + " --diff " + data);
  EXPECT_EQ(diff.output, "no changes\n");
  ToolRun usage = RunCheck(data + " --format yaml");
  EXPECT_EQ(usage.exit_code, 2);
}

// --emit-cc also writes the catalog as constant tables (compiled.h) with the digest the
// loader computes, which is what the binary loads instead of parsing the JSON.
TEST(CatalogCheckToolTest, EmitsTheCompiledTablesOfAValidCatalog) {
  char dir[] = "/tmp/catalog_check_tables_XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string out_cc = std::string(dir) + "/tables.cc";
  const std::string src = testing::SourcePath("tests/catalog/testdata/minimal.json");
  ToolRun r = RunCheck(src + " --emit-cc " + out_cc);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  const std::string cc = testing::ReadFile(out_cc);
  EXPECT_NE(cc.find("constinit const compiled::Tables kEmbeddedTables"), std::string::npos);
  auto loaded = LoadFromJson(testing::ReadFile(src));
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_NE(cc.find("{\"" + loaded->content_sha256 + "\", 64}"), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace prov::catalog
