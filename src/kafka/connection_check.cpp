#include "kafka/connection_check.h"

#include <arpa/inet.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace lt::kafka {

namespace {

using Clock = std::chrono::steady_clock;

struct X509Deleter {
  void operator()(X509* x) const noexcept { X509_free(x); }
};
using X509Ptr = std::unique_ptr<X509, X509Deleter>;

struct BioDeleter {
  void operator()(BIO* b) const noexcept { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

std::string name_text(const X509_NAME* name) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253);
  return bio_text(bio.get());
}

// "2020-01-02 00:00:00 UTC"
std::string time_text(const ASN1_TIME* t) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return "an unreadable date";
  char out[40];
  std::strftime(out, sizeof out, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return out;
}

// "DNS:wrong-host.invalid, IP:127.0.0.1"
std::string alt_names(X509* cert) {
  std::string out;
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names, i);
    std::string one;
    if (gn->type == GEN_DNS) {
      one = "DNS:" + std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(gn->d.dNSName)),
                                 static_cast<std::size_t>(ASN1_STRING_length(gn->d.dNSName)));
    } else if (gn->type == GEN_IPADD) {
      const int len = ASN1_STRING_length(gn->d.iPAddress);
      char ip[INET6_ADDRSTRLEN] = {};
      if ((len == 4 || len == 16) &&
          inet_ntop(len == 4 ? AF_INET : AF_INET6, ASN1_STRING_get0_data(gn->d.iPAddress), ip, sizeof ip)) {
        one = std::string("IP:") + ip;
      }
    }
    if (one.empty()) continue;
    if (!out.empty()) out += ", ";
    out += one;
  }
  GENERAL_NAMES_free(names);
  return out;
}

CertificateProblem describe_certificate(const char* der, std::size_t size, int x509_error, int depth) {
  CertificateProblem p;
  p.x509_error = x509_error;
  p.depth = depth;
  p.error_text = X509_verify_cert_error_string(x509_error);
  const auto* in = reinterpret_cast<const unsigned char*>(der);
  X509Ptr cert(d2i_X509(nullptr, &in, static_cast<long>(size)));
  if (cert) {
    p.subject = name_text(X509_get_subject_name(cert.get()));
    p.issuer = name_text(X509_get_issuer_name(cert.get()));
    p.not_before = time_text(X509_get0_notBefore(cert.get()));
    p.not_after = time_text(X509_get0_notAfter(cert.get()));
    p.alt_names = alt_names(cert.get());
  }
  return p;
}

// What the librdkafka callbacks saw, filled from its threads and read by the check.
struct ProbeState {
  std::mutex mu;
  std::vector<std::pair<rd_kafka_resp_err_t, std::string>> errors;
  std::map<std::string, CertificateProblem> certificate_problems;  // by "host:port"
  bool all_brokers_down = false;
};

void on_error(rd_kafka_t*, int code, const char* reason, void* opaque) {
  auto* state = static_cast<ProbeState*>(opaque);
  std::lock_guard lock(state->mu);
  const auto err = static_cast<rd_kafka_resp_err_t>(code);
  if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) state->all_brokers_down = true;
  if (state->errors.size() < 64) state->errors.emplace_back(err, reason ? reason : "");
}

// Keeps OpenSSL's verdict; only remembers why a certificate failed, for the message.
int on_verify(rd_kafka_t*, const char* broker_name, int32_t, int* x509_error, int depth, const char* buf,
              std::size_t size, char* errstr, std::size_t errstr_size, void* opaque) {
  if (*x509_error == X509_V_OK) return 1;
  auto* state = static_cast<ProbeState*>(opaque);
  auto problem = describe_certificate(buf, size, *x509_error, depth);
  std::snprintf(errstr, errstr_size, "%s", problem.error_text.c_str());
  std::lock_guard lock(state->mu);
  state->certificate_problems.try_emplace(broker_name ? broker_name : "", std::move(problem));
  return 0;
}

