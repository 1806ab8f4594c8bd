// The `geoip` enrichment step: locates an IP address (from a field or found in
// the message) in MaxMind-format .mmdb databases and adds geo.* attributes.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/metrics.h"
#include "process/processor.h"

namespace lt {

// Where the values sit in the database records.
enum class GeoipLayout {
  Auto,     // MaxMind when the database type names GeoLite2/GeoIP2, else Flat
  MaxMind,  // country.iso_code, city.names.en, location.latitude, ...
  Flat,     // ip-location-db: country_code, city, latitude, longitude
};

struct GeoipField {
  std::string attribute;  // after the prefix: "country_code"
  std::string path;       // dotted path in the record: "country.iso_code"
};

struct GeoipOptions {
  // One combined file, or IPv4 and IPv6 files, or several kinds (city + ASN):
  // every database that holds the address contributes its fields.
  std::vector<std::string> databases;
  // Attribute holding the address; a value such as "203.0.113.9:443" or an
  // X-Forwarded-For list yields its first public address.
  std::string field = "client_ip";
  bool search_message = true;  // when the field is absent, take the first public IP in the message
  std::string prefix = "geo.";
  GeoipLayout layout = GeoipLayout::Auto;
  std::vector<GeoipField> fields;  // replaces the layout's preset when not empty
  // Addresses remembered per worker thread (direct-mapped); 0 disables the cache.
  std::size_t cache_entries = 4096;
};

// An address parsed from text, ready for MMDB_lookup_sockaddr.
struct IpAddress {
  sockaddr_storage storage{};
  bool v6 = false;
  const sockaddr* sa() const noexcept { return reinterpret_cast<const sockaddr*>(&storage); }
};

// The first IPv4/IPv6 address in `text` that is publicly routable (private,
// loopback, link-local, CGNAT, multicast and unspecified ranges are skipped).
std::optional<IpAddress> find_public_ip(std::string_view text) noexcept;
bool is_public(const IpAddress& ip) noexcept;

// The preset mapping of a layout (Auto is not a layout of its own).
std::vector<GeoipField> geoip_preset(GeoipLayout layout);

struct GeoipCacheEntry;  // geoip.cpp

class Geoip final : public Processor {
 public:
  // Fails with a message naming the file when a database cannot be opened.
  static std::variant<std::unique_ptr<Geoip>, Error> create(GeoipOptions options,
                                                            MetricsRegistry& metrics = MetricsRegistry::global());
  ~Geoip() override;
  std::string_view name() const override { return "geoip"; }
  // Never fails the event: a missing address or a lookup error is counted as miss or error.
  Outcome process(LogEvent& event) const override;

 private:
  struct Database;
  Geoip() = default;
  void resolve(const IpAddress& ip, GeoipCacheEntry& out) const;
  std::uint64_t id_ = 0;  // names this instance in the per-thread cache; never reused
  GeoipOptions options_;
  std::vector<std::unique_ptr<Database>> databases_;
  Counter* hit_ = nullptr;
  Counter* miss_ = nullptr;
  Counter* error_ = nullptr;
};

}  // namespace lt
