#include <gtest/gtest.h>

#include <sstream>

#include "provider/catalog/loader.h"

namespace prov::catalog {
namespace {

// A small RFC 4180 reader: records of fields; quoted fields may hold commas, quotes and
// line breaks. Returns false on malformed input.
bool ParseCsv(const std::string& text, std::vector<std::vector<std::string>>& records) {
  std::vector<std::string> rec;
  std::string field;
  bool quoted = false, in_quotes = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char ch = text[i];
    if (in_quotes) {
      if (ch == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          in_quotes = false;
        }
      } else {
        field += ch;
      }
      continue;
    }
    if (ch == '"') {
      if (!field.empty() || quoted) return false;
      in_quotes = quoted = true;
    } else if (ch == ',') {
      rec.push_back(field);
      field.clear();
      quoted = false;
    } else if (ch == '\r') {
      if (i + 1 >= text.size() || text[i + 1] != '\n') return false;
      rec.push_back(field);
      records.push_back(rec);
      rec.clear();
      field.clear();
      quoted = false;
      ++i;
    } else if (ch == '\n') {
      return false;  // bare LF outside quotes: not RFC 4180
    } else {
      field += ch;
    }
  }
  return !in_quotes && rec.empty() && field.empty();
}

TEST(CatalogRenderTest, CsvHasOneRecordPerRowAndPort) {
  const Catalog& c = Embedded();
  std::vector<std::vector<std::string>> records;
  ASSERT_TRUE(ParseCsv(ToCsv(c), records));
  size_t expected = 1;  // header
  for (const auto& s : c.services)
    for (const auto& r : s.rows) expected += std::max<size_t>(1, r.ports.size());
  EXPECT_EQ(records.size(), expected);
  // Counted in the article: 104 (row, port) pairs (3.1.1: 8, 3.2.1: 21, 3.2.2: 13, 3.2.3: 1,
  // 3.2.4: 8, 3.2.5: 4, 3.2.6: 17, 3.2.7: 9, 3.2.8: 11, 3.3.1: 2, 3.4.1: 3, 3.5.1: 7) plus the
  // two "Add Table 3.2.2" rows.
  EXPECT_EQ(records.size(), 1u + 104 + 2);
  for (const auto& rec : records) ASSERT_EQ(rec.size(), records[0].size());
  EXPECT_EQ(records[0][2], "row_id");
  // Find the Unify platform API line and check its fields survive quoting.
  bool found = false;
  for (const auto& rec : records) {
    if (rec[2] == "phones.unify" && rec[20] == "18443") {
      found = true;
      EXPECT_EQ(rec[19], "tcp");
      EXPECT_EQ(rec[23], "Platform API");
      EXPECT_EQ(rec[4], "Unify phones provisioning, firmware update, and platform API");  // had commas
    }
  }
  EXPECT_TRUE(found);
}

TEST(CatalogRenderTest, CsvQuotesCommasQuotesAndNewlines) {
  Catalog c = Embedded();
  c.services[0].rows[0].purpose = "say \"hi\", then\nleave";
  std::vector<std::vector<std::string>> records;
  std::string csv = ToCsv(c);
  EXPECT_NE(csv.find("\"say \"\"hi\"\", then\nleave\""), std::string::npos);
  ASSERT_TRUE(ParseCsv(csv, records));
  EXPECT_EQ(records[1][4], "say \"hi\", then\nleave");
}

TEST(CatalogRenderTest, MarkdownNamesEveryRowAndTable) {
  const Catalog& c = Embedded();
  std::string md = ToMarkdown(c);
  for (const auto& s : c.services) {
    EXPECT_NE(md.find("## Table " + s.table), std::string::npos) << s.table;
    for (const auto& r : s.rows) EXPECT_NE(md.find("`" + r.id + "`"), std::string::npos) << r.id;
  }
  for (const auto& sn : c.supernets) EXPECT_NE(md.find("| " + sn.cidr.ToString() + " |"), std::string::npos);
  for (const auto& a : c.advisories) EXPECT_NE(md.find("`" + a.id + "`"), std::string::npos);
  // Every table line is one line: cells with line breaks use <br>.
  std::istringstream in(md);
  std::string line;
  int table_lines = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] != '|') continue;
    ++table_lines;
    EXPECT_EQ(line.back(), '|') << line;
  }
  EXPECT_GT(table_lines, 87);
  EXPECT_NE(md.find("Avaya phones<br>Provisioning"), std::string::npos);
}

TEST(CatalogRenderTest, DiffOfIdenticalCatalogsIsEmpty) {
  EXPECT_EQ(Diff(Embedded(), Embedded()), "no changes\n");
}

TEST(CatalogRenderTest, DiffReportsRowSupernetAdvisoryAndVersionChanges) {
  const Catalog& old_c = Embedded();
  Catalog c = old_c;
  c.version = "2027.01.01";
  // Changed row: a port and the verbatim cell.
  Service& phones = c.services[6];
  ASSERT_EQ(phones.id, "phones");
  phones.rows[0].ports[0].range = {20000, 65000};
  phones.rows[0].ports_text = "UDP\\20000-65000";
  // Removed row and added row.
  Service& integration = c.services[11];
  ASSERT_EQ(integration.id, "integration");
  integration.rows.erase(integration.rows.begin() + 4);  // slack
  for (size_t i = 0; i < integration.rows.size(); ++i) integration.rows[i].ordinal = static_cast<int>(i) + 1;
  Row added = integration.rows[0];
  added.ordinal = static_cast<int>(integration.rows.size()) + 1;
  added.id = "integration.zoom";
  added.purpose = "Zoom integration service";
  integration.rows.push_back(added);
  // Supernets: one removed, one added.
  c.supernets.erase(c.supernets.begin());
  Supernet extra;
  extra.cidr = *net::Cidr::Parse("198.51.100.0/24");
  extra.sources = {"att-article-91404"};
  c.supernets.push_back(extra);
  // Advisory fact changed.
  for (auto& a : c.advisories)
    if (a.id == "nat_timeout") a.facts["poly_reregister_seconds"] = "360";

  std::string d = Diff(old_c, c);
  EXPECT_NE(d.find("version: " + old_c.version + " -> 2027.01.01"), std::string::npos) << d;
  EXPECT_NE(d.find("  + 198.51.100.0/24"), std::string::npos) << d;
  EXPECT_NE(d.find("  - 66.81.240.0/20"), std::string::npos) << d;
  EXPECT_NE(d.find("  + integration.zoom: \"Zoom integration service\" tcp/443"), std::string::npos) << d;
  EXPECT_NE(d.find("  - integration.slack"), std::string::npos) << d;
  EXPECT_NE(d.find("  ~ phones.media\n    ports: \"udp/20000-64999\" -> \"udp/20000-65000\"\n"
                   "    ports_text: \"UDP\\\\20000-64999\" -> \"UDP\\\\20000-65000\"\n"),
            std::string::npos)
      << d;
  // Rows after the removed one moved up: the ordinal change is reported too.
  EXPECT_NE(d.find("  ~ integration.standalone_platform_api\n    ordinal: \"6\" -> \"5\""), std::string::npos) << d;
  EXPECT_NE(d.find("  ~ nat_timeout\n    facts.poly_reregister_seconds: \"300\" -> \"360\""), std::string::npos)
      << d;
  // Unchanged rows are not mentioned.
  EXPECT_EQ(d.find("desktop_app.media"), std::string::npos) << d;
}

}  // namespace
}  // namespace prov::catalog
