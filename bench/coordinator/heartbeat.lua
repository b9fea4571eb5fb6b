-- wrk script: POST /api/v1/heartbeat for registered peers, round robin from PEERS_FILE.
local peers = {}
local idx = 0
local counter = 0

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end

function init(args)
  for line in io.lines(os.getenv("PEERS_FILE")) do
    local k, t = line:match("^(%S+) (%S+)$")
    if k then peers[#peers + 1] = { k, t } end
  end
  idx = (tid or 0) * 997
end

function request()
  idx = idx + 1
  local p = peers[(idx % #peers) + 1]
  return wrk.format("POST", "/api/v1/heartbeat",
    { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. p[2] },
    '{"peer_id":"' .. p[1] .. '"}')
end

function done(summary, latency, requests)
  local secs = summary.duration / 1e6
  io.write(string.format("HB requests=%d non2xx=%d errors=%d rps=%.0f p50_ms=%.3f p99_ms=%.3f\n",
    summary.requests, summary.errors.status, summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout, summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
