// Fuzz harness for every parser of kernel netlink replies: the input is one datagram as
// recv() would return it. Nothing may crash, hang or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <span>

#include "wirelink/netlink/codec.hpp"
#include "wirelink/netlink/genl.hpp"
#include "wirelink/netlink/rtnl_codec.hpp"
#include "wirelink/netlink/wg_codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace nl = wl::netlink;
  std::span<const std::uint8_t> d(data, size);
  nl::MessageReader reader(d);
  nl::Message m;
  nl::wgnl::DeviceAssembler assembler;
  while (reader.next(m)) {
    (void)nl::parse_error_message(m);
    (void)nl::parse_done_message(m);
    (void)assembler.add(m.payload);
    (void)nl::wgnl::parse_device_request(m.payload);
    (void)nl::genl::parse_family(m.payload);
    (void)nl::genl::parse_get_family(m.payload);
    (void)nl::rtnl::parse_link(m);
    (void)nl::rtnl::parse_link_request(m);
    (void)nl::rtnl::parse_address(m);
    (void)nl::rtnl::parse_route(m);
  }
  (void)assembler.take();
  (void)nl::rtnl::parse_events(d);
  return 0;
}
