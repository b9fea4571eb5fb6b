#include "wirelink/netlink/errors.hpp"

#include "wirelink/base/error_category.hpp"

namespace wl::netlink {
namespace {
constexpr std::pair<errc, std::string_view> kTexts[] = {
    {errc::ok, "success"},
    {errc::wireguard_unavailable, "kernel has no WireGuard support (Unknown device type)"},
    {errc::family_not_found, "generic netlink family not found"},
    {errc::dump_interrupted, "netlink dump kept being interrupted by concurrent changes"},
    {errc::malformed_reply, "malformed netlink reply"},
    {errc::unexpected_reply, "unexpected netlink reply"},
};

std::string_view text(int code) noexcept {
  return wl::text_of(kTexts, code, "unknown netlink error");
}
}  // namespace

const std::error_category& netlink_category() noexcept {
  static const TextCategory c("wirelink.netlink", text);
  return c;
}
}  // namespace wl::netlink
