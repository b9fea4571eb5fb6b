// How every reply ends, read from the client's side: key=value lines, "errno=N", a blank
// line. Private to wl_uapi.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "text.hpp"
#include "wirelink/base/result.hpp"

namespace wl::uapi::reply {

// An errc::malformed error about the daemon's reply.
Error malformed(std::string why);

// A number in a reply: at most 20 digits (a u64), so even a zero-padded longer one is
// malformed.
template <class T>
bool parse_number(std::string_view s, T& out) {
  return s.size() <= 20 && text::parse_decimal(s, out);
}

struct Lines {
  std::vector<text::KeyValue> lines;  // before the errno line
  long error = 0;                     // the errno line's value, sign dropped
};
// Splits a complete reply; anything after the blank line, a missing errno line or a line
// after it is malformed.
Result<Lines> split(std::string_view text);

// The error for a reply whose errno is not 0; `operation` is "get" or "set".
Error daemon_error(long err, std::string_view operation);

}  // namespace wl::uapi::reply
