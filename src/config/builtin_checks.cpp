#include "config/builtin_checks.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>

namespace lt::config {

bool is_loopback_listen(const std::string& listen) {
  std::string host;
  if (!listen.empty() && listen.front() == '[') {
    host = listen.substr(1, listen.find(']') == std::string::npos ? std::string::npos : listen.find(']') - 1);
  } else {
    host = listen.substr(0, listen.rfind(':'));
  }
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

namespace {

void check_tls_pair(const TlsFiles& tls, const std::string& path, Diagnostics& diags) {
  if (!tls.cert_file.empty() && tls.key_file.empty()) diags.error(path + ".cert_file", path + ": cert_file needs key_file");
  if (tls.cert_file.empty() && !tls.key_file.empty()) diags.error(path + ".key_file", path + ": key_file needs cert_file");
}

void check_kafka_security(const Config& config, Diagnostics& diags) {
  const auto& sec = config.kafka.security;
  bool sasl = sec.protocol == "sasl_plaintext" || sec.protocol == "sasl_ssl";
  bool tls = sec.protocol == "ssl" || sec.protocol == "sasl_ssl";
  if (sasl && sec.username.empty()) {
    diags.error("kafka.security.username", "kafka.security: protocol " + sec.protocol + " needs username");
  }
  if (sasl && sec.password.empty()) {
    diags.error("kafka.security.password", "kafka.security: protocol " + sec.protocol + " needs password");
  }
  if (!sec.cert_file.empty() && sec.key_file.empty()) {
    diags.error("kafka.security.cert_file", "kafka.security: cert_file needs key_file");
  }
  if (sec.cert_file.empty() && !sec.key_file.empty()) {
    diags.error("kafka.security.key_file", "kafka.security: key_file needs cert_file");
  }
  if (!tls && (!sec.ca_file.empty() || !sec.cert_file.empty())) {
    diags.warning("kafka.security.protocol",
                  "kafka.security: ca_file/cert_file are ignored with protocol " + sec.protocol +
                      " (use ssl or sasl_ssl)");
  }
  if (sec.protocol == "sasl_plaintext") {
    diags.warning("kafka.security.protocol", "kafka.security: sasl_plaintext sends credentials unencrypted");
  }
  if (tls && !sec.verify_hostname) {
    diags.warning("kafka.security.verify_hostname",
                  "kafka.security: verify_hostname is off: any certificate the CA signed is accepted for any broker");
  }
}

// Binding beyond loopback without protection must be a visible, explicit decision.
void check_exposure(const std::string& listen, bool tls, bool auth, bool insecure, const std::string& path,
                    const std::string& fix, Diagnostics& diags) {
  if (listen.empty() || is_loopback_listen(listen)) return;
  if (insecure) {
    if (!tls || !auth) {
      const char* missing = !tls && !auth ? "TLS or authentication" : !tls ? "TLS" : "authentication";
      diags.warning(path + ".insecure", path + ".listen: " + listen + " is reachable from other machines without " +
                                            missing + " (insecure: true)");
    }
    return;
  }
  if (!tls && !auth) {
    diags.error(path + ".listen", path + ".listen: " + listen +
                                      " is reachable from other machines without TLS or authentication; " + fix +
                                      ", or set insecure: true");
  } else if (!tls || !auth) {
    diags.warning(path + ".listen", path + ".listen: " + listen + " is reachable from other machines without " +
                                        (tls ? "authentication" : "TLS"));
  }
}

void check_sources(const Config& config, Diagnostics& diags) {
  std::map<std::string, std::string> listeners;  // listen address -> source path
  const auto& sources = config.producer.sources;
  for (std::size_t i = 0; i < sources.size(); ++i) {
    const auto& s = sources[i];
    std::string path = "producer.sources[" + std::to_string(i) + "]";
    std::string listen;
    if (s.type == "syslog") {
      check_tls_pair(s.syslog.tls, path + ".tls", diags);
      if (s.syslog.protocol == "tls" && s.syslog.tls.cert_file.empty()) {
        diags.error(path + ".protocol", path + ": protocol tls needs tls.cert_file and tls.key_file");
      }
      if (s.syslog.protocol != "tls" && s.syslog.tls.enabled()) {
        diags.warning(path + ".tls", path + ": tls.* is used only with protocol: tls");
      }
      // Syslog has no authentication of its own: TLS is the only protection, and UDP cannot have it.
      check_exposure(s.syslog.listen, s.syslog.protocol == "tls", false, s.syslog.insecure, path,
                     s.syslog.protocol == "udp" ? std::string("bind it to 127.0.0.1")
                                                : std::string("use protocol: tls with tls.cert_file and tls.key_file"),
                     diags);
      listen = s.syslog.protocol + "://" + s.syslog.listen;
    } else if (s.type == "http") {
      check_tls_pair(s.http.tls, path + ".tls", diags);
      check_exposure(s.http.listen, s.http.tls.enabled(), !s.http.token.empty(), s.http.insecure, path,
                     "set token and tls", diags);
      listen = "tcp://" + s.http.listen;
    }
    if (!listen.empty() && s.enabled) {
      if (auto [it, inserted] = listeners.emplace(listen, path); !inserted) {
        diags.error(path + ".listen", path + ": listen address is already used by " + it->second);
      }
    }
    if (s.type == "generator" && s.generator.burst.every.count() > 0 &&
        s.generator.burst.duration >= s.generator.burst.every) {
      diags.error(path + ".burst.duration", path + ".burst: duration must be shorter than every");
    }
  }
}

void check_consumer(const Config& config, Diagnostics& diags) {
  const auto& retry = config.consumer.retry;
  if (retry.initial_backoff > retry.max_backoff) {
    diags.error("consumer.retry.initial_backoff", "consumer.retry: initial_backoff is larger than max_backoff");
  }
  const auto& geoip = config.consumer.enrich.geoip;
  if (geoip.database.empty() && !geoip.asn_database.empty()) {
    diags.warning("consumer.enrich.geoip.asn_database",
                  "consumer.enrich.geoip: asn_database is used only together with database");
  }
  if (config.consumer.notifiers.kafka && config.kafka.topics.alerts.empty()) {
    diags.error("kafka.topics.alerts", "kafka.topics.alerts: needed by consumer.notifiers.kafka");
  }
}

void check_dashboard(const Config& config, Diagnostics& diags) {
  const auto& d = config.dashboard;
  check_tls_pair(d.tls, "dashboard.tls", diags);
  check_exposure(d.listen, d.tls.enabled(), d.auth.enabled(), d.insecure, "dashboard", "configure dashboard.tls and "
                 "dashboard.auth", diags);
}

void check_admin(const Config& config, Diagnostics& diags) {
  for (auto [a, path] : {std::pair{&config.producer.admin, "producer.admin"}, {&config.consumer.admin, "consumer.admin"}}) {
    check_tls_pair(a->tls, std::string(path) + ".tls", diags);
    check_exposure(a->listen, a->tls.enabled(), !a->token.empty(), a->insecure, path, "set token and tls", diags);
  }
}

void check_readable(const std::string& file, const std::string& path, Diagnostics& diags) {
  if (file.empty()) return;
  std::string why;
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    why = std::strerror(errno);
  } else {
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) why = "is a directory";
    ::close(fd);
  }
  if (why.empty()) return;
  std::string hint = file.front() == '/' ? "" : " (relative to the current directory, as for the service)";
  diags.error(path, path + ": cannot read '" + file + "': " + why + hint +
                        "; to check a config meant for another machine or a container, use --no-file-checks");
}

void check_tls_files(const TlsFiles& tls, const std::string& path, Diagnostics& diags) {
  check_readable(tls.cert_file, path + ".cert_file", diags);
  check_readable(tls.key_file, path + ".key_file", diags);
}

}  // namespace

