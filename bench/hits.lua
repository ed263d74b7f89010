-- One tracker request per wrk request: one page view with its own uuid (so every
-- acknowledged hit must be stored once), from one of 1,000 visitors per wrk thread, whose
-- token is a uuid like the tracker's; half of them from another page of the site.
-- BENCH_DELAY_MS paces each connection (for the latency run at a fraction of the peak rate).
local counter = 0
local thread_id = 0
local delay_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "0")
local portal = os.getenv("BENCH_PORTAL") or "1"
local run = tonumber(os.getenv("BENCH_RUN") or "0")
local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  thread_id = tonumber(tid)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "text/plain;charset=UTF-8"
  wrk.headers["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"
  wrk.headers["Origin"] = "https://bench.example"
end

-- Each visitor's hits take turns, a thousand requests each: a landing page opened from a
-- newsletter link (campaign parameters), then another page of the site, whose touchpoint
-- source the writer takes from the visit. The first two thousand are landing pages (wrk
-- makes one request of a thread without sending it); inner pages from the 2,001st on.
function page(inner)
  if inner then
    return ',"u":"https://bench.example/signup","ti":"Sign up","r":"https://bench.example/pricing"'
  end
  return ',"u":"https://bench.example/pricing?utm_source=news&utm_medium=email","ti":"Pricing",' ..
    '"r":"https://www.google.com/"'
end

function request()
  counter = counter + 1
  local id = string.format("%08x-%04x-4000-8000-%012x", thread_id, run, counter)
  local visitor = string.format("%08x-0000-4000-8000-%012x", thread_id, counter % 1000)
  local inner = counter > 2000 and math.floor((counter - 2001) / 1000) % 2 == 0
  local body = '{"a":' .. portal .. ',"k":"' .. visitor .. '","h":[{"i":"' .. id ..
    '","t":' .. os.time() * 1000 .. page(inner) .. ',"l":"en-US","sw":1280,"sh":800}]}'
  return wrk.format(nil, nil, nil, body)
end

function delay()
  return delay_ms
end

function done(summary, latency, requests)
  local bad = summary.errors.status + summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout
  io.write(string.format("BENCH requests=%d non2xx_or_errors=%d p99_us=%d\n",
    summary.requests, bad, latency:percentile(99)))
end
