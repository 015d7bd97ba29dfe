-- POST /api/v1/auth/login with the OAuth2 password form of the benchmark user: each
-- request verifies an argon2 hash and stores a refresh token.
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "common.lua")

function init(args)
  local opts = parse_args(args)
  headers = { ["Content-Type"] = "application/x-www-form-urlencoded" }
  body = "username=" .. urlencode(opts.username) .. "&password=" .. urlencode(opts.password)
end

function request()
  return send("POST", "/api/v1/auth/login", headers, body)
end
