#include "sources/syslog.h"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <mutex>
#include <spdlog/spdlog.h>
#include <thread>

#include "net/server_tls.h"

namespace lt::sources {

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;

// One listener's acknowledgement partition. Nothing is checkpointed (a network
// peer cannot replay), so the position is simply a message counter; the
// tracker bounds what is in flight and lets stop() wait for it.
struct Partition {
  explicit Partition(std::size_t window) : tracker(std::make_shared<AckTracker>(window, 0)) {}
  std::shared_ptr<AckTracker> tracker;
  std::int64_t next = 0;  // owned by the listener's thread
  std::atomic<std::int64_t> sent{0};
  std::atomic<bool> lost{false};
};

struct SyslogSource::Impl {
  explicit Impl(SyslogSource& s) : self(s) {}

  SyslogSource& self;
  EventSink* sink = nullptr;
  StopSignal stop;

  asio::io_context udp_io;
  std::unique_ptr<udp::socket> udp_socket;
  std::unique_ptr<EventBuilder> udp_builder;
  Partition udp_part{1};
  std::array<char, 65536> udp_buf{};
  udp::endpoint udp_peer;
  std::thread udp_thread;

  // Declared before tcp_io: connections destroyed with it still give their slot back.
  std::atomic<std::size_t> tcp_connections{0};
  std::shared_ptr<net::ServerTls> tls;  // set: RFC 5425, every TCP connection is TLS
  std::atomic<std::int64_t> last_tls_warning_ns{0};
  std::atomic<std::uint64_t> tls_failures{0};

  asio::io_context tcp_io;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::unique_ptr<EventBuilder> tcp_builder;
  Partition tcp_part{1};
  std::thread tcp_thread;

  Envelope udp_env, tcp_env;
  SyslogFrameDecoder::Framing framing = SyslogFrameDecoder::Framing::Unknown;

  void receive_udp();
  void accept_tcp();
  void tls_failed(const std::string& peer, const boost::system::error_code& ec);
  bool emit_tcp(std::string_view msg, bool truncated);
  void emit_udp(std::string_view msg);
};

namespace {

// Holds one of the listener's `max_connections` slots for a connection's lifetime.
class ConnectionSlot {
 public:
  explicit ConnectionSlot(std::atomic<std::size_t>& n) : n_(&n) {}
  ConnectionSlot(ConnectionSlot&& o) noexcept : n_(std::exchange(o.n_, nullptr)) {}
  ConnectionSlot& operator=(ConnectionSlot&&) = delete;
  ~ConnectionSlot() {
    if (n_) n_->fetch_sub(1);
  }

 private:
  std::atomic<std::size_t>* n_;
};

using TlsStream = asio::ssl::stream<tcp::socket>;

// One TCP or TLS (RFC 5425) connection. The read buffer is fixed and the
// decoder keeps at most max_bytes of a message, so a peer cannot make us grow.
template <class Stream>
class Connection : public std::enable_shared_from_this<Connection<Stream>> {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  Connection(Stream stream, SyslogSource::Impl& impl, std::size_t max_bytes, SyslogFrameDecoder::Framing framing,
             ConnectionSlot slot, std::string peer)
      : stream_(std::move(stream)),
        impl_(impl),
        decoder_(max_bytes, framing),
        slot_(std::move(slot)),
        peer_(std::move(peer)),
        timer_(stream_.get_executor()) {}

  void start(std::chrono::milliseconds handshake_timeout) {
    if constexpr (kTls) {
      // Slow or silent peers (a plain-TCP client waiting for us, slowloris) lose their slot.
      timer_.expires_after(handshake_timeout);
      timer_.async_wait([weak = this->weak_from_this()](boost::system::error_code ec) {
        if (ec) return;
        if (auto self = weak.lock()) {
          boost::system::error_code ignored;
          self->stream_.lowest_layer().close(ignored);
        }
      });
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](boost::system::error_code ec) {
                                self->timer_.cancel();
                                if (ec) {
                                  self->impl_.tls_failed(self->peer_, ec);
                                  return;
                                }
                                self->read();
                              });
    } else {
      read();
    }
  }

