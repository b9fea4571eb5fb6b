// RFC 3339 timestamps as PASETO claims use them ("2039-01-01T00:00:00+00:00").
//
// Contract: pure, thread-safe. format() emits whole seconds in UTC with "+00:00". parse()
// accepts "YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)" (T/t, Z/z), years 1970..2200 (WallTime is 64-bit
// nanoseconds); anything else fails with wl::errc::malformed.
#pragma once

#include <string>
#include <string_view>

#include "wirelink/base/clock.hpp"
#include "wirelink/base/result.hpp"

namespace wl::coordinator {

std::string format_rfc3339(WallTime t);
Result<WallTime> parse_rfc3339(std::string_view s);

}  // namespace wl::coordinator
