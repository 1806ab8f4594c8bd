// The typed configuration every subcommand reads: one struct per YAML section,
// holding the values AFTER defaults are applied. Filled only through the schema table (schema.h).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace lt::config {

using Duration = std::chrono::milliseconds;
using StringList = std::vector<std::string>;
using StringMap = std::map<std::string, std::string>;

// Enum-typed keys are stored as their canonical spelling (e.g. "lz4", "SCRAM-SHA-256"),
// so they can be handed to librdkafka or compared without another mapping table.

struct KafkaTopics {
  std::string raw;
  std::string processed;
  std::string dlq;
  std::string alerts;

  bool operator==(const KafkaTopics&) const = default;
};

struct KafkaSecurity {
  std::string protocol;  // plaintext | ssl | sasl_plaintext | sasl_ssl
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  std::string key_password;  // secret
  bool verify_hostname = true;
  std::string sasl_mechanism;  // PLAIN | SCRAM-SHA-256 | SCRAM-SHA-512
  std::string username;
  std::string password;  // secret

  bool operator==(const KafkaSecurity&) const = default;
};

struct KafkaConfig {
  std::string brokers;
  std::string client_id;
  KafkaTopics topics;
  std::string compression;
  std::uint64_t linger_ms = 0;
  std::uint64_t batch_bytes = 0;
  Duration message_timeout{0};  // 0 = infinite
  StringMap properties;         // librdkafka pass-through, applied last
  KafkaSecurity security;

  bool operator==(const KafkaConfig&) const = default;
};

struct TlsFiles {
  std::string cert_file;
  std::string key_file;
  bool enabled() const { return !cert_file.empty(); }

  bool operator==(const TlsFiles&) const = default;
};

struct AdminConfig {
  std::string listen;  // "" disables the admin listener
  TlsFiles tls;
  std::string token;  // bearer token /metrics requires; "" = none (/healthz stays open)
  bool insecure = false;

  bool operator==(const AdminConfig&) const = default;
};

struct GeneratorBurst {
  std::string service;  // "" = a random service per burst
  Duration every{0};    // 0 = no bursts
  Duration duration{0};
  double rate = 0;

  bool operator==(const GeneratorBurst&) const = default;
};

struct GeneratorSettings {
  double rate = 0;  // events per second; 0 = as fast as possible
  StringList services;
  StringList environments;
  GeneratorBurst burst;
  std::uint64_t seed = 0;   // 0 = random
  std::uint64_t limit = 0;  // 0 = unlimited

  bool operator==(const GeneratorSettings&) const = default;
};

struct FileSettings {
  StringList paths;      // paths or globs
  std::string start_at;  // beginning | end
  Duration poll_interval{0};
  Duration rotate_wait{0};

  bool operator==(const FileSettings&) const = default;
};

struct SyslogSettings {
  std::string protocol;  // udp | tcp | tls
  std::string listen;
  std::string framing;  // auto | octet_counting | newline
  std::uint64_t max_message_bytes = 0;
  TlsFiles tls;
  bool insecure = false;  // allows a non-loopback listen without TLS

  bool operator==(const SyslogSettings&) const = default;
};

struct HttpSettings {
  std::string listen;
  std::string path;
  std::uint64_t max_body_bytes = 0;
  std::string token;  // secret; "" = no authentication
  TlsFiles tls;
  bool insecure = false;

  bool operator==(const HttpSettings&) const = default;
};

struct SourceConfig {
  std::string name;
  std::string type;  // generator | file | syslog | http | stdin
  std::string service;
  std::string environment;
  std::string host;    // resolved to the machine's hostname when not set
  std::string parser;  // inferred from type when not set
  std::string pattern;
  std::string multiline_start;
  std::uint64_t max_line_bytes = 0;
  bool enabled = true;
  // Only the settings of `type` are meaningful; the others keep their defaults.
  GeneratorSettings generator;
  FileSettings file;
  SyslogSettings syslog;
  HttpSettings http;


  bool operator==(const SourceConfig&) const = default;
};

struct ProducerConfig {
  std::uint64_t buffer_events = 0;
  std::uint64_t buffer_bytes = 0;
  std::string checkpoint_dir;
  AdminConfig admin;
  std::vector<SourceConfig> sources;

  bool operator==(const ProducerConfig&) const = default;
};

struct FilterRule {
  std::string name;
  std::string action;  // drop | keep
  std::string query;

  bool operator==(const FilterRule&) const = default;
};

struct GeoipConfig {
  std::string database;  // "" = geoip enrichment off
  std::string asn_database;
  std::string layout;  // auto | geolite2 | flat
  std::string source_field;
  bool from_message = true;
  std::string target;

