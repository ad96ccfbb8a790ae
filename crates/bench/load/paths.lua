-- GETs every path listed in the file named by RESKILL_LOAD_PATHS (one per line), round robin;
-- docs/BENCHMARKS.md, "Pathway page render". Usage:
--   RESKILL_LOAD_PATHS=/tmp/pathways.txt wrk -t1 -c1 -d60s --latency -s crates/bench/load/paths.lua URL

local paths = {}
for line in io.lines(os.getenv("RESKILL_LOAD_PATHS")) do
  if line ~= "" then paths[#paths + 1] = line end
end
local counter = 0

request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("%d paths, requests %d, non-2xx/3xx %d, socket errors %d\n", #paths,
    summary.requests, e.status, e.connect + e.read + e.write + e.timeout))
  io.write(string.format("p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
