// Netlink message codec: build and parse nlmsghdr messages and their TLV attributes over
// caller-provided bytes.
//
// Contract: pure (no sockets, no logging, no global state); thread-compatible. Builders never
// write past their capacity: every put returns false and leaves the message unchanged when the
// attribute does not fit, which is what SET splitting relies on. Readers never read past the
// span they were given: a length field that points outside it marks the reader malformed and
// stops it. Nothing here throws.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "wirelink/base/result.hpp"

namespace wl::netlink {

inline constexpr std::size_t align4(std::size_t n) {
  return (n + 3U) & ~std::size_t{3};
}
inline constexpr std::size_t kHeaderLen = 16;  // sizeof(nlmsghdr)
inline constexpr std::size_t kAttrHeaderLen = 4;
inline constexpr std::uint16_t kNestedFlag = 0x8000;  // NLA_F_NESTED
inline constexpr std::uint16_t kAttrTypeMask = 0x3fff;

// Builds exactly one netlink message in a buffer of fixed capacity.
class MessageBuilder {
 public:
  explicit MessageBuilder(std::size_t capacity);

  // Discards the content and writes a fresh header (seq and pid 0; see set_seq()).
  void begin(std::uint16_t type, std::uint16_t flags);
  // Appends a fixed family header (genlmsghdr, ifinfomsg, ...). Call right after begin().
  bool put_raw(const void* data, std::size_t len);

  bool put(std::uint16_t type, const void* data, std::size_t len);
  bool put_u8(std::uint16_t type, std::uint8_t v) { return put(type, &v, 1); }
  bool put_u16(std::uint16_t type, std::uint16_t v) { return put(type, &v, 2); }
  bool put_u32(std::uint16_t type, std::uint32_t v) { return put(type, &v, 4); }
  bool put_u64(std::uint16_t type, std::uint64_t v) { return put(type, &v, 8); }
  // NUL-terminated string attribute.
  bool put_str(std::uint16_t type, std::string_view s);

  // Opens a nested attribute (NLA_F_NESTED set). Returns a token for nest_end/nest_cancel, or
  // nothing when not even the attribute header fits.
  std::optional<std::size_t> nest_start(std::uint16_t type);
  void nest_end(std::size_t token);
  // Drops the nest and everything put into it since nest_start.
  void nest_cancel(std::size_t token);

  std::size_t size() const { return len_; }
  std::size_t capacity() const { return buf_.size(); }
  std::size_t room() const { return buf_.size() - len_; }
  std::span<const std::uint8_t> bytes() const { return {buf_.data(), len_}; }
  std::vector<std::uint8_t> take() const {
    return {buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(len_)};
  }

 private:
  void sync_len();
  std::vector<std::uint8_t> buf_;
  std::size_t len_ = 0;
};

// Writes `seq` and `pid` into the header of the message at the start of `msg`.
void set_seq(std::span<std::uint8_t> msg, std::uint32_t seq, std::uint32_t pid = 0);

struct Attr {
  std::uint16_t type = 0;  // without NLA_F_NESTED / NLA_F_NET_BYTEORDER
  std::span<const std::uint8_t> data;

  // Typed accessors check the exact payload length.
  std::optional<std::uint8_t> u8() const;
  std::optional<std::uint16_t> u16() const;
  std::optional<std::uint32_t> u32() const;
  std::optional<std::uint64_t> u64() const;
  // Up to the first NUL (or the whole payload when there is none).
  std::string_view str() const;
};

// Iterates the attributes in a buffer.
class AttrReader {
 public:
  explicit AttrReader(std::span<const std::uint8_t> buf) : buf_(buf) {}
  // Next attribute, or false at the end or on a malformed length (then malformed() is true).
  bool next(Attr& out);
  bool malformed() const { return malformed_; }

 private:
  std::span<const std::uint8_t> buf_;
  std::size_t off_ = 0;
  bool malformed_ = false;
};

// Indexes attributes by type (the last one of a type wins, as in the kernel). Types >= N are
// ignored. Returns false if the buffer is malformed.
template <std::size_t N>
bool index_attrs(std::span<const std::uint8_t> buf, std::optional<Attr> (&table)[N]) {
  for (auto& t : table) t.reset();
  AttrReader r(buf);
  Attr a;
  while (r.next(a))
    if (a.type < N) table[a.type] = a;
  return !r.malformed();
}

struct Message {
  std::uint16_t type = 0;
  std::uint16_t flags = 0;
  std::uint32_t seq = 0;
  std::uint32_t pid = 0;
  std::span<const std::uint8_t> payload;  // after the nlmsghdr
  std::span<const std::uint8_t> whole;    // header included
};

// Iterates the messages of one datagram.
class MessageReader {
 public:
  explicit MessageReader(std::span<const std::uint8_t> buf) : buf_(buf) {}
  bool next(Message& out);
  bool malformed() const { return malformed_; }

 private:
  std::span<const std::uint8_t> buf_;
  std::size_t off_ = 0;
  bool malformed_ = false;
};

// The body of an NLMSG_ERROR (error 0 = ACK) or NLMSG_DONE message.
struct Ack {
  int error = 0;        // 0 or a negative errno, as the kernel sends it
  std::string message;  // extended ACK text (NLMSGERR_ATTR_MSG), may be empty
  std::optional<std::uint32_t> bad_attr_offset;  // NLMSGERR_ATTR_OFFS
};
Result<Ack> parse_error_message(const Message& m);
Result<Ack> parse_done_message(const Message& m);

// An Error for a kernel error: errno in the generic category, detail = "<what>" or
// "<what>: <extack>" (message() adds the errno's text).
Error kernel_error(int negative_errno, std::string_view what, std::string_view extack);

// Skips a fixed family header (e.g. 4 bytes of genlmsghdr) at the start of a payload.
std::optional<std::span<const std::uint8_t>> after_header(std::span<const std::uint8_t> payload,
                                                          std::size_t header_len);

}  // namespace wl::netlink
