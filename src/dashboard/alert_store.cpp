#include "dashboard/alert_store.h"

#include <simdjson.h>

#include <algorithm>
#include <vector>

#include "core/json_codec.h"

namespace lt::dashboard {

AlertStore::AlertStore(std::size_t max_recent, std::size_t max_alerts)
    : max_recent_(max_recent ? max_recent : 1), max_alerts_(max_alerts ? max_alerts : 1) {}

bool AlertStore::ingest(std::string_view json) {
  if (json.size() > (1u << 20)) return false;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(json.data(), json.size()).get(doc)) return false;
  simdjson::dom::object obj;
  if (doc.get_object().get(obj)) return false;
  std::string_view id, state;
  if (obj["alert_id"].get_string().get(id) || obj["state"].get_string().get(state)) return false;
  if (id.empty() || (state != "firing" && state != "resolved")) return false;
  std::string compact = simdjson::minify(doc);  // valid UTF-8 JSON: simdjson validated it
  std::lock_guard lock(mu_);
  Entry& e = latest_[std::string(id)];
  e.firing = state == "firing";
  e.seq = ++seq_;
  e.json = compact;
  recent_.push_front(std::move(compact));
  if (recent_.size() > max_recent_) recent_.pop_back();
  while (latest_.size() > max_alerts_) {
    // Forget the oldest resolved alert first; if all fire, the oldest one.
    auto victim = latest_.end();
    for (auto it = latest_.begin(); it != latest_.end(); ++it) {
      if (victim == latest_.end() || (!it->second.firing && victim->second.firing) ||
          (it->second.firing == victim->second.firing && it->second.seq < victim->second.seq))
        victim = it;
    }
    latest_.erase(victim);
  }
  return true;
}

std::string AlertStore::render_json() const {
  std::lock_guard lock(mu_);
  std::vector<const Entry*> firing;
  for (const auto& [id, e] : latest_)
    if (e.firing) firing.push_back(&e);
  std::sort(firing.begin(), firing.end(), [](const Entry* a, const Entry* b) { return a->seq > b->seq; });
  std::string out = R"({"firing":[)";
  for (std::size_t i = 0; i < firing.size(); ++i) {
    if (i) out += ',';
    out += firing[i]->json;
  }
  out += R"(],"recent":[)";
  for (std::size_t i = 0; i < recent_.size(); ++i) {
    if (i) out += ',';
    out += recent_[i];
  }
  out += "]}";
  return out;
}

std::size_t AlertStore::firing() const {
  std::lock_guard lock(mu_);
  return static_cast<std::size_t>(std::count_if(latest_.begin(), latest_.end(), [](const auto& kv) { return kv.second.firing; }));
}

DeadLetterStore::DeadLetterStore(std::size_t max_recent, std::size_t max_payload_bytes)
    : max_recent_(max_recent ? max_recent : 1), max_payload_bytes_(max_payload_bytes) {}

void DeadLetterStore::ingest(DeadLetter record) {
  bool truncated = record.payload.size() > max_payload_bytes_;
  if (truncated) record.payload.resize(max_payload_bytes_);
  std::lock_guard lock(mu_);
  ++total_;
  recent_.emplace_front(std::move(record), truncated);
  if (recent_.size() > max_recent_) recent_.pop_back();
}

std::uint64_t DeadLetterStore::total() const {
  std::lock_guard lock(mu_);
  return total_;
}

std::string DeadLetterStore::render_json() const {
  std::lock_guard lock(mu_);
  std::string out = R"({"total":)" + std::to_string(total_) + R"(,"recent":[)";
  bool first = true;
  for (const auto& [d, truncated] : recent_) {
    if (!first) out += ',';
    first = false;
    out += R"({"code":)";
    append_json_string(d.code, out);
    out += R"(,"message":)";
    append_json_string(d.message, out);
    out += R"(,"stage":)";
    append_json_string(d.stage, out);
    out += R"(,"origin":{"topic":)";
    append_json_string(d.origin_topic, out);
    out += R"(,"partition":)" + std::to_string(d.origin_partition) + R"(,"offset":)" +
           std::to_string(d.origin_offset) + R"(},"failed_at":)";
    if (d.failed_at)
      append_json_string(format_rfc3339(d.failed_at), out);
    else
      out += "null";
    out += R"(,"attempts":)" + std::to_string(d.attempts) + R"(,"payload":)";
    append_json_string(d.payload, out);
    out += R"(,"payload_truncated":)";
    out += truncated ? "true" : "false";
    out += '}';
  }
  out += "]}";
  return out;
}

}  // namespace lt::dashboard
