#include "provider/catalog/query.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "provider/catalog/loader.h"

namespace prov::catalog {
namespace {

using Strings = std::vector<std::string>;

Strings ServiceIds(const Catalog& c) {
  Strings out;
  for (const auto& s : c.services) out.push_back(s.id);
  return out;
}

Strings PortList(const Catalog& c, const std::string& row_id) {
  Strings out;
  const Row* r = c.FindRow(row_id);
  if (!r) return {"<no row>"};
  for (const auto& p : r->ports) out.push_back(std::string(net::TransportName(p.transport)) + "/" + p.range.ToString());
  return out;
}

Catalog MustSelect(const Filter& f) {
  auto r = Select(Embedded(), f);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? std::move(r).value() : Catalog{};
}

TEST(CatalogQueryTest, EmptyFilterSelectsEveryService) {
  Catalog c = MustSelect({});
  EXPECT_EQ(ServiceIds(c), ServiceIds(Embedded()));
  EXPECT_EQ(c.supernets.size(), 9u);
  EXPECT_EQ(c.advisories.size(), Embedded().advisories.size());
  EXPECT_EQ(c.content_sha256, Embedded().content_sha256);
}

TEST(CatalogQueryTest, LineSharingGatesTheBlaPorts) {
  Catalog off = MustSelect({{"phones"}});
  EXPECT_EQ(ServiceIds(off), Strings{"phones"});
  EXPECT_EQ(PortList(off, "phones.signaling"), (Strings{"tcp/5090", "udp/5090"}));
  EXPECT_EQ(PortList(off, "phones.signaling_secured"), (Strings{"tcp/5096"}));
  Filter f{{"phones"}};
  f.line_sharing = true;
  Catalog on = MustSelect(f);
  EXPECT_EQ(PortList(on, "phones.signaling"), (Strings{"tcp/5090", "tcp/5099", "udp/5090", "udp/5099"}));
  EXPECT_EQ(PortList(on, "phones.signaling_secured"), (Strings{"tcp/5096", "tcp/5098"}));
}

TEST(CatalogQueryTest, TcpFallbackGatesMediaOverTcp443) {
  Catalog off = MustSelect({{"video_rooms", "video"}});
  EXPECT_EQ(PortList(off, "video.media_secured"), (Strings{"udp/10000-19999"}));
  EXPECT_EQ(off.FindRow("video_rooms.media_secured_tcp_fallback"), nullptr);  // its only port is the fallback
  Filter f{{"video_rooms", "video"}};
  f.tcp_fallback = true;
  Catalog on = MustSelect(f);
  EXPECT_EQ(PortList(on, "video.media_secured"), (Strings{"udp/10000-19999", "tcp/443"}));
  EXPECT_EQ(PortList(on, "video_rooms.media_secured_tcp_fallback"), (Strings{"tcp/443"}));
}

TEST(CatalogQueryTest, Ipv6ClientsGatesTheIpv6SignalingRow) {
  Catalog off = MustSelect({{"mobile_softphone"}});
  EXPECT_EQ(off.FindRow("mobile_softphone.signaling_ipv6"), nullptr);
  EXPECT_EQ(off.FindService("mobile_softphone")->rows.size(), 7u);
  Filter f{{"mobile_softphone"}};
  f.ipv6_clients = true;
  Catalog on = MustSelect(f);
  EXPECT_EQ(PortList(on, "mobile_softphone.signaling_ipv6"), (Strings{"tcp/5090-5098", "tcp/443"}));
}

TEST(CatalogQueryTest, IncludesAreFollowedInDocumentOrder) {
  EXPECT_EQ(ServiceIds(MustSelect({{"webinar"}})), (Strings{"video", "webinar"}));
  EXPECT_EQ(ServiceIds(MustSelect({{"desktop_app"}})), (Strings{"desktop_app", "video"}));
  EXPECT_EQ(ServiceIds(MustSelect({{"archiver", "common"}})), (Strings{"common", "archiver"}));
  // The include row itself stays, for provenance.
  Catalog w = MustSelect({{"webinar"}});
  EXPECT_EQ(w.FindRow("webinar.video")->include_service, "video");
  auto closure = ServiceClosure(Embedded(), {"webinar", "desktop_app"});
  ASSERT_TRUE(closure.ok());
  EXPECT_EQ(*closure, (Strings{"desktop_app", "video", "webinar"}));
}

TEST(CatalogQueryTest, UnknownServiceIsAnErrorNamingIt) {
  auto r = Select(Embedded(), {{"phones", "fax"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message.find("\"fax\""), std::string::npos);
  EXPECT_EQ(r.error().where, "services[1]");
}

TEST(CatalogQueryTest, DestinationHelpersOnASelection) {
  Catalog archiver = MustSelect({{"archiver"}});
  EXPECT_TRUE(AllFqdns(archiver).empty());
  EXPECT_TRUE(AllWildcards(archiver).empty());
  auto cidrs = AllCidrs(archiver);
  ASSERT_EQ(cidrs.size(), 11u);
  EXPECT_TRUE(std::is_sorted(cidrs.begin(), cidrs.end()));
  EXPECT_EQ(AllParameters(archiver), Strings{"sftp_server_addresses"});

  Catalog phones = MustSelect({{"phones"}});
  auto fqdns = AllFqdns(phones);
  // 2 NTP + 1 LDAP + Poly 5 + Cisco 4 + Yealink 5 + Avaya 3 + Unify 3 + Mitel 5 + SNOM 4.
  EXPECT_EQ(fqdns.size(), 32u);
  EXPECT_TRUE(std::is_sorted(fqdns.begin(), fqdns.end()));
  EXPECT_TRUE(AllWildcards(phones).empty());

  Catalog integration = MustSelect({{"integration"}});
  EXPECT_EQ(AllWildcards(integration), Strings{"sip*.ringcentral.biz"});
  // platform.ringcentral.biz appears in two rows but once in the list.
  EXPECT_EQ(AllFqdns(integration).size(), 5u);
}

TEST(CatalogQueryTest, ConditionOnKnowsEachSwitch) {
  Filter f;
  EXPECT_FALSE(ConditionOn(f, kConditionLineSharing));
  f.line_sharing = true;
  EXPECT_TRUE(ConditionOn(f, kConditionLineSharing));
  EXPECT_FALSE(ConditionOn(f, kConditionTcpFallback));
  f.tcp_fallback = f.ipv6_clients = true;
  EXPECT_TRUE(ConditionOn(f, kConditionTcpFallback));
  EXPECT_TRUE(ConditionOn(f, kConditionIpv6Clients));
  EXPECT_FALSE(ConditionOn(f, "no_such_condition"));
}

}  // namespace
}  // namespace prov::catalog