 private:
  void read() {
    stream_.async_read_some(asio::buffer(buf_), [self = this->shared_from_this()](boost::system::error_code ec,
                                                                                  std::size_t n) {
      self->on_read(ec, n);
    });
  }

  void on_read(boost::system::error_code ec, std::size_t n) {
    auto emit = [this](std::string_view m, bool cut) { return impl_.emit_tcp(m, cut); };
    if (ec) {
      // A TLS peer that closes without close_notify (most syslog senders) still ends its stream.
      if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) decoder_.finish(emit);
      return;  // the last reference goes: the socket closes
    }
    if (!decoder_.feed(std::string_view(buf_.data(), n), emit)) {
      if (!decoder_.error().empty())
        spdlog::warn("source {}: closing syslog connection from {}: {}", impl_.self.name(), peer_,
                     decoder_.error());
      return;
    }
    read();
  }

  Stream stream_;
  SyslogSource::Impl& impl_;
  SyslogFrameDecoder decoder_;
  ConnectionSlot slot_;
  std::string peer_;
  asio::steady_timer timer_;
  std::array<char, 16384> buf_{};
};

}  // namespace

bool SyslogSource::Impl::emit_tcp(std::string_view msg, bool truncated) {
  Partition& p = tcp_part;
  tcp_builder->build(msg, tls ? "syslog:tls" : "syslog:tcp", truncated, tcp_env.event);
  auto seq = track(*p.tracker, p.next + 1, stop, self.metrics_);
  if (!seq) {
    if (stop.requested()) return false;
    // A sink failed an event for good; a TCP peer cannot replay it. Count and go on.
    spdlog::warn("source {}: syslog messages failed delivery and cannot be received again", self.name());
    p.lost = true;
    give_up_in_flight(*p.tracker, p.next, self.metrics_);
    seq = p.tracker->try_track(p.next + 1);
    if (!seq) return false;
  }
  tcp_env.ack = AckRef{p.tracker, *seq};
  // Blocking here is the TCP backpressure: while we wait, no connection is read.
  if (!deliver(*sink, tcp_env, stop, self.metrics_, msg.size())) return false;
  p.sent = ++p.next;
  return true;
}

void SyslogSource::Impl::emit_udp(std::string_view msg) {
  Partition& p = udp_part;
  if (p.tracker->failed()) {
    spdlog::warn("source {}: syslog datagrams failed delivery and cannot be received again", self.name());
    p.lost = true;
    give_up_in_flight(*p.tracker, p.next, self.metrics_);
  }
  // UDP cannot push back: when the pipeline is full the datagram is dropped and counted.
  auto seq = p.tracker->try_track(p.next + 1);
  if (!seq) {
    self.metrics_.dropped.inc();
    self.metrics_.paused.set(1);
    return;
  }
  bool truncated = false;
  if (msg.size() > self.options_.max_line_bytes) truncated = true;
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == '\0')) msg.remove_suffix(1);
  udp_builder->build(msg, "syslog:udp", truncated, udp_env.event);
  udp_env.ack = AckRef{p.tracker, *seq};
  ++p.next;
  if (!sink->send(udp_env, std::chrono::milliseconds(0))) {
    udp_env.ack.ack();  // resolved as dropped, so the window keeps moving
    self.metrics_.dropped.inc();
    self.metrics_.paused.set(1);
    return;
  }
  self.metrics_.paused.set(0);
  self.metrics_.events.inc();
  self.metrics_.bytes.inc(msg.size());
  p.sent = p.next;
}

void SyslogSource::Impl::receive_udp() {
  udp_socket->async_receive_from(asio::buffer(udp_buf), udp_peer, [this](boost::system::error_code ec, std::size_t n) {
    if (ec == asio::error::operation_aborted || stop.requested()) return;
    if (!ec) emit_udp(std::string_view(udp_buf.data(), n));
    receive_udp();
  });
}

