// Server-side TLS from PEM certificate and key files, reloaded when either file
// changes (checked as each connection arrives), so rotating a certificate needs no restart.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <ctime>
#include <memory>
#include <mutex>
#include <string>

namespace boost::asio::ssl {
class context;
}

namespace lt::net {

// Builds a server TLS context (TLS 1.2+) from PEM certificate chain and private
// key files. Returns nullptr and fills `error` when either cannot be loaded or they do not match.
std::shared_ptr<boost::asio::ssl::context> make_tls_context(const std::string& cert_file,
                                                            const std::string& key_file, std::string& error);

// A file's identity for change detection: a rename-into-place changes the
// inode, an in-place rewrite the size or mtime.
struct FileStamp {
  ino_t ino = 0;
  off_t size = 0;
  std::int64_t mtime_ns = 0;
  bool operator==(const FileStamp&) const = default;
};

class ServerTls {
 public:
  // nullptr and `error` set when the files cannot be loaded now.
  static std::shared_ptr<ServerTls> load(std::string cert_file, std::string key_file, std::string& error);

  // The context for a new connection: reloaded first if a file's identity
  // (inode, size, mtime) changed. A failed reload (e.g. a half-written pair)
  // keeps the previous certificate, logs a warning and is retried on the next change.
  // Thread-safe; the returned context stays valid for as long as it is held.
  std::shared_ptr<boost::asio::ssl::context> current();

  std::uint64_t reloads() const noexcept { return reloads_.load(); }
  std::uint64_t failed_reloads() const noexcept { return failed_.load(); }

 private:
  ServerTls(std::string cert, std::string key) : cert_file_(std::move(cert)), key_file_(std::move(key)) {}
  std::pair<FileStamp, FileStamp> stamps() const;

  const std::string cert_file_, key_file_;
  std::mutex mu_;
  std::shared_ptr<boost::asio::ssl::context> ctx_;
  std::pair<FileStamp, FileStamp> tried_;  // the files' identity at the last load attempt
  std::atomic<std::uint64_t> reloads_{0}, failed_{0};
};

}  // namespace lt::net
