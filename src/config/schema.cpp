// The schema table. To add a key:
//   1. add the field to its struct in config.h (plain type: see Value in value.h for which);
//   2. add one row below: key<Owner>(path, type, default, description, accessor) plus modifiers
//      (.range, .values, .is_secret, .is_required, .is_unique, .when, .checked);
//   3. run `make docs`. Parsing, validation, defaults, masking, diffing and the reference follow;
//      test_config fails if the row is incomplete or docs/configuration.md is stale.
// Cross-key rules belong in a Validator (builtin_checks.cpp, or register_validator from cmd/).
#include "config/schema.h"

#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <sstream>
#include <stdexcept>
#include <type_traits>

namespace lt::config {
namespace {

using T = KeyType;

std::size_t alternative_for(KeyType type) {
  switch (type) {
    case T::String:
    case T::Enum: return 1;
    case T::Int: return 2;
    case T::Uint:
    case T::Size: return 3;
    case T::Double: return 4;
    case T::Bool: return 5;
    case T::Duration: return 6;
    case T::StringList: return 7;
    case T::StringMap: return 8;
    case T::Object:
    case T::ObjectList: return 0;
  }
  return 0;
}

// A scalar/list/map key stored in a field of Owner, reached by `access` (a generic lambda
// returning a reference, so the same accessor serves set and get).
template <class Owner, class Access>
KeyRow key(std::string path, KeyType type, std::string default_text, std::string description, Access access) {
  using Field = std::decay_t<decltype(access(std::declval<Owner&>()))>;
  if (Value(std::in_place_type<Field>).index() != alternative_for(type)) {
    throw std::logic_error("config schema: field of '" + path + "' does not match its type");
  }
  KeyRow row;
  row.path = std::move(path);
  row.type = type;
  row.default_text = std::move(default_text);
  row.description = std::move(description);
  row.owner = typeid(Owner);
  row.set = [access](void* owner, const Value& value) { access(*static_cast<Owner*>(owner)) = std::get<Field>(value); };
  row.get = [access](const void* owner) -> Value { return Value(access(*static_cast<const Owner*>(owner))); };
  return row;
}

template <class Owner>
KeyRow section(std::string path, std::string description) {
  KeyRow row;
  row.path = std::move(path);
  row.type = T::Object;
  row.description = std::move(description);
  row.owner = typeid(Owner);
  return row;
}

template <class Owner, class Item, class Access>
KeyRow list(std::string path, std::string description, Access access) {
  KeyRow row;
  row.path = std::move(path);
  row.type = T::ObjectList;
  row.description = std::move(description);
  row.owner = typeid(Owner);
  row.item = typeid(Item);
  row.append = [access](void* owner) -> void* { return &access(*static_cast<Owner*>(owner)).emplace_back(); };
  row.count = [access](const void* owner) { return access(*static_cast<const Owner*>(owner)).size(); };
  row.at = [access](const void* owner, std::size_t i) -> const void* {
    return &access(*static_cast<const Owner*>(owner)).at(i);
  };
  return row;
}

Value zero_value(KeyType type) {
  switch (type) {
    case T::String:
    case T::Enum: return std::string();
    case T::Int: return std::int64_t{0};
    case T::Uint:
    case T::Size: return std::uint64_t{0};
    case T::Double: return 0.0;
    case T::Bool: return false;
    case T::Duration: return Duration{0};
    case T::StringList: return StringList{};
    case T::StringMap: return StringMap{};
    case T::Object:
    case T::ObjectList: break;
  }
  return {};
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// ---- syntax checks shared by several keys ----

bool valid_port(std::string_view text) {
  if (text.empty() || text.size() > 5) return false;
  unsigned port = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  return ec == std::errc() && ptr == text.data() + text.size() && port <= 65535;
}

// "host:port" or "[v6]:port"; `what` names the thing for the message.
std::string check_host_port(std::string_view text, std::string_view what) {
  std::string_view host, port;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return std::string(what) + " must look like '[::1]:8080'";
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::string(what) + " must be 'host:port', e.g. '127.0.0.1:8080'";
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return "write IPv6 addresses in brackets: '[::1]:8080'";
  }
  if (host.empty()) return std::string(what) + " needs a host, e.g. '127.0.0.1" + std::string(text) + "'";
  if (!valid_port(port)) return "'" + std::string(port) + "' is not a port number (0-65535)";
  return {};
}

std::string check_listen(const Value& value) {
  return check_host_port(std::get<std::string>(value), "a listen address");
}

std::string check_listen_or_empty(const Value& value) {
  const auto& text = std::get<std::string>(value);
  return text.empty() ? std::string() : check_host_port(text, "a listen address");
}

std::string check_brokers(const Value& value) {
  const auto& text = std::get<std::string>(value);
  if (text.empty()) return "at least one broker 'host:port' is needed";
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    std::string_view item = std::string_view(text).substr(start, comma == std::string::npos ? text.npos : comma - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.find("://") != std::string_view::npos) {
      auto scheme_end = item.find("://");
      item.remove_prefix(scheme_end + 3);  // librdkafka accepts "PLAINTEXT://host:port"
    }
    if (auto problem = check_host_port(item, "each broker"); !problem.empty()) return problem;
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return {};
}

std::string check_non_empty(const Value& value) {
  return std::get<std::string>(value).empty() ? "must not be empty" : std::string();
}

// Kafka's own rule (kafka.common.internals.Topic): a topic the broker would refuse
// would otherwise fail every event, and the sources would re-read them forever.
std::string check_topic_name(const Value& value) {
  const auto& name = std::get<std::string>(value);
  if (name.empty()) return "must not be empty";
  if (name.size() > 249) return "a Kafka topic name has at most 249 characters";
  if (name == "." || name == "..") return "'.' and '..' are not valid Kafka topic names";
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '-';
    if (!ok) return "a Kafka topic name has only letters, digits, '.', '_' and '-'";
  }
  return {};
}

std::string check_url_or_empty(const Value& value) {
  const auto& url = std::get<std::string>(value);
  if (!url.empty() && url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
    return "must start with http:// or https://";
  // Refused rather than warned about: the HTTP client refuses them too, and a password in a URL
  // ends up in shell history, proxies' logs and error messages.
  if (url_has_userinfo(url))
    return "must not carry a user name or password (user:pass@); put the credential in `headers` "
           "(e.g. Authorization) from ${ENV} or file:";
  return {};
}

std::string check_url(const Value& value) {
  if (std::get<std::string>(value).empty()) return "must not be empty";
  return check_url_or_empty(value);
}

std::string check_http_path(const Value& value) {
  const auto& path = std::get<std::string>(value);
  return !path.empty() && path.front() == '/' ? std::string() : "must start with '/'";
}

std::string check_argon2(const Value& value) {
  const auto& hash = std::get<std::string>(value);
  return hash.rfind("$argon2id$", 0) == 0 ? std::string()
                                           : "must be an argon2id hash ('$argon2id$v=19$...'), not a plain password";
}

std::string check_levels_known(const Value& value) {
  static const std::vector<std::string> known = {"emails", "credit_cards", "bearer_tokens", "url_passwords"};
  for (const auto& item : std::get<StringList>(value)) {
    if (std::find(known.begin(), known.end(), item) == known.end()) {
      return "'" + item + "' is not a built-in redaction; allowed: emails, credit_cards, bearer_tokens, url_passwords";
    }
  }
  return {};
}

std::string machine_hostname() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "localhost";
  return name;
}

const std::vector<std::string> kSourceTypes = {"generator", "file", "syslog", "http", "stdin"};
const std::vector<std::string> kParsers = {"json", "logfmt", "regex", "nginx", "apache", "syslog", "log4j", "raw"};
const std::vector<std::string> kLevels = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"};

// A TLS certificate/key pair under `prefix` (e.g. "dashboard.tls"), for owners reached by `access`.
template <class Owner, class Access>
void add_tls_rows(std::vector<KeyRow>& rows, const std::string& prefix, std::optional<Condition> when, Access access,
                  const std::string& what) {
  auto cert = key<Owner>(prefix + ".cert_file", T::String, "",
                         "PEM certificate (chain) file of " + what + ".",
                         [access](auto& o) -> auto& { return access(o).cert_file; });
  auto key_file = key<Owner>(prefix + ".key_file", T::String, "", "PEM private key file matching `cert_file`.",
                             [access](auto& o) -> auto& { return access(o).key_file; });
  cert.only_when = when;
  key_file.only_when = when;
  rows.push_back(std::move(cert));
  rows.push_back(std::move(key_file));
}

// The admin listener's rows, the same for producer.admin and consumer.admin.
template <class Access>
void add_admin_rows(std::vector<KeyRow>& r, const std::string& prefix, const std::string& listen_default,
                    Access access) {
  r.push_back(section<Config>(prefix, "Admin listener of the " +
                                          std::string(prefix.starts_with("producer") ? "producer" : "consumer") + "."));
  r.push_back(key<Config>(prefix + ".listen", T::String, listen_default,
                          "Address of `/metrics` and `/healthz` (\"\" disables). A non-loopback address needs "
                          "`token` or TLS, or `insecure: true`.",
                          [access](auto& c) -> auto& { return access(c).listen; })
                  .checked(check_listen_or_empty));
  r.push_back(key<Config>(prefix + ".token", T::String, "",
                          "Bearer token `/metrics` requires (`Authorization: Bearer ...`); `/healthz` stays open. "
                          "\"\" = no authentication.",
                          [access](auto& c) -> auto& { return access(c).token; })
                  .is_secret());
  r.push_back(key<Config>(prefix + ".insecure", T::Bool, "false",
                          "Allow a non-loopback `listen` without `token` or TLS.",
                          [access](auto& c) -> auto& { return access(c).insecure; }));
  r.push_back(section<Config>(prefix + ".tls", "HTTPS for the admin listener."));
  add_tls_rows<Config>(r, prefix + ".tls", std::nullopt, [access](auto& c) -> auto& { return access(c).tls; },
                       "the admin listener; setting it turns TLS on (reloaded when the files change)");
}

std::vector<KeyRow> build_schema() {
  std::vector<KeyRow> r;

  // ------------------------------------------------------------------ kafka
  r.push_back(section<Config>("kafka", "Connection to the Kafka cluster, shared by produce, consume and dashboard."));
  r.push_back(key<Config>("kafka.brokers", T::String, "127.0.0.1:9092",
                          "Comma-separated bootstrap brokers (`host:port`).",
                          [](auto& c) -> auto& { return c.kafka.brokers; })
                  .checked(check_brokers));
  r.push_back(key<Config>("kafka.client_id", T::String, "logtracer",
                          "Client id reported to the brokers (appears in broker logs and quotas).",
                          [](auto& c) -> auto& { return c.kafka.client_id; })
                  .checked(check_non_empty));
  r.push_back(section<Config>("kafka.topics", "Topic names."));
  r.push_back(key<Config>("kafka.topics.raw", T::String, "logs.raw", "Topic the producer writes parsed events to.",
                          [](auto& c) -> auto& { return c.kafka.topics.raw; })
                  .checked(check_topic_name));
  r.push_back(key<Config>("kafka.topics.processed", T::String, "logs.processed",
                          "Topic the consumer writes processed events to; the dashboard reads it.",
                          [](auto& c) -> auto& { return c.kafka.topics.processed; })
                  .checked(check_topic_name));
  r.push_back(key<Config>("kafka.topics.dlq", T::String, "logs.dlq",
                          "Dead-letter topic: records that could not be processed, with the reason in headers.",
                          [](auto& c) -> auto& { return c.kafka.topics.dlq; })
                  .checked(check_topic_name));
  r.push_back(key<Config>("kafka.topics.alerts", T::String, "alerts",
                          "Topic alert notifications are written to; the dashboard reads it.",
                          [](auto& c) -> auto& { return c.kafka.topics.alerts; })
                  .checked(check_topic_name));
  r.push_back(key<Config>("kafka.compression", T::Enum, "lz4", "Compression codec of produced batches.",
                          [](auto& c) -> auto& { return c.kafka.compression; })
                  .values({"none", "gzip", "snappy", "lz4", "zstd"}));
  r.push_back(key<Config>("kafka.linger_ms", T::Uint, "20",
                          "Milliseconds the producer waits to fill a batch (librdkafka `linger.ms`).",
                          [](auto& c) -> auto& { return c.kafka.linger_ms; })
                  .range(0, 900000));
  r.push_back(key<Config>("kafka.batch_bytes", T::Size, "1MiB",
                          "Maximum size of one produced batch (librdkafka `batch.size`).",
                          [](auto& c) -> auto& { return c.kafka.batch_bytes; })
                  .range(1024, 1024.0 * 1024 * 1024));
  r.push_back(key<Config>("kafka.message_timeout", T::Duration, "5m",
                          "How long a produced message may wait for delivery before it is reported failed "
                          "(sources pause once the buffer is full). A file source then reads the failed lines "
                          "again and HTTP ingest answers 5xx, but syslog, stdin and generator sources cannot: "
                          "they give those events up, counted in `logtracer_source_lost_total`. `0` waits "
                          "forever, so nothing is ever given up.",
                          [](auto& c) -> auto& { return c.kafka.message_timeout; })
                  .range(0, 7.0 * 86400 * 1000));
  r.push_back(key<Config>("kafka.properties", T::StringMap, "",
                          "librdkafka properties passed through as-is, applied after the keys above "
                          "(e.g. `queue.buffering.max.kbytes: \"65536\"`).",
                          [](auto& c) -> auto& { return c.kafka.properties; }));
  r.push_back(section<Config>("kafka.security", "TLS and SASL towards the brokers."));
  r.push_back(key<Config>("kafka.security.protocol", T::Enum, "plaintext", "Transport security to the brokers.",
                          [](auto& c) -> auto& { return c.kafka.security.protocol; })
                  .values({"plaintext", "ssl", "sasl_plaintext", "sasl_ssl"}));
  r.push_back(key<Config>("kafka.security.ca_file", T::String, "",
                          "PEM CA bundle that signs the broker certificates (\"\" = system trust store).",
                          [](auto& c) -> auto& { return c.kafka.security.ca_file; }));
  r.push_back(key<Config>("kafka.security.cert_file", T::String, "",
                          "PEM client certificate for mutual TLS.",
                          [](auto& c) -> auto& { return c.kafka.security.cert_file; }));
  r.push_back(key<Config>("kafka.security.key_file", T::String, "", "PEM private key of `cert_file`.",
                          [](auto& c) -> auto& { return c.kafka.security.key_file; }));
  r.push_back(key<Config>("kafka.security.key_password", T::String, "",
                          "Password of an encrypted `key_file`.",
                          [](auto& c) -> auto& { return c.kafka.security.key_password; })
                  .is_secret());
  r.push_back(key<Config>("kafka.security.verify_hostname", T::Bool, "true",
                          "Check that the broker certificate matches the broker host name. Leave on.",
                          [](auto& c) -> auto& { return c.kafka.security.verify_hostname; }));
  r.push_back(key<Config>("kafka.security.sasl_mechanism", T::Enum, "PLAIN",
                          "SASL mechanism when `protocol` is `sasl_plaintext` or `sasl_ssl`.",
                          [](auto& c) -> auto& { return c.kafka.security.sasl_mechanism; })
                  .values({"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"}));
  r.push_back(key<Config>("kafka.security.username", T::String, "", "SASL user name.",
                          [](auto& c) -> auto& { return c.kafka.security.username; }));
  r.push_back(key<Config>("kafka.security.password", T::String, "", "SASL password.",
                          [](auto& c) -> auto& { return c.kafka.security.password; })
                  .is_secret());

  // ------------------------------------------------------------------ producer
  r.push_back(section<Config>("producer", "`logtracer produce`: sources shipped into `kafka.topics.raw`."));
  r.push_back(key<Config>("producer.buffer_events", T::Uint, "100000",
                          "Events buffered or in flight to Kafka before sources are paused (backpressure).",
                          [](auto& c) -> auto& { return c.producer.buffer_events; })
                  .range(1, 100000000));
  r.push_back(key<Config>("producer.buffer_bytes", T::Size, "64MiB",
                          "Bytes buffered or in flight to Kafka before sources are paused (backpressure).",
                          [](auto& c) -> auto& { return c.producer.buffer_bytes; })
                  .range(65536, std::nullopt));
  r.push_back(key<Config>("producer.checkpoint_dir", T::String, "var/checkpoints",
                          "Directory for source positions (per file: device, inode, offset and a hash of its "
                          "first bytes), written only after Kafka acknowledged.",
                          [](auto& c) -> auto& { return c.producer.checkpoint_dir; })
                  .checked(check_non_empty));
  add_admin_rows(r, "producer.admin", "127.0.0.1:9464", [](auto& c) -> auto& { return c.producer.admin; });

  auto sources = list<Config, SourceConfig>("producer.sources", "Where logs come from. Each item is one source.",
                                            [](auto& c) -> auto& { return c.producer.sources; });
  sources.finish = [](void* item, std::vector<std::string>&) {
    auto& source = *static_cast<SourceConfig*>(item);
    if (source.parser.empty()) source.parser = default_parser_for(source.type);
    if (source.host.empty()) source.host = machine_hostname();
  };
  r.push_back(std::move(sources));
  using S = SourceConfig;
  const std::string src = "producer.sources[].";
  r.push_back(key<S>(src + "name", T::String, "", "Unique name of the source (in metrics, checkpoints, `source` field).",
                     [](auto& s) -> auto& { return s.name; })
                  .is_required()
                  .is_unique()
                  .checked(check_non_empty));
  r.push_back(key<S>(src + "type", T::Enum, "", "Kind of source; decides which of the keys below apply.",
                     [](auto& s) -> auto& { return s.type; })
                  .values(kSourceTypes)
                  .is_required());
  r.push_back(key<S>(src + "service", T::String, "",
                     "`service` of events that do not carry one (\"\" = the source name).",
                     [](auto& s) -> auto& { return s.service; }));
  r.push_back(key<S>(src + "environment", T::String, "production", "`environment` of events that do not carry one.",
                     [](auto& s) -> auto& { return s.environment; }));
  r.push_back(key<S>(src + "host", T::String, "", "`host` of events that do not carry one.",
                     [](auto& s) -> auto& { return s.host; })
                  .doc_default("the machine's hostname"));
  r.push_back(key<S>(src + "parser", T::Enum, "", "How a line becomes an event.",
                     [](auto& s) -> auto& { return s.parser; })
                  .values(kParsers)
                  .doc_default("by `type`: `raw` for file and stdin, `syslog` for syslog, `json` for http and generator"));
  r.push_back(key<S>(src + "pattern", T::String, "",
                     "Regular expression (RE2) with named groups (`(?P<level>\\w+)`...) for `parser: regex`.",
                     [](auto& s) -> auto& { return s.pattern; })
                  .when("parser", {"regex"})
                  .is_required()
                  .checked(check_non_empty));
  r.push_back(key<S>(src + "multiline_start", T::String, "",
                     "Regular expression matching the first line of an event; following lines that do not match "
                     "are appended (stack traces). \"\" = one line per event.",
                     [](auto& s) -> auto& { return s.multiline_start; }));
  r.push_back(key<S>(src + "max_line_bytes", T::Size, "64KiB",
                     "Longer lines are truncated and flagged (`truncated: true`), never dropped.",
                     [](auto& s) -> auto& { return s.max_line_bytes; })
                  .range(256, 64.0 * 1024 * 1024));
  r.push_back(key<S>(src + "enabled", T::Bool, "true", "`false` keeps the source configured but stopped.",
                     [](auto& s) -> auto& { return s.enabled; }));
  // generator
  const std::vector<std::string> gen = {"generator"};
  r.push_back(key<S>(src + "rate", T::Double, "100", "Events per second (0 = as fast as the pipeline takes them).",
                     [](auto& s) -> auto& { return s.generator.rate; })
                  .when("type", gen)
                  .range(0, 10000000));
  r.push_back(key<S>(src + "services", T::StringList, "[checkout, payments, auth, search, inventory]",
                     "Services the simulated events come from.", [](auto& s) -> auto& { return s.generator.services; })
                  .when("type", gen));
  r.push_back(key<S>(src + "environments", T::StringList, "[production, staging]",
                     "Environments the simulated events come from.",
                     [](auto& s) -> auto& { return s.generator.environments; })
                  .when("type", gen));
  r.push_back(section<S>(src + "burst", "Periodic error storms on one service.").when("type", gen));
  r.push_back(key<S>(src + "burst.service", T::String, "", "Service of the storm (\"\" = a random one each time).",
                     [](auto& s) -> auto& { return s.generator.burst.service; }));
  r.push_back(key<S>(src + "burst.every", T::Duration, "0s", "Time between storms (0 = no storms).",
                     [](auto& s) -> auto& { return s.generator.burst.every; }));
  r.push_back(key<S>(src + "burst.duration", T::Duration, "10s", "Length of one storm.",
                     [](auto& s) -> auto& { return s.generator.burst.duration; }));
  r.push_back(key<S>(src + "burst.rate", T::Double, "1000", "Extra error events per second during a storm.",
                     [](auto& s) -> auto& { return s.generator.burst.rate; })
                  .range(0, 10000000));
  r.push_back(key<S>(src + "seed", T::Uint, "0", "Random seed for reproducible streams (0 = random).",
                     [](auto& s) -> auto& { return s.generator.seed; })
                  .when("type", gen));
  r.push_back(key<S>(src + "limit", T::Uint, "0", "Stop after this many events (0 = never).",
                     [](auto& s) -> auto& { return s.generator.limit; })
                  .when("type", gen));
  // file
  const std::vector<std::string> file = {"file"};
  r.push_back(key<S>(src + "paths", T::StringList, "", "Files or globs to tail; new files matching a glob are picked up.",
                     [](auto& s) -> auto& { return s.file.paths; })
                  .when("type", file)
                  .is_required());
  r.push_back(key<S>(src + "start_at", T::Enum, "end",
                     "Where to start in the files found at the source's very first start (no checkpoint yet). "
                     "Afterwards, files it never saw (a new file of a glob, the file that rotation created while "
                     "the producer was stopped) are read from their beginning; checkpointed files resume at "
                     "their acknowledged offset, even when rotated to a sibling in the same directory.",
                     [](auto& s) -> auto& { return s.file.start_at; })
                  .when("type", file)
                  .values({"beginning", "end"}));
  r.push_back(key<S>(src + "poll_interval", T::Duration, "250ms",
                     "How often files are checked in addition to inotify (rotation, globs, network filesystems).",
                     [](auto& s) -> auto& { return s.file.poll_interval; })
                  .when("type", file)
                  .range(10, 60000));
  r.push_back(key<S>(src + "rotate_wait", T::Duration, "5s",
                     "How long a rotated-away file is still read to its end before it is closed.",
                     [](auto& s) -> auto& { return s.file.rotate_wait; })
                  .when("type", file));
  // syslog
  const std::vector<std::string> syslog = {"syslog"};
  r.push_back(key<S>(src + "protocol", T::Enum, "udp", "Syslog transport (`tls` is RFC 5425 and needs `tls.*`).",
                     [](auto& s) -> auto& { return s.syslog.protocol; })
                  .when("type", syslog)
                  .values({"udp", "tcp", "tls"}));
  r.push_back(key<S>(src + "listen", T::String, "127.0.0.1:5514", "Address the syslog listener binds to.",
                     [](auto& s) -> auto& { return s.syslog.listen; })
                  .when("type", syslog)
                  .checked(check_listen));
  r.push_back(key<S>(src + "framing", T::Enum, "auto",
                     "TCP framing: RFC 6587 octet counting, newline, or detected per connection.",
                     [](auto& s) -> auto& { return s.syslog.framing; })
                  .when("type", syslog)
                  .values({"auto", "octet_counting", "newline"}));
  r.push_back(key<S>(src + "max_message_bytes", T::Size, "64KiB", "Longer messages are truncated and flagged.",
                     [](auto& s) -> auto& { return s.syslog.max_message_bytes; })
                  .when("type", syslog)
                  .range(480, 16.0 * 1024 * 1024));
  r.push_back(key<S>(src + "insecure", T::Bool, "false",
                     "Allow a non-loopback syslog `listen` without TLS (the only way for `udp` and `tcp`); "
                     "syslog has no authentication, so even `protocol: tls` there is logged as a warning.",
                     [](auto& s) -> auto& { return s.syslog.insecure; })
                  .when("type", syslog));
  r.push_back(section<S>(src + "tls", "TLS of the syslog (`protocol: tls`) or http listener.")
                  .when("type", {"syslog", "http"}));
  add_tls_rows<S>(r, src + "tls", Condition{"type", syslog}, [](auto& s) -> auto& { return s.syslog.tls; },
                  "the syslog listener (`protocol: tls`)");
  add_tls_rows<S>(r, src + "tls", Condition{"type", {"http"}}, [](auto& s) -> auto& { return s.http.tls; },
                  "the http listener; setting it turns TLS on");
  // http
  const std::vector<std::string> http = {"http"};
  r.push_back(key<S>(src + "listen", T::String, "127.0.0.1:8081", "Address the HTTP ingest listener binds to.",
                     [](auto& s) -> auto& { return s.http.listen; })
                  .when("type", http)
                  .checked(check_listen));
  r.push_back(key<S>(src + "path", T::String, "/ingest",
                     "URL path accepting `POST` of NDJSON or a JSON array of events.",
                     [](auto& s) -> auto& { return s.http.path; })
                  .when("type", http)
                  .checked(check_http_path));
  r.push_back(key<S>(src + "max_body_bytes", T::Size, "10MiB", "Larger request bodies are refused with 413.",
                     [](auto& s) -> auto& { return s.http.max_body_bytes; })
                  .when("type", http)
                  .range(1024, 1024.0 * 1024 * 1024));
  r.push_back(key<S>(src + "token", T::String, "",
                     "Bearer token clients must send (`Authorization: Bearer ...`); \"\" = no authentication.",
                     [](auto& s) -> auto& { return s.http.token; })
                  .when("type", http)
                  .is_secret());
  r.push_back(key<S>(src + "insecure", T::Bool, "false",
                     "Allow a non-loopback `listen` without `token` or TLS.",
                     [](auto& s) -> auto& { return s.http.insecure; })
                  .when("type", http));

  // ------------------------------------------------------------------ consumer
  r.push_back(section<Config>("consumer", "`logtracer consume`: the processing consumer group."));
  r.push_back(key<Config>("consumer.group_id", T::String, "logtracer-consumers",
                          "Kafka consumer group; instances with the same id share the partitions.",
                          [](auto& c) -> auto& { return c.consumer.group_id; })
                  .checked(check_non_empty));
  r.push_back(key<Config>("consumer.guarantee", T::Enum, "at_least_once",
                          "`exactly_once` uses Kafka transactions (readers need `read_committed`).",
                          [](auto& c) -> auto& { return c.consumer.guarantee; })
                  .values({"at_least_once", "exactly_once"}));
  r.push_back(key<Config>("consumer.workers", T::Uint, "2", "Processing threads (partitions are keyed to workers).",
                          [](auto& c) -> auto& { return c.consumer.workers; })
                  .range(1, 256));
  r.push_back(key<Config>("consumer.max_in_flight", T::Uint, "10000",
                          "Records consumed but not yet acknowledged downstream before consumption pauses.",
                          [](auto& c) -> auto& { return c.consumer.max_in_flight; })
                  .range(1, 10000000));
  add_admin_rows(r, "consumer.admin", "127.0.0.1:9465", [](auto& c) -> auto& { return c.consumer.admin; });
  r.push_back(key<Config>("consumer.min_level", T::Enum, "", "Drop events below this level (\"\" = keep all levels).",
                          [](auto& c) -> auto& { return c.consumer.min_level; })
                  .values(kLevels));
  r.push_back(list<Config, FilterRule>("consumer.filters",
                                       "Filter rules in the query language, applied in order; the first match decides.",
                                       [](auto& c) -> auto& { return c.consumer.filters; }));
  r.push_back(key<FilterRule>("consumer.filters[].name", T::String, "", "Rule name (in metrics).",
                              [](auto& f) -> auto& { return f.name; })
                  .is_required()
                  .is_unique()
                  .checked(check_non_empty));
  r.push_back(key<FilterRule>("consumer.filters[].action", T::Enum, "drop", "What happens to matching events.",
                              [](auto& f) -> auto& { return f.action; })
                  .values({"drop", "keep"}));
  r.push_back(key<FilterRule>("consumer.filters[].query", T::String, "",
                              "Query language condition, e.g. `service:checkout and level>=WARN`.",
                              [](auto& f) -> auto& { return f.query; })
                  .is_required()
                  .checked(check_non_empty));

  r.push_back(section<Config>("consumer.enrich", "Fields added to each event."));
  r.push_back(section<Config>("consumer.enrich.geoip", "Geolocation of an IP address from a MaxMind-format database."));
  r.push_back(key<Config>("consumer.enrich.geoip.database", T::String, "",
                          "City (or country) `.mmdb` file; \"\" turns geolocation off.",
                          [](auto& c) -> auto& { return c.consumer.enrich.geoip.database; }));
  r.push_back(key<Config>("consumer.enrich.geoip.asn_database", T::String, "", "Optional ASN `.mmdb` file.",
                          [](auto& c) -> auto& { return c.consumer.enrich.geoip.asn_database; }));
  r.push_back(key<Config>("consumer.enrich.geoip.layout", T::Enum, "auto",
                          "Field layout of the database: MaxMind GeoLite2/GeoIP2 (`country.iso_code`...), the flat "
                          "layout of ip-location-db (`country_code`...), or `auto`: geolite2 when the file's "
                          "database type names GeoLite2/GeoIP2, else flat.",
                          [](auto& c) -> auto& { return c.consumer.enrich.geoip.layout; })
                  .values({"auto", "geolite2", "flat"}));
  r.push_back(key<Config>("consumer.enrich.geoip.source_field", T::String, "client_ip",
                          "Event attribute holding the IP address.",
                          [](auto& c) -> auto& { return c.consumer.enrich.geoip.source_field; }));
  r.push_back(key<Config>("consumer.enrich.geoip.from_message", T::Bool, "true",
                          "When `source_field` is absent, use the first IPv4/IPv6 address found in the message.",
                          [](auto& c) -> auto& { return c.consumer.enrich.geoip.from_message; }));
  r.push_back(key<Config>("consumer.enrich.geoip.target", T::String, "geo",
                          "Attribute prefix of the added fields (`geo.country`, `geo.city`...).",
                          [](auto& c) -> auto& { return c.consumer.enrich.geoip.target; })
                  .checked(check_non_empty));
  auto lookups = list<Config, LookupTable>("consumer.enrich.lookup",
                                           "Lookup tables (CSV with a header row, or JSON) joined on an event field; "
                                           "reloaded when the file changes.",
                                           [](auto& c) -> auto& { return c.consumer.enrich.lookup; });
  lookups.finish = [](void* item, std::vector<std::string>& problems) {
    auto& table = *static_cast<LookupTable*>(item);
    if (!table.format.empty() || table.file.empty()) return;
    auto dot = table.file.rfind('.');
    std::string ext = dot == std::string::npos ? std::string() : lower(table.file.substr(dot + 1));
    if (ext == "csv") {
      table.format = "csv";
    } else if (ext == "json" || ext == "ndjson") {
      table.format = "json";
    } else {
      problems.push_back("cannot tell the format of '" + table.file + "' from its extension; set `format: csv` or `format: json`");
    }
  };
  r.push_back(std::move(lookups));
  r.push_back(key<LookupTable>("consumer.enrich.lookup[].name", T::String, "", "Table name (in metrics).",
                               [](auto& t) -> auto& { return t.name; })
                  .is_required()
                  .is_unique()
                  .checked(check_non_empty));
  r.push_back(key<LookupTable>("consumer.enrich.lookup[].file", T::String, "", "Path of the table file.",
                               [](auto& t) -> auto& { return t.file; })
                  .is_required()
                  .checked(check_non_empty));
  r.push_back(key<LookupTable>("consumer.enrich.lookup[].format", T::Enum, "", "File format.",
                               [](auto& t) -> auto& { return t.format; })
                  .values({"csv", "json"})
                  .doc_default("from the file extension (`.csv`, `.json`)"));
  r.push_back(key<LookupTable>("consumer.enrich.lookup[].key_field", T::String, "user_id",
                               "Event attribute whose value is looked up (and the table's key column).",
                               [](auto& t) -> auto& { return t.key_field; })
                  .checked(check_non_empty));
  r.push_back(key<LookupTable>("consumer.enrich.lookup[].prefix", T::String, "user",
                               "Attribute prefix of the added columns (`user.name`...).",
                               [](auto& t) -> auto& { return t.prefix; }));
  r.push_back(key<LookupTable>("consumer.enrich.lookup[].reload", T::Bool, "true", "Reload when the file changes.",
                               [](auto& t) -> auto& { return t.reload; }));
  r.push_back(section<Config>("consumer.enrich.http_lookup",
                              "Lookup of an event field against an HTTP service, with a cache and a circuit breaker."));
  r.push_back(key<Config>("consumer.enrich.http_lookup.url", T::String, "",
                          "URL template, `{key}` replaced by the URL-encoded value (\"\" = off).",
                          [](auto& c) -> auto& { return c.consumer.enrich.http_lookup.url; })
                  .checked(check_url_or_empty)
                  .is_url(UrlSecrecy::Query));
  r.push_back(key<Config>("consumer.enrich.http_lookup.headers", T::StringMap, "",
                          "Extra request headers (e.g. `Authorization`), values from ${ENV} or file:.",
                          [](auto& c) -> auto& { return c.consumer.enrich.http_lookup.headers; })
                  .is_secret());
  r.push_back(key<Config>("consumer.enrich.http_lookup.key_field", T::String, "user_id",
                          "Event attribute whose value is looked up.",
                          [](auto& c) -> auto& { return c.consumer.enrich.http_lookup.key_field; }));
  r.push_back(key<Config>("consumer.enrich.http_lookup.timeout", T::Duration, "200ms", "Timeout of one request.",
                          [](auto& c) -> auto& { return c.consumer.enrich.http_lookup.timeout; })
                  .range(1, 60000));
  r.push_back(key<Config>("consumer.enrich.http_lookup.cache_size", T::Uint, "10000",
                          "Cached answers (hits and misses).",
                          [](auto& c) -> auto& { return c.consumer.enrich.http_lookup.cache_size; })
                  .range(0, 100000000));
  r.push_back(key<Config>("consumer.enrich.http_lookup.cache_ttl", T::Duration, "5m", "Lifetime of a cached answer.",
                          [](auto& c) -> auto& { return c.consumer.enrich.http_lookup.cache_ttl; }));
  r.push_back(key<Config>("consumer.enrich.http_lookup.breaker_failures", T::Uint, "5",
                          "Consecutive failures that open the circuit breaker: lookups then fail at once, as transient errors "
                          "(retried per `consumer.retry`, then dead-lettered).",
                          [](auto& c) -> auto& { return c.consumer.enrich.http_lookup.breaker_failures; })
                  .range(1, 1000000));
  r.push_back(key<Config>("consumer.enrich.http_lookup.breaker_reset", T::Duration, "30s",
                          "Time before an open breaker lets one trial request through.",
                          [](auto& c) -> auto& { return c.consumer.enrich.http_lookup.breaker_reset; }));
  r.push_back(key<Config>("consumer.enrich.static", T::StringMap, "", "Fields added to every event (region, cluster...).",
                          [](auto& c) -> auto& { return c.consumer.enrich.static_fields; }));
  r.push_back(key<Config>("consumer.enrich.processing_host", T::Bool, "true",
                          "Add `processing_host` with the consumer's hostname.",
                          [](auto& c) -> auto& { return c.consumer.enrich.processing_host; }));

  r.push_back(section<Config>("consumer.redact", "Masking of sensitive data before events leave the consumer."));
  r.push_back(key<Config>("consumer.redact.enabled", T::Bool, "false", "Turn redaction on.",
                          [](auto& c) -> auto& { return c.consumer.redact.enabled; }));
  r.push_back(key<Config>("consumer.redact.builtin", T::StringList, "[emails, credit_cards, bearer_tokens, url_passwords]",
                          "Built-in detectors: `emails`, `credit_cards` (Luhn-checked), `bearer_tokens`, `url_passwords`.",
                          [](auto& c) -> auto& { return c.consumer.redact.builtin; })
                  .checked(check_levels_known));
  r.push_back(list<Config, RedactPattern>("consumer.redact.patterns", "Custom patterns (RE2).",
                                          [](auto& c) -> auto& { return c.consumer.redact.patterns; }));
  r.push_back(key<RedactPattern>("consumer.redact.patterns[].name", T::String, "", "Pattern name (in metrics).",
                                 [](auto& p) -> auto& { return p.name; })
                  .is_required()
                  .is_unique()
                  .checked(check_non_empty));
  r.push_back(key<RedactPattern>("consumer.redact.patterns[].regex", T::String, "", "RE2 regular expression.",
                                 [](auto& p) -> auto& { return p.regex; })
                  .is_required()
                  .checked(check_non_empty));
  r.push_back(key<RedactPattern>("consumer.redact.patterns[].replacement", T::String, "[REDACTED]",
                                 "Replacement text (`\\1` refers to a group).",
                                 [](auto& p) -> auto& { return p.replacement; }));
  r.push_back(key<Config>("consumer.redact.fields", T::StringList, "[message, \"*\"]",
                          "Event fields redaction applies to: `message`, attribute names, or `*` for every "
                          "attribute (nested JSON values included).",
                          [](auto& c) -> auto& { return c.consumer.redact.fields; }));

  r.push_back(section<Config>("consumer.retry", "Retries of transient failures (exponential backoff with jitter)."));
  r.push_back(key<Config>("consumer.retry.max_attempts", T::Uint, "5",
                          "Attempts before the record goes to the dead-letter topic.",
                          [](auto& c) -> auto& { return c.consumer.retry.max_attempts; })
                  .range(1, 1000));
  r.push_back(key<Config>("consumer.retry.initial_backoff", T::Duration, "100ms", "Wait before the first retry.",
                          [](auto& c) -> auto& { return c.consumer.retry.initial_backoff; })
                  .range(1, std::nullopt));
  r.push_back(key<Config>("consumer.retry.max_backoff", T::Duration, "10s", "Upper bound of one wait.",
                          [](auto& c) -> auto& { return c.consumer.retry.max_backoff; })
                  .range(1, std::nullopt));
  r.push_back(key<Config>("consumer.retry.max_elapsed", T::Duration, "60s",
                          "Upper bound of all attempts of one record together.",
                          [](auto& c) -> auto& { return c.consumer.retry.max_elapsed; })
                  .range(1, std::nullopt));

  r.push_back(list<Config, AlertRule>("consumer.alerts", "Alert rules (see docs/alerts.md).",
                                      [](auto& c) -> auto& { return c.consumer.alerts; }));
  using A = AlertRule;
  const std::string al = "consumer.alerts[].";
  r.push_back(key<A>(al + "name", T::String, "", "Rule name; part of the stable alert id.",
                     [](auto& a) -> auto& { return a.name; })
                  .is_required()
                  .is_unique()
                  .checked(check_non_empty));
  r.push_back(key<A>(al + "type", T::Enum, "",
                     "`threshold`: at least `threshold` matches in `window`; `pattern`: any match; "
                     "`absence`: no match for `for`.",
                     [](auto& a) -> auto& { return a.type; })
                  .values({"threshold", "pattern", "absence"})
                  .is_required());
  r.push_back(key<A>(al + "query", T::String, "", "Query language condition selecting the events the rule counts.",
                     [](auto& a) -> auto& { return a.query; })
                  .is_required()
                  .checked(check_non_empty));
  r.push_back(key<A>(al + "threshold", T::Uint, "", "Matches within `window` that fire the alert.",
                     [](auto& a) -> auto& { return a.threshold; })
                  .when("type", {"threshold"})
                  .is_required()
                  .range(1, std::nullopt));
  r.push_back(key<A>(al + "window", T::Duration, "1m", "Sliding window of a threshold rule.",
                     [](auto& a) -> auto& { return a.window; })
                  .when("type", {"threshold"})
                  .range(1000, 86400000));
  r.push_back(key<A>(al + "group_by", T::StringList, "",
                     "Fields that split the rule into one alert per value (e.g. `[service]`).",
                     [](auto& a) -> auto& { return a.group_by; })
                  .when("type", {"threshold", "absence"}));
  r.push_back(key<A>(al + "for", T::Duration, "", "Silence that fires an absence rule.",
                     [](auto& a) -> auto& { return a.for_duration; })
                  .when("type", {"absence"})
                  .is_required()
                  .range(1000, std::nullopt));
  r.push_back(key<A>(al + "severity", T::Enum, "warning", "Severity passed to notifiers.",
                     [](auto& a) -> auto& { return a.severity; })
                  .values({"info", "warning", "critical"}));
  r.push_back(key<A>(al + "cooldown", T::Duration, "5m",
                     "Minimum time between two firings of the same alert (rate-limits pattern rules).",
                     [](auto& a) -> auto& { return a.cooldown; }));
  r.push_back(key<A>(al + "renotify", T::Duration, "1h", "Repeat a still-firing alert this often (0 = never).",
                     [](auto& a) -> auto& { return a.renotify; }));
  r.push_back(key<A>(al + "labels", T::StringMap, "", "Labels attached to the alert (routing, team...).",
                     [](auto& a) -> auto& { return a.labels; }));
  r.push_back(key<A>(al + "message", T::String, "{{name}}: {{count}} events matching {{query}}",
                     "Message template; `{{name}}`, `{{count}}`, `{{query}}`, `{{group}}`, `{{first_message}}` are "
                     "replaced.",
                     [](auto& a) -> auto& { return a.message; }));

  r.push_back(section<Config>("consumer.notifiers", "Where alerts are sent."));
  r.push_back(list<Config, WebhookNotifier>("consumer.notifiers.webhooks", "HTTP endpoints receiving alerts as JSON POSTs.",
                                            [](auto& c) -> auto& { return c.consumer.notifiers.webhooks; }));
  using W = WebhookNotifier;
  const std::string wh = "consumer.notifiers.webhooks[].";
  r.push_back(key<W>(wh + "name", T::String, "", "Notifier name (in metrics).", [](auto& w) -> auto& { return w.name; })
                  .is_required()
                  .is_unique()
                  .checked(check_non_empty));
  r.push_back(key<W>(wh + "url", T::String, "",
                     "Endpoint URL. Its path and query are treated as secret (printed as `/...`, `?k=***`).",
                     [](auto& w) -> auto& { return w.url; })
                  .is_required()
                  .checked(check_url)
                  .is_url(UrlSecrecy::Path));
  r.push_back(key<W>(wh + "format", T::Enum, "json", "Payload: logtracer JSON or a Slack-compatible message.",
                     [](auto& w) -> auto& { return w.format; })
                  .values({"json", "slack"}));
  r.push_back(key<W>(wh + "max_attempts", T::Uint, "5", "Delivery attempts (exponential backoff) before giving up.",
                     [](auto& w) -> auto& { return w.max_attempts; })
                  .range(1, 100));
  r.push_back(key<W>(wh + "timeout", T::Duration, "5s", "Timeout of one request.",
                     [](auto& w) -> auto& { return w.timeout; })
                  .range(1, 300000));
  r.push_back(key<W>(wh + "headers", T::StringMap, "", "Extra request headers (e.g. `Authorization`).",
                     [](auto& w) -> auto& { return w.headers; })
                  .is_secret());
  r.push_back(key<Config>("consumer.notifiers.log", T::Bool, "true", "Write alerts to the process log.",
                          [](auto& c) -> auto& { return c.consumer.notifiers.log; }));
  r.push_back(key<Config>("consumer.notifiers.kafka", T::Bool, "true", "Write alerts to `kafka.topics.alerts`.",
                          [](auto& c) -> auto& { return c.consumer.notifiers.kafka; }));

  // ------------------------------------------------------------------ dashboard
  r.push_back(section<Config>("dashboard", "`logtracer dashboard`: the web interface and its API."));
  r.push_back(key<Config>("dashboard.listen", T::String, "127.0.0.1:8080",
                          "Address of the HTTP/WebSocket server. A non-loopback address needs TLS or auth, or "
                          "`insecure: true`.",
                          [](auto& c) -> auto& { return c.dashboard.listen; })
                  .checked(check_listen));
  r.push_back(key<Config>("dashboard.window_events", T::Uint, "200000", "Events kept in memory for search.",
                          [](auto& c) -> auto& { return c.dashboard.window_events; })
                  .range(1000, 1000000000));
  r.push_back(key<Config>("dashboard.window_bytes", T::Size, "256MiB", "Bytes of events kept in memory for search.",
                          [](auto& c) -> auto& { return c.dashboard.window_bytes; })
                  .range(1048576, std::nullopt));
  r.push_back(key<Config>("dashboard.history", T::Duration, "1h",
                          "How far back the window is rebuilt from Kafka on start.",
                          [](auto& c) -> auto& { return c.dashboard.history; }));
  r.push_back(key<Config>("dashboard.batch_interval", T::Duration, "100ms", "Live tail batching interval.",
                          [](auto& c) -> auto& { return c.dashboard.batch_interval; })
                  .range(10, 10000));
  r.push_back(key<Config>("dashboard.client_queue", T::Uint, "5000",
                          "Events queued per WebSocket client; beyond it the client is told how many it missed.",
                          [](auto& c) -> auto& { return c.dashboard.client_queue; })
                  .range(10, 10000000));
  r.push_back(key<Config>("dashboard.max_clients", T::Uint, "256", "Concurrent WebSocket clients.",
                          [](auto& c) -> auto& { return c.dashboard.max_clients; })
                  .range(1, 100000));
  r.push_back(key<Config>("dashboard.allowed_origins", T::StringList, "",
                          "Extra WebSocket `Origin`s accepted besides the dashboard's own (e.g. `https://logs.example.com`).",
                          [](auto& c) -> auto& { return c.dashboard.allowed_origins; }));
  r.push_back(key<Config>("dashboard.allowed_hosts", T::StringList, "",
                          "Extra names the dashboard may be reached by (the `Host` header), besides `localhost`, "
                          "loopback and its own addresses: e.g. `logs.example.com` (any port) or "
                          "`logs.example.com:8443`; `*` turns the DNS-rebinding check off. Others get `421`.",
                          [](auto& c) -> auto& { return c.dashboard.allowed_hosts; }));
  r.push_back(key<Config>("dashboard.insecure", T::Bool, "false",
                          "Allow a non-loopback `listen` without TLS and authentication.",
                          [](auto& c) -> auto& { return c.dashboard.insecure; }));
  r.push_back(section<Config>("dashboard.tls", "HTTPS for the dashboard."));
  add_tls_rows<Config>(r, "dashboard.tls", std::nullopt, [](auto& c) -> auto& { return c.dashboard.tls; },
                       "the dashboard; setting it turns HTTPS on");
  r.push_back(section<Config>("dashboard.auth", "Authentication; with neither tokens nor users the dashboard is open."));
  r.push_back(key<Config>("dashboard.auth.tokens", T::StringList, "",
                          "Accepted bearer tokens (API, WebSocket, /metrics and `logtracer tail --token`).",
                          [](auto& c) -> auto& { return c.dashboard.auth.tokens; })
                  .is_secret());
  r.push_back(list<Config, DashboardUser>("dashboard.auth.users", "Users who log in with a password.",
                                          [](auto& c) -> auto& { return c.dashboard.auth.users; }));
  r.push_back(key<DashboardUser>("dashboard.auth.users[].username", T::String, "", "Login name.",
                                 [](auto& u) -> auto& { return u.username; })
                  .is_required()
                  .is_unique()
                  .checked(check_non_empty));
  r.push_back(key<DashboardUser>("dashboard.auth.users[].password_hash", T::String, "",
                                 "argon2id hash of the password, as libsodium `crypto_pwhash_str` writes it; "
                                 "`logtracer hash-password` makes one.",
                                 [](auto& u) -> auto& { return u.password_hash; })
                  .is_required()
                  .is_secret()
                  .checked(check_argon2));
  r.push_back(key<Config>("dashboard.auth.session_ttl", T::Duration, "12h",
                          "Lifetime of a login session (enforced on the server; logout ends it sooner).",
                          [](auto& c) -> auto& { return c.dashboard.auth.session_ttl; })
                  .range(60000, std::nullopt));
  r.push_back(section<Config>("dashboard.limits", "Request limits (slowloris and memory protection)."));
  r.push_back(key<Config>("dashboard.limits.max_body_bytes", T::Size, "1MiB", "Largest request body.",
                          [](auto& c) -> auto& { return c.dashboard.limits.max_body_bytes; })
                  .range(1024, std::nullopt));
  r.push_back(key<Config>("dashboard.limits.max_header_bytes", T::Size, "16KiB", "Largest request header block.",
                          [](auto& c) -> auto& { return c.dashboard.limits.max_header_bytes; })
                  .range(1024, 1048576));
  r.push_back(key<Config>("dashboard.limits.ws_max_frame_bytes", T::Size, "64KiB",
                          "Largest WebSocket frame accepted from a client.",
                          [](auto& c) -> auto& { return c.dashboard.limits.ws_max_frame_bytes; })
                  .range(125, 16777216));
  r.push_back(key<Config>("dashboard.limits.request_timeout", T::Duration, "30s",
                          "Time a client has to send a complete request.",
                          [](auto& c) -> auto& { return c.dashboard.limits.request_timeout; })
                  .range(100, 3600000));
  return r;
}

}  // namespace

