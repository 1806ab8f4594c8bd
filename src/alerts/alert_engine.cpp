#include "alerts/alert_engine.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <functional>
#include <mutex>
#include <set>
#include <string_view>
#include <unordered_map>

#include "config/value.h"
#include "core/id.h"
#include "core/utf8.h"

namespace lt::alerts {

namespace {

constexpr std::size_t kRecentIds = 4;  // plus the episode's first: 5 sample ids per notification
constexpr std::size_t kMaxMessageBytes = 1024;
constexpr std::size_t kMaxGroupValueBytes = 256;
constexpr std::int64_t kMaxBuckets = 60;
constexpr std::int64_t kNsPerMs = 1'000'000;

std::int64_t ns(Millis d) { return d.count() * kNsPerMs; }

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

// One alert instance: a rule applied to one group (or the whole stream).
struct Instance {
  GroupValues group;
  std::string group_key;
  std::string alert_id;

  // Threshold window: a ring of time buckets; a slot is valid when its id is in the window.
  std::vector<std::uint32_t> counts;
  std::vector<std::int64_t> bucket_ids;

  TimestampNs last_match = 0;
  bool pending_match = false;        // pattern: matched since the last tick
  std::uint64_t episode_matches = 0;  // matches since the episode began (count of a pattern alert)
  std::string first_message, first_id, last_message;
  std::array<std::string, kRecentIds> recent_ids;
  std::size_t recent_next = 0;

  bool firing = false;
  bool held = false;  // firing across a rebalance, waiting for its group to be seen again
  TimestampNs fired_at = 0, last_notified = 0, last_fire = 0, held_since = 0;

  void reset_episode() {
    episode_matches = 0;
    first_message.clear();
    first_id.clear();
  }
  std::vector<std::string> sample_ids() const {
    std::vector<std::string> out;
    if (!first_id.empty()) out.push_back(first_id);
    for (std::size_t i = 0; i < kRecentIds; ++i) {
      const auto& id = recent_ids[(recent_next + i) % kRecentIds];  // oldest first
      if (!id.empty() && std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
    }
    return out;
  }
};

}  // namespace

struct AlertEngine::RuleState {
  CompiledRule rule;
  std::string window_text;
  std::int64_t bucket_ns = 0;
  std::int64_t bucket_count = 0;
  Counter* evaluated = nullptr;
  Counter* matches = nullptr;
  Counter* overflow = nullptr;
  Counter* held_expired = nullptr;
  Gauge* firing_gauge = nullptr;

  std::mutex mu;
  std::unordered_map<std::string, Instance, StringHash, std::equal_to<>> instances;

  RuleState(CompiledRule compiled, MetricsRegistry& metrics, TimestampNs now) : rule(std::move(compiled)) {
    const auto& o = rule.options;
    Millis shown = o.type == RuleType::Threshold ? o.window
                   : o.type == RuleType::Absence ? o.for_duration
                                                 : o.cooldown;
    window_text = config::format_duration(shown);
    if (o.type == RuleType::Threshold) {
      // At most 60 buckets (1 s each up to a 1 min window): bounded memory per group,
      // and a window edge that is exact to 1/60 of the window.
      std::int64_t window_ms = o.window.count();
      std::int64_t bucket_ms = std::max<std::int64_t>(1000, (window_ms + kMaxBuckets - 1) / kMaxBuckets);
      bucket_ns = bucket_ms * kNsPerMs;
      bucket_count = (window_ms + bucket_ms - 1) / bucket_ms;
    }
    Labels labels{{"rule", o.name}};
    evaluated = &metrics.counter("logtracer_alert_rule_evaluations_total", "Events evaluated against an alert rule.",
                                 labels);
    matches = &metrics.counter("logtracer_alert_rule_matches_total", "Events that matched an alert rule's query.",
                               labels);
    overflow = &metrics.counter("logtracer_alert_groups_overflow_total",
                                "Matching events not tracked because the rule already tracks max_groups groups.",
                                labels);
    held_expired = &metrics.counter("logtracer_alert_held_expired_total",
                                    "Firing alerts dropped after a rebalance because their group never came back.",
                                    labels);
    firing_gauge = &metrics.gauge("logtracer_alert_firing", "Alert instances currently firing, per rule.", labels);
    if (o.type == RuleType::Absence && o.group_by.empty()) {
      // The global silence is measured from the moment the rule exists.
      Instance& whole = instances[std::string()];
      whole.alert_id = alert_id(o.name, {});
      whole.last_match = now;
    }
  }

