#include "sources/checkpoint_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <simdjson.h>
#include <sstream>

#include "core/json_codec.h"

namespace lt::sources {

namespace {
std::string sanitize(const std::string& name) {
  std::string out;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '-';
    out += ok ? c : '_';
  }
  if (out.empty() || out[0] == '.') out.insert(out.begin(), '_');
  return out;
}

Error io_error(const std::string& what, const std::string& path) {
  return Error::transient("checkpoint.io", what + " " + path + ": " + std::strerror(errno));
}

bool write_all(int fd, const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  return true;
}
}  // namespace

CheckpointStore::CheckpointStore(std::string dir, const std::string& source_name)
    : dir_(std::move(dir)), path_(dir_ + "/" + sanitize(source_name) + ".checkpoint.json") {}

std::variant<std::vector<FileCheckpoint>, Error> CheckpointStore::load() const {
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) {
    if (errno == ENOENT) return std::vector<FileCheckpoint>{};
    return io_error("cannot stat", path_);
  }
  std::ifstream in(path_, std::ios::binary);
  if (!in) return io_error("cannot open", path_);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  auto corrupt = [&](const std::string& why) {
    return Error::make_fatal("checkpoint.corrupt",
                             "checkpoint " + path_ + " is unreadable (" + why +
                                 "); fix or delete it to choose where reading starts");
  };
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto err = parser.parse(text).get(root)) return corrupt(simdjson::error_message(err));
  simdjson::dom::array files;
  if (root["files"].get_array().get(files)) return corrupt("no \"files\" array");
  std::vector<FileCheckpoint> out;
  for (auto item : files) {
    FileCheckpoint c;
    std::uint64_t dev = 0, ino = 0;
    std::int64_t off = 0;
    std::string_view path;
    if (item["device"].get_uint64().get(dev) || item["inode"].get_uint64().get(ino) ||
        item["offset"].get_int64().get(off) || item["path"].get_string().get(path) || off < 0)
      return corrupt("bad entry");
    c.device = dev;
    c.inode = ino;
    c.offset = off;
    c.path = std::string(path);
    out.push_back(std::move(c));
  }
  return out;
}

bool CheckpointStore::exists() const {
  struct stat st {};
  return ::stat(path_.c_str(), &st) == 0;
}

std::optional<Error> CheckpointStore::save(const std::vector<FileCheckpoint>& entries) const {
  std::string json = "{\"version\":1,\"files\":[";
  bool first = true;
  for (const auto& e : entries) {
    if (!first) json += ',';
    first = false;
    json += "{\"device\":" + std::to_string(e.device) + ",\"inode\":" + std::to_string(e.inode) +
            ",\"offset\":" + std::to_string(e.offset) + ",\"path\":";
    append_json_string(e.path, json);
    json += '}';
  }
  json += "]}\n";

  ::mkdir(dir_.c_str(), 0755);  // best effort; open() below reports the real problem
  const std::string tmp = path_ + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return io_error("cannot create", tmp);
  if (!write_all(fd, json)) {
    auto err = io_error("cannot write", tmp);
    ::close(fd);
    ::unlink(tmp.c_str());
    return err;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path_.c_str()) != 0) {
    auto err = io_error("cannot rename to", path_);
    ::unlink(tmp.c_str());
    return err;
  }
  return std::nullopt;
}

std::optional<Error> CheckpointStore::sync() const {
  const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? std::nullopt : std::optional<Error>(io_error("cannot open", path_));
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return io_error("cannot fsync", path_);
  // The rename itself is durable only once the directory is synced.
  const int dfd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return io_error("cannot open", dir_);
  const bool dir_ok = ::fsync(dfd) == 0;
  ::close(dfd);
  if (!dir_ok) return io_error("cannot fsync", dir_);
  return std::nullopt;
}

}  // namespace lt::sources
