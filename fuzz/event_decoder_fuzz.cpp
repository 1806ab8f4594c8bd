// libFuzzer target: arbitrary bytes into the event decoder. Whatever it accepts
// must re-encode to JSON that decodes again to the same event.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/json_codec.h"
#include "core/utf8.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static lt::EventDecoder decoder(lt::DecodeOptions{.max_bytes = 64 * 1024, .max_depth = 32});
  static lt::EventDecoder redecoder(lt::DecodeOptions{.max_bytes = 1 << 20, .max_depth = 32});
  lt::LogEvent event;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (decoder.decode(input, event)) return 0;  // a typed error is a fine answer
  const std::string json = lt::to_json(event);
  if (!lt::is_valid_utf8(json)) std::abort();
  lt::LogEvent again;
  if (auto err = redecoder.decode(json, again)) std::abort();
  // Raw and number attributes are re-emitted verbatim; everything must survive.
  if (again.message != event.message || again.service != event.service || again.level != event.level ||
      again.attributes.size() != event.attributes.size())
    std::abort();
  return 0;
}
