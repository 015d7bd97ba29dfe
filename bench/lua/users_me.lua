-- GET /api/v1/users/me as the benchmark user.
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")

function init(args)
  headers = auth_headers(parse_args(args))
end

function request()
  return send("GET", "/api/v1/users/me", headers)
end
