// Durable read positions of the file source: per file (device + inode) the
// offset below which every line was acknowledged, replaced atomically on save.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/error.h"

namespace lt::sources {

struct FileCheckpoint {
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  std::int64_t offset = 0;  // end of the last acknowledged line
  std::string path;         // where the file was last seen (for people; matching is by device + inode)
  bool operator==(const FileCheckpoint&) const = default;
};

class CheckpointStore {
 public:
  // The file is <dir>/<source_name>.checkpoint.json (name sanitized to [A-Za-z0-9._-]).
  CheckpointStore(std::string dir, const std::string& source_name);

  // A missing file is an empty list; a corrupt one is an error (never guessed:
  // guessing would re-send or skip lines).
  std::variant<std::vector<FileCheckpoint>, Error> load() const;
  // True when a checkpoint was ever saved (even an empty one): the source ran before.
  bool exists() const;
  // Writes a temporary file and renames it over the old one, without fsync: the
  // page cache outlives a killed process, so after kill -9 the file holds either
  // the old or the new checkpoint, and saving costs no disk flush (it follows
  // every acknowledgement). Only sync() makes it survive a machine crash.
  std::optional<Error> save(const std::vector<FileCheckpoint>& entries) const;
  // fsyncs the saved file and its directory (the rename), so a power loss goes
  // back to at most this point. On ext4 (auto_da_alloc) a rename over the old
  // file flushes its data first anyway; on other file systems a power loss
  // between save() and sync() may leave an empty file, which load() reports.
  std::optional<Error> sync() const;

  const std::string& file_path() const noexcept { return path_; }

 private:
  std::string dir_;
  std::string path_;
};

}  // namespace lt::sources
