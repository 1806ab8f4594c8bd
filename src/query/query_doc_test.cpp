// Runs every example of docs/query-language.md: the doc is the test's data, so
// an example that stops working (or a table this test cannot read) fails here.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/json_codec.h"
#include "query/query.h"

namespace lt::query {
namespace {

std::string read_doc() {
  std::ifstream in(std::string(LT_SOURCE_DIR) + "/docs/query-language.md");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(' ');
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(' ');
  return std::string(s.substr(b, e - b + 1));
}

// Cells of a Markdown table row; `\|` is a literal pipe (GFM).
std::vector<std::string> cells_of(std::string_view row) {
  std::vector<std::string> cells;
  std::string cell;
  for (std::size_t i = 1; i < row.size(); ++i) {
    if (row[i] == '\\' && i + 1 < row.size() && row[i + 1] == '|') {
      cell += '|';
      ++i;
    } else if (row[i] == '|') {
      cells.push_back(trim(cell));
      cell.clear();
    } else {
      cell += row[i];
    }
  }
  return cells;
}

bool is_code(const std::string& cell) { return cell.size() >= 2 && cell.front() == '`' && cell.back() == '`'; }
std::string code(const std::string& cell) { return cell.substr(1, cell.size() - 2); }

struct Doc {
  std::vector<LogEvent> events;
  struct Row {
    std::vector<std::string> header;
    std::vector<std::string> cells;
    std::size_t line;
  };
  std::vector<Row> rows;
};

Doc load_doc() {
  Doc doc;
  const auto lines = lines_of(read_doc());
  EventDecoder decoder;
  bool in_events = false, in_fence = false;
  std::vector<std::string> header;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    if (line.starts_with("```")) {
      in_events = !in_fence && line == "```json" && doc.events.empty();
      in_fence = !in_fence;
      continue;
    }
    if (in_fence) {
      if (in_events) {
        LogEvent e;
        const auto error = decoder.decode(line, e);
        EXPECT_FALSE(error) << "sample event on line " << i + 1 << ": " << (error ? error->message() : "");
        doc.events.push_back(std::move(e));
      }
      continue;
    }
    if (!line.starts_with("|")) {
      header.clear();
      continue;
    }
    if (line.starts_with("|---")) continue;
    if (header.empty()) {
      header = cells_of(line);
      continue;
    }
    doc.rows.push_back({header, cells_of(line), i + 1});
  }
  return doc;
}

std::string matching_ids(const Query& q, const std::vector<LogEvent>& events) {
  std::string ids;
  for (const auto& e : events) {
    if (!q.matches(e)) continue;
    if (!ids.empty()) ids += ' ';
    ids += e.id;
  }
  return ids.empty() ? "none" : ids;
}

std::string bracketed(const std::string& message, const std::vector<Span>& spans) {
  std::string out;
  std::size_t at = 0;
  for (const auto& s : spans) {
    out += message.substr(at, s.begin - at) + "[" + message.substr(s.begin, s.end - s.begin) + "]";
    at = s.end;
  }
  return out + message.substr(at);
}

TEST(QueryLanguageDoc, EveryExampleBehavesAsDocumented) {
  const Doc doc = load_doc();
  ASSERT_EQ(doc.events.size(), 5u) << "the sample events block";
  for (std::size_t i = 0; i < doc.events.size(); ++i) ASSERT_EQ(doc.events[i].id, "e" + std::to_string(i + 1));

  int match_examples = 0, error_examples = 0, highlight_examples = 0;
  for (const auto& row : doc.rows) {
    SCOPED_TRACE("docs/query-language.md:" + std::to_string(row.line));
    ASSERT_GE(row.cells.size(), 2u);
    ASSERT_TRUE(is_code(row.cells[0])) << "the first cell of an example must be a `query`";
    const std::string query = code(row.cells[0]);
    auto compiled = Query::compile(query);
    const auto& header = row.header;
    if (header[0] == "Query" && header[1] == "Matches") {
      ++match_examples;
      ASSERT_TRUE(std::holds_alternative<Query>(compiled)) << query << ": " << std::get<QueryError>(compiled).message;
      EXPECT_EQ(matching_ids(std::get<Query>(compiled), doc.events), row.cells[1]) << query;
    } else if (header[0] == "Query" && header[1] == "Error") {
      ++error_examples;
      ASSERT_TRUE(is_code(row.cells[1]));
      ASSERT_TRUE(std::holds_alternative<QueryError>(compiled)) << query << " compiled";
      EXPECT_EQ(std::get<QueryError>(compiled).message, code(row.cells[1])) << query;
    } else if (header.size() == 3 && header[0] == "Query" && header[1] == "Message" && header[2] == "Highlighted") {
      ++highlight_examples;
      ASSERT_EQ(row.cells.size(), 3u);
      ASSERT_TRUE(std::holds_alternative<Query>(compiled)) << query;
      LogEvent e;
      e.message = code(row.cells[1]);
      std::vector<Span> spans;
      std::get<Query>(compiled).highlight(e, spans);
      EXPECT_EQ(bracketed(e.message, spans), code(row.cells[2])) << query;
    } else {
      ADD_FAILURE() << "a table this test does not know how to check: " << header[0] << " | " << header[1];
    }
  }
  // Guards against the parser of this test silently skipping the tables.
  EXPECT_GE(match_examples, 45);
  EXPECT_GE(error_examples, 9);
  EXPECT_GE(highlight_examples, 4);
}

TEST(QueryLanguageDoc, TheExplainedPlanIsTheRealOne) {
  auto q = Query::compile("service:checkout level>=WARN timeout");
  ASSERT_TRUE(std::holds_alternative<Query>(q));
  const std::string plan = std::get<Query>(q).explain();
  EXPECT_NE(read_doc().find("`" + plan + "`"), std::string::npos) << plan;
}

}  // namespace
}  // namespace lt::query
