-- GET /health: the liveness probe, no authentication and no database.
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")

function request()
  return send("GET", "/health", {})
end
