#include "config/load.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

namespace lt::config {
namespace {

using ::testing::HasSubstr;

LoadOptions env_from(std::map<std::string, std::string> vars) {
  LoadOptions options;
  options.use_registered_validators = false;
  options.env = [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  return options;
}

LoadResult load(std::string_view text, LoadOptions options = env_from({})) {
  return load_string(text, "test.yaml", options);
}

std::vector<std::string> lines(const LoadResult& result) {
  std::vector<std::string> out;
  for (const auto& d : result.diagnostics) out.push_back(d.to_string());
  return out;
}

TEST(Load, EmptyFileGivesLocalhostDefaults) {
  auto result = load("");
  ASSERT_TRUE(result.ok()) << result.report();
  const Config& c = *result.config;
  EXPECT_EQ(c.kafka.brokers, "127.0.0.1:9092");
  EXPECT_EQ(c.kafka.compression, "lz4");
  EXPECT_EQ(c.kafka.batch_bytes, 1024u * 1024u);
  EXPECT_EQ(c.kafka.message_timeout, std::chrono::minutes(5));
  EXPECT_TRUE(c.kafka.security.verify_hostname);
  EXPECT_EQ(c.producer.buffer_bytes, 64u << 20);
  EXPECT_EQ(c.producer.admin.listen, "127.0.0.1:9464");
  EXPECT_EQ(c.consumer.redact.builtin.size(), 4u);
  EXPECT_EQ(c.consumer.redact.fields, (StringList{"message", "*"}));
  EXPECT_EQ(c.dashboard.auth.session_ttl, std::chrono::hours(12));
  EXPECT_EQ(c.dashboard.limits.max_header_bytes, 16u * 1024u);
  EXPECT_EQ(c, default_config());
}

TEST(Load, TellsWrittenKeysFromDefaults) {
  auto defaults = load("kafka:\n  linger_ms: 5\n");
  ASSERT_TRUE(defaults.ok()) << defaults.report();
  EXPECT_TRUE(defaults.wrote("kafka.linger_ms"));
  EXPECT_FALSE(defaults.wrote("kafka.brokers"));  // the default 127.0.0.1:9092 applies, unwritten
  auto written = load("kafka:\n  brokers: 127.0.0.1:9092\nproducer:\n  sources:\n    - name: a\n      type: stdin\n");
  ASSERT_TRUE(written.ok()) << written.report();
  EXPECT_TRUE(written.wrote("kafka.brokers"));
  EXPECT_TRUE(written.wrote("producer.sources[0].type"));
}

TEST(Load, ReadsEveryKindOfValue) {
  auto result = load(R"(
kafka:
  brokers: "k1:9092, k2:9093"
  compression: ZSTD
  linger_ms: 5
  message_timeout: 1h30m
  properties: {queue.buffering.max.kbytes: 65536}
producer:
  buffer_bytes: 8MB
  sources:
    - name: app
      type: file
      paths: [/var/log/app/*.log, /tmp/x.log]
      start_at: beginning
      poll_interval: 0.5
    - name: gen
      type: generator
      rate: 2500.5
      burst: {every: 1m, duration: 10s, rate: 100}
    - name: sys
      type: syslog
      protocol: tcp
      listen: "127.0.0.1:6514"
)");
  ASSERT_TRUE(result.ok()) << result.report();
  const Config& c = *result.config;
  EXPECT_EQ(c.kafka.compression, "zstd");
  EXPECT_EQ(c.kafka.linger_ms, 5u);
  EXPECT_EQ(c.kafka.message_timeout, std::chrono::minutes(90));
  EXPECT_EQ(c.kafka.properties.at("queue.buffering.max.kbytes"), "65536");
  EXPECT_EQ(c.producer.buffer_bytes, 8'000'000u);
  ASSERT_EQ(c.producer.sources.size(), 3u);
  const auto& file = c.producer.sources[0];
  EXPECT_EQ(file.file.paths.size(), 2u);
  EXPECT_EQ(file.file.start_at, "beginning");
  EXPECT_EQ(file.file.poll_interval, std::chrono::milliseconds(500));
  EXPECT_EQ(file.file.rotate_wait, std::chrono::seconds(5));  // item default
  EXPECT_EQ(file.parser, "raw");                               // inferred from type
  EXPECT_FALSE(file.host.empty());                             // the machine's hostname
  EXPECT_EQ(file.environment, "production");
  const auto& gen = c.producer.sources[1];
  EXPECT_DOUBLE_EQ(gen.generator.rate, 2500.5);
  EXPECT_EQ(gen.generator.burst.every, std::chrono::minutes(1));
  EXPECT_EQ(gen.generator.services.size(), 5u);
  EXPECT_EQ(gen.parser, "json");
  const auto& sys = c.producer.sources[2];
  EXPECT_EQ(sys.syslog.protocol, "tcp");
  EXPECT_EQ(sys.syslog.listen, "127.0.0.1:6514");
  EXPECT_EQ(sys.parser, "syslog");
}

TEST(Load, ThreeMistakesGiveThreePositionedErrors) {
  auto result = load(
      "kafka:\n"
      "  brokrs: localhost:9092\n"
      "  linger_ms: abc\n"
      "producer:\n"
      "  buffer_events: 0\n");
  EXPECT_FALSE(result.ok());
  EXPECT_THAT(lines(result),
              ::testing::ElementsAre(
                  "test.yaml:2:3: error: unknown key 'brokrs' in kafka; did you mean 'brokers'?",
                  "test.yaml:3:14: error: kafka.linger_ms: expected an integer, got 'abc'",
                  "test.yaml:5:18: error: producer.buffer_events: must be between 1 and 100000000, got 0"));
}

TEST(Load, UnknownSectionSuggestsTheClosestOne) {
  auto result = load("producr: {}\n");
  ASSERT_EQ(result.diagnostics.size(), 1u);
  EXPECT_EQ(result.diagnostics[0].to_string(),
            "test.yaml:1:1: error: unknown section 'producr'; did you mean 'producer'?");
}

TEST(Load, UnknownKeyWithoutCloseMatchListsValidKeys) {
  auto result = load("kafka:\n  topics:\n    zzzzzzzz: x\n");
  ASSERT_EQ(result.diagnostics.size(), 1u);
  EXPECT_THAT(result.diagnostics[0].message, HasSubstr("valid here: raw, processed, dlq, alerts"));
}

// A topic name Kafka refuses fails at load, with its position, rather than
// failing every event at run time (the sources would re-read them forever).
TEST(Load, InvalidKafkaTopicNamesAreRefused) {
  for (const char* name : {"\"bench./usr/lib\"", "\"a b\"", "\"..\"", "\"caf\u00e9\""}) {
    auto result = load(std::string("kafka:\n  topics:\n    raw: ") + name + "\n");
    EXPECT_FALSE(result.ok()) << name;
    ASSERT_EQ(result.diagnostics.size(), 1u) << name;
    EXPECT_EQ(result.diagnostics[0].line, 3) << name;
    EXPECT_THAT(result.diagnostics[0].message, HasSubstr("kafka.topics.raw")) << name;
  }
  EXPECT_FALSE(load("kafka:\n  topics:\n    dlq: " + std::string(250, 'x') + "\n").ok());
  EXPECT_TRUE(load("kafka:\n  topics:\n    raw: logs.raw_v2-eu\n    alerts: " + std::string(249, 'x') + "\n").ok());
}

// A dotted key is not a path: `producer.sources[].name` at the top level once reached the
// source-name row and wrote through the root config as if it were a source (found by config_fuzz).
TEST(Load, DottedKeysAreUnknownNotPaths) {
  for (const char* text : {"producer.sources[].name: stdin\n", "kafka.brokers: a:1\n",
                           "producer:\n  sources[]:\n    - name: x\n", "kafka:\n  topics.raw: x\n"}) {
    auto result = load(text);
    EXPECT_FALSE(result.ok()) << text;
    ASSERT_FALSE(result.diagnostics.empty()) << text;
    EXPECT_THAT(result.diagnostics[0].message, HasSubstr("unknown")) << text;
  }
  auto result = load("producer.sources[].name: stdin\n");
  EXPECT_EQ(result.diagnostics[0].to_string(),
            "test.yaml:1:1: error: unknown section 'producer.sources[].name' (valid here: kafka, producer, "
            "consumer, dashboard)");
}

TEST(Load, BadEnumListsAllowedValues) {
  auto result = load("kafka:\n  compression: brotli\n");
  ASSERT_EQ(result.diagnostics.size(), 1u);
  EXPECT_EQ(result.diagnostics[0].to_string(),
            "test.yaml:2:16: error: kafka.compression: 'brotli' is not one of: none, gzip, snappy, lz4, zstd");
}

TEST(Load, BadDurationAndSize) {
  auto result = load("kafka:\n  message_timeout: 5 minutes\n  batch_bytes: 12 parsecs\n");
  ASSERT_EQ(result.diagnostics.size(), 2u);
  EXPECT_THAT(result.diagnostics[0].message, HasSubstr("expected a duration"));
  EXPECT_EQ(result.diagnostics[0].line, 2);
  EXPECT_THAT(result.diagnostics[1].message, HasSubstr("expected a size"));
  EXPECT_EQ(result.diagnostics[1].line, 3);
}

TEST(Load, TypeSpecificKeyOnTheWrongTypeIsAnError) {
  auto result = load(R"(
producer:
  sources:
    - name: s
      type: syslog
      paths: [/var/log/x]
)");
  ASSERT_EQ(result.diagnostics.size(), 1u) << result.report();
  EXPECT_EQ(result.diagnostics[0].line, 6);
  EXPECT_THAT(result.diagnostics[0].message,
              HasSubstr("producer.sources[0].paths: only valid when type is file (type is 'syslog')"));
}

TEST(Load, MissingRequiredKeysAndDuplicateNames) {
  auto result = load(R"(
producer:
  sources:
    - name: a
      type: file
    - name: a
      type: stdin
    - type: http
)");
  auto all = lines(result);
  ASSERT_EQ(all.size(), 3u) << result.report();
  EXPECT_EQ(all[0], "test.yaml:4:7: error: producer.sources[0]: missing required key 'paths' (needed when type is 'file')");
  EXPECT_EQ(all[1], "test.yaml:6:13: error: producer.sources: duplicate name 'a' (first at line 4)");
  EXPECT_EQ(all[2], "test.yaml:8:7: error: producer.sources[2]: missing required key 'name'");
}

TEST(Load, RegexParserNeedsPatternAndPatternNeedsRegexParser) {
  auto result = load(R"Y(
producer:
  sources:
    - {name: a, type: stdin, parser: regex}
    - {name: b, type: stdin, pattern: "(?P<message>.*)"}
)Y");
  auto all = lines(result);
  ASSERT_EQ(all.size(), 2u) << result.report();
  EXPECT_THAT(all[0], HasSubstr("missing required key 'pattern' (needed when parser is 'regex')"));
  EXPECT_THAT(all[1], HasSubstr("pattern: only valid when parser is regex (parser is not set)"));
}

TEST(Load, SameKeyNameTakesItsTypesDefault) {
  auto result = load(R"(
producer:
  sources:
    - {name: s, type: syslog}
    - {name: h, type: http, listen: "127.0.0.1:9999"}
)");
  ASSERT_TRUE(result.ok()) << result.report();
  EXPECT_EQ(result.config->producer.sources[0].syslog.listen, "127.0.0.1:5514");
  EXPECT_EQ(result.config->producer.sources[1].http.listen, "127.0.0.1:9999");
}

TEST(Load, EnvironmentSubstitution) {
  auto result = load(R"(
kafka:
  brokers: ${BROKERS}
  client_id: ${CLIENT:-fallback}
  security:
    password: "${PASS}"
)",
                     env_from({{"BROKERS", "b:1"}, {"PASS", "s3cret"}}));
  ASSERT_TRUE(result.ok()) << result.report();
  EXPECT_EQ(result.config->kafka.brokers, "b:1");
  EXPECT_EQ(result.config->kafka.client_id, "fallback");
  EXPECT_EQ(result.config->kafka.security.password, "s3cret");
}

TEST(Load, UnsetVariableIsAnErrorAtItsPosition) {
  auto result = load("kafka:\n  brokers: ${NOPE}\n");
  ASSERT_EQ(result.diagnostics.size(), 1u);
  EXPECT_EQ(result.diagnostics[0].line, 2);
  EXPECT_THAT(result.diagnostics[0].message, HasSubstr("environment variable 'NOPE' is not set"));
}

TEST(Load, SecretsComeFromFilesAndAreNeverPrinted) {
  auto dir = std::filesystem::temp_directory_path() / ("lt_secret_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "pw") << "hunter2\n";
  auto result = load("kafka:\n  security:\n    password: file:" + (dir / "pw").string() +
                     "\n    key_password: 'sekrit-value'\n");
  ASSERT_TRUE(result.ok()) << result.report();
  EXPECT_EQ(result.config->kafka.security.password, "hunter2");
  std::string dump = dump_yaml(*result.config);
  EXPECT_THAT(dump, ::testing::Not(HasSubstr("hunter2")));
  EXPECT_THAT(dump, ::testing::Not(HasSubstr("sekrit-value")));
  EXPECT_THAT(dump, HasSubstr("password: \"***\""));

  // A secret in the wrong type of value must not be echoed in the error either.
  auto bad = load(R"(
dashboard:
  auth:
    users:
      - {username: u, password_hash: plain-password-123}
)");
  EXPECT_FALSE(bad.ok());
  EXPECT_THAT(bad.report(), ::testing::Not(HasSubstr("plain-password-123")));
  EXPECT_THAT(bad.report(), HasSubstr("argon2id"));

  auto missing = load("kafka:\n  security:\n    password: file:/nonexistent/pw\n");
  ASSERT_EQ(missing.diagnostics.size(), 1u);
  EXPECT_THAT(missing.diagnostics[0].message, HasSubstr("cannot read secret file '/nonexistent/pw'"));
  std::filesystem::remove_all(dir);
}

TEST(Load, YamlSyntaxErrorHasAPosition) {
  auto result = load("kafka:\n  brokers: [a, b\n  linger_ms: 3\n");
  ASSERT_EQ(result.diagnostics.size(), 1u);
  EXPECT_GT(result.diagnostics[0].line, 0);
  EXPECT_THAT(result.diagnostics[0].message, HasSubstr("YAML syntax error"));
}

TEST(Load, WrongShapes) {
  auto result = load(R"(
kafka: [1, 2]
producer:
  sources: {name: x}
consumer:
  filters:
    - just a string
dashboard:
  allowed_origins: {a: b}
  listen: [x]
)");
  EXPECT_EQ(result.diagnostics.size(), 5u) << result.report();
}

TEST(Load, DuplicateKeysAreReported) {
  auto result = load("kafka:\n  linger_ms: 1\n  linger_ms: 2\n");
  ASSERT_EQ(result.diagnostics.size(), 1u);
  EXPECT_THAT(result.diagnostics[0].to_string(), HasSubstr("3:3: error: duplicate key 'linger_ms' (first at line 2)"));
}

TEST(Load, LookupFormatIsInferredOrRequired) {
  auto result = load(R"(
consumer:
  enrich:
    lookup:
      - {name: users, file: /data/users.csv}
      - {name: other, file: /data/users.txt}
)");
  ASSERT_EQ(result.diagnostics.size(), 1u) << result.report();
  EXPECT_THAT(result.diagnostics[0].message, HasSubstr("cannot tell the format of '/data/users.txt'"));
  auto fine = load("consumer:\n  enrich:\n    lookup:\n      - {name: users, file: /data/users.json}\n");
  ASSERT_TRUE(fine.ok()) << fine.report();
  EXPECT_EQ(fine.config->consumer.enrich.lookup[0].format, "json");
  EXPECT_EQ(fine.config->consumer.enrich.lookup[0].key_field, "user_id");
}

TEST(Load, AlertsAndNotifiers) {
  auto result = load(R"(
consumer:
  alerts:
    - name: errors
      type: threshold
      query: "level>=ERROR"
      threshold: 50
      window: 1m
      group_by: [service]
    - name: silence
      type: absence
      query: "service:payments"
      for: 5m
    - name: oom
      type: pattern
      query: OutOfMemoryError
      threshold: 3
  notifiers:
    webhooks:
      - name: hook
        url: http://127.0.0.1:9000/hook
        headers: {Authorization: "Bearer abc"}
)");
  auto all = lines(result);
  ASSERT_EQ(all.size(), 1u) << result.report();
  EXPECT_THAT(all[0], HasSubstr("consumer.alerts[2].threshold: only valid when type is threshold"));
}

TEST(Load, UrlsAreDumpedWithoutTheirCredentials) {
  auto result = load(R"(
consumer:
  enrich:
    http_lookup:
      url: "https://lookup.example/users/{key}?token=tok-lookup-1"
      headers: {Authorization: "Bearer hdr-secret-2"}
  notifiers:
    webhooks:
      - name: slack
        url: https://hooks.slack.com/services/T000/B000/SLACKPATH3
        format: slack
)");
  ASSERT_TRUE(result.ok()) << result.report();
  EXPECT_EQ(result.config->consumer.enrich.http_lookup.headers.at("Authorization"), "Bearer hdr-secret-2");
  const std::string dump = dump_yaml(*result.config);
  for (const char* secret : {"tok-lookup-1", "hdr-secret-2", "SLACKPATH3"})
    EXPECT_THAT(dump, ::testing::Not(HasSubstr(secret))) << dump;
  EXPECT_THAT(dump, HasSubstr("https://lookup.example/users/{key}?token=***"));
  EXPECT_THAT(dump, HasSubstr("https://hooks.slack.com/..."));
}

TEST(Load, UserinfoInAUrlIsRefusedWithoutEchoingIt) {
  auto lookup = load("consumer:\n  enrich:\n    http_lookup:\n      url: https://svc:S3cretPw@lookup.example/{key}\n");
  EXPECT_FALSE(lookup.ok());
  ASSERT_EQ(lookup.diagnostics.size(), 1u) << lookup.report();
  EXPECT_EQ(lookup.diagnostics[0].line, 4);
  EXPECT_THAT(lookup.diagnostics[0].message, HasSubstr("must not carry a user name or password"));
  EXPECT_THAT(lookup.diagnostics[0].message, HasSubstr("headers"));
  EXPECT_THAT(lookup.report(), ::testing::Not(HasSubstr("S3cretPw")));
  auto hook = load("consumer:\n  notifiers:\n    webhooks:\n      - name: h\n        url: http://u:hookPw@h/x\n");
  EXPECT_FALSE(hook.ok());
  EXPECT_THAT(hook.report(), HasSubstr("test.yaml:5:"));
  EXPECT_THAT(hook.report(), ::testing::Not(HasSubstr("hookPw")));
}

TEST(Load, ExposedListenerNeedsProtectionOrInsecure) {
  auto exposed = load("dashboard:\n  listen: 0.0.0.0:8080\n");
  ASSERT_EQ(exposed.diagnostics.size(), 1u);
  EXPECT_EQ(exposed.diagnostics[0].line, 2);
  EXPECT_THAT(exposed.diagnostics[0].message, HasSubstr("without TLS or authentication"));
  auto insecure = load("dashboard:\n  listen: 0.0.0.0:8080\n  insecure: true\n");
  EXPECT_TRUE(insecure.ok());
  ASSERT_EQ(insecure.diagnostics.size(), 1u) << "allowed, but not silently";
  EXPECT_EQ(insecure.diagnostics[0].severity, Severity::Warning);
  EXPECT_THAT(insecure.diagnostics[0].message, HasSubstr("without TLS or authentication (insecure: true)"));
  auto ingest = load(
      "producer:\n  sources:\n    - name: in\n      type: http\n      listen: 0.0.0.0:9000\n      insecure: true\n");
  EXPECT_TRUE(ingest.ok()) << ingest.report();
  ASSERT_EQ(ingest.diagnostics.size(), 1u) << ingest.report();
  EXPECT_THAT(ingest.diagnostics[0].message, HasSubstr("producer.sources[0].listen: 0.0.0.0:9000 is reachable"));
}

TEST(Load, ExposedSyslogListenerNeedsTlsOrInsecure) {
  const std::string head = "producer:\n  sources:\n    - name: sys\n      type: syslog\n";
  for (std::string protocol : {"udp", "tcp"}) {
    auto exposed = load(head + "      protocol: " + protocol + "\n      listen: 0.0.0.0:5514\n");
    EXPECT_FALSE(exposed.ok()) << protocol;
    ASSERT_EQ(exposed.diagnostics.size(), 1u) << exposed.report();
    EXPECT_EQ(exposed.diagnostics[0].line, 6);
    EXPECT_THAT(exposed.diagnostics[0].message,
                HasSubstr("producer.sources[0].listen: 0.0.0.0:5514 is reachable from other machines without TLS"));
    EXPECT_THAT(exposed.diagnostics[0].message, HasSubstr("insecure: true"));
    auto insecure = load(head + "      protocol: " + protocol + "\n      listen: 0.0.0.0:5514\n      insecure: true\n");
    EXPECT_TRUE(insecure.ok()) << insecure.report();
    ASSERT_EQ(insecure.diagnostics.size(), 1u) << "allowed, but not silently";
    EXPECT_EQ(insecure.diagnostics[0].severity, Severity::Warning);
    EXPECT_TRUE(insecure.config->producer.sources[0].syslog.insecure);
  }
  // TLS protects the transport; with no sender authentication it is still worth a warning.
  auto tls = load(head + "      protocol: tls\n      listen: 0.0.0.0:6514\n      tls:\n        cert_file: /c.pem\n"
                         "        key_file: /k.pem\n");
  EXPECT_TRUE(tls.ok()) << tls.report();
  ASSERT_EQ(tls.diagnostics.size(), 1u) << tls.report();
  EXPECT_EQ(tls.diagnostics[0].severity, Severity::Warning);
  EXPECT_THAT(tls.diagnostics[0].message, HasSubstr("without authentication"));
  EXPECT_TRUE(load(head + "      listen: 127.0.0.1:5514\n").diagnostics.empty()) << "loopback is fine";
  auto wrong_type = load("producer:\n  sources:\n    - name: f\n      type: file\n      paths: [/x]\n"
                         "      insecure: true\n");
  EXPECT_FALSE(wrong_type.ok()) << "insecure belongs to listeners only";
}

TEST(Load, ExposedAdminListenerNeedsTokenTlsOrInsecure) {
  for (std::string section : {"producer", "consumer"}) {
    auto exposed = load(section + ":\n  admin:\n    listen: 0.0.0.0:9464\n");
    EXPECT_FALSE(exposed.ok()) << section;
    ASSERT_EQ(exposed.diagnostics.size(), 1u) << exposed.report();
    EXPECT_EQ(exposed.diagnostics[0].severity, Severity::Error);
    EXPECT_EQ(exposed.diagnostics[0].line, 3);
    EXPECT_THAT(exposed.diagnostics[0].message,
                HasSubstr(section + ".admin.listen: 0.0.0.0:9464 is reachable from other machines without TLS or "
                                    "authentication"));
    auto insecure = load(section + ":\n  admin:\n    listen: 0.0.0.0:9464\n    insecure: true\n");
    EXPECT_TRUE(insecure.ok()) << insecure.report();
    ASSERT_EQ(insecure.diagnostics.size(), 1u) << "allowed, but not silently";
    EXPECT_EQ(insecure.diagnostics[0].severity, Severity::Warning);
    auto token = load(section + ":\n  admin:\n    listen: 0.0.0.0:9464\n    token: t0k\n");
    EXPECT_TRUE(token.ok()) << token.report();
    ASSERT_EQ(token.diagnostics.size(), 1u) << "a token without TLS is sent in clear: warned";
    EXPECT_THAT(token.diagnostics[0].message, HasSubstr("without TLS"));
    auto half = load(section + ":\n  admin:\n    token: t0k\n    tls:\n      cert_file: /x.pem\n");
    EXPECT_FALSE(half.ok());
    EXPECT_THAT(half.report(), HasSubstr(section + ".admin.tls: cert_file needs key_file"));
    EXPECT_TRUE(load(section + ":\n  admin:\n    listen: 127.0.0.1:0\n").diagnostics.empty()) << "loopback is fine";
  }
}

TEST(Load, ValidatorsReportAtTheKeyTheyName) {
  LoadOptions options = env_from({});
  options.extra_validators.push_back([](const Config& c, Diagnostics& d) {
    for (std::size_t i = 0; i < c.consumer.filters.size(); ++i) {
      if (c.consumer.filters[i].query == "((") {
        d.error("consumer.filters[" + std::to_string(i) + "].query", "query: unbalanced parenthesis", 1);
      }
    }
  });
  auto result = load("consumer:\n  filters:\n    - {name: a, query: ok}\n    - name: b\n      query: \"((\"\n", options);
  ASSERT_EQ(result.diagnostics.size(), 1u);
  EXPECT_EQ(result.diagnostics[0].to_string(), "test.yaml:5:15: error: query: unbalanced parenthesis");
}

TEST(Load, DumpRoundTrips) {
  auto result = load(R"(
producer:
  sources:
    - {name: gen, type: generator, rate: 10, seed: 7}
    - {name: f, type: file, paths: [/a, /b], start_at: beginning}
consumer:
  enrich:
    static: {region: eu-west-1}
)");
  ASSERT_TRUE(result.ok()) << result.report();
  auto again = load(dump_yaml(*result.config));
  ASSERT_TRUE(again.ok()) << again.report() << dump_yaml(*result.config);
  EXPECT_EQ(*again.config, *result.config);
}

TEST(Load, GarbageNeverThrows) {
  const std::vector<std::string> inputs = {std::string("\xff\xfe\x00garbage", 11), "[[[[[[[[[[", "{a: *b}",
                                           "- - - -", "kafka: !!binary abc", "&a [*a]", "kafka:\n\tbrokers: x",
                                           std::string(5000, '[')};
  for (const auto& input : inputs) {
    auto result = load(input);
    EXPECT_FALSE(result.ok()) << input;
  }
  std::string huge(kMaxConfigBytes + 1, '#');
  EXPECT_FALSE(load(huge).ok());
}

TEST(Load, InvalidUtf8ValueIsRejectedWithoutEchoingIt) {
  auto result = load("kafka:\n  client_id: \"ab\xff\xfe\"\n");
  ASSERT_EQ(result.diagnostics.size(), 1u);
  EXPECT_EQ(result.diagnostics[0].to_string(), "test.yaml:2:14: error: kafka.client_id: not valid UTF-8");
}

TEST(Load, MissingFile) {
  auto result = load_file("/nonexistent/logtracer.yaml");
  ASSERT_EQ(result.diagnostics.size(), 1u);
  EXPECT_THAT(result.diagnostics[0].to_string(), HasSubstr("/nonexistent/logtracer.yaml: error: cannot open"));
}

}  // namespace
}  // namespace lt::config
