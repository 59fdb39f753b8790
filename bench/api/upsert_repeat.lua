-- Single-finding upserts over 100 existing keys (update path: last_seen, occurrences).
local counter = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("SECPLAT_BENCH_TOKEN")
request = function()
  counter = counter + 1
  local k = counter % 100
  local body = '{"finding_key":"bench-rep-' .. k ..
    '","asset_key":"bench-1","source":"bench","check_id":"rep","location":"/r/' .. k ..
    '","title":"bench finding","severity":"low","evidence":{"k":' .. k .. '}}'
  return wrk.format(nil, "/api/v1/findings", nil, body)
end
