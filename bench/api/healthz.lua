-- The HTTP layer alone: GET /healthz (no token, no store), the pipeline's ceiling.
wrk.method = "GET"
request = function()
  return wrk.format(nil, "/healthz", nil, nil)
end