void SyslogSource::Impl::accept_tcp() {
  acceptor->async_accept([this](boost::system::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || stop.requested()) return;
    if (!ec) {
      if (tcp_connections.fetch_add(1) >= self.syslog_.max_connections) {
        tcp_connections.fetch_sub(1);
        self.metrics_.dropped.inc();  // a refused connection is input we did not take
        boost::system::error_code ignored;
        socket.close(ignored);
      } else {
        ConnectionSlot slot(tcp_connections);
        boost::system::error_code rec;
        const auto ep = socket.remote_endpoint(rec);
        std::string peer = rec ? "?" : ep.address().to_string() + ":" + std::to_string(ep.port());
        const std::size_t max = self.options_.max_line_bytes;
        const std::chrono::milliseconds hs(self.syslog_.handshake_timeout_ms);
        if (tls) {
          // Each connection asks for the context: a renewed certificate applies from the next one.
          auto ctx = tls->current();
          std::make_shared<Connection<TlsStream>>(TlsStream(std::move(socket), *ctx), *this, max, framing,
                                                  std::move(slot), std::move(peer))
              ->start(hs);
        } else {
          std::make_shared<Connection<tcp::socket>>(std::move(socket), *this, max, framing, std::move(slot),
                                                    std::move(peer))
              ->start(hs);
        }
      }
    }
    accept_tcp();
  });
}

void SyslogSource::Impl::tls_failed(const std::string& peer, const boost::system::error_code& ec) {
  ++tls_failures;
  // Anyone can connect and fail a handshake: one warning per 10 s at most, with the count.
  const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
  auto last = last_tls_warning_ns.load();
  if (now - last < std::chrono::nanoseconds(std::chrono::seconds(10)).count()) return;
  if (!last_tls_warning_ns.compare_exchange_strong(last, now)) return;
  spdlog::warn("source {}: TLS handshake with {} failed: {} ({} failed handshakes so far)", self.name(), peer,
               ec.message(), tls_failures.load());
}

SyslogSource::SyslogSource(SourceOptions common, SyslogOptions options, ParserFactory parsers)
    : Source(std::move(common)), syslog_(std::move(options)), parsers_(std::move(parsers)) {}

SyslogSource::~SyslogSource() { stop(std::chrono::milliseconds(0)); }