std::string_view type_name(KeyType type) {
  switch (type) {
    case T::String: return "string";
    case T::Int: return "integer";
    case T::Uint: return "unsigned integer";
    case T::Double: return "number";
    case T::Bool: return "bool";
    case T::Duration: return "duration";
    case T::Size: return "size";
    case T::Enum: return "enum";
    case T::StringList: return "list<string>";
    case T::StringMap: return "map<string,string>";
    case T::Object: return "object";
    case T::ObjectList: return "list<object>";
  }
  return "?";
}

const std::vector<KeyRow>& schema() {
  static const std::vector<KeyRow> rows = build_schema();
  return rows;
}

std::string_view parent_path(std::string_view path) {
  auto dot = path.rfind('.');
  return dot == std::string_view::npos ? std::string_view() : path.substr(0, dot);
}

std::string_view leaf_name(std::string_view path) {
  auto dot = path.rfind('.');
  return dot == std::string_view::npos ? path : path.substr(dot + 1);
}

std::string_view owner_scope(std::string_view path) {
  auto brackets = path.rfind("[]");
  return brackets == std::string_view::npos ? std::string_view() : path.substr(0, brackets + 2);
}

std::string default_parser_for(std::string_view source_type) {
  if (source_type == "syslog") return "syslog";
  if (source_type == "http" || source_type == "generator") return "json";
  return "raw";
}

