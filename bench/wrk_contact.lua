-- GET one random contact's events (contacts 1..N, N the first script argument).
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  contacts = tonumber(args[1])
  wrk.headers["Authorization"] = "Bearer " .. args[2]
  math.randomseed(os.time())
  ok, bad = 0, 0
end

function request()
  local id = math.random(1, contacts)
  return wrk.format("GET", "/events/v3/events/?objectType=contact&objectId=" .. id .. "&limit=100")
end

function response(status, headers, body)
  if status == 200 then ok = ok + 1 else bad = bad + 1 end
end

function done(summary, latency, requests)
  local o, b = 0, 0
  for _, t in ipairs(threads) do
    o = o + t:get("ok")
    b = b + t:get("bad")
  end
  io.write(string.format("FOOTFALL ok=%d bad=%d errors=%d p50_us=%d p99_us=%d\n", o, b,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
