#include "wirelink/agent/config_text.hpp"

#include <nlohmann/json.hpp>

namespace wl::agent {

namespace {

using json = nlohmann::json;

constexpr std::size_t kBriefChars = 80;
constexpr int kBriefDepth = 3;

// Scalars only: containers are walked by brief_into with a depth bound.
std::string scalar_text(const json& v) {
  return v.dump(-1, ' ', false, json::error_handler_t::replace);
}

void brief_into(const json& v, std::string& out, int depth) {
  if (out.size() > kBriefChars) return;
  if (!v.is_structured()) {
    out += scalar_text(v);
    return;
  }
  const bool obj = v.is_object();
  if (depth >= kBriefDepth) {
    out += obj ? "{…}" : "[…]";
    return;
  }
  out += obj ? '{' : '[';
  bool first = true;
  for (auto it = v.begin(); it != v.end(); ++it) {
    if (out.size() > kBriefChars) return;
    if (!first) out += ',';
    first = false;
    if (obj) out += scalar_text(json(it.key())) + ':';
    brief_into(it.value(), out, depth + 1);
  }
  out += obj ? '}' : ']';
}

}  // namespace

std::optional<std::string> json_too_deep(std::string_view text, std::size_t limit) {
  std::size_t depth = 0;
  std::size_t line = 1;
  std::size_t column = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    ++column;
    if (c == '\n') {
      ++line;
      column = 0;
    }
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit)
        return "line " + std::to_string(line) + ", column " + std::to_string(column);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return std::nullopt;
}

std::string brief_json(const json& v) {
  std::string s;
  brief_into(v, s, 0);
  if (s.size() > kBriefChars) s = s.substr(0, kBriefChars - 3) + "...";
  return s;
}

std::string quoted(std::string_view s) {
  return brief_json(json(std::string(s)));
}

bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    char32_t cp = 0;
    if (b < 0x80) {
      ++i;
      continue;
    }
    if ((b & 0xE0) == 0xC0) {
      n = 1;
      cp = b & 0x1F;
    } else if ((b & 0xF0) == 0xE0) {
      n = 2;
      cp = b & 0x0F;
    } else if ((b & 0xF8) == 0xF0) {
      n = 3;
      cp = b & 0x07;
    } else {
      return false;
    }
    for (std::size_t k = 1; k <= n; ++k) {
      if (i + k >= s.size()) return false;
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3F);
    }
    static constexpr char32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

}  // namespace wl::agent
