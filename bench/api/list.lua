-- List query: first page of 100 findings of one asset.
wrk.method = "GET"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("SECPLAT_BENCH_TOKEN")
request = function()
  return wrk.format(nil, "/api/v1/findings?asset_key=bench-1&severity=low&limit=100", nil, nil)
end
