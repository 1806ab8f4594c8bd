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
  std::string path;         // where the file was last seen (for people, and where to look for it rotated
                            // while stopped; matching is by device + inode)
  // FNV-1a of the file's first head_bytes bytes, the content `offset` belongs to:
  // a file with the same device + inode may hold other content after a restart
  // (copytruncated while stopped, or deleted and its inode number reused), and
  // resuming at `offset` in it would skip lines. head_bytes 0: unknown (older
  // checkpoints, or nothing read yet).
  std::uint64_t head = 0;
  std::uint64_t head_bytes = 0;
  bool operator==(const FileCheckpoint&) const = default;
};

// The file holds three slots of S bytes (S a multiple of 4096, the file is 3*S).
// Each save overwrites, with one pwrite, a slot holding neither the newest state
// (so a write cut short by kill -9 leaves the previous state intact) nor the
// state made durable by the last sync() (so a power loss, which may tear any
// slot written since, finds that one intact on disk). Each slot is text, one
// line readable with cat, padded with spaces to S-1 bytes and ended by '\n':
//   {"check":"<16 hex>","seq":N,"slot_bytes":S,"version":2,"files":[{"device":D,
//    "inode":I,"offset":O,"path":"...","head":"<16 hex>","head_bytes":H},...]}
// check is the 64-bit FNV-1a of the bytes after `"check":"<16 hex>",` up to and
// including the line's final '}'; seq grows by one per save. load() takes the
// slot with the highest seq whose check matches. A slot of spaces only is empty
// (in a new file). A path that is not valid UTF-8 also has "path_hex" (its
// bytes), since JSON text carries it with U+FFFD. "head" (FileCheckpoint::head,
// 16 hex digits) and "head_bytes" are written only when head_bytes > 0; an entry
// without them (written before they existed) loads with head_bytes 0. Readers
// look fields up by name and ignore the others, so the binaries before "head"
// read these slots too (and resume by inode alone): still version 2. The
// previous format, a single {"version":1,"files":[...]} document, still loads;
// the next save rewrites the file in this one.
class CheckpointStore {
 public:
  // The file is <dir>/<source_name>.checkpoint.json (name sanitized to [A-Za-z0-9._-]).
  CheckpointStore(std::string dir, const std::string& source_name);
  ~CheckpointStore();
  CheckpointStore(const CheckpointStore&) = delete;
  CheckpointStore& operator=(const CheckpointStore&) = delete;

  // A missing file is an empty list; a corrupt one (no intact slot) is an error
  // (never guessed: guessing would re-send or skip lines).
  std::variant<std::vector<FileCheckpoint>, Error> load() const;
  // True when a checkpoint was ever saved (even an empty one): the source ran before.
  bool exists() const;
  // Usually one pwrite of a slot into the page cache, without fsync: the page
  // cache outlives a killed process, and an interrupted write spoils only the
  // slot being written, so after kill -9 load() finds the old or the new state;
  // saving costs no disk flush (it follows every acknowledgement). Only sync()
  // makes it survive a machine crash. The first save, one over the old format,
  // and one that no longer fits a slot (or would fill less than a quarter of a
  // slot over 4096 bytes) write a new file, fsynced before it is renamed over
  // the old one (so it is never seen half-written; rare, so no cost per save).
  // One thread at a time (the file descriptor stays open between saves).
  std::optional<Error> save(const std::vector<FileCheckpoint>& entries);
  // fdatasyncs the file (and its directory after a new file was renamed in), so a
  // power loss goes back to at most this point: the slot holding it is not
  // written again before the next sync. When the file was deleted or replaced
  // since the last save, writes it anew.
  std::optional<Error> sync();

  const std::string& file_path() const noexcept { return path_; }

 private:
  std::optional<Error> open_existing();
  std::optional<Error> write_new_file(std::size_t slot_bytes);
  void build_slot(std::uint64_t seq, std::size_t slot_bytes);

  std::string dir_;
  std::string path_;
  int fd_ = -1;                 // the checkpoint file, open from the first save on
  std::size_t slot_bytes_ = 0;  // S of the open file
  std::uint64_t slot_seq_[3] = {};  // what each slot holds (0: empty or torn)
  int newest_slot_ = 0;             // holds seq_
  int durable_slot_ = 0;            // holds the state the last sync made durable: not written before the next
  std::uint64_t seq_ = 0;           // of the last state written
  bool dir_unsynced_ = false;   // a new file was renamed in since the last sync
  std::string payload_;         // `"version":2,"files":[...]}` of the last save
  std::string slot_;            // the slot being written (reused: no allocation per save)
};

}  // namespace lt::sources
