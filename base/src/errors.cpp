#include "wirelink/base/errors.hpp"

#include <string>

namespace wl {
namespace {
class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "wirelink"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::ok:
        return "success";
      case errc::invalid_key:
        return "invalid key (expected 44-character base64 of 32 bytes)";
      case errc::invalid_address:
        return "invalid IP address";
      case errc::invalid_cidr:
        return "invalid CIDR prefix";
      case errc::invalid_endpoint:
        return "invalid endpoint (expected host:port)";
      case errc::config_invalid:
        return "invalid configuration";
      case errc::insecure_permissions:
        return "file is accessible by group or other";
      case errc::malformed:
        return "malformed input";
      case errc::unsupported:
        return "not supported";
    }
    return "unknown wirelink error";
  }
};
}  // namespace

const std::error_category& wl_category() noexcept {
  static const Category c;
  return c;
}
}  // namespace wl
