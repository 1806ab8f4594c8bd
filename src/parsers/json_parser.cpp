#include "parsers/json_parser.h"

#include "core/json_codec.h"
#include "core/utf8.h"
#include "parsers/scan.h"

namespace lt::parsers {

namespace {

class JsonParser final : public LineParser {
 public:
  ParseStatus parse(std::string_view raw, LogEvent& out) override {
    const std::string_view line = strip_line_end(raw);
    save_context(out);
    std::optional<DecodeError> err = decoder_.decode(line, out);
    if (err && err->code == DecodeErrc::InvalidUtf8) {
      // Repair rather than reject: the object is still worth its fields.
      scratch_.clear();
      append_sanitized_utf8(line, scratch_);
      err = decoder_.decode(scratch_, out);
    }
    if (err && err->code != DecodeErrc::MissingMessage) {
      out.clear();  // a failed decode may have filled some fields: keep none of them
      restore_context(out);
      return mark_partial(out, prepare_line(line, scratch_), err->message());
    }
    restore_context(out);
    // A structured line without a message field is legitimate; the line itself
    // then serves as the message so that search still finds it.
    if (err) out.message.assign(prepare_line(line, scratch_));
    return ParseStatus::Ok;
  }

 private:
  // The decoder clears the event; the source's context moves aside (swaps keep
  // the capacity of both sides) and returns wherever the line had nothing.
  void save_context(LogEvent& out) {
    std::swap(context_.id, out.id);
    std::swap(context_.service, out.service);
    std::swap(context_.environment, out.environment);
    std::swap(context_.host, out.host);
    std::swap(context_.source, out.source);
    std::swap(context_.attributes, out.attributes);
    context_.timestamp = out.timestamp;
  }

  void restore_context(LogEvent& out) {
    auto keep = [](std::string& line_value, std::string& context_value) {
      if (line_value.empty()) std::swap(line_value, context_value);
    };
    keep(out.id, context_.id);
    keep(out.service, context_.service);
    keep(out.environment, context_.environment);
    keep(out.host, context_.host);
    keep(out.source, context_.source);
    if (out.timestamp == 0) out.timestamp = context_.timestamp;
    for (auto& a : context_.attributes)
      if (!out.attribute(a.key)) out.attributes.push_back(std::move(a));
    context_.attributes.clear();
  }

  EventDecoder decoder_;
  LogEvent context_;
  std::string scratch_;
};

}  // namespace

ParserOrError make_json_parser(const ParserOptions&) { return std::make_unique<JsonParser>(); }

}  // namespace lt::parsers
