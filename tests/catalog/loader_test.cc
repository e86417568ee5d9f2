#include "provider/catalog/loader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/catalog/catalog_test_util.h"

namespace prov::catalog {
namespace {

using testing::ReadFile;
using testing::ReadSource;
using testing::SourcePath;

TEST(CatalogLoaderTest, EmbeddedCatalogEqualsTheDataFile) {
  EXPECT_EQ(EmbeddedJson(), ReadSource("provider/catalog/data/office_at_hand.json"));
}

TEST(CatalogLoaderTest, EmbeddedCatalogLoadsAndValidates) {
  std::vector<ValidationError> errors;
  auto c = LoadFromJson(EmbeddedJson(), errors);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(c->services.size(), 12u);
  EXPECT_EQ(c->supernets.size(), 9u);
}

TEST(CatalogLoaderTest, DataFileIsCanonicalSoContentHashIsTheFileHash) {
  const Catalog& c = Embedded();
  EXPECT_EQ(ToJson(c), EmbeddedJson()) << "rewrite the data file with: catalog_check <file> --format json";
  EXPECT_EQ(c.content_sha256, Sha256Hex(EmbeddedJson()));
  EXPECT_EQ(c.content_sha256.size(), 64u);
}

TEST(CatalogLoaderTest, ContentHashIsStableAcrossLoadsAndRoundTrips) {
  auto a = LoadFromJson(EmbeddedJson());
  ASSERT_TRUE(a.ok());
  auto b = LoadFromJson(ToJson(*a));
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(a->content_sha256, Embedded().content_sha256);
  EXPECT_EQ(b->content_sha256, a->content_sha256);
  EXPECT_EQ(ToJson(*b), ToJson(*a));
}

TEST(CatalogLoaderTest, ContentHashIgnoresFormattingButNotContent) {
  auto doc = nlohmann::json::parse(EmbeddedJson());
  auto compact = LoadFromJson(doc.dump());  // other key order and no whitespace
  ASSERT_TRUE(compact.ok()) << compact.error().message;
  EXPECT_EQ(compact->content_sha256, Embedded().content_sha256);
  doc["services"][0]["rows"][0]["purpose"] = "Company web site";
  auto changed = LoadFromJson(doc.dump());
  ASSERT_TRUE(changed.ok());
  EXPECT_NE(changed->content_sha256, Embedded().content_sha256);
}

// Pinned on purpose: a deliberate data change updates this constant in the same commit (and
// the CHANGELOG); an accidental change of the data or of the canonical form fails here.
TEST(CatalogLoaderTest, EmbeddedContentHashIsPinned) {
  EXPECT_EQ(Embedded().version, "2026.11.25");
  EXPECT_EQ(Embedded().content_sha256, "ac6bf57a77e51b23dd3709d673948bc2d1d284164891e686249f95c5bef2bfe8");
}

TEST(CatalogLoaderTest, Sha256KnownVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(CatalogLoaderTest, LoadPinnedChecksTheDigestFirst) {
  std::string bytes(EmbeddedJson());
  auto ok = LoadPinned(bytes, Sha256Hex(bytes));
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->content_sha256, Embedded().content_sha256);

  std::string wrong(64, '0');
  auto bad = LoadPinned(bytes, wrong);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.error().message.find(wrong), std::string::npos);
  EXPECT_NE(bad.error().message.find(Sha256Hex(bytes)), std::string::npos);

  // A pinned digest of broken bytes fails on the digest, before JSON parsing.
  auto garbage = LoadPinned("{not json", wrong);
  ASSERT_FALSE(garbage.ok());
  EXPECT_NE(garbage.error().message.find("sha256 mismatch"), std::string::npos);
}

TEST(CatalogLoaderTest, EmbeddedIsThreadSafe) {
  std::vector<const Catalog*> seen(8, nullptr);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < seen.size(); ++i) threads.emplace_back([&seen, i] { seen[i] = &Embedded(); });
  for (auto& t : threads) t.join();
  for (const Catalog* c : seen) EXPECT_EQ(c, seen[0]);
}

