#include "query/text_search.h"

#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace lt::query {
namespace {

inline unsigned char fold(unsigned char c) noexcept {
  return static_cast<unsigned char>(c - 'A') < 26u ? static_cast<unsigned char>(c | 0x20) : c;
}

inline bool is_ascii_lower(unsigned char c) noexcept { return static_cast<unsigned char>(c - 'a') < 26u; }

// Rough frequency of a byte in log lines (higher = more common): spaces,
// lower-case letters in English order, digits and punctuation of paths and
// numbers. Only the ranking matters.
int commonness(unsigned char c) noexcept {
  static constexpr std::string_view kLetters = "etaoinsrlcdhumpgfybwvkxqjz";
  c = fold(c);
  if (c == ' ') return 300;
  if (const auto at = kLetters.find(static_cast<char>(c)); at != std::string_view::npos)
    return 250 - static_cast<int>(at) * 8;
  if (c >= '0' && c <= '9') return 160;
  if (c == '/' || c == '.' || c == ':' || c == '-' || c == '_' || c == '=' || c == ',') return 130;
  return c < 0x80 ? 60 : 20;
}

}  // namespace

bool has_ascii_upper(std::string_view text) noexcept {
  for (char c : text)
    if (static_cast<unsigned char>(c - 'A') < 26u) return true;
  return false;
}

Substring::Substring(std::string_view needle, bool fold_case) : needle_(needle), fold_case_(fold_case) {
  if (fold_case_)
    for (auto& c : needle_) c = static_cast<char>(fold(static_cast<unsigned char>(c)));
  for (std::size_t k = 0; k < needle_.size(); ++k) {
    const int score = commonness(static_cast<unsigned char>(needle_[k]));
    if (score < commonness(static_cast<unsigned char>(needle_[probe1_]))) {
      probe2_ = probe1_;
      probe1_ = k;
    } else if (k != probe1_ && (probe2_ == probe1_ || score < commonness(static_cast<unsigned char>(needle_[probe2_])))) {
      probe2_ = k;
    }
  }
}

bool Substring::occurs_at(const char* at) const noexcept {
  if (!fold_case_) return std::memcmp(at, needle_.data(), needle_.size()) == 0;
  for (std::size_t k = 0; k < needle_.size(); ++k)
    if (fold(static_cast<unsigned char>(at[k])) != static_cast<unsigned char>(needle_[k])) return false;
  return true;
}

// The "generic SIMD" substring scan (W. Mula): compare 16 positions at once
// against two bytes of the needle (its rarest), verify only where both agree.
// Case folding costs one OR: for a lower-case letter L, (b | 0x20) == L holds
// exactly when b is L or its upper-case form.
std::size_t Substring::find(std::string_view haystack, std::size_t from) const noexcept {
  const std::size_t n = haystack.size();
  const std::size_t m = needle_.size();
  if (from > n || n - from < m) return std::string_view::npos;
  if (m == 0) return from;
  const char* h = haystack.data();
  const auto first = static_cast<unsigned char>(needle_.front());
  std::size_t i = from;
#if defined(__SSE2__)
  const auto byte1 = static_cast<unsigned char>(needle_[probe1_]);
  const auto byte2 = static_cast<unsigned char>(needle_[probe2_]);
  const __m128i v1 = _mm_set1_epi8(static_cast<char>(byte1));
  const __m128i v2 = _mm_set1_epi8(static_cast<char>(byte2));
  const __m128i fold1 = _mm_set1_epi8(fold_case_ && is_ascii_lower(byte1) ? 0x20 : 0);
  const __m128i fold2 = _mm_set1_epi8(fold_case_ && is_ascii_lower(byte2) ? 0x20 : 0);
  for (; i + m + 15 <= n; i += 16) {
    const __m128i a = _mm_or_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h + i + probe1_)), fold1);
    const __m128i b = _mm_or_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h + i + probe2_)), fold2);
    auto mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(a, v1), _mm_cmpeq_epi8(b, v2))));
    while (mask != 0) {
      const auto bit = static_cast<std::size_t>(__builtin_ctz(mask));
      if (occurs_at(h + i + bit)) return i + bit;
      mask &= mask - 1;
    }
  }
#endif
  if (!fold_case_) {
    const auto pos = haystack.find(std::string_view(needle_), i);
    return pos;
  }
  for (; i + m <= n; ++i)
    if (fold(static_cast<unsigned char>(h[i])) == first && occurs_at(h + i)) return i;
  return std::string_view::npos;
}

Glob::Glob(std::string_view pattern, bool fold_case, bool anchored, bool wildcards)
    : pattern_(pattern), fold_case_(fold_case) {
  if (!wildcards || pattern.find('*') == std::string_view::npos) {
    pieces_.emplace_back(pattern, fold_case);
    anchored_start_ = anchored_end_ = anchored;
    return;
  }
  has_wildcard_ = true;
  anchored_start_ = anchored && pattern.front() != '*';
  anchored_end_ = anchored && pattern.back() != '*';
  std::size_t start = 0;
  while (start <= pattern.size()) {
    std::size_t star = pattern.find('*', start);
    if (star == std::string_view::npos) star = pattern.size();
    if (star > start) pieces_.emplace_back(pattern.substr(start, star - start), fold_case);
    start = star + 1;
  }
}

bool Glob::matches(std::string_view text) const noexcept {
  std::size_t first = 0;
  std::size_t count = pieces_.size();
  std::size_t pos = 0;
  std::size_t end = text.size();
  if (anchored_start_ && anchored_end_ && count == 1)
    return text.size() == pieces_[0].size() && pieces_[0].occurs_at(text.data());
  if (anchored_start_) {
    const auto& p = pieces_[0];
    if (p.size() > end || !p.occurs_at(text.data())) return false;
    pos = p.size();
    first = 1;
  }
  if (anchored_end_ && count > first) {
    const auto& p = pieces_[count - 1];
    if (p.size() > end - pos || !p.occurs_at(text.data() + end - p.size())) return false;
    end -= p.size();
    --count;
  }
  const std::string_view window = text.substr(0, end);
  for (std::size_t i = first; i < count; ++i) {
    const std::size_t at = pieces_[i].find(window, pos);
    if (at == std::string_view::npos) return false;
    pos = at + pieces_[i].size();
  }
  return true;
}

// Leftmost-first is exact here: a later start for the first piece can only
// leave less room for the pieces after it.
bool Glob::find(std::string_view text, std::size_t from, std::size_t& begin, std::size_t& end) const noexcept {
  if (pieces_.empty() || pieces_[0].size() == 0) return false;
  std::size_t pos = pieces_[0].find(text, from);
  if (pos == std::string_view::npos) return false;
  begin = pos;
  pos += pieces_[0].size();
  for (std::size_t i = 1; i < pieces_.size(); ++i) {
    const std::size_t at = pieces_[i].find(text, pos);
    if (at == std::string_view::npos) return false;
    pos = at + pieces_[i].size();
  }
  end = pos;
  return true;
}

}  // namespace lt::query
