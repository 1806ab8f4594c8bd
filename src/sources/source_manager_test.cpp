#include "sources/source_manager.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "sources/testing_sink.h"

namespace lt::sources {
namespace {

using testing::eventually;
using testing::TestSink;
namespace fs = std::filesystem;

// Records its life cycle so the test sees exactly what apply() did.
struct Journal {
  std::vector<std::string> entries;
};

class FakeSource final : public Source {
 public:
  FakeSource(SourceOptions o, Journal& j, bool fail_start) : Source(std::move(o)), j_(j), fail_start_(fail_start) {}
  ~FakeSource() override { stop(std::chrono::milliseconds(0)); }
  std::optional<Error> start(EventSink&) override {
    if (fail_start_) return Error::permanent("fake.start", "cannot start " + name());
    j_.entries.push_back("start " + name() + " " + options_.service);
    running_ = true;
    return std::nullopt;
  }
  void stop(std::chrono::milliseconds) override {
    if (!running_) return;
    running_ = false;
    j_.entries.push_back("stop " + name() + " " + options_.service);
  }
  bool fully_acknowledged() const override { return true; }

 private:
  Journal& j_;
  bool fail_start_;
  bool running_ = false;
};

SourceSpec spec(const std::string& name, const std::string& service, const std::string& type = "fake") {
  SourceSpec s;
  s.common.name = name;
  s.common.type = type;
  s.common.service = service;
  return s;
}

// In flight until its stop() drains; `acks` says whether the drain succeeds.
class DrainingSource final : public Source {
 public:
  DrainingSource(SourceOptions o, bool acks) : Source(std::move(o)), acks_(acks) {}
  std::optional<Error> start(EventSink&) override { return std::nullopt; }
  void stop(std::chrono::milliseconds) override { drained_ = acks_; }
  bool fully_acknowledged() const override { return drained_; }