TEST(CatalogLoaderTest, MinimalCatalogLoadsWithItsSemantics) {
  auto c = LoadFromJson(ReadSource("tests/catalog/testdata/minimal.json"));
  ASSERT_TRUE(c.ok()) << c.error().message;
  ASSERT_EQ(c->supernets.size(), 2u);
  EXPECT_EQ(c->supernets[1].cidr.family, net::Family::kIPv6);
  const Row* media = c->FindRow("voice.media");
  ASSERT_NE(media, nullptr);
  EXPECT_EQ(media->ordinal, 1);
  EXPECT_EQ(media->ports[1].qualifier, PortQualifier::kFallback);
  EXPECT_EQ(media->ports[1].condition, kConditionTcpFallback);
  const Row* sftp = c->FindRow("voice.sftp");
  EXPECT_EQ(sftp->direction, net::Direction::kIngress);
  EXPECT_EQ(sftp->ordinal, 3);
  EXPECT_EQ(c->FindRow("bundle.voice")->include_service, "voice");
  EXPECT_EQ(c->advisories[0].facts.at("min_seconds"), "300");
  EXPECT_EQ(c->FindRow("nope.nope"), nullptr);
  EXPECT_EQ(c->FindService("nope"), nullptr);
}

TEST(CatalogLoaderTest, ErrorMessageListsEveryProblemAndWhereHoldsTheFirst) {
  std::string text = ReadSource("tests/catalog/broken/many_errors_at_once.json");
  std::vector<ValidationError> errors;
  auto c = LoadFromJson(text, errors);
  ASSERT_FALSE(c.ok());
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(c.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(c.error().where, errors[0].pointer);
  for (const auto& e : errors) EXPECT_NE(c.error().message.find(e.pointer + ": " + e.reason), std::string::npos);
  EXPECT_NE(c.error().message.find("3 problems"), std::string::npos);
}

TEST(CatalogLoaderTest, EmptyAndHugeInputsAreErrorsNotCrashes) {
  EXPECT_FALSE(LoadFromJson("").ok());
  EXPECT_FALSE(LoadFromJson("null").ok());
  EXPECT_FALSE(LoadFromJson("{}").ok());
  std::string huge(17u << 20, ' ');
  auto r = LoadFromJson(huge);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("larger than"), std::string::npos);
}

// Parses a companion .expect file: "<pointer> :: <reason substring>" per line, '#' comments.
std::vector<std::pair<std::string, std::string>> ReadExpect(const std::string& path) {
  std::vector<std::pair<std::string, std::string>> out;
  std::istringstream in(ReadFile(path));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto sep = line.find(" :: ");
    if (sep == std::string::npos) {
      ADD_FAILURE() << path << ": bad expect line: " << line;
      continue;
    }
    out.push_back({line.substr(0, sep), line.substr(sep + 4)});
  }
  return out;
}

TEST(CatalogLoaderTest, BrokenCorpusFailsWithTheExpectedErrors) {
  namespace fs = std::filesystem;
  fs::path dir = SourcePath("tests/catalog/broken");
  std::vector<fs::path> cases;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".json") cases.push_back(e.path());
  std::sort(cases.begin(), cases.end());
  EXPECT_GE(cases.size(), 15u);
  for (const auto& file : cases) {
    SCOPED_TRACE(file.filename().string());
    fs::path expect_path = file;
    expect_path.replace_extension(".expect");
    ASSERT_TRUE(fs::exists(expect_path)) << "every broken case needs a .expect file";
    auto expected = ReadExpect(expect_path.string());
    ASSERT_FALSE(expected.empty());
    std::vector<ValidationError> errors;
    auto c = LoadFromJson(ReadFile(file.string()), errors);
    ASSERT_FALSE(c.ok()) << "a broken catalog loaded";
    std::string all;
    for (const auto& e : errors) all += "\n  " + e.pointer + ": " + e.reason;
    EXPECT_EQ(errors.size(), expected.size()) << "got:" << all;
    for (const auto& [pointer, reason] : expected) {
      bool found = std::any_of(errors.begin(), errors.end(), [&](const ValidationError& e) {
        return e.pointer == pointer && e.reason.find(reason) != std::string::npos;
      });
      EXPECT_TRUE(found) << "missing " << pointer << " :: " << reason << "\ngot:" << all;
    }
  }
}

TEST(CatalogLoaderTest, BrokenOverrideNeverFallsBackToEmbedded) {
  auto r = LoadFromJson(ReadSource("tests/catalog/broken/unknown_include.json"));
  EXPECT_FALSE(r.ok());  // a Result error, not the embedded catalog
}

}  // namespace
}  // namespace prov::catalog