std::optional<Value> parse_text(const KeyRow& row, std::string_view text, std::string& error) {
  auto got = [&](std::string_view expected) {
    error = std::string(expected) + ", got '" + (row.secret ? std::string("***") : std::string(text)) + "'";
  };
  switch (row.type) {
    case T::String: return Value(std::string(text));
    case T::Enum: {
      if (text.empty() && row.default_text.empty()) return Value(std::string());  // an optional enum, unset
      std::string wanted = lower(text);
      for (const auto& allowed : row.enum_values) {
        if (lower(allowed) == wanted) return Value(allowed);
      }
      std::string list;
      for (const auto& allowed : row.enum_values) list += (list.empty() ? "" : ", ") + allowed;
      error = "'" + std::string(text) + "' is not one of: " + list;
      return std::nullopt;
    }
    case T::Int: {
      std::int64_t v = 0;
      auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (ec == std::errc() && ptr == text.data() + text.size() && !text.empty()) return Value(v);
      got("expected an integer");
      return std::nullopt;
    }
    case T::Uint: {
      std::uint64_t v = 0;
      auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (ec == std::errc() && ptr == text.data() + text.size() && !text.empty()) return Value(v);
      got(!text.empty() && text.front() == '-' ? "expected a non-negative integer" : "expected an integer");
      return std::nullopt;
    }
    case T::Double: {
      double v = 0;
      auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (ec == std::errc() && ptr == text.data() + text.size() && !text.empty() && std::isfinite(v)) return Value(v);
      got("expected a number");
      return std::nullopt;
    }
    case T::Bool: {
      std::string v = lower(text);
      if (v == "true" || v == "yes" || v == "on") return Value(true);
      if (v == "false" || v == "no" || v == "off") return Value(false);
      got("expected true or false");
      return std::nullopt;
    }
    case T::Duration: {
      if (auto d = parse_duration(text)) return Value(*d);
      got("expected a duration such as '250ms', '5s', '1m', '1h' or a number of seconds");
      return std::nullopt;
    }
    case T::Size: {
      if (auto s = parse_size(text)) return Value(*s);
      got("expected a size such as '64KiB', '1MB', '10MiB' or a number of bytes");
      return std::nullopt;
    }
    case T::StringList:
    case T::StringMap: {
      if (text.empty()) return row.type == T::StringList ? Value(StringList{}) : Value(StringMap{});
      try {
        YAML::Node node = YAML::Load(std::string(text));
        if (row.type == T::StringList && node.IsSequence()) {
          StringList out;
          for (const auto& item : node) {
            if (!item.IsScalar()) throw YAML::Exception(item.Mark(), "not a string");
            out.push_back(item.Scalar());
          }
          return Value(std::move(out));
        }
        if (row.type == T::StringMap && node.IsMap()) {
          StringMap out;
          for (const auto& item : node) out[item.first.Scalar()] = item.second.Scalar();
          return Value(std::move(out));
        }
      } catch (const YAML::Exception&) {
      }
      got(row.type == T::StringList ? "expected a list of strings" : "expected a mapping of strings");
      return std::nullopt;
    }
    case T::Object:
    case T::ObjectList: break;
  }
  error = "a section has no value of its own";
  return std::nullopt;
}

