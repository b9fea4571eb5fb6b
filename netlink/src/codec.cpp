// Netlink codec: see codec.hpp. Host byte order throughout, as netlink uses.
#include "wirelink/netlink/codec.hpp"

#include <linux/netlink.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

namespace wl::netlink {
namespace {
template <class T>
T load(const std::uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <class T>
void store(std::uint8_t* p, T v) {
  std::memcpy(p, &v, sizeof v);
}
}  // namespace

MessageBuilder::MessageBuilder(std::size_t capacity)
    : buf_(std::max<std::size_t>(capacity, kHeaderLen)) {
  begin(0, 0);
}

void MessageBuilder::begin(std::uint16_t type, std::uint16_t flags) {
  std::fill(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(kHeaderLen), 0);
  len_ = kHeaderLen;
  store<std::uint16_t>(buf_.data() + 4, type);
  store<std::uint16_t>(buf_.data() + 6, flags);
  sync_len();
}

void MessageBuilder::sync_len() {
  store<std::uint32_t>(buf_.data(), static_cast<std::uint32_t>(len_));
}

bool MessageBuilder::put_raw(const void* data, std::size_t len) {
  const std::size_t total = align4(len);
  if (total > room()) return false;
  std::memcpy(buf_.data() + len_, data, len);
  std::fill(buf_.begin() + static_cast<std::ptrdiff_t>(len_ + len),
            buf_.begin() + static_cast<std::ptrdiff_t>(len_ + total), 0);
  len_ += total;
  sync_len();
  return true;
}

bool MessageBuilder::put(std::uint16_t type, const void* data, std::size_t len) {
  const std::size_t alen = kAttrHeaderLen + len;
  if (alen > 0xffff || align4(alen) > room()) return false;
  std::uint8_t* p = buf_.data() + len_;
  store<std::uint16_t>(p, static_cast<std::uint16_t>(alen));
  store<std::uint16_t>(p + 2, type);
  if (len) std::memcpy(p + kAttrHeaderLen, data, len);
  std::fill(p + alen, p + align4(alen), 0);
  len_ += align4(alen);
  sync_len();
  return true;
}

bool MessageBuilder::put_str(std::uint16_t type, std::string_view s) {
  const std::size_t alen = kAttrHeaderLen + s.size() + 1;
  if (alen > 0xffff || align4(alen) > room()) return false;
  std::uint8_t* p = buf_.data() + len_;
  store<std::uint16_t>(p, static_cast<std::uint16_t>(alen));
  store<std::uint16_t>(p + 2, type);
  if (!s.empty()) std::memcpy(p + kAttrHeaderLen, s.data(), s.size());
  std::fill(p + kAttrHeaderLen + s.size(), p + align4(alen), 0);
  len_ += align4(alen);
  sync_len();
  return true;
}

std::optional<std::size_t> MessageBuilder::nest_start(std::uint16_t type) {
  if (kAttrHeaderLen > room()) return std::nullopt;
  const std::size_t token = len_;
  store<std::uint16_t>(buf_.data() + len_, kAttrHeaderLen);
  store<std::uint16_t>(buf_.data() + len_ + 2, static_cast<std::uint16_t>(type | kNestedFlag));
  len_ += kAttrHeaderLen;
  sync_len();
  return token;
}

void MessageBuilder::nest_end(std::size_t token) {
  // nla_len is 16 bits; callers keep nests far below that (SET buffers are <= 8 KiB).
  store<std::uint16_t>(buf_.data() + token,
                       static_cast<std::uint16_t>(std::min<std::size_t>(len_ - token, 0xffff)));
}

void MessageBuilder::nest_cancel(std::size_t token) {
  len_ = token;
  sync_len();
}

void set_seq(std::span<std::uint8_t> msg, std::uint32_t seq, std::uint32_t pid) {
  if (msg.size() < kHeaderLen) return;
  store<std::uint32_t>(msg.data() + 8, seq);
  store<std::uint32_t>(msg.data() + 12, pid);
}

std::optional<std::uint8_t> Attr::u8() const {
  if (data.size() != 1) return std::nullopt;
  return data[0];
}
std::optional<std::uint16_t> Attr::u16() const {
  if (data.size() != 2) return std::nullopt;
  return load<std::uint16_t>(data.data());
}
std::optional<std::uint32_t> Attr::u32() const {
  if (data.size() != 4) return std::nullopt;
  return load<std::uint32_t>(data.data());
}
std::optional<std::uint64_t> Attr::u64() const {
  if (data.size() != 8) return std::nullopt;
  return load<std::uint64_t>(data.data());
}
std::string_view Attr::str() const {
  const char* p = reinterpret_cast<const char*>(data.data());
  std::size_t n = 0;
  while (n < data.size() && p[n] != '\0') ++n;
  return {p, n};
}

bool AttrReader::next(Attr& out) {
  if (malformed_ || off_ >= buf_.size()) return false;
  if (buf_.size() - off_ < kAttrHeaderLen) {
    malformed_ = true;
    return false;
  }
  const std::uint16_t len = load<std::uint16_t>(buf_.data() + off_);
  const std::uint16_t type = load<std::uint16_t>(buf_.data() + off_ + 2);
  if (len < kAttrHeaderLen || len > buf_.size() - off_) {
    malformed_ = true;
    return false;
  }
  out.type = type & kAttrTypeMask;
  out.data = buf_.subspan(off_ + kAttrHeaderLen, len - kAttrHeaderLen);
  // The padding of the last attribute may be missing; never step past the end.
  off_ = std::min(buf_.size(), off_ + align4(len));
  return true;
}

bool MessageReader::next(Message& out) {
  if (malformed_ || off_ >= buf_.size()) return false;
  if (buf_.size() - off_ < kHeaderLen) {
    malformed_ = true;
    return false;
  }
  const std::uint8_t* p = buf_.data() + off_;
  const std::uint32_t len = load<std::uint32_t>(p);
  if (len < kHeaderLen || len > buf_.size() - off_) {
    malformed_ = true;
    return false;
  }
  out.type = load<std::uint16_t>(p + 4);
  out.flags = load<std::uint16_t>(p + 6);
  out.seq = load<std::uint32_t>(p + 8);
  out.pid = load<std::uint32_t>(p + 12);
  out.whole = buf_.subspan(off_, len);
  out.payload = buf_.subspan(off_ + kHeaderLen, len - kHeaderLen);
  off_ = std::min<std::size_t>(buf_.size(), off_ + align4(len));
  return true;
}

namespace {
// Reads the extended-ACK TLVs that follow the error code and the echoed request.
Result<Ack> parse_ack_body(const Message& m, bool is_error) {
  if (m.payload.size() < 4)
    return make_error(std::errc::bad_message, "netlink: short ACK/DONE message");
  Ack ack;
  ack.error = load<std::int32_t>(m.payload.data());
  if (ack.error > 0) ack.error = -ack.error;  // tolerate either sign; the kernel sends negative
  std::size_t off = 4;
  if (is_error) {
    // The echoed request: its header only when NLM_F_CAPPED, else the whole message.
    if (m.payload.size() < off + kHeaderLen) {
      return ack;  // old kernels may echo nothing more; the code is what matters
    }
    const std::uint32_t echoed_len = load<std::uint32_t>(m.payload.data() + off);
    std::size_t skip = (m.flags & NLM_F_CAPPED) ? kHeaderLen : echoed_len;
    if (skip < kHeaderLen || skip > m.payload.size() - off)
      return make_error(std::errc::bad_message, "netlink: bad echoed request length in ACK");
    off += align4(skip);
  }
  if (!(m.flags & NLM_F_ACK_TLVS) || off >= m.payload.size()) return ack;
  AttrReader r(m.payload.subspan(off));
  Attr a;
  while (r.next(a)) {
    if (a.type == NLMSGERR_ATTR_MSG)
      ack.message = std::string(a.str());
    else if (a.type == NLMSGERR_ATTR_OFFS)
      ack.bad_attr_offset = a.u32();
  }
  if (r.malformed()) return make_error(std::errc::bad_message, "netlink: malformed extended ACK");
  return ack;
}
}  // namespace

Result<Ack> parse_error_message(const Message& m) {
  return parse_ack_body(m, true);
}

Result<Ack> parse_done_message(const Message& m) {
  if (m.payload.empty()) return Ack{};  // some families send an empty DONE
  return parse_ack_body(m, false);
}

Error kernel_error(int negative_errno, std::string_view what, std::string_view extack) {
  const int e = negative_errno < 0 ? -negative_errno : negative_errno;
  std::error_code code(e, std::generic_category());
  std::string detail(what);
  if (!extack.empty()) detail += ": " + std::string(extack);
  return Error{code, std::move(detail)};
}

std::optional<std::span<const std::uint8_t>> after_header(std::span<const std::uint8_t> payload,
                                                          std::size_t header_len) {
  if (payload.size() < header_len) return std::nullopt;
  return payload.subspan(std::min(payload.size(), align4(header_len)));
}

}  // namespace wl::netlink
