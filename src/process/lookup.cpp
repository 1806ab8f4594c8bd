#include "process/lookup.h"

#include "process/json_attributes.h"

#include <simdjson.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <time.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <span>
#include <sstream>

namespace lt {

// Open addressing over a flat slot array, and each row's key and attributes in
// one run of `cells`: a probe touches the slot, then the key cell with the
// attributes right behind it. (A node-based map chased a bucket, a node and the
// attribute vector's buffer, and rehashed the keys it passed in a chain; on a
// 10 000-row table those cache misses were the step's cost.)
struct LookupTable::Table {
  struct Slot {
    std::uint32_t tag = 0;    // upper half of the hash
    std::uint32_t first = 0;  // index + 1 of the key cell; 0 = empty
    std::uint32_t count = 0;  // attributes after the key cell
  };
  std::vector<Attribute> cells;  // per row: {key, "", String}, then its attributes
  std::vector<Slot> slots;       // power-of-two size, at most half full
  std::size_t rows = 0;

  static std::uint64_t hash(std::string_view s) noexcept { return std::hash<std::string_view>{}(s); }

  std::size_t size() const noexcept { return rows; }

  std::optional<std::span<const Attribute>> find(std::string_view key) const noexcept {
    if (slots.empty()) return std::nullopt;
    const std::uint64_t h = hash(key);
    const auto tag = static_cast<std::uint32_t>(h >> 32);
    const std::size_t mask = slots.size() - 1;
    for (std::size_t i = h & mask;; i = (i + 1) & mask) {
      const Slot s = slots[i];
      if (s.first == 0) return std::nullopt;
      if (s.tag == tag && cells[s.first - 1].key == key) return std::span(&cells[s.first], s.count);
    }
  }

  // A later row with the same key replaces the earlier one (its cells stay unused).
  void put(std::string key, std::vector<Attribute> attributes) {
    if ((rows + 1) * 2 > slots.size()) grow();
    const std::uint64_t h = hash(key);
    const auto tag = static_cast<std::uint32_t>(h >> 32);
    const std::size_t mask = slots.size() - 1;
    std::size_t i = h & mask;
    for (; slots[i].first != 0; i = (i + 1) & mask)
      if (slots[i].tag == tag && cells[slots[i].first - 1].key == key) break;
    if (slots[i].first == 0) ++rows;
    slots[i] = {tag, static_cast<std::uint32_t>(cells.size() + 1), static_cast<std::uint32_t>(attributes.size())};
    cells.push_back({std::move(key), {}, AttrType::String});
    for (auto& a : attributes) cells.push_back(std::move(a));
  }

