#include "text.hpp"

namespace wl::uapi::text {

std::optional<KeyValue> split_key_value(std::string_view line) {
  const auto eq = line.find('=');
  if (eq == std::string_view::npos) return std::nullopt;
  return KeyValue{line.substr(0, eq), line.substr(eq + 1)};
}

void append_line(std::string& out, std::string_view key, std::string_view value) {
  out.append(key);
  out.push_back('=');
  out.append(value);
  out.push_back('\n');
}

}  // namespace wl::uapi::text
