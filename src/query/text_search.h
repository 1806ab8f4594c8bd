// Literal and '*'-wildcard text matching for the query evaluator: ASCII case
// folding decided once at compile time, SSE2 candidate scanning, no allocation.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace lt::query {

// True when `text` holds an ASCII upper-case letter (the smart-case trigger).
bool has_ascii_upper(std::string_view text) noexcept;

// One needle, searched many times. With fold_case the needle is lower-cased
// once and haystack bytes are folded on the fly (ASCII letters only).
class Substring {
 public:
  Substring() = default;
  Substring(std::string_view needle, bool fold_case);

  // Offset of the first occurrence at or after `from`, or npos.
  std::size_t find(std::string_view haystack, std::size_t from = 0) const noexcept;
  // Whether the needle occurs at `at`; the caller guarantees size() bytes there.
  bool occurs_at(const char* at) const noexcept;

  std::size_t size() const noexcept { return needle_.size(); }
  bool fold_case() const noexcept { return fold_case_; }
  const std::string& needle() const noexcept { return needle_; }

 private:
  std::string needle_;
  bool fold_case_ = false;
  // Offsets of the two needle bytes least likely in log text: the scan tests
  // these first, so common letters like 't' or 'e' do not flood it with candidates.
  std::size_t probe1_ = 0;
  std::size_t probe2_ = 0;
};

// A pattern where '*' stands for any run of bytes. Anchored globs must cover the
// whole text (field values); unanchored ones may match anywhere (message terms).
class Glob {
 public:
  Glob() = default;
  // Without `wildcards`, '*' is an ordinary byte (quoted values).
  Glob(std::string_view pattern, bool fold_case, bool anchored, bool wildcards);

  bool matches(std::string_view text) const noexcept;
  // The leftmost match starting at or after `from`, as [begin, end). False when
  // none, or when the pattern has no literal piece to point at.
  bool find(std::string_view text, std::size_t from, std::size_t& begin, std::size_t& end) const noexcept;

  bool has_wildcard() const noexcept { return has_wildcard_; }
  // Only '*'s: every text matches.
  bool matches_everything() const noexcept { return pieces_.empty(); }
  bool fold_case() const noexcept { return fold_case_; }
  // The pattern as written (for explain()).
  const std::string& pattern() const noexcept { return pattern_; }

 private:
  std::string pattern_;
  std::vector<Substring> pieces_;
  bool anchored_start_ = false;
  bool anchored_end_ = false;
  bool has_wildcard_ = false;
  bool fold_case_ = false;
};

}  // namespace lt::query