 private:
  void grow() {
    std::vector<Slot> next(std::max<std::size_t>(16, slots.size() * 2));
    const std::size_t mask = next.size() - 1;
    for (const Slot& s : slots) {
      if (s.first == 0) continue;
      std::size_t i = hash(cells[s.first - 1].key) & mask;
      while (next[i].first != 0) i = (i + 1) & mask;
      next[i] = s;
    }
    slots = std::move(next);
  }
};

namespace {

using TablePtr = std::shared_ptr<const LookupTable::Table>;

std::int64_t coarse_now_ns() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

Error bad(const LookupOptions& o, std::string why) {
  return Error::permanent("lookup.parse", "lookup table '" + o.file + "': " + std::move(why));
}

// RFC 4180: quoted fields may hold commas, quotes ("") and line breaks.
std::variant<std::vector<std::vector<std::string>>, Error> parse_csv(std::string_view t, const LookupOptions& o) {
  std::vector<std::vector<std::string>> rows;
  std::size_t i = 0, line = 1;
  const std::size_t n = t.size();
  if (t.substr(0, 3) == "\xEF\xBB\xBF") i = 3;
  while (i < n) {
    if (t[i] == '\n' || t[i] == '\r') {  // blank line
      line += t[i] == '\n';
      ++i;
      continue;
    }
    std::vector<std::string> row;
    const std::size_t row_line = line;
    for (;;) {
      std::string field;
      if (i < n && t[i] == '"') {
        ++i;
        for (;;) {
          if (i >= n) return bad(o, "line " + std::to_string(row_line) + ": unterminated quoted field");
          if (t[i] == '"') {
            if (i + 1 < n && t[i + 1] == '"') {
              field += '"';
              i += 2;
              continue;
            }
            ++i;
            break;
          }
          line += t[i] == '\n';
          field += t[i++];
        }
        if (i < n && t[i] != ',' && t[i] != '\n' && t[i] != '\r')
          return bad(o, "line " + std::to_string(line) + ": text after a closing quote");
      } else {
        const std::size_t b = i;
        while (i < n && t[i] != ',' && t[i] != '\n' && t[i] != '\r') ++i;
        field.assign(t.substr(b, i - b));
      }
      row.push_back(std::move(field));
      if (i < n && t[i] == ',') {
        ++i;
        continue;
      }
      if (i < n && t[i] == '\r') ++i;
      if (i < n && t[i] == '\n') {
        ++i;
        ++line;
      }
      break;
    }
    if (!rows.empty() && row.size() != rows.front().size())
      return bad(o, "line " + std::to_string(row_line) + ": " + std::to_string(row.size()) + " fields, the header has " +
                        std::to_string(rows.front().size()));
    rows.push_back(std::move(row));
  }
  return rows;
}

std::variant<TablePtr, Error> table_from_csv(std::string_view text, const LookupOptions& o, const std::string& key_col) {
  auto parsed = parse_csv(text, o);
  if (auto* e = std::get_if<Error>(&parsed)) return std::move(*e);
  auto& rows = std::get<0>(parsed);
  if (rows.empty()) return bad(o, "no header row");
  const auto& header = rows.front();
  std::size_t key_index = header.size();
  for (std::size_t c = 0; c < header.size(); ++c)
    if (header[c] == key_col) key_index = c;
  if (key_index == header.size()) return bad(o, "no column '" + key_col + "' in the header");
  auto table = std::make_shared<LookupTable::Table>();
  for (std::size_t r = 1; r < rows.size(); ++r) {
    auto& row = rows[r];
    if (row[key_index].empty()) continue;
    std::vector<Attribute> attrs;
    for (std::size_t c = 0; c < row.size(); ++c)
      if (c != key_index && !row[c].empty()) attrs.push_back({o.prefix + header[c], std::move(row[c]), AttrType::String});
    table->put(std::move(row[key_index]), std::move(attrs));
  }
  return TablePtr(std::move(table));
}

std::variant<TablePtr, Error> table_from_json(std::string_view text, const LookupOptions& o, const std::string& key_col) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(text);
  simdjson::dom::element doc;
  if (auto err = parser.parse(padded).get(doc)) return bad(o, std::string("invalid JSON: ") + simdjson::error_message(err));
  auto table = std::make_shared<LookupTable::Table>();
  auto row_of = [&](simdjson::dom::object obj, std::string_view skip) {
    std::vector<Attribute> attrs;
    append_json_attributes(obj, o.prefix, skip, attrs);
    return attrs;
  };
  simdjson::dom::object members;
  simdjson::dom::array elements;
  if (doc.get(members) == simdjson::SUCCESS) {
    for (auto [key, value] : members) {
      simdjson::dom::object row;
      if (value.get(row) != simdjson::SUCCESS) return bad(o, "member '" + std::string(key) + "' is not an object");
      table->put(std::string(key), row_of(row, {}));
    }
  } else if (doc.get(elements) == simdjson::SUCCESS) {
    std::size_t index = 0;
    for (auto value : elements) {
      simdjson::dom::object obj;
      if (value.get(obj) != simdjson::SUCCESS) return bad(o, "element " + std::to_string(index) + " is not an object");
      simdjson::dom::element key;
      if (obj.at_key(key_col).get(key) == simdjson::SUCCESS) {
        std::string k = key.is_string() ? std::string(std::string_view(key.get_string().value_unsafe()))
                                        : simdjson::minify(key);  // numeric ids: 42 matches "42"
        if (!k.empty()) table->put(std::move(k), row_of(obj, key_col));
      }
      ++index;
    }
  } else {
    return bad(o, "expected a JSON object or array");
  }
  return TablePtr(std::move(table));
}

}  // namespace

