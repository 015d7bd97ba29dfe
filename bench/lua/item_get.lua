-- GET /api/v1/items/{id} on a random item of the benchmark user.
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")

function init(args)
  opts = parse_args(args)
  headers = auth_headers(opts)
  math.randomseed(os.time() * 100 + thread_id)
end

function request()
  return send("GET", "/api/v1/items/" .. random_id(opts), headers)
end
