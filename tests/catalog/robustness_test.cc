// Malformed catalogs must come back as errors with usable pointers, never as crashes:
// random structural mutations of the real catalog and random byte damage.
#include <gtest/gtest.h>

#include <random>

#include <nlohmann/json.hpp>

#include "provider/catalog/loader.h"
#include "tests/catalog/catalog_test_util.h"

namespace prov::catalog {
namespace {

using json = nlohmann::json;

void CollectPointers(const json& j, const std::string& ptr, std::vector<std::string>& out) {
  out.push_back(ptr);
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      std::string key;
      for (char c : it.key()) key += c == '~' ? "~0" : c == '/' ? "~1" : std::string(1, c);
      CollectPointers(*it, ptr + "/" + key, out);
    }
  } else if (j.is_array()) {
    for (size_t i = 0; i < j.size(); ++i) CollectPointers(j[i], ptr + "/" + std::to_string(i), out);
  }
}

// An error pointer names the bad value, or (for a missing field) a child of an existing value.
bool PointerIsPlausible(const json& doc, const std::string& ptr) {
  if (ptr.empty()) return true;
  try {
    if (doc.contains(json::json_pointer(ptr))) return true;
    return doc.contains(json::json_pointer(ptr.substr(0, ptr.rfind('/'))));
  } catch (const json::exception&) {
    return false;
  }
}

TEST(CatalogRobustnessTest, StructuralMutationsYieldErrorsWithPlausiblePointers) {
  const json original = json::parse(EmbeddedJson());
  std::vector<std::string> pointers;
  CollectPointers(original, "", pointers);
  const std::vector<json> replacements = {nullptr, 0, -1, 70000, "", "x", "*.", json::array(), json::object(),
                                          true, json::array({1, "a"}), "999.1.1.1/33"};
  std::mt19937 rng(20261125);
  int rejected = 0;
  for (int i = 0; i < 300; ++i) {
    json doc = original;
    int edits = 1 + static_cast<int>(rng() % 3);
    for (int k = 0; k < edits; ++k) {
      const std::string& p = pointers[1 + rng() % (pointers.size() - 1)];
      json::json_pointer jp(p);
      if (!doc.contains(jp)) continue;  // removed by an earlier edit
      if (rng() % 4 == 0) {
        json& parent = doc[jp.parent_pointer()];
        if (parent.is_object()) parent.erase(jp.back());
        else doc[jp] = replacements[rng() % replacements.size()];
      } else {
        doc[jp] = replacements[rng() % replacements.size()];
      }
    }
    std::vector<ValidationError> errors;
    auto r = LoadFromJson(doc.dump(), errors);
    ASSERT_EQ(r.ok(), errors.empty()) << i;
    if (!r.ok()) {
      ++rejected;
      for (const auto& e : errors) {
        EXPECT_FALSE(e.reason.empty());
        EXPECT_TRUE(PointerIsPlausible(doc, e.pointer)) << e.pointer << ": " << e.reason;
      }
    }
  }
  // Most mutations break something; free-text fields accept a string, so not all do.
  EXPECT_GT(rejected, 200);
}

TEST(CatalogRobustnessTest, TruncatedAndDamagedBytesAreErrors) {
  std::string text = testing::ReadSource("tests/catalog/testdata/minimal.json");
  ASSERT_FALSE(text.empty());
  for (size_t n = 0; n + 2 < text.size(); n += 7) EXPECT_FALSE(LoadFromJson(text.substr(0, n)).ok()) << n;
  std::mt19937 rng(7);
  for (int i = 0; i < 500; ++i) {
    std::string damaged = text;
    for (int k = 0; k < 3; ++k) damaged[rng() % damaged.size()] = static_cast<char>(rng() % 256);
    std::vector<ValidationError> errors;
    auto r = LoadFromJson(damaged, errors);  // must not crash; may still be valid
    EXPECT_EQ(r.ok(), errors.empty());
  }
}

}  // namespace
}  // namespace prov::catalog
