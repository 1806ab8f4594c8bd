// Proves the "no allocation per event" promise by counting operator new calls
// made by the evaluating thread (this binary replaces the global operator new).
#include <gtest/gtest.h>

#include <cstdlib>
#include <new>

#include "query/query.h"

namespace {
thread_local bool counting = false;
thread_local long allocations = 0;
}  // namespace

// Every plain form is replaced together so that new and delete always pair
// (sanitizers check that); the aligned forms stay the library's.
namespace {
void* counted_malloc(std::size_t size) noexcept {
  if (counting) ++allocations;
  return std::malloc(size == 0 ? 1 : size);
}
void* counted_new(std::size_t size) {
  if (void* p = counted_malloc(size)) return p;
  throw std::bad_alloc();
}
}  // namespace

void* operator new(std::size_t size) { return counted_new(size); }
void* operator new[](std::size_t size) { return counted_new(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept { return counted_malloc(size); }
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept { return counted_malloc(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace lt::query {
namespace {

std::vector<LogEvent> events() {
  std::vector<LogEvent> out(2);
  out[0].level = Level::Error;
  out[0].service = "checkout";
  out[0].host = "web-1";
  out[0].timestamp = 1'764'284'400'000'000'000;
  out[0].message = "POST /api/checkout failed: upstream Timeout after 3000 ms";
  out[0].set_attribute("status", "504", AttrType::Number);
  out[0].set_attribute("latency_ms", "3000.5", AttrType::Number);
  out[0].set_attribute("user_id", "u-42");
  out[1].level = Level::Info;
  out[1].service = "auth";
  out[1].message = "user u-9 logged in";
  out[1].trace_id = "abc";
  return out;
}

TEST(QueryAllocation, EvaluationAllocatesNothing) {
  const char* queries[] = {
      "service:checkout level>=WARN timeout",
      "\"upstream timeout\" or -host:web-*",
      "status>=500 latency_ms>250.5 or exists:trace_id",
      "timestamp:2025-11-27* timestamp>=2025-01-01T00:00:00Z",
      "level:/ERR/ user_id:u-* msg:*after*",
      "/T[a-z]+out/ or service:/^au/",
  };
  const auto evs = events();
  for (const char* text : queries) {
    auto compiled = Query::compile(text);
    ASSERT_TRUE(std::holds_alternative<Query>(compiled)) << text;
    const auto& q = std::get<Query>(compiled);
    int hits = 0;
    for (const auto& e : evs) hits += q.matches(e);  // warm-up: RE2 builds its DFA states lazily
    allocations = 0;
    counting = true;
    for (int i = 0; i < 1000; ++i)
      for (const auto& e : evs) hits += q.matches(e);
    counting = false;
    EXPECT_EQ(allocations, 0) << text;
    EXPECT_GT(hits, 0) << text;  // the loop did real work
  }
}

TEST(QueryAllocation, TheCounterSeesAllocations) {
  allocations = 0;
  counting = true;
  auto compiled = Query::compile("service:checkout");
  counting = false;
  EXPECT_GT(allocations, 0);
}

}  // namespace
}  // namespace lt::query
