-- Batch route: 1000 new findings per request. wrk seeds math.random alike in every run, so
-- scripts that run it several times against one database set SECPLAT_BENCH_RUN to keep the keys
-- of each run new.
local counter = 0
local thread_tag = (os.getenv("SECPLAT_BENCH_RUN") or "") .. tostring(math.random(1, 1e9))
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("SECPLAT_BENCH_TOKEN")
request = function()
  counter = counter + 1
  local parts = {}
  for i = 1, 1000 do
    parts[i] = '{"finding_key":"bench-b-' .. thread_tag .. '-' .. counter .. '-' .. i ..
      '","asset_key":"bench-1","source":"bench","check_id":"batch","location":"/b/' .. i ..
      '","title":"bench finding","severity":"medium"}'
  end
  return wrk.format(nil, "/api/v1/findings/batch", nil,
    '{"findings":[' .. table.concat(parts, ",") .. ']}')
end
