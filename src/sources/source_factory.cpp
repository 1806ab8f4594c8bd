// The one explicit list of source types (no static registration): adding a
// source is adding one branch here, next to its file pair.
#include "sources/file_tail.h"
#include "sources/generator.h"
#include "sources/http_ingest.h"
#include "sources/source.h"
#include "sources/stdin_input.h"
#include "sources/syslog.h"

namespace lt::sources {

namespace {
Error bad(const SourceSpec& spec, const std::string& what) {
  return Error::permanent("source.config", "source '" + spec.common.name + "': " + what);
}
}  // namespace

std::variant<std::unique_ptr<Source>, Error> make_source(const SourceSpec& spec, ParserFactory parsers) {
  const auto& c = spec.common;
  if (c.name.empty()) return bad(spec, "a source needs a name");
  if (c.max_line_bytes == 0) return bad(spec, "max_line_bytes must be positive");
  if (c.ack_window == 0) return bad(spec, "ack_window must be positive");
  if (c.type == "generator") return std::unique_ptr<Source>(new GeneratorSource(c, spec.generator));
  if (c.type == "file") {
    if (spec.file.paths.empty()) return bad(spec, "file: no paths");
    return std::unique_ptr<Source>(new FileTailSource(c, spec.file, std::move(parsers)));
  }
  if (c.type == "syslog") return std::unique_ptr<Source>(new SyslogSource(c, spec.syslog, std::move(parsers)));
  if (c.type == "stdin") return std::unique_ptr<Source>(new StdinSource(c, spec.stdin_input, std::move(parsers)));
  if (c.type == "http") return std::unique_ptr<Source>(new HttpIngestSource(c, spec.http));
  return bad(spec, "unknown type '" + c.type + "'; expected one of generator file syslog stdin http");
}

std::variant<std::unique_ptr<Source>, Error> make_source(const SourceSpec& spec) {
  // Build one parser now, so a bad parser is reported at configuration time, not in a reader thread.
  auto probe = parsers::make_parser(spec.common.parser);
  if (auto* err = std::get_if<std::string>(&probe)) return bad(spec, "parser: " + *err);
  ParserFactory factory = [options = spec.common.parser]() -> std::unique_ptr<parsers::LineParser> {
    auto p = parsers::make_parser(options);
    if (auto* parser = std::get_if<std::unique_ptr<parsers::LineParser>>(&p)) return std::move(*parser);
    return nullptr;
  };
  return make_source(spec, std::move(factory));
}

}  // namespace lt::sources