  std::uint64_t window_count(const Instance& in, TimestampNs now) const {
    std::int64_t now_id = now / bucket_ns;
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < in.counts.size(); ++i) {
      if (in.bucket_ids[i] > now_id - bucket_count && in.bucket_ids[i] <= now_id) total += in.counts[i];
    }
    return total;
  }

  void record(const LogEvent& event, TimestampNs now, std::size_t max_groups);
  void evaluate(TimestampNs now, Millis held_expiry, std::vector<AlertNotification>& out);
  AlertNotification notify(const Instance& in, AlertState state, TimestampNs now, std::uint64_t count,
                           bool repeat = false, std::string_view reason = {}) const;
};

void AlertEngine::RuleState::record(const LogEvent& event, TimestampNs now, std::size_t max_groups) {
  const auto& o = rule.options;
  // Internal key: length-prefixed values, so no value can forge another group's key.
  thread_local std::string key;
  thread_local std::string scratch;
  key.clear();
  for (const auto& field : o.group_by) {
    std::string_view value;
    if (!lookup_field(event, field, value, scratch)) value = {};
    value = truncate_utf8(value, kMaxGroupValueBytes);
    auto size = static_cast<std::uint32_t>(value.size());
    key.append(reinterpret_cast<const char*>(&size), sizeof size);
    key.append(value);
  }
  std::string_view message = truncate_utf8(event.message, kMaxMessageBytes);

  std::lock_guard lock(mu);
  auto it = instances.find(std::string_view(key));
  if (it == instances.end()) {
    if (instances.size() >= max_groups) {
      overflow->inc();
      return;
    }
    Instance fresh;
    for (const auto& field : o.group_by) {
      std::string_view value;
      if (!lookup_field(event, field, value, scratch)) value = {};
      fresh.group.emplace_back(field, truncate_utf8(value, kMaxGroupValueBytes));
      if (!fresh.group_key.empty()) fresh.group_key += ',';
      fresh.group_key += field;
      fresh.group_key += '=';
      fresh.group_key += fresh.group.back().second;
    }
    fresh.alert_id = alert_id(o.name, fresh.group);
    it = instances.emplace(key, std::move(fresh)).first;
  }
  Instance& in = it->second;
  if (o.type == RuleType::Threshold) {
    if (in.counts.empty()) {
      in.counts.assign(static_cast<std::size_t>(bucket_count), 0);
      in.bucket_ids.assign(static_cast<std::size_t>(bucket_count), -1);
    }
    std::int64_t id = now / bucket_ns;
    auto slot = static_cast<std::size_t>(id % bucket_count);
    if (in.bucket_ids[slot] != id) {
      in.bucket_ids[slot] = id;
      in.counts[slot] = 0;
    }
    if (in.counts[slot] != UINT32_MAX) ++in.counts[slot];
  }
  in.last_match = std::max(in.last_match, now);
  in.pending_match = true;
  in.held = false;  // the group is ours again
  if (in.episode_matches++ == 0) {
    in.first_message.assign(message);
    in.first_id = event.id;
  }
  in.last_message.assign(message);
  in.recent_ids[in.recent_next].assign(event.id);
  in.recent_next = (in.recent_next + 1) % kRecentIds;
}

AlertNotification AlertEngine::RuleState::notify(const Instance& in, AlertState state, TimestampNs now,
                                                 std::uint64_t count, bool repeat, std::string_view reason) const {
  const auto& o = rule.options;
  AlertNotification n;
  n.notification_id = new_event_id(now);
  n.alert_id = in.alert_id;
  n.state = state;
  n.repeat = repeat;
  n.rule = o.name;
  n.type = o.type;
  n.severity = o.severity;
  n.group = in.group;
  n.group_key = in.group_key;
  n.query = o.query;
  n.count = count;
  n.threshold = o.type == RuleType::Threshold ? o.threshold : 0;
  n.window = o.type == RuleType::Threshold ? o.window : o.type == RuleType::Absence ? o.for_duration : o.cooldown;
  n.started_at = in.fired_at;
  n.resolved_at = state == AlertState::Resolved ? now : 0;
  n.sent_at = now;
  n.labels = o.labels;
  n.first_message = in.first_message;
  n.last_message = in.last_message;
  n.sample_event_ids = in.sample_ids();
  n.reason = std::string(reason);
  n.message = rule.message.render({.name = o.name,
                                   .count = count,
                                   .group = in.group_key,
                                   .query = o.query,
                                   .window = window_text,
                                   .severity = to_string(o.severity),
                                   .first_message = in.first_message,
                                   .last_message = in.last_message});
  return n;
}

void AlertEngine::RuleState::evaluate(TimestampNs now, Millis held_expiry, std::vector<AlertNotification>& out) {
  const auto& o = rule.options;
  std::lock_guard lock(mu);
  auto cooldown_over = [&](const Instance& in) { return in.last_fire == 0 || now - in.last_fire >= ns(o.cooldown); };
  auto fire = [&](Instance& in, std::uint64_t count) {
    in.firing = true;
    in.fired_at = in.last_fire = in.last_notified = now;
    out.push_back(notify(in, AlertState::Firing, now, count));
  };
  auto resolve = [&](Instance& in, std::uint64_t count) {
    out.push_back(notify(in, AlertState::Resolved, now, count, false, "condition_cleared"));
    in.firing = false;
    in.reset_episode();
  };
  auto renotify_due = [&](const Instance& in) {
    return o.renotify.count() > 0 && now - in.last_notified >= ns(o.renotify);
  };
  auto repeat = [&](Instance& in, std::uint64_t count) {
    in.last_notified = now;
    out.push_back(notify(in, AlertState::Firing, now, count, true));
  };

  std::size_t firing = 0;
  for (auto it = instances.begin(); it != instances.end();) {
    Instance& in = it->second;
    bool erase = false;
    if (in.firing && in.held && now - in.held_since >= ns(held_expiry)) {
      // Its group went to another consumer: drop it rather than claim "resolved".
      spdlog::info("alert {} ({} {}) dropped: group not seen for {} since the rebalance", in.alert_id, o.name,
                   in.group_key, config::format_duration(held_expiry));
      held_expired->inc();
      it = instances.erase(it);
      continue;
    }
    switch (o.type) {
      case RuleType::Threshold: {
        std::uint64_t count = window_count(in, now);
        if (in.firing) {
          if (in.held) break;
          if (count < o.threshold) {
            resolve(in, count);
          } else if (renotify_due(in)) {
            repeat(in, count);
          }
        } else if (count >= o.threshold && cooldown_over(in)) {
          fire(in, count);
        } else if (count == 0) {
          in.reset_episode();
          erase = cooldown_over(in);  // nothing left that a new event would not rebuild
        }
        break;
      }
      case RuleType::Pattern: {
        bool matched = std::exchange(in.pending_match, false);
        if (in.firing) {
          if (in.held) break;
          if (now - in.last_match >= ns(o.cooldown)) {
            resolve(in, in.episode_matches);
          } else if (renotify_due(in)) {
            repeat(in, in.episode_matches);
          }
        } else if (matched && cooldown_over(in)) {
          fire(in, in.episode_matches);
        } else if (!matched && now - in.last_match >= ns(o.cooldown)) {
          erase = cooldown_over(in);
        }
        break;
      }
      case RuleType::Absence: {
        if (in.firing) {
          if (in.last_match > in.fired_at) {
            resolve(in, in.episode_matches);
          } else if (!in.held && renotify_due(in)) {
            repeat(in, 0);
          }
        } else if (now - in.last_match >= ns(o.for_duration) && cooldown_over(in)) {
          in.reset_episode();
          fire(in, 0);
        }
        break;
      }
    }
    if (in.firing) ++firing;
    it = erase ? instances.erase(it) : std::next(it);
  }
  firing_gauge->set(static_cast<double>(firing));
}

AlertEngine::AlertEngine(EngineOptions options, MetricsRegistry& metrics)
    : options_(std::move(options)), metrics_(metrics) {}

AlertEngine::~AlertEngine() = default;

namespace {

std::variant<std::vector<CompiledRule>, Error> compile_all(const std::vector<AlertRuleOptions>& rules) {
  std::vector<CompiledRule> out;
  std::set<std::string_view> names;
  for (const auto& options : rules) {
    auto compiled = CompiledRule::compile(options);
    if (auto* error = std::get_if<Error>(&compiled)) return std::move(*error);
    if (!names.insert(options.name).second) {
      return Error::permanent("alerts.invalid_rule", fmt::format("alert rule '{}': name: defined twice", options.name));
    }
    out.push_back(std::move(std::get<CompiledRule>(compiled)));
  }
  return out;
}

}  // namespace

std::variant<std::unique_ptr<AlertEngine>, Error> AlertEngine::create(const std::vector<AlertRuleOptions>& rules,
                                                                      TimestampNs now, EngineOptions options) {
  auto compiled = compile_all(rules);
  if (auto* error = std::get_if<Error>(&compiled)) return std::move(*error);
  MetricsRegistry& metrics = options.metrics ? *options.metrics : MetricsRegistry::global();
  std::unique_ptr<AlertEngine> engine(new AlertEngine(std::move(options), metrics));
  for (auto& rule : std::get<std::vector<CompiledRule>>(compiled)) {
    engine->rules_.push_back(std::make_shared<RuleState>(std::move(rule), metrics, now));
  }
  return engine;
}

bool AlertEngine::observe(const LogEvent& event, TimestampNs now) {
  bool matched = false;
  std::shared_lock lock(rules_mu_);
  for (const auto& rule : rules_) {
    rule->evaluated->inc();
    if (!rule->rule.query.matches(event)) continue;
    rule->matches->inc();
    rule->record(event, now, options_.max_groups_per_rule);
    matched = true;
  }
  return matched;
}

std::vector<AlertNotification> AlertEngine::tick(TimestampNs now) {
  std::vector<AlertNotification> out;
  std::shared_lock lock(rules_mu_);
  for (const auto& rule : rules_) rule->evaluate(now, options_.held_expiry, out);
  return out;
}

std::variant<std::vector<AlertNotification>, Error> AlertEngine::reconfigure(
    const std::vector<AlertRuleOptions>& rules, TimestampNs now) {
  auto compiled = compile_all(rules);
  if (auto* error = std::get_if<Error>(&compiled)) return std::move(*error);
  std::vector<std::shared_ptr<RuleState>> next;
  std::unique_lock lock(rules_mu_);
  std::vector<std::shared_ptr<RuleState>> previous = std::move(rules_);
  for (auto& rule : std::get<std::vector<CompiledRule>>(compiled)) {
    auto same = std::find_if(previous.begin(), previous.end(),
                             [&](const auto& old) { return old && old->rule.options == rule.options; });
    if (same != previous.end()) {
      next.push_back(std::move(*same));  // moved-from slot is null: not resolved below
    } else {
      next.push_back(std::make_shared<RuleState>(std::move(rule), metrics_, now));
    }
  }
  std::vector<AlertNotification> out;
  for (const auto& old : previous) {
    if (!old) continue;
    bool removed = std::none_of(next.begin(), next.end(),
                                     [&](const auto& r) { return r->rule.options.name == old->rule.options.name; });
    std::lock_guard rule_lock(old->mu);
    for (auto& [key, in] : old->instances) {
      if (!in.firing) continue;
      std::uint64_t count = old->rule.options.type == RuleType::Threshold ? old->window_count(in, now)
                                                                           : in.episode_matches;
      out.push_back(old->notify(in, AlertState::Resolved, now, count, false,
                                removed ? "rule_removed" : "rule_changed"));
    }
    if (removed) old->firing_gauge->set(0);
  }
  rules_ = std::move(next);
  return out;
}

void AlertEngine::on_partitions_revoked(TimestampNs now) {
  std::shared_lock lock(rules_mu_);
  for (const auto& rule : rules_) {
    const auto& o = rule->rule.options;
    std::lock_guard rule_lock(rule->mu);
    for (auto it = rule->instances.begin(); it != rule->instances.end();) {
      Instance& in = it->second;
      if (o.type == RuleType::Absence && o.group_by.empty()) {
        ++it;  // the whole stream's silence: not tied to any partition
        continue;
      }
      if (in.firing) {
        if (!in.held) in.held_since = now;
        in.held = true;
      } else if (o.type == RuleType::Absence && !o.group_by.empty()) {
        // Its group may now belong to another consumer: silence here proves nothing.
        it = rule->instances.erase(it);
        continue;
      }
      ++it;
    }
  }
}

void AlertEngine::on_partitions_assigned(TimestampNs now) {
  std::shared_lock lock(rules_mu_);
  for (const auto& rule : rules_) {
    const auto& o = rule->rule.options;
    if (o.type != RuleType::Absence || !o.group_by.empty()) continue;
    std::lock_guard rule_lock(rule->mu);
    for (auto& [key, in] : rule->instances) {
      if (!in.firing) in.last_match = std::max(in.last_match, now);  // the stream changed: measure afresh
    }
  }
}

std::vector<FiringAlert> AlertEngine::firing() const {
  std::vector<FiringAlert> out;
  std::shared_lock lock(rules_mu_);
  for (const auto& rule : rules_) {
    std::lock_guard rule_lock(rule->mu);
    for (const auto& [key, in] : rule->instances) {
      if (in.firing) out.push_back({in.alert_id, rule->rule.options.name, in.group_key, in.fired_at, in.held});
    }
  }
  return out;
}

std::vector<AlertRuleOptions> AlertEngine::rules() const {
  std::vector<AlertRuleOptions> out;
  std::shared_lock lock(rules_mu_);
  for (const auto& rule : rules_) out.push_back(rule->rule.options);
  return out;
}

}  // namespace lt::alerts