// The probe's own retries are reported once, as its result, not line by line.
void quiet_log(const rd_kafka_t*, int, const char* facility, const char* message) {
  spdlog::debug("kafka connection check {}: {}", facility, message);
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string property_of(const ClientConfig& config, const char* name) {
  auto it = config.properties.find(name);
  return it == config.properties.end() ? std::string() : it->second;
}

// "the broker certificate (CN=x)" / "the CA certificate CN=y in the broker's chain"
std::string which_certificate(const CertificateProblem& p) {
  if (p.depth == 0) return "the broker certificate" + (p.subject.empty() ? std::string() : " (" + p.subject + ")");
  return "the CA certificate " + p.subject + " in the broker's chain";
}

std::string host_of(const std::string& address) {
  if (!address.empty() && address.front() == '[') return address.substr(1, address.find(']') - 1);
  const auto colon = address.rfind(':');
  return colon == std::string::npos ? address : address.substr(0, colon);
}

std::string explain(const CertificateProblem& p, const std::string& broker, const ClientConfig& config) {
  const std::string ca_file = property_of(config, "ssl.ca.location");
  switch (p.x509_error) {
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
      return which_certificate(p) + " is for " + (p.alt_names.empty() ? p.subject : p.alt_names) + ", not for " +
             host_of(broker) + " — connect by a name it carries (kafka.brokers) or give the broker a certificate for " +
             host_of(broker) + "; kafka.security.verify_hostname: false turns this check off (not recommended)";
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return which_certificate(p) + " expired on " + p.not_after + " — renew it on the broker";
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return which_certificate(p) + " is not valid before " + p.not_before + " — check the clocks";
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_CERT_UNTRUSTED:
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
      return which_certificate(p) +
             (p.issuer.empty() || p.issuer == p.subject ? std::string() : ", issued by " + p.issuer + ",") +
             " is not signed by a CA in " + (ca_file.empty() ? std::string("the system trust store") : ca_file) +
             " — set kafka.security.ca_file to the CA that signed the broker certificates";
    default:
      return which_certificate(p) + " was refused — check kafka.security.ca_file";
  }
}

bool contains(std::string_view text, std::string_view what) { return text.find(what) != std::string_view::npos; }

// librdkafka's reason after "<broker url>: ".
std::string_view after_broker(std::string_view reason) {
  const auto scheme = reason.find("://");
  const auto colon = reason.find(": ", scheme == std::string_view::npos ? 0 : scheme);
  if (scheme == std::string_view::npos || colon == std::string_view::npos || colon < scheme) return reason;
  return reason.substr(colon + 2);
}

}  // namespace

Status check_certificate_file(const std::string& path, std::string_view setting) {
  BioPtr bio(BIO_new_file(path.c_str(), "r"));
  if (!bio) {
    return Error::permanent("kafka.ssl", "cannot read the certificate " + path + " (" + std::string(setting) + ")");
  }
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) {
    return Error::permanent("kafka.ssl",
                            "no PEM certificate in " + path + " (" + std::string(setting) + ")");
  }
  if (X509_cmp_current_time(X509_get0_notAfter(cert.get())) < 0) {
    return Error::permanent("kafka.ssl", "the certificate " + path + " (" + std::string(setting) + ") expired on " +
                                             time_text(X509_get0_notAfter(cert.get())) +
                                             " — renew it: the broker will refuse it");
  }
  if (X509_cmp_current_time(X509_get0_notBefore(cert.get())) > 0) {
    return Error::permanent("kafka.ssl", "the certificate " + path + " (" + std::string(setting) +
                                             ") is not valid before " +
                                             time_text(X509_get0_notBefore(cert.get())) +
                                             " — check this machine's clock");
  }
  return std::nullopt;
}

Status check_connection(const ClientConfig& config, std::chrono::milliseconds timeout) {
  auto property = [&config](const char* name) { return property_of(config, name); };
  const std::string protocol = lower(property("security.protocol"));
  const bool tls = protocol == "ssl" || protocol == "sasl_ssl";
  if (const auto cert = property("ssl.certificate.location"); tls && !cert.empty()) {
    if (auto e = check_certificate_file(cert, "kafka.security.cert_file")) return e;
  }

  auto conf = build_conf(config, {});
  if (!conf) return conf.error();
  ProbeState state;  // outlives the handle, whose threads call into it
  rd_kafka_conf_set_opaque(conf->get(), &state);
  rd_kafka_conf_set_error_cb(conf->get(), on_error);
  rd_kafka_conf_set_log_cb(conf->get(), quiet_log);
  if (tls && property("enable.ssl.certificate.verification") != "false") {
    rd_kafka_conf_set_ssl_cert_verify_cb(conf->get(), on_verify);
  }
  auto rk = create_handle(RD_KAFKA_PRODUCER, std::move(*conf));
  if (!rk) {
    Error e = rk.error();
    if (e.message.find("ssl.key") != std::string::npos || e.message.find("ssl.certificate") != std::string::npos) {
      e.message += " — check kafka.security.cert_file, key_file and key_password";
    } else if (e.message.find("ssl.ca") != std::string::npos) {
      e.message += " — check kafka.security.ca_file";
    }
    return e;
  }

  const auto deadline = Clock::now() + timeout;
  std::string last_error;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    const rd_kafka_metadata_t* md = nullptr;
    const auto step = std::clamp<std::int64_t>(left.count(), 1, 250);
    if (rd_kafka_metadata(rk->get(), 0, nullptr, &md, static_cast<int>(step)) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_metadata_destroy(md);
      return std::nullopt;
    }
    rd_kafka_poll(rk->get(), 0);  // serves the error callback
    {
      std::lock_guard lock(state.mu);
      for (const auto& [code, reason] : state.errors) {
        const auto broker = broker_address(reason);
        const auto it = state.certificate_problems.find(broker);
        const CertificateProblem* problem = it == state.certificate_problems.end() ? nullptr : &it->second;
        if (auto e = diagnose(code, reason, problem, config)) return e;
        if (code != RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) last_error = strip_timing(reason);
      }
      state.errors.clear();
      if (state.all_brokers_down) {
        return Error::transient("kafka.all_brokers_down",
                                "no broker of " + config.brokers + " is reachable" +
                                    (last_error.empty() ? std::string() : " (" + last_error + ")"));
      }
    }
    if (Clock::now() >= deadline) {
      return Error::transient("kafka.timed_out", fmt::format("no broker of {} answered within {:g} s", config.brokers,
                                                                 static_cast<double>(timeout.count()) / 1000) +
                                                     (last_error.empty() ? std::string() : " (" + last_error + ")"));
    }
  }
}

}  // namespace lt::kafka

