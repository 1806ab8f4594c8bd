#include "sources/checkpoint_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <simdjson.h>

#include "core/hash.h"
#include "core/json_codec.h"
#include "core/utf8.h"

namespace lt::sources {

namespace {

constexpr std::size_t kPage = 4096;
constexpr std::string_view kCheckOpen = "{\"check\":\"";  // then 16 hex digits
constexpr std::size_t kCheckAt = kCheckOpen.size();
constexpr std::size_t kCheckedFrom = kCheckAt + 16 + 2;  // after `<16 hex>",`
constexpr int kVersion = 2;
constexpr int kSlots = 3;

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

constexpr char kHex[] = "0123456789abcdef";

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Exactly 16 lowercase hex digits (the check and the file heads), or nullopt.
std::optional<std::uint64_t> parse_hex64(std::string_view hex) noexcept {
  if (hex.size() != 16) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : hex) {
    const int d = hex_value(c);
    if (d < 0) return std::nullopt;
    v = v << 4 | static_cast<std::uint64_t>(d);
  }
  return v;
}

// Writes 16 hex digits at `out` (in place, so a save allocates nothing).
void write_hex64(char* out, std::uint64_t v) noexcept {
  for (int i = 15; i >= 0; --i, v >>= 4) out[i] = kHex[v & 15];
}

template <typename T>
void append_number(std::string& out, T v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

bool pwrite_all(int fd, const char* data, std::size_t size, off_t at) {
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::pwrite(fd, data + done, size - done, at + static_cast<off_t>(done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  return true;
}

// The whole file, or nullopt with errno set.
std::optional<std::string> read_fd(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return std::nullopt;
  std::string text(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::pread(fd, text.data() + done, text.size() - done, static_cast<off_t>(done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::nullopt;
    }
    if (n == 0) break;  // shrank meanwhile (an old-format file being replaced is renamed, not truncated)
    done += static_cast<std::size_t>(n);
  }
  text.resize(done);
  return text;
}

// Bytes a slot needs for this payload: the header with the widest numbers
// (`"seq":<20 digits>,"slot_bytes":<20 digits>,`), the payload, the '\n'.
std::size_t slot_need(std::size_t payload) { return kCheckedFrom + 61 + payload + 1; }

// The slot size of a new file: half again what it needs, so a few more files do
// not mean a new file each time.
std::size_t new_slot_bytes(std::size_t payload) {
  const std::size_t want = slot_need(payload) * 3 / 2;
  return (want + kPage - 1) / kPage * kPage;
}

bool is_slotted(std::string_view text) { return text.substr(0, kCheckOpen.size()) == kCheckOpen; }

// Slot size of a slotted file, or 0 when its size cannot be three slots.
std::size_t slot_size(std::size_t file_size) {
  const std::size_t s = file_size / kSlots;
  return file_size % kSlots == 0 && s >= kPage && s % kPage == 0 ? s : 0;
}

struct IntactSlot {
  std::uint64_t seq = 0;
  std::string_view line;  // the JSON text, without the padding
};

// A slot whose layout and check are right, or nullopt (torn, garbled or empty).
std::optional<IntactSlot> intact(std::string_view slot) {
  if (slot.size() < kCheckedFrom + 2 || slot.back() != '\n' || slot.substr(0, kCheckAt) != kCheckOpen ||
      slot.substr(kCheckAt + 16, 2) != "\",")
    return std::nullopt;
  std::size_t end = slot.size() - 1;
  while (end > kCheckedFrom && slot[end - 1] == ' ') --end;
  if (slot[end - 1] != '}') return std::nullopt;
  const auto check = parse_hex64(slot.substr(kCheckAt, 16));
  if (!check || fnv1a(slot.substr(kCheckedFrom, end - kCheckedFrom)) != *check) return std::nullopt;
  constexpr std::string_view kSeq = "\"seq\":";
  if (slot.substr(kCheckedFrom, kSeq.size()) != kSeq) return std::nullopt;
  IntactSlot out;
  const char* first = slot.data() + kCheckedFrom + kSeq.size();
  if (std::from_chars(first, slot.data() + end, out.seq).ec != std::errc()) return std::nullopt;
  out.line = slot.substr(0, end);
  return out;
}

// The entries of one JSON document; `slot_bytes` (slotted format) must match the
// one it records. A reason on failure.
std::variant<std::vector<FileCheckpoint>, std::string> parse_document(std::string_view text,
                                                                      std::size_t slot_bytes) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto err = parser.parse(text.data(), text.size()).get(root)) return std::string(simdjson::error_message(err));
  if (slot_bytes != 0) {
    std::uint64_t recorded = 0;
    if (root["slot_bytes"].get_uint64().get(recorded) || recorded != slot_bytes) return std::string("bad slot size");
  }
  simdjson::dom::array files;
  if (root["files"].get_array().get(files)) return std::string("no \"files\" array");
  std::vector<FileCheckpoint> out;
  for (auto item : files) {
    FileCheckpoint c;
    std::uint64_t dev = 0, ino = 0;
    std::int64_t off = 0;
    std::string_view path;
    if (item["device"].get_uint64().get(dev) || item["inode"].get_uint64().get(ino) ||
        item["offset"].get_int64().get(off) || item["path"].get_string().get(path) || off < 0)
      return std::string("bad entry");
    c.device = dev;
    c.inode = ino;
    c.offset = off;
    std::string_view hex;
    if (item["path_hex"].get_string().get(hex) == simdjson::SUCCESS) {
      if (hex.size() % 2 != 0) return std::string("bad path_hex");
      c.path.reserve(hex.size() / 2);
      for (std::size_t i = 0; i < hex.size(); i += 2) {
        const int hi = hex_value(hex[i]), lo = hex_value(hex[i + 1]);
        if (hi < 0 || lo < 0) return std::string("bad path_hex");
        c.path.push_back(static_cast<char>(hi << 4 | lo));
      }
    } else {
      c.path = std::string(path);
    }
    simdjson::dom::element head;
    if (item["head"].get(head) == simdjson::SUCCESS) {  // absent before heads were checkpointed: unknown
      std::string_view head_hex;
      std::optional<std::uint64_t> hash;
      if (head.get_string().get(head_hex) || !(hash = parse_hex64(head_hex)) ||
          item["head_bytes"].get_uint64().get(c.head_bytes))
        return std::string("bad head");
      c.head = *hash;
    }
    out.push_back(std::move(c));
  }
  return out;
}

// The intact slots of a slotted file, by index.
std::array<std::optional<IntactSlot>, kSlots> intact_slots(std::string_view text, std::size_t slot_bytes) {
  std::array<std::optional<IntactSlot>, kSlots> out;
  for (int i = 0; i < kSlots; ++i) out[i] = intact(text.substr(static_cast<std::size_t>(i) * slot_bytes, slot_bytes));
  return out;
}

// Index of the intact slot with the highest seq, or -1.
int newest(const std::array<std::optional<IntactSlot>, kSlots>& slots) {
  int best = -1;
  for (int i = 0; i < kSlots; ++i)
    if (slots[i] && (best < 0 || slots[i]->seq > slots[best]->seq)) best = i;
  return best;
}

}  // namespace

CheckpointStore::CheckpointStore(std::string dir, const std::string& source_name)
    : dir_(std::move(dir)), path_(dir_ + "/" + sanitize(source_name) + ".checkpoint.json") {}

CheckpointStore::~CheckpointStore() {
  if (fd_ >= 0) ::close(fd_);
}

std::variant<std::vector<FileCheckpoint>, Error> CheckpointStore::load() const {
  auto corrupt = [&](const std::string& why) {
    return Error::make_fatal("checkpoint.corrupt",
                             "checkpoint " + path_ + " is unreadable (" + why +
                                 "); fix or delete it to choose where reading starts");
  };
  // A save running meanwhile (another thread or process) may show a slot half
  // written, which the check catches; seeing no intact one needs several saves
  // during one read, hence another look before calling the file corrupt.
  std::string why;
  for (int attempt = 0; attempt < 3; ++attempt) {
    const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT) return std::vector<FileCheckpoint>{};
      return io_error("cannot open", path_);
    }
    auto text = read_fd(fd);
    if (!text) {
      auto err = io_error("cannot read", path_);
      ::close(fd);
      return err;
    }
    ::close(fd);
    if (!is_slotted(*text)) {  // the previous release's single document (or garbage)
      auto parsed = parse_document(*text, 0);
      if (auto* why_not = std::get_if<std::string>(&parsed)) return corrupt(*why_not);
      return std::get<std::vector<FileCheckpoint>>(std::move(parsed));
    }
    const std::size_t slot_bytes = slot_size(text->size());
    if (slot_bytes == 0) return corrupt("size " + std::to_string(text->size()) + " is not three slots");
    const auto slots = intact_slots(*text, slot_bytes);
    const int best = newest(slots);
    if (best < 0) {
      why = "no intact slot";
      continue;
    }
    auto parsed = parse_document(slots[best]->line, slot_bytes);
    if (auto* why_not = std::get_if<std::string>(&parsed)) return corrupt(*why_not);  // checked, so ours: a bug
    return std::get<std::vector<FileCheckpoint>>(std::move(parsed));
  }
  return corrupt(why);
}

