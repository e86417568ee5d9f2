// The embedded catalog against AT&T article #91404, table by table. The expected values
// below were transcribed from the article (not from the JSON), so a slip in either shows.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "provider/catalog/loader.h"
#include "provider/catalog/query.h"

namespace prov::catalog {
namespace {

using Strings = std::vector<std::string>;

const Strings kPubnub = {
    "ringcentral.pubnubapi.com",   "ringcentral-0.pubnubapi.com", "ringcentral-1.pubnubapi.com",
    "ringcentral-2.pubnubapi.com", "ringcentral-3.pubnubapi.com", "ringcentral-4.pubnubapi.com",
    "ringcentral-5.pubnubapi.com", "ringcentral-6.pubnubapi.com", "ringcentral-7.pubnubapi.com",
    "ringcentral-8.pubnubapi.com", "ringcentral-9.pubnubapi.com"};

// "tcp/443", "udp/10000-19999", with " fallback:tcp_fallback" / " conditional:line_sharing" /
// " alternative" / " [group]" appended for qualified ports.
std::string PortText(const PortSpec& p) {
  std::string s = std::string(net::TransportName(p.transport)) + "/" + p.range.ToString();
  if (p.qualifier != PortQualifier::kDefault) {
    s += std::string(" ") + PortQualifierName(p.qualifier);
    if (!p.condition.empty()) s += ":" + p.condition;
  }
  if (!p.applies_to_group.empty()) s += " [" + p.applies_to_group + "]";
  return s;
}

Strings Ports(const Row& r) {
  Strings out;
  for (const auto& p : r.ports) out.push_back(PortText(p));
  return out;
}

// Row as seen in the article: purpose, application protocol, names (exact + wildcards, in
// cell order), whether the cell says "IP supernets", and the ports.
struct ArticleRow {
  std::string purpose;
  std::string protocol;
  Strings names;
  bool supernets;
  Strings ports;
};

Strings Names(const Row& r) {
  Strings out;
  // Cell order: the catalog keeps exact names and wildcards apart; the article mixes them,
  // so compare as sets (order inside a cell is checked where it matters below).
  for (const auto& f : r.destinations.fqdns) out.push_back(f);
  for (const auto& w : r.destinations.wildcards) out.push_back(w);
  for (const auto& [_, hosts] : r.destinations.groups) out.insert(out.end(), hosts.begin(), hosts.end());
  std::sort(out.begin(), out.end());
  return out;
}

void ExpectTable(const std::string& service_id, const std::vector<ArticleRow>& want) {
  const Service* s = Embedded().FindService(service_id);
  ASSERT_NE(s, nullptr) << service_id;
  ASSERT_EQ(s->rows.size(), want.size()) << service_id;
  for (size_t i = 0; i < want.size(); ++i) {
    const Row& r = s->rows[i];
    SCOPED_TRACE(r.id);
    EXPECT_EQ(r.ordinal, static_cast<int>(i) + 1);
    EXPECT_EQ(r.purpose, want[i].purpose);
    EXPECT_EQ(r.app_protocol, want[i].protocol);
    Strings names = want[i].names;
    std::sort(names.begin(), names.end());
    EXPECT_EQ(Names(r), names);
    EXPECT_EQ(r.destinations.supernets, want[i].supernets);
    EXPECT_EQ(Ports(r), want[i].ports);
  }
}

TEST(CatalogArticleTest, ServicesInDocumentOrder) {
  Strings ids, tables;
  for (const auto& s : Embedded().services) {
    ids.push_back(s.id);
    tables.push_back(s.table);
  }
  EXPECT_EQ(tables, (Strings{"3.1.1", "3.2.1", "3.2.2", "3.2.3", "3.2.4", "3.2.5", "3.2.6", "3.2.7", "3.2.8",
                             "3.3.1", "3.4.1", "3.5.1"}));
  EXPECT_EQ(ids, (Strings{"common", "desktop_app", "video", "webinar", "video_rooms", "room_connector", "phones",
                          "desktop_softphone", "mobile_softphone", "archiver", "sip_trunks", "integration"}));
  size_t rows = 0;
  for (const auto& s : Embedded().services) rows += s.rows.size();
  EXPECT_EQ(rows, 8u + 16 + 11 + 2 + 8 + 3 + 12 + 8 + 8 + 2 + 2 + 7);
}

TEST(CatalogArticleTest, Table21NineSupernetsWithProvenance) {
  const auto& c = Embedded();
  Strings got;
  for (const auto& s : c.supernets) got.push_back(s.cidr.ToString());
  EXPECT_EQ(got, (Strings{"66.81.240.0/20", "80.81.128.0/20", "103.44.68.0/22", "104.245.56.0/21", "185.23.248.0/22",
                          "192.209.24.0/21", "199.68.212.0/22", "199.255.120.0/22", "208.87.40.0/22"}));
  // Every supernet is in the AT&T article; RingCentral's own page lists all but 66.81.240.0/20.
  int on_ringcentral_page = 0;
  for (const auto& s : c.supernets) {
    EXPECT_NE(std::find(s.sources.begin(), s.sources.end(), "att-article-91404"), s.sources.end());
    bool rc = std::find(s.sources.begin(), s.sources.end(), "ringcentral-network-requirements") != s.sources.end();
    on_ringcentral_page += rc;
    EXPECT_EQ(rc, s.cidr.ToString() != "66.81.240.0/20") << s.cidr.ToString();
  }
  EXPECT_EQ(on_ringcentral_page, 8);
}

TEST(CatalogArticleTest, SourceDocumentIdentity) {
  const auto& src = Embedded().source;
  EXPECT_EQ(src.title, "Network Requirements | AT&T Office@Hand");
  EXPECT_EQ(src.article, "91404");
  EXPECT_EQ(src.sha256, "ee32284253a9247fa7c2ca55cac910f2a422809be884b40a8dbbbb6c16dcb419");
  EXPECT_EQ(src.retrieved, "2026-11-25");
  EXPECT_EQ(Embedded().schema_version, "1");
  EXPECT_FALSE(Embedded().version.empty());
}

TEST(CatalogArticleTest, Table311CommonCloudServices) {
  ExpectTable("common", {
      {"Company website", "HTTPS", {"www.business.att.com"}, false, {"tcp/443"}},
      {"Service status portal", "HTTPS", {"status-officeathand.att.com"}, false, {"tcp/443"}},
      {"Accounts management portal", "HTTPS", {"accounts-officeathand.att.com"}, false, {"tcp/443"}},
      {"Administrator/User account portal", "HTTPS", {"login-officeathand.att.com"}, false, {"tcp/443"}},
      {"Discovery service", "HTTPS", {"discovery.ringcentral.biz"}, false, {"tcp/443"}},
      {"Service web portal", "HTTPS", {"service-officeathand.att.com"}, false, {"tcp/443"}},
      {"Analytics portal", "HTTPS", {"analytics-officeathand.att.com"}, false, {"tcp/443"}},
      {"Live Reports portal", "HTTPS", {"live-officeathand.att.com"}, false, {"tcp/443"}},
  });
  EXPECT_EQ(Embedded().FindService("common")->section, "3.1");
  EXPECT_EQ(Embedded().FindService("common")->category, "common");
}

TEST(CatalogArticleTest, Table321DesktopWebMobileApp) {
  ExpectTable("desktop_app", {
      {"Media/media secured and media access control", "RTP/SRTP (DTLS) and STUN", {"*.ringcentral.biz"}, true,
       {"udp/20000-64999", "udp/19302"}},
      {"Signaling mobile app", "SIP/TCP", {}, true, {"tcp/5091"}},
      {"Signaling secured mobile app", "SIP/TLS", {}, true, {"tcp/5097"}},
      {"Signaling secured mobile app", "SIP/WSS/TLS", {}, true, {"tcp/443"}},
      {"Signaling secured desktop and web app", "SIP/WSS/DTLS", {}, true, {"tcp/8083"}},
      {"IOVATION SDK for two-factor login", "HTTPS", {"mpsnare.iesnare.com"}, false, {"tcp/443"}},
      {"Application file upload and download", "HTTPS",
       {"glip-prod-biz-us-east-1-core-data.s3.amazonaws.com",
        "glip-prod-biz-us-east-1-core-data.s3-accelerate.amazonaws.com"},
       false, {"tcp/443"}},
      {"Log file upload", "HTTPS", {"www.filestackapi.com"}, false, {"tcp/443"}},
      {"Application service API", "HTTPS", {"*.ringcentral.biz"}, false, {"tcp/443"}},
      {"Messaging service API", "HTTPS", {"glip.ringcentral.biz"}, false, {"tcp/443"}},
      {"Presence status, call log notifications, and voicemail notifications", "HTTPS", kPubnub, false,
       {"tcp/443"}},
      {"Android application push notifications", "HTTPS", {"mtalk.google.com"}, false,
       {"tcp/443", "tcp/5228", "tcp/5229", "tcp/5230"}},
      {"iOS application push notifications", "HTTPS", {"api.push.apple.com"}, false,
       {"tcp/443", "tcp/2197", "tcp/5223"}},
      {"Messaging content support", "HTTPS",
       {"api.giphy.com", "media0.giphy.com", "media1.giphy.com", "media2.giphy.com", "media3.giphy.com",
        "media4.giphy.com"},
       false, {"tcp/443"}},
      {"Software and provisioning updates", "HTTPS", {"*.cloudfront.net"}, false, {"tcp/443"}},
      {"AT&T Office@Hand video mobile, desktop, and web application", "", {}, false, {}},
  });
  const auto& c = Embedded();
  const Row* media = c.FindRow("desktop_app.media");
  ASSERT_NE(media, nullptr);
  EXPECT_TRUE(media->destinations.alternatives);  // "IP supernets or *.ringcentral.biz"
  EXPECT_EQ(media->traffic_class, TrafficClass::kMedia);
  const Row* inc = c.FindRow("desktop_app.video");
  ASSERT_NE(inc, nullptr);
  EXPECT_EQ(inc->include_service, "video");  // "Add Table 3.2.2"
  EXPECT_EQ(inc->destinations.text, "Add Table 3.2.2");
  // The pubnub hosts in the article's order.
  EXPECT_EQ(c.FindRow("desktop_app.notifications")->destinations.fqdns, kPubnub);
}

TEST(CatalogArticleTest, Table322Video) {
  ExpectTable("video", {
      {"Media Secured", "SRTP", {"*.v.ringcentral.biz"}, true, {"udp/10000-19999", "tcp/443 fallback:tcp_fallback"}},
      {"Signaling secured", "HTTPS/WSS/TLS", {"*.ringcentral.biz"}, true, {"tcp/443"}},
      {"Web client application", "HTTPS", {"meetings.officeathand.att.com"}, false, {"tcp/443"}},
      {"Parser configuration for meeting link verification for mobile phones", "HTTPS", {"media.ringcentral.com"},
       false, {"tcp/443"}},
      {"Connect platform", "HTTPS", {"api-meet.ringcentral.biz"}, false, {"tcp/443"}},
      {"Statistics collector", "HTTPS", {"edr.ringcentral.biz"}, false, {"tcp/443"}},
      {"Presence status, call log notifications, and voicemail notifications", "HTTPS", kPubnub, false,
       {"tcp/443"}},
      {"Application configuration", "HTTPS", {"downloads.ringcentral.biz"}, false, {"tcp/443"}},
      {"Application download and update", "HTTPS", {"app.ringcentral.biz"}, false, {"tcp/443"}},
      {"Feature enablement control", "HTTPS",
       {"*.launchdarkly.com", "app.launchdarkly.com", "events.launchdarkly.com", "clientstream.launchdarkly.com",
        "mobile.launchdarkly.com"},
       false, {"tcp/443"}},
      {"Network connectivity test application \u2013 part of Office@Hand video", "HTTPS",
       {"rcv.testrtc.com", "api.nettest.testrtc.com", "kong.testrtc.com", "*.turn.testrtc.com",
        "*.speed.testrtc.com"},
       false, {"tcp/443", "udp/443"}},
  });
  const Row* media = Embedded().FindRow("video.media_secured");
  ASSERT_NE(media, nullptr);
  EXPECT_TRUE(media->destinations.alternatives);
  EXPECT_EQ(media->ports[0].note, "(default)");
  EXPECT_NE(media->ports[1].note.find("when UDP is not available"), std::string::npos);
  EXPECT_EQ(Embedded().FindService("video")->notes.size(), 4u);
}

TEST(CatalogArticleTest, Table323WebinarIncludesVideo) {
  ExpectTable("webinar", {
      {"AT&T Office@Hand Video", "", {}, false, {}},
      {"Fetch webinar session live streaming media segments", "HTTPS", {"*.cloudfront.net"}, false, {"tcp/443"}},
  });
  EXPECT_EQ(Embedded().FindRow("webinar.video")->include_service, "video");
}

TEST(CatalogArticleTest, Table324VideoRooms) {
  ExpectTable("video_rooms", {
      {"Media secured", "SRTP", {}, true, {"udp/10000-19999"}},
      {"", "SRTP", {}, true, {"tcp/443 fallback:tcp_fallback"}},  // unnamed row: media's TCP fallback
      {"Signaling secured", "HTTPS", {}, true, {"tcp/443"}},
      {"SIP registration service", "HTTPS/TLS", {"*.ringcentral.biz"}, false, {"tcp/8085-8090"}},
      {"Rooms host device", "HTTPS", {}, false, {"tcp/9520-9530"}},
      {"Login portal", "HTTPS", {"meetings.officeathand.att.com"}, false, {"tcp/443"}},
      {"Notifications", "HTTPS", kPubnub, false, {"tcp/443"}},
      {"Software and provisioning updates", "HTTPS", {"*.ringcentral.biz"}, false, {"tcp/443"}},
  });
  const Row* fallback = Embedded().FindService("video_rooms")->rows.data() + 1;
  EXPECT_EQ(fallback->traffic_class, TrafficClass::kMedia);
  const Row* host = Embedded().FindRow("video_rooms.rooms_host");
  ASSERT_NE(host, nullptr);
  ASSERT_EQ(host->destinations.parameters.size(), 1u);
  EXPECT_EQ(host->destinations.parameters[0].parameter, "rooms_host");
  EXPECT_FALSE(host->destinations.parameters[0].wan);  // "no WAN firewall traversal"
  EXPECT_NE(host->destinations.text.find("no WAN firewall traversal"), std::string::npos);
}

TEST(CatalogArticleTest, Table325RoomConnectorAlternatives) {
  ExpectTable("room_connector", {
      {"Media", "RTP/SRTP", {}, true, {"udp/10000-19999"}},
      {"Signaling", "SIP", {"rcvsip.biz", "att.rcvsip.biz"}, false, {"udp/5060 alternative", "tcp/5060 alternative"}},
      {"Signaling secured", "SIP/TLS", {"rcvsip.biz", "att.rcvsip.biz"}, false, {"tcp/5061"}},
  });
}

TEST(CatalogArticleTest, Table326PhonesWithLineSharingAndHostGroups) {
  ExpectTable("phones", {
      {"Media and media secured", "RTP/SRTP", {}, true, {"udp/20000-64999"}},
      {"Signaling", "SIP", {}, true,
       {"tcp/5090", "tcp/5099 conditional:line_sharing", "udp/5090", "udp/5099 conditional:line_sharing"}},
      {"Signaling secured", "SIP/TLS", {}, true, {"tcp/5096", "tcp/5098 conditional:line_sharing"}},
      {"Network time service", "NTP", {"ntp1.ringcentral.biz", "ntp2.ringcentral.biz"}, false, {"udp/123"}},
      {"LDAP directory service", "LDAP", {"cd.ringcentral.biz"}, false, {"tcp/636"}},
      {"Poly phones provisioning, firmware Update, and Platform API", "HTTPS",
       {"pp.ringcentral.biz", "pp-pre.ringcentral.biz", "pp.s3.ringcentral.biz", "pp.fw.ringcentral.biz",
        "pp.api.ringcentral.biz"},
       false, {"tcp/443"}},
      {"Cisco phones provisioning and firmware update", "HTTPS",
       {"cp.ringcentral.biz", "cp-pre.ringcentral.biz", "cp.s3.ringcentral.biz", "cp.fw.ringcentral.biz"}, false,
       {"tcp/443"}},
      {"Yealink phones provisioning and firmware update", "HTTPS",
       {"yp.ringcentral.biz", "yp-pre.ringcentral.biz", "yp.s3.ringcentral.biz", "yp.fw.ringcentral.biz",
        "yp.api.ringcentral.biz"},
       false, {"tcp/443"}},
      {"Avaya phones\nProvisioning, firmware update and platform API", "HTTPS",
       {"av.ringcentral.biz", "av-pre.ringcentral.biz", "avaya.api.ringcentral.biz"}, false, {"tcp/443"}},
      {"Unify phones provisioning, firmware update, and platform API", "HTTPS",
       {"unf.ringcentral.biz", "unf-pre.ringcentral.biz", "unf.api.ringcentral.biz"}, false,
       {"tcp/443 [Provisioning]", "tcp/18443 [Platform API]"}},
      {"Mitel phones provisioning, firmware update, and platform API", "HTTPS",
       {"mtl.ringcentral.biz", "mtl-pre.ringcentral.biz", "mtl.s3.ringcentral.biz", "mtl.fw.ringcentral.biz",
        "mtl.api.ringcentral.biz"},
       false, {"tcp/443"}},
      {"SNOM phones provisoning and firmware update", "HTTPS",  // the article's typo, kept
       {"snm.ringcentral.biz", "snm-pre.ringcentral.biz", "snm.s3.ringcentral.biz", "snm.fw.ringcentral.biz"}, false,
       {"tcp/443"}},
  });
  const auto& c = Embedded();
  EXPECT_TRUE(c.FindRow("phones.ntp")->destinations.within_supernets);
  EXPECT_TRUE(c.FindRow("phones.ldap")->destinations.within_supernets);
  const auto& poly = c.FindRow("phones.poly")->destinations.groups;
  EXPECT_EQ(poly.at("Provisioning"), (Strings{"pp.ringcentral.biz", "pp-pre.ringcentral.biz"}));
  EXPECT_EQ(poly.at("Firmware Update"), (Strings{"pp.s3.ringcentral.biz", "pp.fw.ringcentral.biz"}));
  EXPECT_EQ(poly.at("Platform API"), (Strings{"pp.api.ringcentral.biz"}));
  const Row* unify = c.FindRow("phones.unify");
  EXPECT_EQ(unify->ports_text, "Provisoning and Firmware Update: TCP\\443\nPlatform API: TCP\\18443");
  EXPECT_EQ(unify->destinations.groups.at("Platform API"), (Strings{"unf.api.ringcentral.biz"}));
  // BLA footnote kept with the table.
  const auto& notes = c.FindService("phones")->notes;
  EXPECT_TRUE(std::any_of(notes.begin(), notes.end(), [](const std::string& n) {
    return n.find("Ports 5098 and 5099 should be opened for Busy Lamp Appearance only when") != std::string::npos;
  }));
}

TEST(CatalogArticleTest, Table327DesktopSoftphone) {
  ExpectTable("desktop_softphone", {
      {"Media and media secured", "RTP/SRTP", {}, true, {"udp/20000-64999"}},
      {"Signaling", "SIP", {}, true, {"tcp/5091"}},
      {"Signaling secured", "SIP/TLS", {}, true, {"tcp/5097"}},
      {"Presence status, call log notifications, and voicemail notifications", "HTTPS", kPubnub, false,
       {"tcp/443"}},
      {"Software and provisioning updates", "HTTP/HTTPS", {"*.ringcentral.biz"}, false, {"tcp/80", "tcp/443"}},
      {"Platform API for user authentication and call features", "HTTPS", {"api-sp.ringcentral.biz"}, false,
       {"tcp/443"}},
      {"Platform API for media services\n(for transferring media files: voice recordings, faxes, transcriptions, "
       "profile and contact information)",
       "HTTPS", {"media.ringcentral.biz"}, false, {"tcp/443"}},
      {"Google services (contacts and calendar)", "HTTPS",
       {"accounts.google.com", "www.google.com", "www.googleapis.com"}, false, {"tcp/443"}},
  });
}

TEST(CatalogArticleTest, Table328MobileSoftphone) {
  ExpectTable("mobile_softphone", {
      {"Media", "RTP/SRTP", {}, true, {"udp/20000-64999"}},
      {"Signaling", "SIP", {}, true, {"tcp/5091", "udp/5091"}},
      {"Signaling secured", "SIP/TLS", {}, true, {"tcp/5097", "tcp/443"}},
      {"Signaling (IPv6 client)", "SIP/TLS", {}, true, {"tcp/5090-5098", "tcp/443"}},
      {"SIP registration service", "HTTPS", {"*.ringcentral.biz"}, false, {"tcp/443"}},
      {"Application presence status, call log notifications, and voicemail notifications \u2013 used in Android, "
       "not in iOS",
       "HTTPS", kPubnub, false, {"tcp/443"}},
      {"Data synchronization with cloud\n(e.g., call log info, presence, and voicemails)", "HTTPS",
       {"api-mob.ringcentral.biz"}, false, {"tcp/443"}},
      {"Soft clients software and provisioning updates", "HTTPS", {"*.cloudfront.net"}, false, {"tcp/443"}},
  });
  EXPECT_EQ(Embedded().FindRow("mobile_softphone.signaling_ipv6")->condition, kConditionIpv6Clients);
  const auto& notes = Embedded().FindRow("mobile_softphone.notifications")->notes;
  ASSERT_FALSE(notes.empty());
  EXPECT_NE(notes[0].find("Android"), std::string::npos);
}

TEST(CatalogArticleTest, Table331ArchiverSftpIsIngressFromElevenClients) {
  ExpectTable("archiver", {
      {"Content archiving", "HTTPS", {}, false, {"tcp/443"}},
      {"Content archiving", "SFTP", {}, false, {"tcp/22"}},
  });
  const auto& c = Embedded();
  const Row& cloud = c.FindService("archiver")->rows[0];
  EXPECT_FALSE(cloud.destinations.traverses_enterprise_network);  // cloud-to-cloud
  EXPECT_EQ(cloud.direction, net::Direction::kEgress);
  const Row& sftp = c.FindService("archiver")->rows[1];
  EXPECT_EQ(sftp.direction, net::Direction::kIngress);
  Strings ips;
  for (const auto& cidr : sftp.destinations.cidrs) ips.push_back(cidr.ToString());
  EXPECT_EQ(ips, (Strings{"3.211.163.136/32", "3.223.170.110/32", "34.225.218.68/32", "34.226.29.169/32",
                          "34.234.210.244/32", "34.236.210.8/32", "34.239.13.99/32", "35.172.123.110/32",
                          "52.87.7.127/32", "54.80.51.95/32", "54.147.91.15/32"}));
  ASSERT_EQ(sftp.destinations.parameters.size(), 1u);
  EXPECT_EQ(sftp.destinations.parameters[0].parameter, "sftp_server_addresses");
  EXPECT_TRUE(sftp.destinations.parameters[0].wan);
}

TEST(CatalogArticleTest, Table341SipTrunksNeedPeers) {
  ExpectTable("sip_trunks", {
      {"Media", "RTP", {}, false, {"udp/1024-65535"}},
      {"Signaling", "SIP", {}, false, {"udp/5060", "tcp/5061-5065"}},
  });
  for (const auto& r : Embedded().FindService("sip_trunks")->rows) {
    ASSERT_EQ(r.destinations.parameters.size(), 1u) << r.id;
    EXPECT_EQ(r.destinations.parameters[0].parameter, "sip_trunk_peers");
    EXPECT_NE(r.destinations.parameters[0].text.find("during project definition"), std::string::npos);
  }
}

TEST(CatalogArticleTest, Table351IntegrationServices) {
  ExpectTable("integration", {
      {"Integration service API", "HTTPS", {"api-rcapps.ringcentral.biz"}, false, {"tcp/443"}},
      {"Endpoint registration service", "HTTPS", {"sip*.ringcentral.biz"}, false, {"tcp/8083"}},
      {"Video scheduling service", "HTTPS", {"api-meet.ringcentral.biz"}, false, {"tcp/443"}},
      {"Microsoft Teams integration service", "HTTPS", {"teams.ringcentral.biz"}, false, {"tcp/443"}},
      {"Slack integration service", "HTTPS", {"slack.ringcentral.biz"}, false, {"tcp/443"}},
      {"Stand-alone platform API", "HTTPS", {"platform.ringcentral.biz"}, false, {"tcp/443"}},
      {"Embeddable platform API", "HTTPS", {"platform.ringcentral.biz"}, false, {"tcp/443"}},
  });
  // The wildcard inside a label stays a wildcard, not a host name.
  EXPECT_EQ(Embedded().FindRow("integration.endpoint_registration")->destinations.wildcards,
            (Strings{"sip*.ringcentral.biz"}));
}

TEST(CatalogArticleTest, TrafficClassesFollowQosOrderInEndpointTables) {
  // Section 3.2: rows go from highest QoS priority (media) to lowest (data). Checked on the
  // tables that have media rows; an include row takes no part.
  for (const char* id : {"desktop_softphone", "mobile_softphone", "phones", "video_rooms", "room_connector"}) {
    int last = -1;
    for (const auto& r : Embedded().FindService(id)->rows) {
      int rank = static_cast<int>(r.traffic_class);
      EXPECT_GE(rank, last) << r.id;
      last = rank;
    }
  }
}

TEST(CatalogArticleTest, AdvisoriesCoverNonFirewallRequirements) {
  const auto& c = Embedded();
  std::map<std::string, const Advisory*> by_id;
  for (const auto& a : c.advisories) by_id[a.id] = &a;
  for (const char* id : {"scope", "private_connections", "supernets_all_locations", "supernets_firewall", "dscp",
                         "disable_dpi_udp", "sessions_from_endpoints", "shared_rules_once",
                         "mobile_operator_networks", "dns", "nat_timeout", "security_software", "qos", "vlan"})
    EXPECT_TRUE(by_id.count(id)) << id;
  const Advisory& nat = *by_id.at("nat_timeout");
  EXPECT_EQ(nat.section, "5");
  EXPECT_EQ(nat.facts.at("cisco_reregister_seconds"), "240");  // every four minutes
  EXPECT_EQ(nat.facts.at("poly_reregister_seconds"), "300");   // every five minutes
  EXPECT_EQ(nat.facts.at("min_nat_timeout_exclusive_seconds"), "300");
  EXPECT_NE(nat.text.find("greater than five minutes"), std::string::npos);
  EXPECT_EQ(by_id.at("dns")->section, "4");
  EXPECT_NE(by_id.at("disable_dpi_udp")->text.find("Deep Packet Inspection for UDP"), std::string::npos);
  EXPECT_EQ(by_id.at("qos")->facts.at("qos_order"), "media,signaling,data");
}

TEST(CatalogArticleTest, DestinationListsOfTheWholeCatalog) {
  const auto& c = Embedded();
  auto fqdns = AllFqdns(c);
  for (const auto& h : kPubnub) EXPECT_TRUE(std::binary_search(fqdns.begin(), fqdns.end(), h)) << h;
  EXPECT_TRUE(std::binary_search(fqdns.begin(), fqdns.end(), "unf.api.ringcentral.biz"));
  EXPECT_EQ(AllWildcards(c), (Strings{"*.cloudfront.net", "*.launchdarkly.com", "*.ringcentral.biz",
                                      "*.speed.testrtc.com", "*.turn.testrtc.com", "*.v.ringcentral.biz",
                                      "sip*.ringcentral.biz"}));
  EXPECT_EQ(AllCidrs(c).size(), 11u);  // the Archiver SFTP clients
  EXPECT_EQ(AllParameters(c), (Strings{"rooms_host", "sftp_server_addresses", "sip_trunk_peers"}));
}

}  // namespace
}  // namespace prov::catalog
