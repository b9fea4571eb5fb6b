// Bounds on the text the agent's configuration is read from (issue: a deeply nested file or a
// non-UTF-8 environment value must be a located error, never a crash).
//
// Contract: every function here is iterative or recursion-bounded and never throws; all are
// pure. max_json_depth() scans JSON text without parsing it; brief_json() prints at most a
// few levels and ~80 characters of a value, whatever its size or depth.
#pragma once

#include <cstddef>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace wl::agent {

// Deepest nesting a configuration file may use; real files need 4 (root, Peers, peer, list).
inline constexpr std::size_t kMaxConfigDepth = 32;

// Where JSON text first nests deeper than `limit` ("line L, column C"), or nullopt. Brackets
// inside strings do not count; malformed text is left for the parser to report.
std::optional<std::string> json_too_deep(std::string_view text, std::size_t limit);

// A short, bounded rendering of a value for error messages: at most three levels deep and
// about 80 characters; invalid UTF-8 inside strings is replaced.
std::string brief_json(const nlohmann::json& v);

// A string as a quoted JSON string for messages (bounded, invalid UTF-8 replaced).
std::string quoted(std::string_view s);

// Whether `s` is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
bool valid_utf8(std::string_view s);

}  // namespace wl::agent