bool CheckpointStore::exists() const {
  struct stat st {};
  return ::stat(path_.c_str(), &st) == 0;
}

void CheckpointStore::build_slot(std::uint64_t seq, std::size_t slot_bytes) {
  slot_.clear();
  slot_.append(kCheckOpen);
  slot_.append("0000000000000000\",\"seq\":");
  append_number(slot_, seq);
  slot_.append(",\"slot_bytes\":");
  append_number(slot_, slot_bytes);
  slot_ += ',';
  slot_.append(payload_);
  const std::size_t line = slot_.size();
  write_hex64(slot_.data() + kCheckAt, fnv1a(std::string_view(slot_).substr(kCheckedFrom)));
  // One byte at least for the '\n'; a caller checks line < slot_bytes first.
  slot_.resize(std::max(slot_bytes, line + 1), ' ');
  slot_.back() = '\n';
}

std::optional<Error> CheckpointStore::open_existing() {
  const int fd = ::open(path_.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? std::nullopt : std::optional<Error>(io_error("cannot open", path_));
  auto text = read_fd(fd);
  if (!text) {
    auto err = io_error("cannot read", path_);
    ::close(fd);
    return err;
  }
  const std::size_t slot_bytes = is_slotted(*text) ? slot_size(text->size()) : 0;
  std::array<std::optional<IntactSlot>, kSlots> slots;
  if (slot_bytes != 0) slots = intact_slots(*text, slot_bytes);
  const int best = newest(slots);
  if (best < 0) {  // old format, or nothing to keep: save() writes a new file
    ::close(fd);
    return std::nullopt;
  }
  fd_ = fd;
  slot_bytes_ = slot_bytes;
  for (int i = 0; i < kSlots; ++i) slot_seq_[i] = slots[i] ? slots[i]->seq : 0;
  newest_slot_ = best;
  // What load() returns now, maybe not on disk yet: kept until the next sync all the same.
  durable_slot_ = best;
  seq_ = std::max(seq_, slots[best]->seq);
  return std::nullopt;
}

std::optional<Error> CheckpointStore::write_new_file(std::size_t slot_bytes) {
  ::mkdir(dir_.c_str(), 0755);  // best effort; open() below reports the real problem
  build_slot(seq_ + 1, slot_bytes);
  for (int i = 1; i < kSlots; ++i) {  // the others empty: the next saves write them
    slot_.resize(static_cast<std::size_t>(i + 1) * slot_bytes, ' ');
    slot_.back() = '\n';
  }
  const std::string tmp = path_ + ".tmp";
  const int fd = ::open(tmp.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return io_error("cannot create", tmp);
  // Synced before the rename: after a power loss the name shows the old file or
  // all of this one, never an empty or partial file (rare: no cost per save).
  if (!pwrite_all(fd, slot_.data(), slot_.size(), 0) || ::fdatasync(fd) != 0) {
    auto err = io_error("cannot write", tmp);
    ::close(fd);
    ::unlink(tmp.c_str());
    return err;
  }
  if (::rename(tmp.c_str(), path_.c_str()) != 0) {
    auto err = io_error("cannot rename to", path_);
    ::close(fd);
    ::unlink(tmp.c_str());
    return err;
  }
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  slot_bytes_ = slot_bytes;
  ++seq_;
  slot_seq_[0] = seq_;
  slot_seq_[1] = slot_seq_[2] = 0;
  newest_slot_ = durable_slot_ = 0;  // synced above
  dir_unsynced_ = true;
  return std::nullopt;
}

std::optional<Error> CheckpointStore::save(const std::vector<FileCheckpoint>& entries) {
  payload_.clear();
  payload_.append("\"version\":");
  append_number(payload_, kVersion);
  payload_.append(",\"files\":[");
  bool first = true;
  for (const auto& e : entries) {
    if (!first) payload_ += ',';
    first = false;
    payload_.append("{\"device\":");
    append_number(payload_, e.device);
    payload_.append(",\"inode\":");
    append_number(payload_, e.inode);
    payload_.append(",\"offset\":");
    append_number(payload_, e.offset);
    payload_.append(",\"path\":");
    append_json_string(e.path, payload_);
    if (!is_valid_utf8(e.path)) {
      payload_.append(",\"path_hex\":\"");
      for (unsigned char c : e.path) {
        payload_ += kHex[c >> 4];
        payload_ += kHex[c & 15];
      }
      payload_ += '"';
    }
    if (e.head_bytes > 0) {
      char hex[16];
      write_hex64(hex, e.head);
      payload_.append(",\"head\":\"").append(hex, sizeof hex).append("\",\"head_bytes\":");
      append_number(payload_, e.head_bytes);
    }
    payload_ += '}';
  }
  payload_.append("]}");

  if (fd_ < 0)
    if (auto err = open_existing()) return err;
  const std::size_t need = slot_need(payload_.size());
  if (fd_ < 0 || need > slot_bytes_ || (slot_bytes_ > kPage && need < slot_bytes_ / 4))
    return write_new_file(new_slot_bytes(payload_.size()));
  build_slot(seq_ + 1, slot_bytes_);
  // The oldest of the slots that may be written (one or two of them).
  int slot = -1;
  for (int i = 0; i < kSlots; ++i)
    if (i != newest_slot_ && i != durable_slot_ && (slot < 0 || slot_seq_[i] < slot_seq_[slot])) slot = i;
  slot_seq_[slot] = 0;  // until written whole
  if (!pwrite_all(fd_, slot_.data(), slot_.size(), static_cast<off_t>(slot) * static_cast<off_t>(slot_bytes_)))
    return io_error("cannot write", path_);  // the newest slot still holds the last state
  slot_seq_[slot] = ++seq_;
  newest_slot_ = slot;
  return std::nullopt;
}

std::optional<Error> CheckpointStore::sync() {
  if (fd_ < 0) return std::nullopt;  // nothing saved by this store
  // Deleted or replaced under us (a person resetting it while running): the
  // saves went to a file nobody will read, so write the last state anew.
  struct stat mine {}, named {};
  if (::fstat(fd_, &mine) != 0) return io_error("cannot stat", path_);
  if (::stat(path_.c_str(), &named) != 0 || named.st_ino != mine.st_ino || named.st_dev != mine.st_dev) {
    if (auto err = write_new_file(new_slot_bytes(payload_.size()))) return err;
  } else if (::fdatasync(fd_) != 0) {
    return io_error("cannot fsync", path_);
  } else {
    durable_slot_ = newest_slot_;
  }
  if (!dir_unsynced_) return std::nullopt;
  // The rename itself is durable only once the directory is synced.
  const int dfd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return io_error("cannot open", dir_);
  const bool dir_ok = ::fsync(dfd) == 0;
  ::close(dfd);
  if (!dir_ok) return io_error("cannot fsync", dir_);
  dir_unsynced_ = false;
  return std::nullopt;
}

}  // namespace lt::sources
