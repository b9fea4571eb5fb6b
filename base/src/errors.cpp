#include "wirelink/base/errors.hpp"

#include "wirelink/base/error_category.hpp"

namespace wl {
namespace {
constexpr std::pair<errc, std::string_view> kTexts[] = {
    {errc::ok, "success"},
    {errc::invalid_key, "invalid key (expected 44-character base64 of 32 bytes)"},
    {errc::invalid_address, "invalid IP address"},
    {errc::invalid_cidr, "invalid CIDR prefix"},
    {errc::invalid_endpoint, "invalid endpoint (expected host:port)"},
    {errc::config_invalid, "invalid configuration"},
    {errc::insecure_permissions, "file is accessible by group or other"},
    {errc::malformed, "malformed input"},
    {errc::unsupported, "not supported"},
};

std::string_view text(int code) noexcept {
  return text_of(kTexts, code, "unknown wirelink error");
}
}  // namespace

const std::error_category& wl_category() noexcept {
  static const TextCategory c("wirelink", text);
  return c;
}
}  // namespace wl
