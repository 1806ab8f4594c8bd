#include "process/lookup.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

namespace lt {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class LookupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() /
          ("lt_lookup_" + std::to_string(::getpid()) + "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir);
  }
  void TearDown() override { fs::remove_all(dir); }

  // Writes via a temporary and rename, as deploy tools do, so a reader never sees half a file.
  std::string write(const std::string& name, const std::string& text) {
    const auto path = dir / name;
    const auto tmp = dir / (name + ".tmp");
    std::ofstream(tmp, std::ios::binary) << text;
    fs::rename(tmp, path);
    return path.string();
  }
  std::unique_ptr<LookupTable> make(LookupOptions o) {
    auto r = LookupTable::create(std::move(o), metrics);
    if (auto* e = std::get_if<Error>(&r)) {
      ADD_FAILURE() << e->message;
      return nullptr;
    }
    return std::move(std::get<0>(r));
  }
  static LogEvent user(const char* id) {
    LogEvent e;
    e.message = "login";
    e.set_attribute("user_id", id);
    return e;
  }
  static std::string attr(const LogEvent& e, const char* key) {
    const auto* a = e.attribute(key);
    return a ? a->value : "<absent>";
  }
  std::uint64_t count(const char* result) {
    return metrics.counter("logtracer_enrich_total", "", {{"enricher", "lookup"}, {"result", result}}).value();
  }

  fs::path dir;
  MetricsRegistry metrics;
};

TEST_F(LookupTest, CsvHitAndMiss) {
  LookupOptions o;
  o.file = write("users.csv",
                 "user_id,name,plan,note\r\n"
                 "u1,Ann Lee,pro,\"likes \"\"quotes\"\", commas\nand lines\"\r\n"
                 "u2,Bob,free,\n");
  auto t = make(o);
  EXPECT_EQ(t->size(), 2u);
  auto e = user("u1");
  EXPECT_TRUE(t->process(e).kept());
  EXPECT_EQ(attr(e, "user.name"), "Ann Lee");
  EXPECT_EQ(attr(e, "user.plan"), "pro");
  EXPECT_EQ(attr(e, "user.note"), "likes \"quotes\", commas\nand lines");
  EXPECT_EQ(e.attribute("user.user_id"), nullptr) << "the key column is not repeated";
  auto b = user("u2");
  t->process(b);
  EXPECT_EQ(b.attribute("user.note"), nullptr) << "empty cells add nothing";
  auto m = user("nobody");
  t->process(m);
  EXPECT_EQ(m.attributes.size(), 1u);
  LogEvent no_key;
  t->process(no_key);
  EXPECT_EQ(count("hit"), 2u);
  EXPECT_EQ(count("miss"), 2u);
}

// The table is an open-addressing hash: every key of a large table is found,
// absent keys miss, and a repeated key keeps its last row (as before).
TEST_F(LookupTest, LargeTableFindsEveryKeyAndALaterDuplicateWins) {
  std::string csv = "user_id,team\n";
  for (int i = 0; i < 5000; ++i) csv += "u" + std::to_string(i) + ",t" + std::to_string(i) + "\n";
  csv += "u7,replaced\n";
  LookupOptions o;
  o.file = write("many.csv", csv);
  auto t = make(o);
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->size(), 5000u);
  for (int i = 0; i < 5000; ++i) {
    auto e = user(("u" + std::to_string(i)).c_str());
    t->process(e);
    ASSERT_EQ(attr(e, "user.team"), i == 7 ? "replaced" : "t" + std::to_string(i)) << i;
  }
  auto absent = user("u5000");
  t->process(absent);
  EXPECT_EQ(absent.attribute("user.team"), nullptr);
}

TEST_F(LookupTest, JsonObjectOfObjectsAndArrayOfObjects) {
  LookupOptions o;
  o.file = write("users.json", R"({"u1": {"name": "Ann", "age": 41, "admin": true, "tags": ["a","b"], "x": null}})");
  auto t = make(o);
  auto e = user("u1");
  t->process(e);
  EXPECT_EQ(attr(e, "user.name"), "Ann");
  EXPECT_EQ(attr(e, "user.age"), "41");
  EXPECT_EQ(e.attribute("user.age")->type, AttrType::Number);
  EXPECT_EQ(e.attribute("user.admin")->type, AttrType::Bool);
  EXPECT_EQ(attr(e, "user.tags"), R"(["a","b"])");
  EXPECT_EQ(e.attribute("user.x"), nullptr);

  LookupOptions a;
  a.file = write("list.json", R"([{"id": 7, "team": "core"}, {"id": "u9", "team": "web"}, {"team": "nokey"}])");
  a.key_field = "account";
  a.key_column = "id";
  a.prefix = "acct.";
  auto t2 = make(a);
  EXPECT_EQ(t2->size(), 2u);
  LogEvent f;
  f.set_attribute("account", "7");
  t2->process(f);
  EXPECT_EQ(attr(f, "acct.team"), "core");
}

TEST_F(LookupTest, KeyFromATopLevelField) {
  LookupOptions o;
  o.file = write("svc.csv", "service,owner\ncheckout,team-pay\n");
  o.key_field = "service";
  o.prefix = "svc.";
  auto t = make(o);
  LogEvent e;
  e.service = "checkout";
  t->process(e);
  EXPECT_EQ(attr(e, "svc.owner"), "team-pay");
}

