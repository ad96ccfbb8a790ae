-- Mixed read workload for wrk (docs/BENCHMARKS.md, "Load and soak"): searches of each kind,
-- suggestions, occupation pages and recommendations, in fixed proportions.
-- Usage: wrk -t2 -c16 -d60s --latency -s crates/bench/load/mixed.lua http://127.0.0.1:8080
-- RESKILL_LOAD_DELAY_MS=N pauses N ms before each request of a connection (wrk's delay hook), so
-- a soak can run at a chosen fraction of the saturation rate (wrk itself cannot pace).

local queries = { "clerk", "customer service", "data analyst", "nurse", "bookeeping",
  "call centre agent", "software developer", "warehouse", "teacher", "accounting" }
local prefixes = { "cle", "cust", "dat", "nur", "acc", "sof", "war", "tea" }
local counter = 0

local function pick(list) return list[(counter % #list) + 1] end
local function escape(text) return (text:gsub(" ", "%%20")) end

local pause = tonumber(os.getenv("RESKILL_LOAD_DELAY_MS") or "0")
if pause > 0 then
  delay = function() return pause end
end

request = function()
  counter = counter + 1
  local slot = counter % 20
  if slot < 6 then
    return wrk.format("GET", "/api/v1/search/occupations?q=" .. escape(pick(queries)))
  elseif slot < 9 then
    return wrk.format("GET", "/api/v1/search/openings?q=" .. escape(pick(queries)) .. "&remote=true")
  elseif slot < 11 then
    return wrk.format("GET", "/api/v1/search/courses?q=" .. escape(pick(queries)))
  elseif slot < 15 then
    return wrk.format("GET", "/api/v1/suggest?kind=occupations&q=" .. pick(prefixes))
  elseif slot < 18 then
    return wrk.format("GET", "/api/v1/occupations/" .. ((counter % 25) + 1))
  else
    local body = '{"occupation_title":"' .. pick(queries) .. '","limit":5,"openings_limit":5}'
    return wrk.format("POST", "/api/v1/recommendations",
      { ["Content-Type"] = "application/json" }, body)
  end
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("requests %d, non-2xx/3xx %d, socket errors %d\n", summary.requests,
    e.status, e.connect + e.read + e.write + e.timeout))
  io.write(string.format("p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