namespace lt::kafka {

std::string broker_address(std::string_view reason) {
  const auto scheme = reason.find("://");
  const auto colon = reason.find(": ");
  if (scheme == std::string_view::npos || colon == std::string_view::npos || scheme > colon) return {};
  std::string_view url = reason.substr(scheme + 3, colon - scheme - 3);  // 127.0.0.1:9093/bootstrap
  return std::string(url.substr(0, url.find('/')));
}

std::string strip_timing(std::string_view reason) {
  const auto tail = reason.rfind(" (after ");
  return std::string(tail == std::string_view::npos ? reason : reason.substr(0, tail));
}

std::optional<Error> diagnose(rd_kafka_resp_err_t code, std::string_view reason, const CertificateProblem* problem,
                              const ClientConfig& config) {
  const bool tls_or_transport = code == RD_KAFKA_RESP_ERR__SSL || code == RD_KAFKA_RESP_ERR__TRANSPORT;
  if (!tls_or_transport && code != RD_KAFKA_RESP_ERR__AUTHENTICATION) return std::nullopt;
  const std::string broker = broker_address(reason);
  const std::string where = broker.empty() ? config.brokers : broker;
  const std::string detail = strip_timing(after_broker(reason));
  const std::string low = lower(detail);

  if (problem != nullptr && tls_or_transport) {
    return Error::permanent("kafka.ssl", "TLS handshake with " + where + " failed: certificate verify failed (" +
                                             problem->error_text + "): " + explain(*problem, where, config));
  }

  // A TLS alert is the broker refusing us, mostly our client certificate.
  if (const auto at = low.find("alert "); tls_or_transport && at != std::string::npos && contains(low, "ssl")) {
    std::string alert = low.substr(at + 6);
    alert = alert.substr(0, alert.find(':'));
    const std::string cert = property_of(config, "ssl.certificate.location");
    const bool has_client_cert = !cert.empty() || !property_of(config, "ssl.certificate.pem").empty() ||
                                 !property_of(config, "ssl.keystore.location").empty();
    if (!has_client_cert && (contains(alert, "certificate") || alert == "handshake failure")) {
      return Error::permanent("kafka.ssl", "the broker " + where + " requires a client certificate (TLS alert '" + alert +
                                               "') — set kafka.security.cert_file and kafka.security.key_file "
                                               "(mutual TLS)");
    }
    if (has_client_cert && contains(alert, "certificate")) {
      return Error::permanent("kafka.ssl", "the broker " + where + " refused the client certificate " +
                                               (cert.empty() ? std::string("(keystore)") : cert) + " (TLS alert '" + alert +
                                               "'): it must be signed by a CA the broker trusts and be valid now — "
                                               "check kafka.security.cert_file");
    }
    return Error::permanent("kafka.ssl", "TLS with " + where + " failed: the broker sent the alert '" + alert +
                                             "' — check kafka.security");
  }

  if (code == RD_KAFKA_RESP_ERR__SSL) {
    if (contains(low, "certificate verify failed")) {
      return Error::permanent("kafka.ssl", "TLS handshake with " + where +
                                               " failed: certificate verify failed — check kafka.security.ca_file (the "
                                               "CA that signed the broker certificate) and kafka.security.verify_hostname");
    }
    if (contains(low, "unexpected eof") || contains(low, "wrong version number") ||
        contains(low, "packet length too long") || contains(low, "record layer failure")) {
      return Error::permanent("kafka.ssl", "TLS handshake with " + where + " failed (" + detail +
                                               "): the listener does not seem to speak TLS — check "
                                               "kafka.security.protocol and the port in kafka.brokers");
    }
    return Error::permanent("kafka.ssl", "TLS with " + where + " failed: " + detail + " — check kafka.security");
  }

  if (code == RD_KAFKA_RESP_ERR__AUTHENTICATION) {
    std::string_view what = detail;
    if (what.rfind("SASL authentication error: ", 0) == 0) what.remove_prefix(27);
    return Error::permanent("kafka.authentication", "SASL authentication with " + where + " failed: " +
                                                        std::string(what) +
                                                        " — check kafka.security.username, kafka.security.password "
                                                        "and kafka.security.sasl_mechanism");
  }

  // librdkafka's own hint: a TLS or SASL listener hangs up on a plaintext client.
  if (contains(low, "security.protocol")) {
    std::string protocol = lower(property_of(config, "security.protocol"));
    if (protocol.empty()) protocol = "plaintext";
    return Error::permanent("kafka.config", where +
                                                " closed the connection before answering, as a TLS or SASL listener "
                                                "does to a plaintext client — check kafka.security.protocol (now '" +
                                                protocol + "') and the port in kafka.brokers");
  }
  return std::nullopt;
}

}  // namespace lt::kafka