SchemaIndex::SchemaIndex(const std::vector<KeyRow>& rows) {
  for (const auto& row : rows) {
    by_path_.emplace(row.path, &row);
    std::string parent(parent_path(row.path));
    children_[parent].push_back(&row);
    auto& names = child_names_[parent];
    std::string leaf(leaf_name(row.path));
    if (std::find(names.begin(), names.end(), leaf) == names.end()) names.push_back(leaf);
    if (row.type == T::ObjectList) {
      child_names_[row.path + "[]"];
      children_[row.path + "[]"];
    }
    if (!row.is_container()) {
      std::string error;
      auto value = row.default_text.empty() ? std::optional<Value>(zero_value(row.type))
                                            : parse_text(row, row.default_text, error);
      if (!value) throw std::logic_error("config schema: default of '" + row.path + "' does not parse: " + error);
      defaults_.emplace(&row, std::move(*value));
    }
  }
}

std::vector<const KeyRow*> SchemaIndex::rows_at(std::string_view path) const {
  std::vector<const KeyRow*> out;
  auto [begin, end] = by_path_.equal_range(path);
  for (auto it = begin; it != end; ++it) out.push_back(it->second);
  return out;
}

const std::vector<std::string>& SchemaIndex::child_names(std::string_view parent) const {
  static const std::vector<std::string> none;
  auto it = child_names_.find(parent);
  return it == child_names_.end() ? none : it->second;
}

std::vector<const KeyRow*> SchemaIndex::children(std::string_view parent) const {
  auto it = children_.find(parent);
  return it == children_.end() ? std::vector<const KeyRow*>() : it->second;
}

const Value& SchemaIndex::default_value(const KeyRow& row) const { return defaults_.at(&row); }

const SchemaIndex& schema_index() {
  static const SchemaIndex index(schema());
  return index;
}

std::string format_amount(KeyType type, double value) {
  if (type == KeyType::Duration) return format_duration(Duration(static_cast<Duration::rep>(value)));
  if (type == KeyType::Size) return format_size(static_cast<std::uint64_t>(value));
  std::ostringstream out;
  out.precision(15);
  out << value;
  return out.str();
}

void apply_defaults(std::string_view scope, void* owner) {
  const auto& index = schema_index();
  for (const auto& row : schema()) {
    if (row.is_container() || owner_scope(row.path) != scope) continue;
    row.set(owner, index.default_value(row));
  }
}

Config default_config() {
  Config config;
  apply_defaults("", &config);
  return config;
}

}  // namespace lt::config
