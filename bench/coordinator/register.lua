-- wrk script: POST /api/v1/register with proven bodies (coord_bench_setup --bodies): each line
-- of BODIES_FILE is one registration for a fresh key, with its own single-use challenge and
-- proof of possession, so each is sent once: thread t of THREADS sends lines t+1, t+1+T, ….
-- A thread whose share is used up asks GET /healthz (a request must be returned) and stops;
-- only register replies are counted, and the rate is over the time the run really took.
local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  bodies = {}
  local nthreads = tonumber(os.getenv("THREADS") or "1")
  local i = 0
  for line in io.lines(os.getenv("BODIES_FILE")) do
    if i % nthreads == tid then table.insert(bodies, line) end
    i = i + 1
  end
  sent = 0
  reg_ok = 0
  reg_bad = 0
end

function request()
  if sent >= #bodies then
    wrk.thread:stop()
    return wrk.format("GET", "/healthz")
  end
  sent = sent + 1
  return wrk.format("POST", "/api/v1/register", { ["Content-Type"] = "application/json" },
    bodies[sent])
end

function response(status, headers, body)
  if status == 200 and body:find("session_token", 1, true) then
    reg_ok = reg_ok + 1
  elseif not (status == 200 and body == "ok") then
    reg_bad = reg_bad + 1
  end
end

function done(summary, latency, requests)
  local ok, bad = 0, 0
  for _, t in ipairs(threads) do
    ok = ok + t:get("reg_ok")
    bad = bad + t:get("reg_bad")
  end
  local secs = summary.duration / 1e6
  io.write(string.format("REG requests=%d non2xx=%d rps=%.0f p99_ms=%.3f\n", ok + bad, bad,
    ok / secs, latency:percentile(99) / 1000))
end