std::optional<Error> SyslogSource::start(EventSink& sink) {
  if (impl_) return Error::permanent("source.started", "source " + name() + " already started");
  if (syslog_.udp_port < 0 && syslog_.tcp_port < 0)
    return Error::permanent("syslog.no_listener", "source " + name() + ": neither udp_port nor tcp_port is set");
  auto impl = std::make_unique<Impl>(*this);
  impl->sink = &sink;
  if (syslog_.tls) {
    if (syslog_.tcp_port < 0)
      return Error::permanent("syslog.tls", "source " + name() + ": TLS needs the TCP listener (tcp_port)");
    if (syslog_.tls_cert_file.empty() || syslog_.tls_key_file.empty())
      return Error::permanent("syslog.tls", "source " + name() + ": protocol tls needs tls.cert_file and tls.key_file");
    std::string why;
    impl->tls = net::ServerTls::load(syslog_.tls_cert_file, syslog_.tls_key_file, why);
    if (!impl->tls) return Error::permanent("syslog.tls", "source " + name() + ": " + why);
  }
  if (syslog_.framing == "octet_counting") {
    impl->framing = SyslogFrameDecoder::Framing::OctetCounting;
  } else if (syslog_.framing == "newline") {
    impl->framing = SyslogFrameDecoder::Framing::Newline;
  } else if (syslog_.framing != "auto" && !syslog_.framing.empty()) {
    return Error::permanent("syslog.framing", "source " + name() + ": framing must be auto, octet_counting or newline");
  }
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(syslog_.address, ec);
  if (ec) return Error::permanent("syslog.address", "source " + name() + ": bad address '" + syslog_.address + "'");
  if (syslog_.udp_port >= 0) {
    impl->udp_socket = std::make_unique<udp::socket>(impl->udp_io);
    const udp::endpoint ep(address, static_cast<unsigned short>(syslog_.udp_port));
    impl->udp_socket->open(ep.protocol(), ec);
    if (!ec) impl->udp_socket->set_option(asio::socket_base::receive_buffer_size(4 << 20), ec);
    ec.clear();  // a smaller kernel buffer is not fatal
    impl->udp_socket->bind(ep, ec);
    if (ec)
      return Error::permanent("syslog.bind", "source " + name() + ": cannot bind udp " + syslog_.address + ":" +
                                                 std::to_string(syslog_.udp_port) + ": " + ec.message());
    udp_port_ = impl->udp_socket->local_endpoint().port();
    impl->udp_builder = std::make_unique<EventBuilder>(options_, parsers_ ? parsers_() : nullptr, metrics_);
    impl->udp_part.tracker = std::make_shared<AckTracker>(options_.ack_window, 0);
  }
  if (syslog_.tcp_port >= 0) {
    impl->acceptor = std::make_unique<tcp::acceptor>(impl->tcp_io);
    const tcp::endpoint ep(address, static_cast<unsigned short>(syslog_.tcp_port));
    impl->acceptor->open(ep.protocol(), ec);
    if (!ec) impl->acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) impl->acceptor->bind(ep, ec);
    if (!ec) impl->acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
      return Error::permanent("syslog.bind", "source " + name() + ": cannot listen on tcp " + syslog_.address + ":" +
                                                 std::to_string(syslog_.tcp_port) + ": " + ec.message());
    tcp_port_ = impl->acceptor->local_endpoint().port();
    impl->tcp_builder = std::make_unique<EventBuilder>(options_, parsers_ ? parsers_() : nullptr, metrics_);
    impl->tcp_part.tracker = std::make_shared<AckTracker>(options_.ack_window, 0);
  }
  Impl* p = impl.get();
  if (p->udp_socket) {
    p->receive_udp();
    p->udp_thread = named_thread("lt-sysu-", name(), [p] { p->udp_io.run(); });
  }
  if (p->acceptor) {
    p->accept_tcp();
    p->tcp_thread = named_thread("lt-syst-", name(), [p] { p->tcp_io.run(); });
  }
  impl_ = std::move(impl);
  spdlog::info("source {}: syslog listening (udp port {}, {} port {})", name(), udp_port_, syslog_.tls ? "tls" : "tcp",
               tcp_port_);
  return std::nullopt;
}

void SyslogSource::stop(std::chrono::milliseconds drain) {
  if (!impl_) return;
  impl_->stop.request();
  impl_->udp_io.stop();
  impl_->tcp_io.stop();
  if (impl_->udp_thread.joinable()) impl_->udp_thread.join();
  if (impl_->tcp_thread.joinable()) impl_->tcp_thread.join();
  const auto deadline = std::chrono::steady_clock::now() + drain;
  wait_committed(*impl_->udp_part.tracker, impl_->udp_part.sent.load(), deadline);
  wait_committed(*impl_->tcp_part.tracker, impl_->tcp_part.sent.load(), deadline);
  for (Partition* p : {&impl_->udp_part, &impl_->tcp_part}) {
    if (!p->tracker->failed()) continue;  // failed after the last message: nothing else gave it up
    p->lost = true;
    give_up_in_flight(*p->tracker, p->sent.load(), metrics_);
  }
  acked_at_stop_ = fully_acknowledged();  // reported once impl_ is gone
  impl_.reset();  // closes the sockets; pending handlers (and their connections) are destroyed
}

std::uint64_t SyslogSource::tls_handshake_failures() const noexcept {
  return impl_ ? impl_->tls_failures.load() : 0;
}

bool SyslogSource::fully_acknowledged() const {
  if (!impl_) return acked_at_stop_;
  for (const Partition* p : {&impl_->udp_part, &impl_->tcp_part})
    if (p->lost || p->tracker->failed() || p->tracker->committed() < p->sent.load()) return false;
  return true;
}

}  // namespace lt::sources
