// The embedded catalog is compiled at build time into constant tables (compiled.h). It must
// be exactly the catalog the loader makes from the JSON it was compiled from: every field,
// the loader-computed ones (ordinals, content_sha256) included.
#include "provider/catalog/compiled.h"

#include <gtest/gtest.h>

#include "provider/catalog/loader.h"

namespace prov::catalog {
namespace {

void ExpectSameDestinations(const Destinations& a, const Destinations& b, const std::string& where) {
  EXPECT_EQ(a.supernets, b.supernets) << where;
  EXPECT_EQ(a.cidrs, b.cidrs) << where;
  EXPECT_EQ(a.fqdns, b.fqdns) << where;
  EXPECT_EQ(a.wildcards, b.wildcards) << where;
  ASSERT_EQ(a.parameters.size(), b.parameters.size()) << where;
  for (size_t i = 0; i < a.parameters.size(); ++i) {
    EXPECT_EQ(a.parameters[i].parameter, b.parameters[i].parameter) << where;
    EXPECT_EQ(a.parameters[i].text, b.parameters[i].text) << where;
    EXPECT_EQ(a.parameters[i].wan, b.parameters[i].wan) << where;
  }
  EXPECT_EQ(a.groups, b.groups) << where;
  EXPECT_EQ(a.alternatives, b.alternatives) << where;
  EXPECT_EQ(a.within_supernets, b.within_supernets) << where;
  EXPECT_EQ(a.text, b.text) << where;
  EXPECT_EQ(a.traverses_enterprise_network, b.traverses_enterprise_network) << where;
}

void ExpectSameRow(const Row& a, const Row& b) {
  const std::string& where = a.id;
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.ordinal, b.ordinal) << where;
  EXPECT_EQ(a.purpose, b.purpose) << where;
  EXPECT_EQ(a.app_protocol, b.app_protocol) << where;
  EXPECT_EQ(a.traffic_class, b.traffic_class) << where;
  EXPECT_EQ(a.direction, b.direction) << where;
  ExpectSameDestinations(a.destinations, b.destinations, where);
  ASSERT_EQ(a.ports.size(), b.ports.size()) << where;
  for (size_t i = 0; i < a.ports.size(); ++i) {
    const PortSpec& p = a.ports[i];
    const PortSpec& q = b.ports[i];
    EXPECT_EQ(p.transport, q.transport) << where;
    EXPECT_EQ(p.range, q.range) << where;
    EXPECT_EQ(p.qualifier, q.qualifier) << where;
    EXPECT_EQ(p.condition, q.condition) << where;
    EXPECT_EQ(p.note, q.note) << where;
    EXPECT_EQ(p.applies_to_group, q.applies_to_group) << where;
  }
  EXPECT_EQ(a.ports_text, b.ports_text) << where;
  EXPECT_EQ(a.condition, b.condition) << where;
  EXPECT_EQ(a.include_service, b.include_service) << where;
  EXPECT_EQ(a.notes, b.notes) << where;
}

TEST(CompiledCatalogTest, EqualsTheCatalogTheLoaderMakesFromTheSameJson) {
  auto loaded = LoadFromJson(EmbeddedJson());
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  const Catalog& want = *loaded;
  const Catalog& got = Embedded();
  EXPECT_EQ(got.schema_version, want.schema_version);
  EXPECT_EQ(got.version, want.version);
  EXPECT_EQ(got.source.title, want.source.title);
  EXPECT_EQ(got.source.article, want.source.article);
  EXPECT_EQ(got.source.url, want.source.url);
  EXPECT_EQ(got.source.retrieved, want.source.retrieved);
  EXPECT_EQ(got.source.sha256, want.source.sha256);
  EXPECT_EQ(got.content_sha256, want.content_sha256);
  ASSERT_EQ(got.supernets.size(), want.supernets.size());
  for (size_t i = 0; i < got.supernets.size(); ++i) {
    EXPECT_EQ(got.supernets[i].cidr, want.supernets[i].cidr);
    EXPECT_EQ(got.supernets[i].sources, want.supernets[i].sources);
  }
  ASSERT_EQ(got.services.size(), want.services.size());
  for (size_t i = 0; i < got.services.size(); ++i) {
    const Service& a = got.services[i];
    const Service& b = want.services[i];
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.table, b.table);
    EXPECT_EQ(a.section, b.section);
    EXPECT_EQ(a.title, b.title);
    EXPECT_EQ(a.category, b.category);
    EXPECT_EQ(a.notes, b.notes);
    ASSERT_EQ(a.rows.size(), b.rows.size()) << a.id;
    for (size_t j = 0; j < a.rows.size(); ++j) ExpectSameRow(a.rows[j], b.rows[j]);
  }
  ASSERT_EQ(got.advisories.size(), want.advisories.size());
  for (size_t i = 0; i < got.advisories.size(); ++i) {
    const Advisory& a = got.advisories[i];
    const Advisory& b = want.advisories[i];
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.section, b.section);
    EXPECT_EQ(a.title, b.title);
    EXPECT_EQ(a.text, b.text);
    EXPECT_EQ(a.requirement, b.requirement);
    EXPECT_EQ(a.facts, b.facts);
  }
  // And every rendering, byte for byte.
  EXPECT_EQ(ToJson(got), ToJson(want));
  EXPECT_EQ(ToCsv(got), ToCsv(want));
  EXPECT_EQ(ToMarkdown(got), ToMarkdown(want));
  EXPECT_EQ(Diff(want, got), "no changes\n");
}

// The equality above also covers the generator's escaping only if the text holds the
// characters that need it: non-ASCII (the article's en dashes) and backslashes ("TCP\\18443").
TEST(CompiledCatalogTest, TheDataExercisesTheGeneratorsEscaping) {
  bool non_ascii = false, backslash = false;
  for (const auto& s : Embedded().services)
    for (const auto& r : s.rows)
      for (const std::string* t : {&r.purpose, &r.ports_text, &r.destinations.text, &r.app_protocol})
        for (unsigned char c : *t) {
          non_ascii |= c >= 0x80;
          backslash |= c == '\\';
        }
  EXPECT_TRUE(non_ascii);
  EXPECT_TRUE(backslash);
}

}  // namespace
}  // namespace prov::catalog