  bool operator==(const GeoipConfig&) const = default;
};

struct LookupTable {
  std::string name;
  std::string file;
  std::string format;  // csv | json (inferred from the file extension when not set)
  std::string key_field;
  std::string prefix;
  bool reload = true;

  bool operator==(const LookupTable&) const = default;
};

struct HttpLookupConfig {
  std::string url;  // "" = off
  std::string key_field;
  StringMap headers;  // credentials go here, not into the URL
  Duration timeout{0};
  std::uint64_t cache_size = 0;
  Duration cache_ttl{0};
  std::uint64_t breaker_failures = 0;
  Duration breaker_reset{0};

  bool operator==(const HttpLookupConfig&) const = default;
};

struct EnrichConfig {
  GeoipConfig geoip;
  std::vector<LookupTable> lookup;
  HttpLookupConfig http_lookup;
  StringMap static_fields;  // YAML key: `static`
  bool processing_host = true;

  bool operator==(const EnrichConfig&) const = default;
};

struct RedactPattern {
  std::string name;
  std::string regex;
  std::string replacement;

  bool operator==(const RedactPattern&) const = default;
};

struct RedactConfig {
  bool enabled = false;
  StringList builtin;  // emails | credit_cards | bearer_tokens | url_passwords
  std::vector<RedactPattern> patterns;
  StringList fields;

  bool operator==(const RedactConfig&) const = default;
};

struct RetryConfig {
  std::uint64_t max_attempts = 0;
  Duration initial_backoff{0};
  Duration max_backoff{0};
  Duration max_elapsed{0};

  bool operator==(const RetryConfig&) const = default;
};

struct AlertRule {
  std::string name;
  std::string type;  // threshold | pattern | absence
  std::string query;
  std::uint64_t threshold = 0;
  Duration window{0};
  StringList group_by;
  Duration for_duration{0};  // YAML key: `for`
  std::string severity;      // info | warning | critical
  Duration cooldown{0};
  Duration renotify{0};  // 0 = never
  StringMap labels;
  std::string message;

  bool operator==(const AlertRule&) const = default;
};

struct WebhookNotifier {
  std::string name;
  std::string url;
  std::string format;  // json | slack
  std::uint64_t max_attempts = 0;
  Duration timeout{0};
  StringMap headers;  // values are secret

  bool operator==(const WebhookNotifier&) const = default;
};

struct NotifiersConfig {
  std::vector<WebhookNotifier> webhooks;
  bool log = true;
  bool kafka = true;

  bool operator==(const NotifiersConfig&) const = default;
};

struct ConsumerConfig {
  std::string group_id;
  std::string guarantee;  // at_least_once | exactly_once
  std::uint64_t workers = 0;
  std::uint64_t max_in_flight = 0;
  AdminConfig admin;
  std::string min_level;  // "" = no level filter; else TRACE..FATAL
  std::vector<FilterRule> filters;
  EnrichConfig enrich;
  RedactConfig redact;
  RetryConfig retry;
  std::vector<AlertRule> alerts;
  NotifiersConfig notifiers;

  bool operator==(const ConsumerConfig&) const = default;
};

struct DashboardUser {
  std::string username;
  std::string password_hash;  // argon2id encoded string

  bool operator==(const DashboardUser&) const = default;
};

struct DashboardAuth {
  StringList tokens;  // secret
  std::vector<DashboardUser> users;
  Duration session_ttl{0};
  bool enabled() const { return !tokens.empty() || !users.empty(); }

  bool operator==(const DashboardAuth&) const = default;
};

struct DashboardLimits {
  std::uint64_t max_body_bytes = 0;
  std::uint64_t max_header_bytes = 0;
  std::uint64_t ws_max_frame_bytes = 0;
  Duration request_timeout{0};

  bool operator==(const DashboardLimits&) const = default;
};

struct DashboardConfig {
  std::string listen;
  std::uint64_t window_events = 0;
  std::uint64_t window_bytes = 0;
  Duration history{0};
  Duration batch_interval{0};
  std::uint64_t client_queue = 0;
  std::uint64_t max_clients = 0;
  StringList allowed_origins;
  StringList allowed_hosts;
  bool insecure = false;
  TlsFiles tls;
  DashboardAuth auth;
  DashboardLimits limits;

  bool operator==(const DashboardConfig&) const = default;
};

struct Config {
  KafkaConfig kafka;
  ProducerConfig producer;
  ConsumerConfig consumer;
  DashboardConfig dashboard;

  bool operator==(const Config&) const = default;
};

// The configuration with every default of the schema applied (what an empty file yields).
Config default_config();

}  // namespace lt::config