TEST_F(LookupTest, ReloadsWhenTheFileChanges) {
  LookupOptions o;
  o.file = write("users.csv", "user_id,name\nu1,Ann\n");
  o.check_interval = 20ms;
  auto t = make(o);
  write("users.csv", "user_id,name\nu1,Annabel\nu2,Bob\n");
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  std::string name;
  while (std::chrono::steady_clock::now() < deadline) {
    auto e = user("u1");
    t->process(e);
    name = attr(e, "user.name");
    if (name == "Annabel") break;
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_EQ(name, "Annabel");
  EXPECT_EQ(t->size(), 2u);
}

TEST_F(LookupTest, WorkersSeeACompleteOldOrNewTableDuringReloads) {
  LookupOptions o;
  o.file = write("users.csv", "user_id,name,version\nu1,Ann,0\n");
  o.check_interval = 1ms;
  auto t = make(o);
  std::atomic<bool> stop{false};
  std::atomic<int> torn{0}, seen_versions{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 3; ++w)
    workers.emplace_back([&] {
      int last = -1;
      while (!stop) {
        auto e = user("u1");
        t->process(e);
        const int v = std::stoi(attr(e, "user.version"));
        // Name and version come from the same row of the same table.
        if (attr(e, "user.name") != "Ann " + std::to_string(v) && !(v == 0 && attr(e, "user.name") == "Ann")) ++torn;
        if (v != last) ++seen_versions;
        last = v;
      }
    });
  for (int v = 1; v <= 20; ++v) {
    write("users.csv", "user_id,name,version\nu1,Ann " + std::to_string(v) + "," + std::to_string(v) + "\n");
    std::this_thread::sleep_for(5ms);
  }
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto e = user("u1");
    t->process(e);
    if (attr(e, "user.version") == "20") break;
    std::this_thread::sleep_for(2ms);
  }
  stop = true;
  for (auto& w : workers) w.join();
  EXPECT_EQ(torn.load(), 0);
  EXPECT_GT(seen_versions.load(), 3) << "reloads happened while workers ran";
  auto e = user("u1");
  t->process(e);
  EXPECT_EQ(attr(e, "user.version"), "20");
}

TEST_F(LookupTest, ABadReloadKeepsTheOldTable) {
  LookupOptions o;
  o.file = write("users.csv", "user_id,name\nu1,Ann\n");
  o.check_interval = 0ms;  // reload only when asked
  auto t = make(o);
  write("users.csv", "user_id,name\nu1,\"unterminated\n");
  auto err = t->reload_if_changed();
  ASSERT_TRUE(err.has_value());
  EXPECT_NE(err->message.find("line 2"), std::string::npos) << err->message;
  auto e = user("u1");
  t->process(e);
  EXPECT_EQ(attr(e, "user.name"), "Ann");
  EXPECT_EQ(metrics.counter("logtracer_lookup_reloads_total", "", {{"file", o.file}, {"result", "error"}}).value(), 1u);
  EXPECT_FALSE(t->reload_if_changed().has_value()) << "the same bad file is not parsed again";

  fs::remove(o.file);  // a missing file also keeps the table
  EXPECT_TRUE(t->reload_if_changed().has_value());
  auto f = user("u1");
  t->process(f);
  EXPECT_EQ(attr(f, "user.name"), "Ann");
}

TEST_F(LookupTest, MalformedFilesAreErrorsWithWhere) {
  auto fails = [&](const std::string& name, const std::string& text, const char* expect) {
    LookupOptions o;
    o.file = write(name, text);
    auto r = LookupTable::create(o, metrics);
    ASSERT_TRUE(std::holds_alternative<Error>(r)) << name;
    EXPECT_NE(std::get<Error>(r).message.find(expect), std::string::npos) << std::get<Error>(r).message;
  };
  fails("a.csv", "user_id,name\nu1,Ann,extra\n", "line 2: 3 fields");
  fails("b.csv", "id,name\nu1,Ann\n", "no column 'user_id'");
  fails("c.csv", "", "no header row");
  fails("d.json", "{\"u1\": {\"name\": ", "invalid JSON");
  fails("e.json", "{\"u1\": 5}", "not an object");
  fails("f.csv", "user_id,name\n\"u1\"x,Ann\n", "after a closing quote");
  LookupOptions o;
  o.file = (dir / "missing.csv").string();
  EXPECT_TRUE(std::holds_alternative<Error>(LookupTable::create(o, metrics)));
}

TEST_F(LookupTest, GarbageAndInvalidUtf8DoNotCrash) {
  LookupOptions o;
  std::string junk = "user_id,name\n";
  for (int i = 0; i < 5000; ++i) junk += static_cast<char>((i * 7919) % 256);
  auto r = parse_lookup_table(junk, o);
  (void)r;
  auto ok = parse_lookup_table("user_id,name\n\xff\xfe,\xc3\n", o);
  ASSERT_FALSE(std::holds_alternative<Error>(ok));
}

}  // namespace
}  // namespace lt
