// Generic netlink controller codec: resolve a family name to its id (CTRL_CMD_GETFAMILY).
//
// Contract: pure, see codec.hpp. Building the lookup for a missing family is fine; the kernel
// answers ENOENT (after trying to auto-load the module).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "wirelink/base/result.hpp"
#include "wirelink/netlink/codec.hpp"

namespace wl::netlink::genl {

inline constexpr std::uint16_t kCtrlFamilyId = 0x10;  // GENL_ID_CTRL
inline constexpr std::size_t kGenlHeaderLen = 4;      // sizeof(genlmsghdr)

struct Family {
  std::uint16_t id = 0;
  std::uint32_t version = 0;
  std::string name;
};

// Starts a generic netlink message: nlmsghdr + genlmsghdr{cmd, version}.
void begin(MessageBuilder& b, std::uint16_t family, std::uint8_t cmd, std::uint8_t version,
           std::uint16_t flags);

std::vector<std::uint8_t> build_get_family(std::string_view name);
// Parses one CTRL_CMD_NEWFAMILY reply message payload (genlmsghdr + attributes).
Result<Family> parse_family(std::span<const std::uint8_t> payload);
// For the fake kernel: the reply to a GETFAMILY.
std::vector<std::uint8_t> build_family_reply(const Family& f, std::uint32_t seq, std::uint32_t pid);
// For the fake kernel: the family name asked for in a GETFAMILY request payload.
Result<std::string> parse_get_family(std::span<const std::uint8_t> payload);

}  // namespace wl::netlink::genl
