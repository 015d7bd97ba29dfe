-- POST /api/v1/items with a JSON body; every title is unique ("bench-<thread>-<n>"), so
-- the harness can count duplicated rows afterwards.
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")

function init(args)
  headers = auth_headers(parse_args(args))
  headers["Content-Type"] = "application/json"
end

function request()
  local body = string.format(
    '{"title":"bench-%d-%d","description":"Created by the benchmark."}', thread_id, sent + 1
  )
  return send("POST", "/api/v1/items", headers, body)
end
