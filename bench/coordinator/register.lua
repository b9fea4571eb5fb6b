-- wrk script: POST /api/v1/register, a fresh WireGuard-shaped key per request, one invite.
local n = 0
local counter = 0
local letters = "BCDEFGHIJKLMNOPQ"

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end

function init(args)
  invite = os.getenv("INVITE")
  prefix = letters:sub((tid or 0) % 16 + 1, (tid or 0) % 16 + 1) .. os.getenv("RUN_TAG")
end

function request()
  n = n + 1
  -- 43 base64 characters, the last one 'A' (zero trailing bits), then '='.
  local body = prefix .. string.format("%0" .. (42 - #prefix) .. "d", n) .. "A="
  return wrk.format("POST", "/api/v1/register", { ["Content-Type"] = "application/json" },
    '{"peer_id":"' .. body .. '","invite":"' .. invite .. '"}')
end

function done(summary, latency, requests)
  local secs = summary.duration / 1e6
  io.write(string.format("REG requests=%d non2xx=%d rps=%.0f p99_ms=%.3f\n", summary.requests,
    summary.errors.status, summary.requests / secs, latency:percentile(99) / 1000))
end
