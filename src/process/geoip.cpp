#include "process/geoip.h"

#include <arpa/inet.h>
#include <maxminddb.h>
#include <netinet/in.h>

#include <atomic>
#include <charconv>
#include <cstring>
#include <string_view>

#include "core/hash.h"

namespace lt {
namespace {

bool is_hex(char c) noexcept { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool is_word(char c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_ip_char(char c) noexcept { return is_hex(c) || c == ':' || c == '.'; }

bool public_v4(const unsigned char* b) noexcept {
  const unsigned a = b[0], c = b[1];
  if (a == 0 || a == 10 || a == 127 || a >= 224) return false;  // this-net, private, loopback, multicast+reserved
  if (a == 100 && (c & 0xC0) == 64) return false;                 // CGNAT 100.64/10
  if (a == 169 && c == 254) return false;                         // link-local
  if (a == 172 && (c & 0xF0) == 16) return false;                 // 172.16/12
  if (a == 192 && c == 168) return false;                         // 192.168/16
  return true;
}

bool parse_ip(std::string_view token, IpAddress& out) noexcept {
  char buf[INET6_ADDRSTRLEN + 1];
  if (token.empty() || token.size() >= sizeof buf) return false;
  std::memcpy(buf, token.data(), token.size());
  buf[token.size()] = '\0';
  out = {};
  if (token.find(':') != std::string_view::npos) {
    auto* sa = reinterpret_cast<sockaddr_in6*>(&out.storage);
    if (inet_pton(AF_INET6, buf, &sa->sin6_addr) != 1) return false;
    sa->sin6_family = AF_INET6;
    out.v6 = true;
    return true;
  }
  auto* sa = reinterpret_cast<sockaddr_in*>(&out.storage);
  if (inet_pton(AF_INET, buf, &sa->sin_addr) != 1) return false;
  sa->sin_family = AF_INET;
  return true;
}

// Numbers as the shortest text that reads back to the same value ("37.751").
template <typename T>
std::string_view number_text(T v, char* buf, std::size_t size) {
  auto r = std::to_chars(buf, buf + size, v);
  return {buf, static_cast<std::size_t>(r.ptr - buf)};
}

}  // namespace

bool is_public(const IpAddress& ip) noexcept {
  if (!ip.v6) {
    const auto* sa = reinterpret_cast<const sockaddr_in*>(&ip.storage);
    return public_v4(reinterpret_cast<const unsigned char*>(&sa->sin_addr));
  }
  const auto* b = reinterpret_cast<const sockaddr_in6*>(&ip.storage)->sin6_addr.s6_addr;
  static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(b, kMapped, 12) == 0) return public_v4(b + 12);
  bool zero_prefix = true;
  for (int i = 0; i < 15; ++i) zero_prefix = zero_prefix && b[i] == 0;
  if (zero_prefix && (b[15] == 0 || b[15] == 1)) return false;  // :: and ::1
  if ((b[0] & 0xFE) == 0xFC) return false;                       // unique local fc00::/7
  if (b[0] == 0xFE && (b[1] & 0xC0) == 0x80) return false;       // link-local fe80::/10
  if (b[0] == 0xFF) return false;                                // multicast
  return true;
}

std::optional<IpAddress> find_public_ip(std::string_view text) noexcept {
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    if (!is_ip_char(text[i]) || (i > 0 && is_word(text[i - 1]))) {
      ++i;
      continue;
    }
    std::size_t j = i;
    std::size_t dots = 0, colons = 0;
    while (j < n && is_ip_char(text[j])) {
      dots += text[j] == '.';
      colons += text[j] == ':';
      ++j;
    }
    std::string_view token = text.substr(i, j - i);
    const bool glued = j < n && is_word(text[j]);
    i = j;
    if (glued) continue;
    while (!token.empty() && (token.back() == '.' || token.back() == ':')) {
      dots -= token.back() == '.';
      colons -= token.back() == ':';
      token.remove_suffix(1);
    }
    IpAddress ip;
    if (colons >= 2) {
      if (!parse_ip(token, ip)) continue;
    } else if (dots == 3) {
      if (colons == 1) token = token.substr(0, token.find(':'));  // "203.0.113.9:443"
      if (!parse_ip(token, ip)) continue;
    } else {
      continue;
    }
    if (is_public(ip)) return ip;
  }
  return std::nullopt;
}

std::vector<GeoipField> geoip_preset(GeoipLayout layout) {
  if (layout == GeoipLayout::MaxMind)
    return {{"country_code", "country.iso_code"},
            {"country_name", "country.names.en"},
            {"city", "city.names.en"},
            {"latitude", "location.latitude"},
            {"longitude", "location.longitude"},
            {"asn", "autonomous_system_number"},
            {"as_org", "autonomous_system_organization"}};
  // ip-location-db: geolite2-city/dbip-city (country_code, city, latitude,
  // longitude), *-country (country_code), *-asn (autonomous_system_*).
  return {{"country_code", "country_code"},
          {"city", "city"},
          {"latitude", "latitude"},
          {"longitude", "longitude"},
          {"asn", "autonomous_system_number"},
          {"as_org", "autonomous_system_organization"}};
}

struct Geoip::Database {
  struct Field {
    std::string attribute;                // prefix included
    std::vector<std::string> parts;       // the dotted path, split
    std::vector<const char*> path;        // parts as a NULL-terminated array for MMDB_aget_value
  };
  MMDB_s mmdb{};
  bool open = false;
  bool has_ipv4 = true;  // false for an IPv6 file whose ::/96 subtree is empty
  std::string file;
  std::vector<Field> fields;
  ~Database() {
    if (open) MMDB_close(&mmdb);
  }
};

// A per-thread, direct-mapped cache of resolved addresses: client addresses
// repeat heavily in logs, and a hit skips the tree walk and the field lookups.
// Entries name their Geoip by a never-reused id, so a reloaded instance never
// reads its predecessor's results.
struct GeoipCacheEntry {
  struct CachedValue {
    const std::string* attribute;  // owned by the Geoip whose id is in `owner`
    std::string value;
    AttrType type;
  };
  std::uint64_t owner = 0;
  unsigned char addr[16] = {};
  bool v6 = false;
  enum class Result : std::uint8_t { Hit, Miss, Error } result = Result::Miss;
  std::vector<CachedValue> values;
};

// Second level, per thread: the mapped values of a database record, by its
// offset in the data section. Many addresses share a record (a country-level
// block, a city), so an address missing from the first level often still skips
// the MMDB_aget_value calls, which cost more than the tree walk.
struct GeoipRecordEntry {
  std::uint64_t owner = 0;
  std::uint32_t database = 0;
  std::uint32_t offset = 0;
  std::vector<GeoipCacheEntry::CachedValue> values;
};

namespace {
thread_local std::vector<GeoipCacheEntry> t_geo_cache;
thread_local std::vector<GeoipRecordEntry> t_record_cache;
std::atomic<std::uint64_t> g_next_geoip_id{1};

const unsigned char* address_bytes(const IpAddress& ip, std::size_t& len) {
  if (ip.v6) {
    len = 16;
    return reinterpret_cast<const sockaddr_in6*>(&ip.storage)->sin6_addr.s6_addr;
  }
  len = 4;
  return reinterpret_cast<const unsigned char*>(&reinterpret_cast<const sockaddr_in*>(&ip.storage)->sin_addr);
}

}  // namespace

Geoip::~Geoip() = default;

std::variant<std::unique_ptr<Geoip>, Error> Geoip::create(GeoipOptions options, MetricsRegistry& metrics) {
  if (options.databases.empty())
    return Error::permanent("geoip.no_database", "geoip: no database configured");
  std::unique_ptr<Geoip> g(new Geoip());
  for (const auto& file : options.databases) {
    auto db = std::make_unique<Database>();
    db->file = file;
    const int status = MMDB_open(file.c_str(), MMDB_MODE_MMAP, &db->mmdb);
    if (status != MMDB_SUCCESS)
      return Error::permanent("geoip.open", "geoip: cannot open '" + file + "': " + MMDB_strerror(status));
    db->open = true;
    if (db->mmdb.metadata.ip_version == 6) {
      // libmaxminddb finds the IPv4 subtree on the first IPv4 lookup; an IPv6-only
      // file (the -ipv6 half of a pair) leaves it empty, and is skipped for IPv4.
      IpAddress probe;
      int ignored = 0;
      if (parse_ip("1.1.1.1", probe)) (void)MMDB_lookup_sockaddr(&db->mmdb, probe.sa(), &ignored);
      db->has_ipv4 = db->mmdb.ipv4_start_node.node_value != db->mmdb.metadata.node_count;
    }
    GeoipLayout layout = options.layout;
    if (layout == GeoipLayout::Auto) {
      const std::string_view type = db->mmdb.metadata.database_type ? db->mmdb.metadata.database_type : "";
      layout = (type.find("GeoLite2") != std::string_view::npos || type.find("GeoIP2") != std::string_view::npos)
                   ? GeoipLayout::MaxMind
                   : GeoipLayout::Flat;
    }
    const auto mapping = options.fields.empty() ? geoip_preset(layout) : options.fields;
    for (const auto& f : mapping) {
      Database::Field field;
      field.attribute = options.prefix + f.attribute;
      std::string_view rest = f.path;
      while (!rest.empty()) {
        const auto dot = rest.find('.');
        field.parts.emplace_back(rest.substr(0, dot));
        if (dot == std::string_view::npos) break;
        rest.remove_prefix(dot + 1);
      }
      if (field.parts.empty()) continue;
      db->fields.push_back(std::move(field));
    }
    for (auto& f : db->fields) {  // after the moves: the parts' buffers are stable now
      for (const auto& p : f.parts) f.path.push_back(p.c_str());
      f.path.push_back(nullptr);
    }
    g->databases_.push_back(std::move(db));
  }
  g->options_ = std::move(options);
  g->id_ = g_next_geoip_id.fetch_add(1);
  const std::string name = "logtracer_enrich_total", help = "Enrichment lookups by enricher and result.";
  g->hit_ = &metrics.counter(name, help, {{"enricher", "geoip"}, {"result", "hit"}});
  g->miss_ = &metrics.counter(name, help, {{"enricher", "geoip"}, {"result", "miss"}});
  g->error_ = &metrics.counter(name, help, {{"enricher", "geoip"}, {"result", "error"}});
  return g;
}


void Geoip::resolve(const IpAddress& ip, GeoipCacheEntry& out) const {
  // The mapped fields of one record, as text.
  auto read_fields = [](const Database& db, MMDB_entry_s& entry, std::vector<GeoipCacheEntry::CachedValue>& out) {
    char num[64];
    auto put = [&](const std::string& attribute, std::string_view value, AttrType type) {
      out.push_back({&attribute, std::string(value), type});
    };
    for (const auto& f : db.fields) {
      MMDB_entry_data_s data;
      if (MMDB_aget_value(&entry, &data, f.path.data()) != MMDB_SUCCESS || !data.has_data) continue;
      switch (data.type) {
        case MMDB_DATA_TYPE_UTF8_STRING:
          if (data.data_size > 0) put(f.attribute, std::string_view(data.utf8_string, data.data_size), AttrType::String);
          break;
        case MMDB_DATA_TYPE_DOUBLE:
          put(f.attribute, number_text(data.double_value, num, sizeof num), AttrType::Number);
          break;
        case MMDB_DATA_TYPE_FLOAT:
          put(f.attribute, number_text(data.float_value, num, sizeof num), AttrType::Number);
          break;
        case MMDB_DATA_TYPE_UINT16:
          put(f.attribute, number_text(data.uint16, num, sizeof num), AttrType::Number);
          break;
        case MMDB_DATA_TYPE_UINT32:
          put(f.attribute, number_text(data.uint32, num, sizeof num), AttrType::Number);
          break;
        case MMDB_DATA_TYPE_INT32:
          put(f.attribute, number_text(data.int32, num, sizeof num), AttrType::Number);
          break;
        case MMDB_DATA_TYPE_UINT64:
          put(f.attribute, number_text(data.uint64, num, sizeof num), AttrType::Number);
          break;
        case MMDB_DATA_TYPE_BOOLEAN:
          put(f.attribute, data.boolean ? "true" : "false", AttrType::Bool);
          break;
        default:
          break;  // maps, arrays, bytes: not a scalar a user can map
      }
    }
  };
  out.values.clear();
  bool found = false, failed = false;
  const bool cached = options_.cache_entries > 0;
  if (cached && t_record_cache.size() < options_.cache_entries) t_record_cache.resize(options_.cache_entries);
  for (std::uint32_t d = 0; d < databases_.size(); ++d) {
    const Database& db = *databases_[d];
    if (ip.v6 ? db.mmdb.metadata.ip_version == 4 : !db.has_ipv4) continue;
    int mmdb_error = MMDB_SUCCESS;
    MMDB_lookup_result_s res = MMDB_lookup_sockaddr(&db.mmdb, ip.sa(), &mmdb_error);
    if (mmdb_error != MMDB_SUCCESS) {
      failed = true;
      continue;
    }
    if (!res.found_entry) continue;
    found = true;
    if (!cached) {
      read_fields(db, res.entry, out.values);
      continue;
    }
    const std::uint64_t h = ((static_cast<std::uint64_t>(d) << 32) | res.entry.offset) * 0x9E3779B97F4A7C15ull;
    GeoipRecordEntry& rec = t_record_cache[(h >> 32) % t_record_cache.size()];
    if (!(rec.owner == id_ && rec.database == d && rec.offset == res.entry.offset)) {
      rec.values.clear();
      read_fields(db, res.entry, rec.values);
      rec.owner = id_;
      rec.database = d;
      rec.offset = res.entry.offset;
    }
    out.values.insert(out.values.end(), rec.values.begin(), rec.values.end());
  }
  out.result = found ? GeoipCacheEntry::Result::Hit : failed ? GeoipCacheEntry::Result::Error : GeoipCacheEntry::Result::Miss;
}

Outcome Geoip::process(LogEvent& event) const {
  // A present field is authoritative: a private client address is a miss,
  // not a reason to geolocate some other address quoted in the message.
  std::optional<IpAddress> ip;
  const Attribute* field = options_.field.empty() ? nullptr : event.attribute(options_.field);
  if (field) ip = find_public_ip(field->value);
  else if (options_.search_message) ip = find_public_ip(event.message);
  if (!ip) {
    miss_->inc();
    return Outcome::keep();
  }
  std::size_t len = 0;
  const unsigned char* bytes = address_bytes(*ip, len);
  GeoipCacheEntry scratch;
  GeoipCacheEntry* entry = &scratch;
  if (options_.cache_entries > 0) {
    if (t_geo_cache.size() < options_.cache_entries) t_geo_cache.resize(options_.cache_entries);
    const std::uint64_t h = fnv1a(std::string_view(reinterpret_cast<const char*>(bytes), len));
    entry = &t_geo_cache[h % t_geo_cache.size()];
    if (!(entry->owner == id_ && entry->v6 == ip->v6 && std::memcmp(entry->addr, bytes, len) == 0)) {
      resolve(*ip, *entry);
      entry->owner = id_;
      entry->v6 = ip->v6;
      std::memcpy(entry->addr, bytes, len);
    }
  } else {
    resolve(*ip, scratch);
  }
  for (const auto& v : entry->values) event.set_attribute(*v.attribute, v.value, v.type);
  switch (entry->result) {
    case GeoipCacheEntry::Result::Hit: hit_->inc(); break;
    case GeoipCacheEntry::Result::Miss: miss_->inc(); break;
    case GeoipCacheEntry::Result::Error: error_->inc(); break;
  }
  return Outcome::keep();
}

}  // namespace lt
