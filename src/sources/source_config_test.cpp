#include "sources/source_config.h"

#include <gtest/gtest.h>

namespace lt::sources {
namespace {

TEST(SourceConfig, MapsEachTypeFromTheYamlShape) {
  config::ProducerConfig p;
  p.checkpoint_dir = "/var/lib/lt";
  config::SourceConfig file;
  file.name = "app";
  file.type = "file";
  file.parser = "json";
  file.file.paths = {"/var/log/*.log"};
  file.file.start_at = "beginning";
  file.file.poll_interval = std::chrono::milliseconds(250);
  config::SourceConfig sys;
  sys.name = "sys";
  sys.type = "syslog";
  sys.service = "infra";
  sys.syslog.protocol = "tcp";
  sys.syslog.listen = "[::1]:5514";
  sys.syslog.framing = "newline";
  sys.syslog.max_message_bytes = 2048;
  config::SourceConfig gen;
  gen.name = "gen";
  gen.type = "generator";
  gen.generator.rate = 50;
  gen.generator.seed = 9;
  gen.generator.burst.every = std::chrono::seconds(60);
  gen.generator.burst.duration = std::chrono::seconds(10);
  gen.generator.burst.rate = 1000;
  config::SourceConfig off = gen;
  off.name = "off";
  off.enabled = false;
  config::SourceConfig http;
  http.name = "ingest";
  http.type = "http";
  http.http.listen = "127.0.0.1:8081";
  http.http.token = "t";
  p.sources = {file, sys, gen, off, http};

  auto made = source_specs_from_config(p);
  ASSERT_TRUE(std::holds_alternative<std::vector<SourceSpec>>(made));
  const auto& specs = std::get<std::vector<SourceSpec>>(made);
  ASSERT_EQ(specs.size(), 4u);  // the disabled one is left out
  EXPECT_EQ(specs[0].common.service, "app");  // defaults to the source name
  EXPECT_EQ(specs[0].common.parser.name, "json");
  EXPECT_EQ(specs[0].file.checkpoint_dir, "/var/lib/lt");
  EXPECT_TRUE(specs[0].file.start_at_beginning);
  EXPECT_EQ(specs[0].file.poll_interval_ms, 250u);
  EXPECT_EQ(specs[1].syslog.address, "::1");
  EXPECT_EQ(specs[1].syslog.tcp_port, 5514);
  EXPECT_EQ(specs[1].syslog.udp_port, -1);
  EXPECT_EQ(specs[1].syslog.framing, "newline");
  EXPECT_FALSE(specs[1].syslog.tls);
  EXPECT_EQ(specs[1].common.max_line_bytes, 2048u);
  EXPECT_EQ(specs[2].generator.burst_every_ms, 60000u);
  EXPECT_EQ(specs[2].generator.burst_rate, 1000);
  EXPECT_EQ(specs[2].generator.seed, 9u);
  EXPECT_EQ(specs[3].http.port, 8081);
  EXPECT_EQ(specs[3].http.bearer_token, "t");

  sys.syslog.protocol = "tls";
  sys.syslog.tls.cert_file = "/etc/lt/cert.pem";
  sys.syslog.tls.key_file = "/etc/lt/key.pem";
  p.sources = {sys};
  const auto tls = std::get<std::vector<SourceSpec>>(source_specs_from_config(p));
  EXPECT_TRUE(tls[0].syslog.tls);
  EXPECT_EQ(tls[0].syslog.tcp_port, 5514);
  EXPECT_EQ(tls[0].syslog.tls_cert_file, "/etc/lt/cert.pem");
  EXPECT_EQ(tls[0].syslog.tls_key_file, "/etc/lt/key.pem");

  sys.syslog.listen = "nonsense";
  p.sources = {sys};
  EXPECT_TRUE(std::holds_alternative<Error>(source_specs_from_config(p)));
}

}  // namespace
}  // namespace lt::sources