 private:
  bool acks_;
  bool drained_ = false;
};

TEST(SourceManager, StopAllAnswersWhetherEverythingWasAcknowledgedAfterTheDrain) {
  TestSink sink;
  auto factory = [](const SourceSpec& s) -> std::variant<std::unique_ptr<Source>, Error> {
    return std::unique_ptr<Source>(new DrainingSource(s.common, s.common.service == "acks"));
  };
  {
    SourceManager m(sink, factory);
    ASSERT_TRUE(m.apply({spec("a", "acks"), spec("b", "acks")}).ok());
    EXPECT_TRUE(m.stop_all(std::chrono::milliseconds(0)));  // in flight before, all acknowledged after
    EXPECT_TRUE(m.names().empty());
  }
  SourceManager m(sink, factory);
  ASSERT_TRUE(m.apply({spec("a", "acks"), spec("b", "never")}).ok());
  EXPECT_FALSE(m.stop_all(std::chrono::milliseconds(0)));
}

TEST(SourceManager, AppliesTheDifferenceOnly) {
  Journal j;
  TestSink sink;
  SourceManager m(sink, [&](const SourceSpec& s) -> std::variant<std::unique_ptr<Source>, Error> {
    if (s.common.service == "unbuildable") return Error::permanent("fake.build", "bad spec");
    return std::unique_ptr<Source>(new FakeSource(s.common, j, s.common.service == "unstartable"));
  });
  auto o1 = m.apply({spec("a", "1"), spec("b", "1")});
  EXPECT_TRUE(o1.ok());
  EXPECT_EQ(o1.started, (std::vector<std::string>{"a", "b"}));
  j.entries.clear();

  auto o2 = m.apply({spec("a", "1"), spec("b", "2"), spec("c", "1")});
  EXPECT_EQ(o2.unchanged, std::vector<std::string>{"a"});
  EXPECT_EQ(o2.restarted, std::vector<std::string>{"b"});
  EXPECT_EQ(o2.started, std::vector<std::string>{"c"});
  // The old b is stopped (drained) before the new b starts.
  EXPECT_EQ(j.entries, (std::vector<std::string>{"stop b 1", "start b 2", "start c 1"}));
  j.entries.clear();

  auto o3 = m.apply({spec("b", "2")});
  EXPECT_EQ(o3.stopped, (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(m.names(), std::vector<std::string>{"b"});
  j.entries.clear();

  // A spec that cannot be built leaves the running source alone.
  auto o4 = m.apply({spec("b", "unbuildable")});
  EXPECT_FALSE(o4.ok());
  EXPECT_TRUE(j.entries.empty());
  EXPECT_NE(m.find("b"), nullptr);
  // A replacement that cannot start puts the previous settings back.
  auto o5 = m.apply({spec("b", "unstartable")});
  EXPECT_FALSE(o5.ok());
  EXPECT_EQ(j.entries, (std::vector<std::string>{"stop b 2", "start b 2"}));
  EXPECT_EQ(m.find("b")->options().service, "2");
  // Duplicate names are an error, the first one wins.
  auto o6 = m.apply({spec("b", "2"), spec("b", "3")});
  EXPECT_EQ(o6.errors.size(), 1u);
  EXPECT_EQ(o6.unchanged, std::vector<std::string>{"b"});
  m.stop_all();
  EXPECT_TRUE(m.names().empty());
}

TEST(SourceManager, OnlyTheSectionOfTheTypeCountsAsAChange) {
  SourceSpec a = spec("x", "s", "file");
  SourceSpec b = a;
  b.generator.rate = 12345;  // not a file setting
  EXPECT_TRUE(same_spec(a, b));
  b.file.paths = {"/tmp/other"};
  EXPECT_FALSE(same_spec(a, b));
  SourceSpec c = a;
  c.common.parser.name = "json";
  EXPECT_FALSE(same_spec(a, c));
}

TEST(SourceManager, ReloadOfAFileSourceNeitherLosesNorDuplicates) {
  char tmpl[] = "/tmp/lt_manager_XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  const std::string path = dir + "/app.log";
  auto append = [&](const std::string& s) {
    std::ofstream(path, std::ios::app) << s;
  };
  append("1\n2\n3\n");
  SourceSpec s = spec("tail", "before", "file");
  s.common.parser = {"raw", ""};
  s.file.paths = {path};
  s.file.start_at_beginning = true;
  s.file.checkpoint_dir = dir + "/ckpt";
  s.file.poll_interval_ms = 10;
  TestSink sink;
  SourceManager m(sink);
  ASSERT_TRUE(m.apply({s}).ok());
  ASSERT_TRUE(sink.wait_count(3));
  append("4\n");
  s.common.service = "after";
  auto o = m.apply({s});  // the restarted source resumes from the checkpoint the old one saved
  ASSERT_TRUE(o.ok()) << o.errors[0].message;
  EXPECT_EQ(o.restarted, std::vector<std::string>{"tail"});
  append("5\n");
  ASSERT_TRUE(sink.wait_count(5));
  m.stop_all();
  const auto ev = sink.events();
  ASSERT_EQ(ev.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(ev[i].message, std::to_string(i + 1));
  EXPECT_EQ(ev[0].service, "before");
  EXPECT_EQ(ev[4].service, "after");
  fs::remove_all(dir);
}

TEST(MakeSource, ExplicitListWithReadableErrors) {
  auto unknown = make_source(spec("u", "s", "kafka"));
  ASSERT_TRUE(std::holds_alternative<Error>(unknown));
  EXPECT_NE(std::get<Error>(unknown).message.find("expected one of generator file syslog stdin http"),
            std::string::npos);
  SourceSpec badparser = spec("p", "s", "stdin");
  badparser.common.parser = {"nope", ""};
  ASSERT_TRUE(std::holds_alternative<Error>(make_source(badparser)));
  SourceSpec nopaths = spec("f", "s", "file");
  nopaths.common.parser = {"raw", ""};
  ASSERT_TRUE(std::holds_alternative<Error>(make_source(nopaths)));
  for (const char* type : {"generator", "syslog", "stdin", "http"}) {
    SourceSpec ok = spec(std::string("ok_") + type, "s", type);
    ok.common.parser = {"raw", ""};
    auto made = make_source(ok);
    ASSERT_TRUE(std::holds_alternative<std::unique_ptr<Source>>(made)) << type;
    EXPECT_EQ(std::get<std::unique_ptr<Source>>(made)->name(), std::string("ok_") + type);
  }
}

}  // namespace
}  // namespace lt::sources
