-- PATCH /api/v1/items/{id} with a JSON body, on a random item of the benchmark user.
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")

function init(args)
  opts = parse_args(args)
  headers = auth_headers(opts)
  headers["Content-Type"] = "application/json"
  math.randomseed(os.time() * 100 + thread_id)
end

function request()
  local body =
    string.format('{"description":"Patched by thread %d, request %d."}', thread_id, sent + 1)
  return send("PATCH", "/api/v1/items/" .. random_id(opts), headers, body)
end
