// The syslog source: UDP, TCP and TLS (RFC 5425) listeners (RFC 5424 / 3164
// through the `syslog` parser preset), stream framing by octet counting or newline.
#pragma once

#include <atomic>
#include <memory>
#include <string_view>

#include "sources/line_reader.h"
#include "sources/source.h"

namespace lt::sources {

// Splits one TCP stream into syslog messages. The framing is decided by the
// first byte of the connection (RFC 6587 §3.4): a digit means octet counting
// ("LEN SP MSG"), anything else newline-terminated messages. Messages over
// `max_message_bytes` keep their head and are reported truncated.
class SyslogFrameDecoder {
 public:
  enum class Framing { Unknown, OctetCounting, Newline };
  // `framing` other than Unknown forces that framing instead of detecting it.
  explicit SyslogFrameDecoder(std::size_t max_message_bytes, Framing framing = Framing::Unknown)
      : max_(max_message_bytes), framing_(framing), lines_(max_message_bytes) {}

  // Calls sink(message, truncated) per complete message; stops early when the
  // sink returns false. Returns false then, or on a malformed length (the
  // stream cannot be re-synchronised: the caller closes the connection).
  template <typename Sink>
  bool feed(std::string_view data, Sink&& sink);
  // End of stream: a last newline-framed message without its newline.
  template <typename Sink>
  bool finish(Sink&& sink) {
    if (framing_ != Framing::Newline) return true;
    return lines_.flush_partial(0, [&](std::string_view m, std::int64_t, bool cut) { return sink(m, cut); });
  }
  Framing framing() const noexcept { return framing_; }
  const std::string& error() const noexcept { return error_; }

 private:
  static constexpr std::size_t kMaxLengthDigits = 9;
  std::size_t max_;
  Framing framing_;
  LineSplitter lines_;
  // Octet counting state.
  std::string length_digits_;
  std::size_t remaining_ = 0;
  bool in_body_ = false;
  bool cut_ = false;
  std::string body_;
  std::string error_;
};

class SyslogSource final : public Source {
 public:
  SyslogSource(SourceOptions common, SyslogOptions options, ParserFactory parsers);
  ~SyslogSource() override;

  std::optional<Error> start(EventSink& sink) override;
  void stop(std::chrono::milliseconds drain = std::chrono::seconds(5)) override;
  bool fully_acknowledged() const override;

  // The bound ports (useful with port 0); -1 when that listener is off.
  int udp_port() const noexcept { return udp_port_; }
  int tcp_port() const noexcept { return tcp_port_; }  // the TLS port with `tls`
  // TLS handshakes that failed or timed out (plain-TCP clients, scanners, bad certificates).
  std::uint64_t tls_handshake_failures() const noexcept;

  struct Impl;  // opaque (keeps Asio out of this header); public only so syslog.cpp's helpers can name it

 private:
  friend struct Impl;
  SyslogOptions syslog_;
  ParserFactory parsers_;
  std::unique_ptr<Impl> impl_;
  bool acked_at_stop_ = true;  // fully_acknowledged() once stop() released impl_
  int udp_port_ = -1;
  int tcp_port_ = -1;
};

template <typename Sink>
bool SyslogFrameDecoder::feed(std::string_view data, Sink&& sink) {
  std::size_t i = 0;
  if (framing_ == Framing::Unknown) {
    while (i < data.size() && (data[i] == '\n' || data[i] == '\r' || data[i] == ' ')) ++i;
    if (i == data.size()) return true;
    framing_ = (data[i] >= '0' && data[i] <= '9') ? Framing::OctetCounting : Framing::Newline;
  }
  if (framing_ == Framing::Newline)
    return lines_.feed(data.substr(i), 0, [&](std::string_view m, std::int64_t, bool cut) {
      return m.empty() || sink(m, cut);  // blank lines between messages carry nothing
    });
  while (i < data.size()) {
    if (!in_body_) {
      const char c = data[i++];
      if (c >= '0' && c <= '9') {
        length_digits_ += c;
        if (length_digits_.size() > kMaxLengthDigits) {
          error_ = "octet count longer than 9 digits";
          return false;
        }
      } else if (c == ' ' && !length_digits_.empty()) {
        remaining_ = std::stoul(length_digits_);
        length_digits_.clear();
        in_body_ = true;
        cut_ = false;
        body_.clear();
        if (remaining_ == 0) {
          in_body_ = false;  // an empty frame carries no message
        }
      } else if ((c == '\n' || c == '\r') && length_digits_.empty()) {
        // Some senders end each counted frame with a newline as well.
      } else {
        error_ = std::string("malformed octet-counting frame (byte 0x") + "0123456789abcdef"[(c >> 4) & 15] +
                 "0123456789abcdef"[c & 15] + ")";
        return false;
      }
      continue;
    }
    const std::size_t take = std::min(remaining_, data.size() - i);
    const std::size_t room = max_ + 4 > body_.size() ? max_ + 4 - body_.size() : 0;
    if (take > room) cut_ = true;
    body_.append(data.substr(i, std::min(take, room)));
    i += take;
    remaining_ -= take;
    if (remaining_ == 0) {
      in_body_ = false;
      std::string_view msg = body_;
      if (!cut_ && !msg.empty() && msg.back() == '\n') msg.remove_suffix(1);
      if (!sink(msg, cut_)) return false;
    }
  }
  return true;
}

}  // namespace lt::sources
