#include "wirelink/netlink/errors.hpp"

#include <string>

namespace wl::netlink {
namespace {
class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "wirelink.netlink"; }
  std::string message(int c) const override {
    switch (static_cast<errc>(c)) {
      case errc::ok:
        return "success";
      case errc::wireguard_unavailable:
        return "kernel has no WireGuard support (Unknown device type)";
      case errc::family_not_found:
        return "generic netlink family not found";
      case errc::dump_interrupted:
        return "netlink dump kept being interrupted by concurrent changes";
      case errc::malformed_reply:
        return "malformed netlink reply";
      case errc::unexpected_reply:
        return "unexpected netlink reply";
    }
    return "unknown netlink error";
  }
};
}  // namespace

const std::error_category& netlink_category() noexcept {
  static const Category c;
  return c;
}
}  // namespace wl::netlink
