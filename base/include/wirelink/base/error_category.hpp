// TextCategory: a std::error_category made of a name and a function from code to text, so a
// module's error codes are a table of texts rather than another category class.
//
// Contract: the text function must be noexcept and return text that lives for the program
// (string literals). Categories are compared by address: keep each one a function-local static
// in the module that owns the codes. Thread-safe (immutable).
#pragma once

#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace wl {

class TextCategory final : public std::error_category {
 public:
  using TextOf = std::string_view (*)(int) noexcept;
  constexpr TextCategory(const char* name, TextOf text) noexcept : name_(name), text_(text) {}
  const char* name() const noexcept override { return name_; }
  std::string message(int code) const override { return std::string(text_(code)); }

 private:
  const char* name_;
  TextOf text_;
};

// The text for `code` in a table of {enum, text} rows, or `unknown` when no row has it.
template <class E, std::size_t N>
constexpr std::string_view text_of(const std::pair<E, std::string_view> (&rows)[N], int code,
                                   std::string_view unknown) noexcept {
  for (const auto& [e, text] : rows)
    if (static_cast<int>(e) == code) return text;
  return unknown;
}

}  // namespace wl