void check_referenced_files(const Config& config, Diagnostics& diags) {
  const auto& sec = config.kafka.security;
  if (sec.protocol == "ssl" || sec.protocol == "sasl_ssl") {
    check_readable(sec.ca_file, "kafka.security.ca_file", diags);
    check_readable(sec.cert_file, "kafka.security.cert_file", diags);
    check_readable(sec.key_file, "kafka.security.key_file", diags);
  }
  const auto& sources = config.producer.sources;
  for (std::size_t i = 0; i < sources.size(); ++i) {
    const auto& s = sources[i];
    const std::string path = "producer.sources[" + std::to_string(i) + "].tls";
    if (s.type == "syslog" && s.syslog.protocol == "tls") check_tls_files(s.syslog.tls, path, diags);
    if (s.type == "http") check_tls_files(s.http.tls, path, diags);
  }
  check_tls_files(config.producer.admin.tls, "producer.admin.tls", diags);
  check_tls_files(config.consumer.admin.tls, "consumer.admin.tls", diags);
  check_tls_files(config.dashboard.tls, "dashboard.tls", diags);
  const auto& geoip = config.consumer.enrich.geoip;
  check_readable(geoip.database, "consumer.enrich.geoip.database", diags);
  if (!geoip.database.empty()) check_readable(geoip.asn_database, "consumer.enrich.geoip.asn_database", diags);
  const auto& tables = config.consumer.enrich.lookup;
  for (std::size_t i = 0; i < tables.size(); ++i)
    check_readable(tables[i].file, "consumer.enrich.lookup[" + std::to_string(i) + "].file", diags);
}

std::vector<Validator> builtin_checks() {
  return {check_kafka_security, check_sources, check_consumer, check_dashboard, check_admin};
}

}  // namespace lt::config
