-- Single-finding upserts, every request a new finding_key (insert path).
local counter = 0
local thread_tag = tostring(math.random(1, 1e9))
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("SECPLAT_BENCH_TOKEN")
request = function()
  counter = counter + 1
  local body = '{"finding_key":"bench-new-' .. thread_tag .. '-' .. counter ..
    '","asset_key":"bench-1","source":"bench","check_id":"new","location":"/p/' .. counter ..
    '","title":"bench finding","severity":"low","evidence":{"n":' .. counter .. '}}'
  return wrk.format(nil, "/api/v1/findings", nil, body)
end
