// Test helper: a real HTTP/1.1 receiver on 127.0.0.1:<ephemeral> (plain Beast,
// one thread per connection) that records every request and can fail its first N calls.
#pragma once

#include <sys/socket.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace lt::alerts::testing {

class TestHttpReceiver {
 public:
  struct Call {
    std::string method;
    std::string target;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;
    int status = 0;  // what the receiver answered
  };

  // The first `fail_first` requests are answered with `fail_status`, the rest with 200.
  explicit TestHttpReceiver(int fail_first = 0, int fail_status = 500) : fail_first_(fail_first), fail_status_(fail_status) {
    namespace asio = boost::asio;
    acceptor_.open(asio::ip::tcp::v4());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind({asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    accept_thread_ = std::thread([this] { accept_loop(); });
  }

  ~TestHttpReceiver() {
    stopping_ = true;
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);  // wakes the blocking accept()
    accept_thread_.join();
    std::vector<std::thread> threads;
    {
      std::lock_guard lock(mu_);
      for (auto& socket : sockets_) ::shutdown(socket->native_handle(), SHUT_RDWR);
      threads.swap(threads_);
    }
    for (auto& t : threads) t.join();
  }

  std::string url(const std::string& path = "/hook") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

  std::vector<Call> calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }
  // Requests answered 2xx.
  std::vector<Call> accepted() const {
    std::vector<Call> out;
    for (auto& call : calls()) {
      if (call.status / 100 == 2) out.push_back(call);
    }
    return out;
  }

  // Poll (bounded) until at least `n` requests were answered 2xx / received at all.
  bool wait_for_accepted(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10)) const {
    return wait_until([&] { return accepted().size() >= n; }, timeout);
  }
  bool wait_for_calls(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10)) const {
    return wait_until([&] { return calls().size() >= n; }, timeout);
  }

 private:
  template <typename Predicate>
  static bool wait_until(Predicate done, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
  }

  void accept_loop() {
    while (!stopping_) {
      auto socket = std::make_shared<boost::asio::ip::tcp::socket>(io_);
      boost::system::error_code ec;
      acceptor_.accept(*socket, ec);
      if (ec || stopping_) return;
      std::lock_guard lock(mu_);
      sockets_.push_back(socket);
      threads_.emplace_back([this, socket] { serve(*socket); });
    }
  }

  void serve(boost::asio::ip::tcp::socket& socket) {
    namespace http = boost::beast::http;
    boost::beast::flat_buffer buffer;
    while (!stopping_) {
      http::request<http::string_body> request;
      boost::system::error_code ec;
      http::read(socket, buffer, request, ec);
      if (ec) return;
      Call call;
      call.method = std::string(request.method_string());
      call.target = std::string(request.target());
      for (const auto& field : request) {
        std::string name(field.name_string());
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        call.headers[name] = std::string(field.value());
      }
      call.body = request.body();
      {
        std::lock_guard lock(mu_);
        call.status = served_++ < fail_first_ ? fail_status_ : 200;
        calls_.push_back(call);
      }
      http::response<http::string_body> response{static_cast<http::status>(call.status), request.version()};
      response.set(http::field::content_type, "application/json");
      response.body() = call.status == 200 ? "{\"ok\":true}" : "{\"ok\":false}";
      response.keep_alive(request.keep_alive());
      response.prepare_payload();
      http::write(socket, response, ec);
      if (ec || !request.keep_alive()) return;
    }
  }

  const int fail_first_;
  const int fail_status_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_{io_};
  unsigned short port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread accept_thread_;
  mutable std::mutex mu_;
  int served_ = 0;
  std::vector<Call> calls_;
  std::vector<std::shared_ptr<boost::asio::ip::tcp::socket>> sockets_;
  std::vector<std::thread> threads_;
};

}  // namespace lt::alerts::testing
