#include "reply.hpp"

#include "wirelink/base/errors.hpp"
#include "wirelink/uapi/codec.hpp"

namespace wl::uapi {

bool reply_complete(std::string_view text) {
  return text.size() >= 2 && text.substr(text.size() - 2) == "\n\n";
}

std::string encode_status_reply(int err) {
  // wireguard-go sends the errno negated; `wg` accepts either sign.
  return err == 0 ? "errno=0\n\n" : "errno=-" + std::to_string(err) + "\n\n";
}

namespace reply {

Error malformed(std::string why) {
  return Error{make_error_code(errc::malformed), "UAPI: " + std::move(why)};
}

Result<Lines> split(std::string_view text) {
  Lines out;
  bool saw_errno = false;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto nl = text.find('\n', pos);
    if (nl == std::string_view::npos) return malformed("reply not terminated by a newline");
    const std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.empty()) {
      if (!saw_errno) return malformed("reply ended without an errno line");
      if (pos != text.size()) return malformed("data after the end of the reply");
      return out;
    }
    if (saw_errno) return malformed("data after the errno line");
    const auto kv = text::split_key_value(line);
    if (!kv) return malformed("line without '='");
    if (kv->key == "errno") {
      const bool negative = !kv->value.empty() && kv->value[0] == '-';
      unsigned long n = 0;
      if (!parse_number(negative ? kv->value.substr(1) : kv->value, n) || n > 4096)
        return malformed("bad errno value");
      out.error = static_cast<long>(n);
      saw_errno = true;
      continue;
    }
    out.lines.push_back(*kv);
  }
  return malformed("reply not terminated by an empty line");
}

Error daemon_error(long err, std::string_view operation) {
  return Error{std::error_code(static_cast<int>(err), std::generic_category()),
               "UAPI " + std::string(operation) + " failed: errno " + std::to_string(err)};
}

}  // namespace reply

}  // namespace wl::uapi
