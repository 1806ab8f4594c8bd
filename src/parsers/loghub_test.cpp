// Ground truth: every line of the six Loghub samples (tests/data/loghub) through
// the preset for its format must give the level, message and the other fields
// that the sample's structured CSV records. Each row is one assertion; a count
// of exact rows per dataset is printed.
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "parsers/loghub_formats.h"
#include "parsers/test_support.h"
#include "parsers/timestamps.h"

namespace lt::parsers {
namespace {

using testing::attr;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

using Row = std::map<std::string, std::string>;

// RFC 4180: quoted fields may hold commas, CR/LF and doubled quotes.
std::vector<Row> read_csv(const std::string& text) {
  std::vector<std::vector<std::string>> records(1, std::vector<std::string>(1));
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    auto& field = records.back().back();
    if (quoted) {
      if (ch == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (ch == '"') {
        quoted = false;
      } else {
        field += ch;
      }
    } else if (ch == '"') {
      quoted = true;
    } else if (ch == ',') {
      records.back().emplace_back();
    } else if (ch == '\n') {
      records.emplace_back(1);
    } else if (ch != '\r') {
      field += ch;
    }
  }
  if (records.back().size() == 1 && records.back()[0].empty()) records.pop_back();
  std::vector<Row> rows;
  for (size_t r = 1; r < records.size(); ++r) {
    Row row;
    for (size_t c = 0; c < records[0].size() && c < records[r].size(); ++c) row[records[0][c]] = records[r][c];
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<std::string> read_lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));  // '\r' left in: the parser must cope
    start = end + 1;
  }
  return lines;
}

TEST(LoghubCsv, ReadsQuotedFieldsWithCommasAndDoubledQuotes) {
  auto rows = read_csv("A,B,C\r\n1,\"x, y\",\"say \"\"hi\"\"\"\r\n2,,\"multi\nline\"\r\n");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0]["B"], "x, y");
  EXPECT_EQ(rows[0]["C"], "say \"hi\"");
  EXPECT_EQ(rows[1]["B"], "");
  EXPECT_EQ(rows[1]["C"], "multi\nline");
}

struct Dataset {
  std::string name;
  // Returns "" when the event matches the ground truth row, else what differs.
  std::function<std::string(const Row&, const LogEvent&)> check;
};

std::string expect_eq(std::string_view what, std::string_view got, std::string_view want) {
  if (got == want) return {};
  return std::string(what) + ": got '" + std::string(got) + "', want '" + std::string(want) + "'";
}

std::string expect_level(const LogEvent& e, std::string_view gt) {
  auto want = parse_level(gt);
  if (!want) return "ground-truth level '" + std::string(gt) + "' is not a level";
  return expect_eq("level", to_string(e.level), to_string(*want));
}

std::string expect_time(const LogEvent& e, const std::string& gt_text) {
  auto want = parse_any_timestamp(gt_text, now_ns());
  if (!want) return "ground-truth time '" + gt_text + "' does not parse";
  return expect_eq("timestamp", format_rfc3339(e.timestamp), format_rfc3339(*want));
}

std::string first_of(std::initializer_list<std::string> problems) {
  for (const auto& p : problems)
    if (!p.empty()) return p;
  return {};
}

std::string optional_attr(const LogEvent& e, std::string_view key) {
  const Attribute* a = e.attribute(key);
  return a ? a->value : std::string();
}

