// A tiny real HTTP/1.1 server for tests (plain sockets, optional TLS through an
// OpenSSL SSL_CTX) on 127.0.0.1:0, one thread per connection. Test-only code.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace lt::net::testing {

struct TestRequest {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct TestResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::chrono::milliseconds delay{0};  // before answering (timeouts)
  bool close = false;                  // close the connection after this response
  std::string raw;                     // when set, written verbatim instead of a response
};

class TestHttpServer {
 public:
  using Handler = std::function<TestResponse(const TestRequest&)>;

  // `tls` (optional, not owned) must outlive the server.
  explicit TestHttpServer(Handler handler, SSL_CTX* tls = nullptr) : handler_(std::move(handler)), tls_(tls) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 64) != 0)
      throw std::runtime_error("test server: bind/listen failed");
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }

  ~TestHttpServer() { stop(); }

  void stop() {
    if (stopping_.exchange(true)) return;
    acceptor_.join();
    std::lock_guard lock(mu_);
    for (auto& t : workers_) t.join();
    ::close(fd_);
  }

  std::uint16_t port() const { return port_; }
  std::string url(const std::string& path = "/") const {
    return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) + path;
  }
  int connections() const { return connections_.load(); }
  int requests() const { return requests_.load(); }

 private:
  struct Conn {
    int fd;
    SSL* ssl = nullptr;
    // Waits for data with a short poll so that stop() is noticed.
    long read(char* buf, size_t n, const std::atomic<bool>& stopping) {
      if (ssl && SSL_pending(ssl) > 0) return SSL_read(ssl, buf, static_cast<int>(n));
      for (;;) {
        if (stopping) return -1;
        pollfd p{fd, POLLIN, 0};
        const int r = ::poll(&p, 1, 50);
        if (r < 0) return -1;
        if (r == 0) continue;
        return ssl ? SSL_read(ssl, buf, static_cast<int>(n)) : ::read(fd, buf, n);
      }
    }
    bool write(const std::string& s) {
      size_t off = 0;
      while (off < s.size()) {
        const long w = ssl ? SSL_write(ssl, s.data() + off, static_cast<int>(s.size() - off))
                           : ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
        if (w <= 0) return false;
        off += static_cast<size_t>(w);
      }
      return true;
    }
  };

  void accept_loop() {
    while (!stopping_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      ++connections_;
      std::lock_guard lock(mu_);
      workers_.emplace_back([this, c] { serve(c); });
    }
  }

  void serve(int fd) {
    Conn conn{fd};
    if (tls_) {
      conn.ssl = SSL_new(tls_);
      SSL_set_fd(conn.ssl, fd);
      if (SSL_accept(conn.ssl) != 1) {
        SSL_free(conn.ssl);
        ::close(fd);
        return;
      }
    }
    std::string in;
    char buf[8192];
    bool open = true;
    while (open && !stopping_) {
      auto head_end = in.find("\r\n\r\n");
      while (head_end == std::string::npos) {
        const long n = conn.read(buf, sizeof buf, stopping_);
        if (n <= 0) {
          open = false;
          break;
        }
        in.append(buf, static_cast<size_t>(n));
        head_end = in.find("\r\n\r\n");
      }
      if (!open) break;
      TestRequest req;
      size_t content_length = 0;
      {
        const std::string head = in.substr(0, head_end);
        size_t line_end = head.find("\r\n");
        const std::string first = head.substr(0, line_end);
        const auto sp1 = first.find(' '), sp2 = first.rfind(' ');
        req.method = first.substr(0, sp1);
        req.target = first.substr(sp1 + 1, sp2 - sp1 - 1);
        size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
        while (pos < head.size()) {
          auto e = head.find("\r\n", pos);
          if (e == std::string::npos) e = head.size();
          const std::string line = head.substr(pos, e - pos);
          const auto colon = line.find(':');
          if (colon != std::string::npos) {
            std::string name = line.substr(0, colon), value = line.substr(colon + 1);
            while (!value.empty() && value[0] == ' ') value.erase(0, 1);
            for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
            if (name == "content-length") content_length = std::stoul(value);
            req.headers.emplace_back(name, value);
          }
          pos = e + 2;
        }
      }
      in.erase(0, head_end + 4);
      while (in.size() < content_length) {
        const long n = conn.read(buf, sizeof buf, stopping_);
        if (n <= 0) {
          open = false;
          break;
        }
        in.append(buf, static_cast<size_t>(n));
      }
      if (!open) break;
      req.body = in.substr(0, content_length);
      in.erase(0, content_length);
      ++requests_;
      TestResponse res = handler_(req);
      for (auto waited = std::chrono::milliseconds(0); waited < res.delay && !stopping_;
           waited += std::chrono::milliseconds(10))
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      std::string out = res.raw;
      if (out.empty()) {
        out = "HTTP/1.1 " + std::to_string(res.status) + " X\r\nContent-Type: " + res.content_type +
              "\r\nContent-Length: " + std::to_string(res.body.size()) + "\r\n" +
              (res.close ? "Connection: close\r\n" : "") + "\r\n" + res.body;
      }
      if (!conn.write(out) || res.close || !res.raw.empty()) open = false;
    }
    if (conn.ssl) {
      SSL_shutdown(conn.ssl);
      SSL_free(conn.ssl);
    }
    ::close(fd);
  }

  Handler handler_;
  SSL_CTX* tls_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0}, requests_{0};
  std::thread acceptor_;
  std::mutex mu_;
  std::list<std::thread> workers_;
};

}  // namespace lt::net::testing