std::variant<std::shared_ptr<const LookupTable::Table>, Error> parse_lookup_table(std::string_view text,
                                                                                  const LookupOptions& o) {
  const std::string key_col = o.key_column.empty() ? o.key_field : o.key_column;
  std::size_t first = 0;
  while (first < text.size() && (text[first] == ' ' || text[first] == '\t' || text[first] == '\n' || text[first] == '\r'))
    ++first;
  if (first < text.size() && (text[first] == '{' || text[first] == '[')) return table_from_json(text, o, key_col);
  return table_from_csv(text, o, key_col);
}

LookupTable::~LookupTable() = default;

std::variant<std::unique_ptr<LookupTable>, Error> LookupTable::create(LookupOptions options, MetricsRegistry& metrics) {
  std::unique_ptr<LookupTable> t(new LookupTable(std::move(options)));
  const std::string name = "logtracer_enrich_total", help = "Enrichment lookups by enricher and result.";
  t->hit_ = &metrics.counter(name, help, {{"enricher", "lookup"}, {"result", "hit"}});
  t->miss_ = &metrics.counter(name, help, {{"enricher", "lookup"}, {"result", "miss"}});
  const std::string rname = "logtracer_lookup_reloads_total", rhelp = "Lookup table (re)loads by result.";
  t->reload_ok_ = &metrics.counter(rname, rhelp, {{"file", t->options_.file}, {"result", "ok"}});
  t->reload_error_ = &metrics.counter(rname, rhelp, {{"file", t->options_.file}, {"result", "error"}});
  if (auto err = t->reload_if_changed()) return std::move(*err);
  if (!t->table_.load()) return Error::permanent("lookup.open", "lookup table '" + t->options_.file + "': not loaded");
  t->next_check_ns_ = coarse_now_ns() + std::chrono::nanoseconds(t->options_.check_interval).count();
  return t;
}

std::optional<Error> LookupTable::reload_if_changed() const {
  std::lock_guard lock(reload_mu_);
  struct stat st {};
  if (::stat(options_.file.c_str(), &st) != 0) {
    // A file replaced by rename may be briefly absent: keep the table in force.
    Error err = Error::transient("lookup.open", "lookup table '" + options_.file + "': " + std::strerror(errno));
    if (seen_ != FileId{}) {
      seen_ = {};
      reload_error_->inc();
      spdlog::warn("{}; keeping the previous table", err.message);
    }
    return err;
  }
  const FileId id{static_cast<std::uint64_t>(st.st_ino), static_cast<std::uint64_t>(st.st_size),
                  static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
  if (id == seen_ && table_.load()) return std::nullopt;
  seen_ = id;
  std::ifstream in(options_.file, std::ios::binary);
  std::ostringstream buf;
  buf << in.rdbuf();
  auto parsed = parse_lookup_table(buf.str(), options_);
  if (auto* e = std::get_if<Error>(&parsed)) {
    reload_error_->inc();
    if (table_.load()) spdlog::warn("{}; keeping the previous table", e->message);
    return std::move(*e);
  }
  table_.store(std::get<0>(std::move(parsed)));
  reload_ok_->inc();
  return std::nullopt;
}

void LookupTable::maybe_reload() const {
  if (options_.check_interval.count() <= 0) return;
  const auto now = coarse_now_ns();
  auto due = next_check_ns_.load(std::memory_order_relaxed);
  // One worker wins the check; the others go on with the table in force.
  if (now < due || !next_check_ns_.compare_exchange_strong(
                       due, now + std::chrono::nanoseconds(options_.check_interval).count(), std::memory_order_relaxed))
    return;
  (void)reload_if_changed();
}

std::size_t LookupTable::size() const {
  auto t = table_.load();
  return t ? t->size() : 0;
}

Outcome LookupTable::process(LogEvent& event) const {
  maybe_reload();
  std::string_view key;
  std::string scratch;
  if (!lookup_field(event, options_.key_field, key, scratch) || key.empty()) {
    miss_->inc();
    return Outcome::keep();
  }
  const auto table = table_.load(std::memory_order_acquire);
  const auto row = table->find(key);
  if (!row) {
    miss_->inc();
    return Outcome::keep();
  }
  for (const auto& a : *row) event.set_attribute(a.key, a.value, a.type);
  hit_->inc();
  return Outcome::keep();
}

}  // namespace lt
