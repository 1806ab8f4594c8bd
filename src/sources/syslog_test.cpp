#include "sources/syslog.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <functional>

#include "net/test_pki.h"
#include "sources/testing_sink.h"

namespace lt::sources {
namespace {

using testing::eventually;
using testing::TestSink;

std::vector<std::pair<std::string, bool>> decode_all(std::string_view stream, std::size_t max, std::size_t chunk) {
  SyslogFrameDecoder d(max);
  std::vector<std::pair<std::string, bool>> out;
  auto sink = [&](std::string_view m, bool cut) {
    out.emplace_back(std::string(m), cut);
    return true;
  };
  for (std::size_t i = 0; i < stream.size(); i += chunk)
    EXPECT_TRUE(d.feed(stream.substr(i, chunk), sink)) << d.error();
  d.finish(sink);
  return out;
}

TEST(SyslogFrameDecoder, OctetCountingAcrossArbitraryChunks) {
  const std::string stream = "11 <34>1 hello12 <34>1 two\nxx\n3 abc";
  for (std::size_t chunk : {1u, 2u, 5u, 100u}) {
    const auto msgs = decode_all(stream, 1024, chunk);
    ASSERT_EQ(msgs.size(), 3u) << chunk;
    EXPECT_EQ(msgs[0].first, "<34>1 hello");
    EXPECT_EQ(msgs[1].first, "<34>1 two\nxx");  // a newline inside a counted frame is content
    EXPECT_EQ(msgs[2].first, "abc");
  }
}

TEST(SyslogFrameDecoder, NewlineFramingWhenTheFirstByteIsNotADigit) {
  const auto msgs = decode_all("<13>first\r\n\n<13>second\n<13>unterminated", 1024, 3);
  ASSERT_EQ(msgs.size(), 3u);
  EXPECT_EQ(msgs[0].first, "<13>first");
  EXPECT_EQ(msgs[1].first, "<13>second");
  EXPECT_EQ(msgs[2].first, "<13>unterminated");
}

TEST(SyslogFrameDecoder, OverlongMessagesAreCutAndFlaggedInBothFramings) {
  const std::string big(5000, 'z');
  auto counted = decode_all(std::to_string(big.size()) + " " + big + "2 ok", 100, 64);
  ASSERT_EQ(counted.size(), 2u);
  EXPECT_TRUE(counted[0].second);
  EXPECT_LE(counted[0].first.size(), 104u);
  EXPECT_EQ(counted[1], std::make_pair(std::string("ok"), false));
  auto lines = decode_all("<1>" + big + "\n<1>ok\n", 100, 64);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_TRUE(lines[0].second);
  EXPECT_EQ(lines[1].first, "<1>ok");
}

TEST(SyslogFrameDecoder, GarbageLengthClosesTheStream) {
  SyslogFrameDecoder d(100);
  auto sink = [](std::string_view, bool) { return true; };
  EXPECT_FALSE(d.feed("12x <1>abc", sink));
  EXPECT_FALSE(d.error().empty());
  SyslogFrameDecoder huge(100);
  EXPECT_FALSE(huge.feed("99999999999 x", sink));
}

// A connected TCP socket to 127.0.0.1:port whose reads give up after 10 s (no test hangs on a bug).
int connect_local(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  return fd;
}

class SyslogSourceTest : public ::testing::Test {
 protected:
  std::unique_ptr<SyslogSource> make(const std::string& name, bool udp, bool tcp, std::size_t max = 64 * 1024,
                                     const std::function<void(SyslogOptions&)>& tweak = {}) {
    SourceOptions common;
    common.name = name;
    common.type = "syslog";
    common.service = "syslog-svc";
    common.host = "ctx-host";
    common.max_line_bytes = max;
    common.ack_window = 64;
    SyslogOptions so;
    so.udp_port = udp ? 0 : -1;
    so.tcp_port = tcp ? 0 : -1;
    if (tweak) tweak(so);
    return std::make_unique<SyslogSource>(common, so, [] {
      auto p = parsers::make_parser({"syslog", ""});
      return std::move(std::get<std::unique_ptr<parsers::LineParser>>(p));
    });
  }
  static void send_udp(int port, const std::string& msg) {
    const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::sendto(fd, msg.data(), msg.size(), 0, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::close(fd);
  }
  static int connect_tcp(int port) { return connect_local(port); }
  static void write_all(int fd, const std::string& s) {
    std::size_t done = 0;
    while (done < s.size()) {
      const auto n = ::write(fd, s.data() + done, s.size() - done);
      ASSERT_GT(n, 0);
      done += static_cast<std::size_t>(n);
    }
  }
};

const std::string kRfc5424 =
    "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog 1234 ID47 - An application event";
const std::string kRfc3164 = "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick";

TEST_F(SyslogSourceTest, UdpParsesRfc5424AndRfc3164) {
  auto src = make(testing::unique_name("sys_udp"), true, false);
  TestSink sink;
  ASSERT_FALSE(src->start(sink));
  ASSERT_GT(src->udp_port(), 0);
  EXPECT_EQ(src->tcp_port(), -1);
  send_udp(src->udp_port(), kRfc5424 + "\n");
  ASSERT_TRUE(sink.wait_count(1));
  send_udp(src->udp_port(), kRfc3164);
  ASSERT_TRUE(sink.wait_count(2));
  EXPECT_TRUE(eventually([&] { return src->fully_acknowledged(); }));
  src->stop();
  const auto ev = sink.events();
  EXPECT_EQ(ev[0].message, "An application event");
  EXPECT_EQ(ev[0].host, "mymachine.example.com");
  EXPECT_EQ(ev[0].level, Level::Info);  // local4.notice
  EXPECT_EQ(ev[0].source, "syslog:udp");
  EXPECT_EQ(ev[0].service, "syslog-svc");
  EXPECT_EQ(format_rfc3339(ev[0].timestamp), "2003-10-11T22:14:15.003000000Z");
  EXPECT_EQ(ev[1].message, "'su root' failed for lonvick");
  EXPECT_EQ(ev[1].level, Level::Fatal);  // auth.crit
  EXPECT_EQ(ev[1].host, "mymachine");
  EXPECT_EQ(src->metrics().events.value(), 2u);
}

TEST_F(SyslogSourceTest, TcpOctetCountingAndNewlineConnections) {
  auto src = make(testing::unique_name("sys_tcp"), false, true);
  TestSink sink;
  ASSERT_FALSE(src->start(sink));
  ASSERT_GT(src->tcp_port(), 0);
  const int counted = connect_tcp(src->tcp_port());
  write_all(counted, std::to_string(kRfc5424.size()) + " " + kRfc5424 + std::to_string(kRfc3164.size()) + " ");
  write_all(counted, kRfc3164);
  ASSERT_TRUE(sink.wait_count(2));
  const int lines = connect_tcp(src->tcp_port());
  write_all(lines, kRfc3164 + "\n" + kRfc5424);
  ::close(lines);  // the last message has no newline: end of stream completes it
  ASSERT_TRUE(sink.wait_count(4));
  ::close(counted);
  src->stop();
  const auto ev = sink.events();
  EXPECT_EQ(ev[0].message, "An application event");
  EXPECT_EQ(ev[0].source, "syslog:tcp");
  EXPECT_EQ(ev[1].level, Level::Fatal);
  EXPECT_EQ(ev[2].message, "'su root' failed for lonvick");
  EXPECT_EQ(ev[3].host, "mymachine.example.com");
}

TEST_F(SyslogSourceTest, GarbageIsKeptAsPartialNotDropped) {
  auto src = make(testing::unique_name("sys_garbage"), true, false);
  TestSink sink;
  ASSERT_FALSE(src->start(sink));
  send_udp(src->udp_port(), std::string("not syslog \xff\xfe at all", 21));
  ASSERT_TRUE(sink.wait_count(1));
  src->stop();
  EXPECT_EQ(src->metrics().parse_errors.value(), 1u);
  EXPECT_NE(sink.events()[0].message.find("not syslog"), std::string::npos);
}

TEST_F(SyslogSourceTest, TcpOverlongMessageIsTruncatedAndFlagged) {
  auto src = make(testing::unique_name("sys_trunc"), false, true, 200);
  TestSink sink;
  ASSERT_FALSE(src->start(sink));
  const int fd = connect_tcp(src->tcp_port());
  write_all(fd, "<14>" + std::string(10000, 'q') + "\n<14>short\n");
  ASSERT_TRUE(sink.wait_count(2));
  ::close(fd);
  src->stop();
  const auto ev = sink.events();
  ASSERT_NE(ev[0].attribute("truncated"), nullptr);
  EXPECT_LE(ev[0].message.size(), 200u);
  EXPECT_EQ(ev[1].attribute("truncated"), nullptr);
  EXPECT_EQ(src->metrics().truncated.value(), 1u);
}

TEST_F(SyslogSourceTest, UdpDropsAreCountedWhilePaused) {
  auto src = make(testing::unique_name("sys_drop"), true, false);
  TestSink sink(TestSink::Mode::Refuse);
  ASSERT_FALSE(src->start(sink));
  for (int i = 0; i < 20; ++i) send_udp(src->udp_port(), kRfc3164);
  EXPECT_TRUE(eventually([&] { return src->metrics().dropped.value() == 20; }));
  EXPECT_EQ(src->metrics().paused.value(), 1.0);
  sink.set_mode(TestSink::Mode::AckNow);
  send_udp(src->udp_port(), kRfc3164);
  ASSERT_TRUE(sink.wait_count(1));
  EXPECT_TRUE(eventually([&] { return src->metrics().paused.value() == 0.0; }));
  src->stop();
  EXPECT_EQ(src->metrics().dropped.value(), 20u);
}

TEST_F(SyslogSourceTest, TcpBackpressureStopsReadingThenDeliversEverything) {
  auto src = make(testing::unique_name("sys_tcp_bp"), false, true);
  TestSink sink(TestSink::Mode::Refuse);
  ASSERT_FALSE(src->start(sink));
  const int fd = connect_tcp(src->tcp_port());
  std::string batch;
  for (int i = 0; i < 500; ++i) batch += "<14>msg " + std::to_string(i) + "\n";
  write_all(fd, batch);
  EXPECT_TRUE(eventually([&] { return src->metrics().paused.value() == 1.0; }));
  EXPECT_EQ(sink.count(), 0u);
  EXPECT_EQ(src->metrics().dropped.value(), 0u);
  sink.set_mode(TestSink::Mode::AckNow);
  ASSERT_TRUE(sink.wait_count(500));
  ::close(fd);
  src->stop();
  const auto msgs = sink.messages();
  for (int i = 0; i < 500; ++i) EXPECT_NE(msgs[i].find("msg " + std::to_string(i)), std::string::npos) << msgs[i];
}

TEST_F(SyslogSourceTest, PortInUseIsAnError) {
  auto a = make(testing::unique_name("sys_port_a"), false, true);
  TestSink sink;
  ASSERT_FALSE(a->start(sink));
  SourceOptions common;
  common.name = "sys_port_b";
  SyslogOptions so;
  so.tcp_port = a->tcp_port();
  SyslogSource b(common, so, nullptr);
  auto err = b.start(sink);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->code, "syslog.bind");
  a->stop();
}


// ---------------------------------------------------------------- TLS (RFC 5425)

using net::testing::TlsClient;

std::string frame(const std::string& msg) { return std::to_string(msg.size()) + " " + msg; }

// True when the peer closes `fd` (read returns 0 or a reset) before the socket's 10 s receive timeout.
bool closed_by_peer(int fd) {
  char buf[256];
  for (;;) {
    const auto n = ::read(fd, buf, sizeof buf);
    if (n == 0) return true;
    if (n < 0) return errno == ECONNRESET;
  }
}

class SyslogTlsTest : public SyslogSourceTest {
 protected:
  net::testing::TestPki pki;
  std::unique_ptr<SyslogSource> make_tls(const std::string& name, std::size_t max = 64 * 1024,
                                         const std::function<void(SyslogOptions&)>& tweak = {}) {
    return make(name, false, true, max, [&](SyslogOptions& so) {
      so.tls = true;
      so.tls_cert_file = pki.cert_pem;
      so.tls_key_file = pki.key_pem;
      if (tweak) tweak(so);
    });
  }
};

TEST_F(SyslogTlsTest, OctetCountedMessagesOverTlsArriveParsed) {
  auto src = make_tls(testing::unique_name("sys_tls"));
  TestSink sink;
  ASSERT_FALSE(src->start(sink));
  TlsClient client(src->tcp_port(), pki.ca_pem);
  ASSERT_TRUE(client.connected);
  EXPECT_EQ(client.server_name(), "localhost");
  // RFC 5425 §4.3: every message is "MSG-LEN SP SYSLOG-MSG"; split the write mid-frame.
  const std::string stream = frame(kRfc5424) + frame(kRfc3164);
  ASSERT_TRUE(client.send(stream.substr(0, 10)));
  ASSERT_TRUE(client.send(stream.substr(10)));
  ASSERT_TRUE(sink.wait_count(2));
  src->stop();
  const auto ev = sink.events();
  EXPECT_EQ(ev[0].message, "An application event");
  EXPECT_EQ(ev[0].host, "mymachine.example.com");
  EXPECT_EQ(ev[0].source, "syslog:tls");
  EXPECT_EQ(ev[1].message, "'su root' failed for lonvick");
  EXPECT_EQ(ev[1].level, Level::Fatal);
}

TEST_F(SyslogTlsTest, PlainTcpClientIsRejectedAndTheListenerKeepsServing) {
  auto src = make_tls(testing::unique_name("sys_tls_plain"));
  TestSink sink;
  ASSERT_FALSE(src->start(sink));
  const int fd = connect_tcp(src->tcp_port());
  write_all(fd, frame(kRfc5424) + kRfc3164 + "\n");
  EXPECT_TRUE(closed_by_peer(fd));
  ::close(fd);
  EXPECT_TRUE(eventually([&] { return src->tls_handshake_failures() >= 1; }));
  TlsClient client(src->tcp_port(), pki.ca_pem);
  ASSERT_TRUE(client.connected);
  ASSERT_TRUE(client.send(frame(kRfc3164)));
  ASSERT_TRUE(sink.wait_count(1));
  src->stop();
  EXPECT_EQ(sink.count(), 1u);  // nothing of the plain-text bytes became an event
}

TEST_F(SyslogTlsTest, SilentPeerIsDroppedAfterTheHandshakeTimeout) {
  auto src = make_tls(testing::unique_name("sys_tls_silent"), 64 * 1024,
                      [](SyslogOptions& so) { so.handshake_timeout_ms = 200; });
  TestSink sink;
  ASSERT_FALSE(src->start(sink));
  const int fd = connect_tcp(src->tcp_port());  // connects, never says a word
  EXPECT_TRUE(closed_by_peer(fd));
  ::close(fd);
  src->stop();
}

TEST_F(SyslogTlsTest, HugeFramesAreTruncatedAndGarbageClosesOnlyThatConnection) {
  auto src = make_tls(testing::unique_name("sys_tls_huge"), 1000);
  TestSink sink;
  ASSERT_FALSE(src->start(sink));
  {
    TlsClient client(src->tcp_port(), pki.ca_pem);
    ASSERT_TRUE(client.connected);
    ASSERT_TRUE(client.send(frame("<14>" + std::string(4 << 20, 'h')) + frame("<14>after the big one")));
    ASSERT_TRUE(sink.wait_count(2));
    ASSERT_TRUE(client.send("12x <14>abc"));  // a length that is not a number: the stream cannot resync
    EXPECT_TRUE(client.closed_by_server());
  }
  TlsClient next(src->tcp_port(), pki.ca_pem);
  ASSERT_TRUE(next.connected);
  ASSERT_TRUE(next.send(frame("<14>still here")));
  ASSERT_TRUE(sink.wait_count(3));
  src->stop();
  const auto ev = sink.events();
  ASSERT_NE(ev[0].attribute("truncated"), nullptr);
  EXPECT_LE(ev[0].message.size(), 1000u);
  EXPECT_EQ(ev[1].message, "after the big one");
  EXPECT_EQ(ev[2].message, "still here");
  EXPECT_EQ(src->metrics().truncated.value(), 1u);
}

TEST_F(SyslogTlsTest, RenewedCertificateServesNewConnectionsWithoutRestart) {
  auto src = make_tls(testing::unique_name("sys_tls_reload"));
  TestSink sink;
  ASSERT_FALSE(src->start(sink));
  TlsClient before(src->tcp_port(), pki.ca_pem);
  ASSERT_TRUE(before.connected);
  EXPECT_EQ(before.server_name(), "localhost");

  pki.issue("renewed.localhost", "DNS:renewed.localhost");
  TlsClient after(src->tcp_port(), pki.ca_pem, "renewed.localhost");
  ASSERT_TRUE(after.connected);
  EXPECT_EQ(after.server_name(), "renewed.localhost");
  // The connection made before the renewal carries on.
  ASSERT_TRUE(before.send(frame("<14>old connection")));
  ASSERT_TRUE(after.send(frame("<14>new connection")));
  ASSERT_TRUE(sink.wait_count(2));

  // A half-written renewal (garbage key) keeps the current certificate.
  { std::ofstream(pki.key_pem) << "not a key"; }
  TlsClient during(src->tcp_port(), pki.ca_pem, "renewed.localhost");
  EXPECT_TRUE(during.connected);
  src->stop();
}

TEST_F(SyslogTlsTest, ConnectionsBeyondTheLimitAreClosed) {
  auto src = make_tls(testing::unique_name("sys_tls_limit"), 64 * 1024,
                      [](SyslogOptions& so) { so.max_connections = 2; });
  TestSink sink;
  ASSERT_FALSE(src->start(sink));
  auto first = std::make_unique<TlsClient>(src->tcp_port(), pki.ca_pem);
  TlsClient second(src->tcp_port(), pki.ca_pem);
  ASSERT_TRUE(first->connected);
  ASSERT_TRUE(second.connected);
  const int third = connect_tcp(src->tcp_port());
  EXPECT_TRUE(closed_by_peer(third));
  ::close(third);
  first.reset();  // frees a slot
  EXPECT_TRUE(eventually([&] {
    TlsClient again(src->tcp_port(), pki.ca_pem);
    return again.connected && again.send(frame("<14>in again"));
  }));
  ASSERT_TRUE(sink.wait_count(1));
  src->stop();
}

TEST_F(SyslogTlsTest, UnreadableCertificateIsAStartErrorNamingTheFile) {
  auto src = make(testing::unique_name("sys_tls_bad"), false, true, 64 * 1024, [&](SyslogOptions& so) {
    so.tls = true;
    so.tls_cert_file = (pki.dir / "missing.pem").string();
    so.tls_key_file = pki.key_pem;
  });
  TestSink sink;
  auto err = src->start(sink);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->code, "syslog.tls");
  EXPECT_NE(err->message.find("missing.pem"), std::string::npos) << err->message;
}

}  // namespace
}  // namespace lt::sources