std::vector<Dataset> datasets() {
  return {
      {"Apache",
       [](const Row& r, const LogEvent& e) {
         return first_of({expect_eq("message", e.message, r.at("Content")), expect_level(e, r.at("Level")),
                          expect_time(e, r.at("Time"))});
       }},
      {"HDFS",
       [](const Row& r, const LogEvent& e) {
         return first_of({expect_eq("message", e.message, r.at("Content")),
                          expect_eq("level", to_string(e.level), r.at("Level")),
                          expect_eq("pid", attr(e, "pid"), r.at("Pid")),
                          expect_eq("logger", attr(e, "logger"), r.at("Component")),
                          expect_time(e, r.at("Date") + " " + r.at("Time"))});
       }},
      // The Linux CSV's "Level" column holds the host name; the lines carry no severity.
      {"Linux",
       [](const Row& r, const LogEvent& e) {
         return first_of({expect_eq("message", e.message, r.at("Content")), expect_eq("host", e.host, r.at("Level")),
                          expect_eq("app", attr(e, "app"), r.at("Component")),
                          expect_eq("pid", optional_attr(e, "pid"), r.at("PID")),
                          expect_eq("level", to_string(e.level), "INFO"),
                          expect_time(e, r.at("Month") + " " + r.at("Date") + " " + r.at("Time"))});
       }},
      // OpenSSH's "Component" column is the host; the program is always sshd.
      {"OpenSSH",
       [](const Row& r, const LogEvent& e) {
         return first_of({expect_eq("message", e.message, r.at("Content")),
                          expect_eq("host", e.host, r.at("Component")), expect_eq("app", attr(e, "app"), "sshd"),
                          expect_eq("pid", attr(e, "pid"), r.at("Pid")),
                          expect_time(e, r.at("Date") + " " + r.at("Day") + " " + r.at("Time"))});
       }},
      {"Spark",
       [](const Row& r, const LogEvent& e) {
         return first_of({expect_eq("message", e.message, r.at("Content")),
                          expect_eq("level", to_string(e.level), r.at("Level")),
                          expect_eq("logger", attr(e, "logger"), r.at("Component")),
                          expect_time(e, r.at("Date") + " " + r.at("Time"))});
       }},
      {"Zookeeper",
       [](const Row& r, const LogEvent& e) {
         return first_of({expect_eq("message", e.message, r.at("Content")),
                          expect_eq("level", to_string(e.level), r.at("Level")),
                          expect_eq("line", attr(e, "line"), r.at("Id")),
                          expect_time(e, r.at("Date") + " " + r.at("Time"))});
       }},
  };
}

const LoghubFormat& format_of(const std::string& dataset) {
  for (const auto& f : kLoghubFormats)
    if (f.dataset == dataset) return f;
  throw std::invalid_argument("no Loghub format for " + dataset);
}

class Loghub : public ::testing::TestWithParam<std::tuple<Dataset, bool>> {};

TEST_P(Loghub, EveryLineMatchesTheGroundTruth) {
  const auto& [ds, use_regex] = GetParam();
  const std::string dir = std::string(LT_SOURCE_DIR) + "/tests/data/loghub/" + ds.name + "/";
  const auto lines = read_lines(read_file(dir + ds.name + "_2k.log"));
  const auto rows = read_csv(read_file(dir + ds.name + "_2k.log_structured.csv"));
  ASSERT_EQ(lines.size(), 2000u);
  ASSERT_EQ(rows.size(), 2000u);
  const LoghubFormat& format = format_of(ds.name);
  const std::string parser_name(use_regex ? "regex" : format.preset);
  auto parser = testing::parser_named(parser_name, use_regex ? std::string(format.regex) : std::string());
  ASSERT_TRUE(parser);
  size_t exact = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    LogEvent e;
    const ParseStatus status = parser->parse(lines[i], e);
    const std::string problem =
        status == ParseStatus::Ok ? ds.check(rows[i], e) : "partial: " + attr(e, "parse_error");
    EXPECT_EQ(problem, "") << ds.name << " line " << i + 1 << ": " << lines[i];
    exact += problem.empty();
  }
  std::printf("[ loghub   ] %-9s %-6s %zu/%zu lines exact\n", ds.name.c_str(),
              parser_name.c_str(), exact, lines.size());
  EXPECT_EQ(exact, 2000u);
}

INSTANTIATE_TEST_SUITE_P(Samples, Loghub, ::testing::Combine(::testing::ValuesIn(datasets()), ::testing::Bool()),
                         [](const auto& info) {
                           return std::get<0>(info.param).name + (std::get<1>(info.param) ? "_regex" : "_preset");
                         });

}  // namespace
}  // namespace lt::parsers
