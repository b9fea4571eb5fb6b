#include "wirelink/netlink/genl.hpp"

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "wirelink/netlink/errors.hpp"

namespace wl::netlink::genl {

void begin(MessageBuilder& b, std::uint16_t family, std::uint8_t cmd, std::uint8_t version,
           std::uint16_t flags) {
  b.begin(family, flags);
  const std::uint8_t hdr[4] = {cmd, version, 0, 0};
  b.put_raw(hdr, sizeof hdr);
}

std::vector<std::uint8_t> build_get_family(std::string_view name) {
  MessageBuilder b(256);
  begin(b, kCtrlFamilyId, CTRL_CMD_GETFAMILY, 1, NLM_F_REQUEST | NLM_F_ACK);
  b.put_str(CTRL_ATTR_FAMILY_NAME, name);
  return b.take();
}

Result<Family> parse_family(std::span<const std::uint8_t> payload) {
  auto attrs = after_header(payload, kGenlHeaderLen);
  if (!attrs) return Error{errc::malformed_reply, "genl: short family reply"};
  std::optional<Attr> t[CTRL_ATTR_VERSION + 1];
  if (!index_attrs(*attrs, t)) return Error{errc::malformed_reply, "genl: malformed family reply"};
  Family f;
  if (!t[CTRL_ATTR_FAMILY_ID] || !t[CTRL_ATTR_FAMILY_ID]->u16())
    return Error{errc::malformed_reply, "genl: family reply without an id"};
  f.id = *t[CTRL_ATTR_FAMILY_ID]->u16();
  if (t[CTRL_ATTR_VERSION] && t[CTRL_ATTR_VERSION]->u32()) f.version = *t[CTRL_ATTR_VERSION]->u32();
  if (t[CTRL_ATTR_FAMILY_NAME]) f.name = std::string(t[CTRL_ATTR_FAMILY_NAME]->str());
  return f;
}

std::vector<std::uint8_t> build_family_reply(const Family& f, std::uint32_t seq,
                                             std::uint32_t pid) {
  MessageBuilder b(256);
  begin(b, kCtrlFamilyId, CTRL_CMD_NEWFAMILY, 2, 0);
  b.put_str(CTRL_ATTR_FAMILY_NAME, f.name);
  b.put_u16(CTRL_ATTR_FAMILY_ID, f.id);
  b.put_u32(CTRL_ATTR_VERSION, f.version);
  auto out = b.take();
  set_seq(out, seq, pid);
  return out;
}

Result<std::string> parse_get_family(std::span<const std::uint8_t> payload) {
  auto attrs = after_header(payload, kGenlHeaderLen);
  if (!attrs) return Error{errc::malformed_reply, "genl: short GETFAMILY"};
  std::optional<Attr> t[CTRL_ATTR_FAMILY_NAME + 1];
  if (!index_attrs(*attrs, t) || !t[CTRL_ATTR_FAMILY_NAME])
    return Error{errc::malformed_reply, "genl: GETFAMILY without a name"};
  return std::string(t[CTRL_ATTR_FAMILY_NAME]->str());
}

}  // namespace wl::netlink::genl
