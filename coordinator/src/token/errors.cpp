#include "wirelink/coordinator/errors.hpp"

#include <array>

#include "wirelink/base/error_category.hpp"

namespace wl::coordinator {
namespace {
struct Row {
  coord_errc e;
  std::string_view code;
  int status;
};
constexpr std::array<Row, 15> kTable{{
    {coord_errc::invite_invalid, "invite.invalid", 400},
    {coord_errc::invite_exhausted, "invite.exhausted", 403},
    {coord_errc::invite_expired, "invite.expired", 403},
    {coord_errc::insufficient_cohort, "admission.insufficient_cohort", 503},
    {coord_errc::no_exit_available, "match.no_exit_available", 503},
    {coord_errc::token_invalid, "token.invalid", 401},
    {coord_errc::token_expired, "token.expired", 401},
    {coord_errc::rate_limited, "rate.limited", 429},
    {coord_errc::internal, "internal", 500},
    {coord_errc::bad_request, "request.invalid", 400},
    {coord_errc::not_found, "not_found", 404},
    {coord_errc::too_many_streams, "events.too_many_streams", 429},
    {coord_errc::method_not_allowed, "method.not_allowed", 405},
    {coord_errc::proof_invalid, "proof.invalid", 401},
    {coord_errc::challenge_invalid, "challenge.invalid", 401},
}};

}  // namespace

// A code's text is its wire string, so logs name errors as the protocol does.
const std::error_category& coord_category() noexcept {
  static const TextCategory c("wirelink.coordinator",
                              [](int v) noexcept { return wire_code(static_cast<coord_errc>(v)); });
  return c;
}

std::string_view wire_code(coord_errc e) noexcept {
  for (const auto& r : kTable)
    if (r.e == e) return r.code;
  return "internal";
}

int http_status(coord_errc e) noexcept {
  for (const auto& r : kTable)
    if (r.e == e) return r.status;
  return 500;
}

std::optional<coord_errc> parse_wire_code(std::string_view s) noexcept {
  for (const auto& r : kTable)
    if (r.code == s) return r.e;
  return std::nullopt;
}

}  // namespace wl::coordinator
