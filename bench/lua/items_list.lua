-- GET /api/v1/items?limit=20 as the benchmark user: one page of their items.
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")

function init(args)
  headers = auth_headers(parse_args(args))
end

function request()
  return send("GET", "/api/v1/items?limit=20", headers)
end
