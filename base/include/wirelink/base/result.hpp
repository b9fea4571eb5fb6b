// Result<T>: a value or an error, without exceptions.
//
// Contract: an Error is a std::error_code (the reason) plus a human-readable detail (what was
// being done, where). message() says both; the detail never repeats the reason, and an Error
// wrapped into another with the same code passes on its detail, not its message.
// Libraries return errors; the caller that knows the interface and peer logs once.
// Thread-compatible (no shared state).
#pragma once

#include <cassert>
#include <cerrno>
#include <string>
#include <system_error>
#include <utility>
#include <variant>

namespace wl {

struct Error {
  std::error_code code;
  std::string detail;  // e.g. the extack text, the JSON pointer and bad value

  Error() = default;
  Error(std::error_code c, std::string d = {}) : code(c), detail(std::move(d)) {}
  // "detail: code message", or just one of them when the other is empty.
  std::string message() const {
    if (detail.empty()) return code.message();
    if (!code) return detail;
    return detail + ": " + code.message();
  }
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  Result(Error e) : v_(std::in_place_index<1>, std::move(e)) {}
  Result(std::error_code c) : v_(std::in_place_index<1>, Error{c}) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const {
    assert(!ok());
    return std::get<1>(v_);
  }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error e) : err_(std::move(e)), ok_(false) {}
  Result(std::error_code c) : err_(Error{c}), ok_(false) {}
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const {
    assert(!ok_);
    return err_;
  }

 private:
  Error err_;
  bool ok_ = true;
};

inline Error make_error(std::errc e, std::string detail = {}) {
  return Error{std::make_error_code(e), std::move(detail)};
}

// The Error for the system call that just failed. errno is read before the detail is built
// (building it may allocate, and allocating may change errno). Where the detail needs more
// than a literal, read errno into a local straight after the call and use make_error.
inline Error os_error(const char* what) {
  const int e = errno;
  return make_error(std::errc(e), what);
}

}  // namespace wl
