-- Authentication alone: GET /api/v1/me (bearer token checked against the store, no write).
wrk.method = "GET"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("SECPLAT_BENCH_TOKEN")
request = function()
  return wrk.format(nil, "/api/v1/me", nil, nil)
end
