#include "sources/source_config.h"

#include <charconv>
#include <random>

#include "net/listen_address.h"

namespace lt::sources {

namespace {

// "127.0.0.1:5514", "[::1]:5514" → address and port.
bool split_listen(const std::string& listen, std::string& address, int& port) {
  std::string error;
  auto parsed = net::parse_listen(listen, error);
  if (!parsed) return false;
  address = parsed->address;
  port = parsed->port;
  return true;
}

Error bad(const config::SourceConfig& s, const std::string& what) {
  return Error::permanent("source.config", "source '" + s.name + "': " + what);
}

std::uint32_t ms(config::Duration d) { return static_cast<std::uint32_t>(std::max<std::int64_t>(d.count(), 0)); }

}  // namespace

std::variant<SourceSpec, Error> source_spec_from_config(const config::SourceConfig& s, const std::string& checkpoint_dir) {
  SourceSpec spec;
  auto& c = spec.common;
  c.name = s.name;
  c.type = s.type;
  c.service = s.service.empty() ? s.name : s.service;
  c.environment = s.environment;
  c.host = s.host;
  c.parser = {s.parser.empty() ? "raw" : s.parser, s.pattern};
  c.multiline_start = s.multiline_start;
  if (s.max_line_bytes) c.max_line_bytes = s.max_line_bytes;

  if (s.type == "generator") {
    auto& g = spec.generator;
    g.rate = s.generator.rate;
    g.limit = s.generator.limit;
    // 0 = random, but drawn once per process and source name, so a reload of an
    // unchanged config does not count as a change (and restart the generator).
    static const std::uint64_t process_seed = std::random_device{}();
    g.seed = s.generator.seed ? s.generator.seed : process_seed ^ std::hash<std::string>{}(s.name);
    if (!s.generator.services.empty()) g.services = s.generator.services;
    if (!s.generator.environments.empty()) g.environments = s.generator.environments;
    g.burst_every_ms = ms(s.generator.burst.every);
    g.burst_duration_ms = ms(s.generator.burst.duration);
    g.burst_rate = s.generator.burst.rate;
    g.burst_service = s.generator.burst.service;
  } else if (s.type == "file") {
    auto& f = spec.file;
    f.paths = s.file.paths;
    f.start_at_beginning = s.file.start_at == "beginning";
    f.checkpoint_dir = checkpoint_dir;
    if (s.file.poll_interval.count() > 0) f.poll_interval_ms = f.rescan_interval_ms = ms(s.file.poll_interval);
    if (s.file.rotate_wait.count() > 0) f.rotate_wait_ms = ms(s.file.rotate_wait);
  } else if (s.type == "syslog") {
    auto& y = spec.syslog;
    int port = 0;
    if (!split_listen(s.syslog.listen, y.address, port)) return bad(s, "listen must be host:port, got '" + s.syslog.listen + "'");
    if (s.syslog.protocol == "tcp" || s.syslog.protocol == "tls") {
      y.tcp_port = port;
    } else {
      y.udp_port = port;
    }
    if (s.syslog.protocol == "tls") {
      y.tls = true;
      y.tls_cert_file = s.syslog.tls.cert_file;
      y.tls_key_file = s.syslog.tls.key_file;
    }
    if (!s.syslog.framing.empty()) y.framing = s.syslog.framing;
    if (s.syslog.max_message_bytes) c.max_line_bytes = s.syslog.max_message_bytes;
  } else if (s.type == "http") {
    auto& h = spec.http;
    if (!split_listen(s.http.listen, h.address, h.port)) return bad(s, "listen must be host:port, got '" + s.http.listen + "'");
    if (!s.http.path.empty()) h.path = s.http.path;
    if (s.http.max_body_bytes) h.max_body_bytes = s.http.max_body_bytes;
    h.bearer_token = s.http.token;
    h.tls_cert_file = s.http.tls.cert_file;
    h.tls_key_file = s.http.tls.key_file;
  }
  return spec;
}

std::variant<std::vector<SourceSpec>, Error> source_specs_from_config(const config::ProducerConfig& producer) {
  std::vector<SourceSpec> out;
  for (const auto& s : producer.sources) {
    if (!s.enabled) continue;
    auto spec = source_spec_from_config(s, producer.checkpoint_dir);
    if (auto* err = std::get_if<Error>(&spec)) return *err;
    out.push_back(std::get<SourceSpec>(std::move(spec)));
  }
  return out;
}

}  // namespace lt::sources
