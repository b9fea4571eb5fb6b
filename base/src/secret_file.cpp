#include "wirelink/base/secret_file.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>

#include "wirelink/base/errors.hpp"
#include "wirelink/base/unique_fd.hpp"

namespace wl {

namespace {
Error sys_error(int e, const std::string& path, const char* what) {
  return Error{std::error_code(e, std::system_category()), path + ": " + what};
}
Result<void> check_stat(const struct stat& st, const std::string& path) {
  if (!S_ISREG(st.st_mode))
    return Error{make_error_code(errc::config_invalid), path + ": not a regular file"};
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Error{
        make_error_code(errc::insecure_permissions),
        path + ": mode " + mode + " lets group or other read a secret; run chmod 600 " + path};
  }
  return {};
}
}  // namespace

Result<void> check_secret_file_permissions(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return sys_error(errno, path, "cannot stat");
  return check_stat(st, path);
}

Result<std::string> read_secret_text_file(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) return sys_error(errno, path, "cannot open");
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return sys_error(errno, path, "cannot stat");
  if (auto r = check_stat(st, path); !r) return r.error();
  std::array<char, 4096> buf{};
  ssize_t n = ::read(fd.get(), buf.data(), buf.size());
  if (n < 0) return sys_error(errno, path, "cannot read");
  std::size_t begin = 0;
  std::size_t end = static_cast<std::size_t>(n);
  auto space = [](char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; };
  while (begin < end && space(buf[begin])) ++begin;
  while (end > begin && space(buf[end - 1])) --end;
  std::string out(buf.data() + begin, end - begin);
  sodium_memzero(buf.data(), buf.size());
  return out;
}

Result<PrivateKey> read_private_key_file(const std::string& path) {
  auto text = read_secret_text_file(path);
  if (!text) return text.error();
  auto key = parse_private_key(*text);
  sodium_memzero(text->data(), text->size());
  if (!key) return Error{key.error().code, path + ": " + key.error().detail};
  return key;
}

}  // namespace wl
