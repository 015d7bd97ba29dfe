-- Shared by every scenario script (loaded with dofile): key=value arguments, a count of
-- the requests each thread sent, and a done() hook that prints one JSON line for the
-- harness. wrk runs each thread in a Lua state of its own; setup() and done() run in the
-- main state, which reads the threads' globals through thread:get().

local threads = {}

function setup(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end

-- Arguments after `--` on wrk's command line, as key=value pairs.
function parse_args(args)
  local parsed = {}
  for _, arg in ipairs(args) do
    local key, value = arg:match("^([^=]+)=(.*)$")
    if key then
      parsed[key] = value
    end
  end
  return parsed
end

-- Percent-encode a value for an application/x-www-form-urlencoded body.
function urlencode(value)
  return (value:gsub("[^%w%-%._~]", function(c)
    return string.format("%%%02X", c:byte())
  end))
end

-- The Authorization header of the benchmark user, from the `token` argument.
function auth_headers(opts)
  return { ["Authorization"] = "Bearer " .. opts.token }
end

-- A random item id between the `min_id` and `max_id` arguments.
function random_id(opts)
  return math.random(tonumber(opts.min_id), tonumber(opts.max_id))
end

sent = 0

-- Build one request and count it: the harness compares what was sent with the rows
-- written, since requests still in flight when wrk stops are never answered to it.
function send(method, path, headers, body)
  sent = sent + 1
  return wrk.format(method, path, headers, body)
end

function done(summary, latency, requests)
  local total_sent = 0
  for _, thread in ipairs(threads) do
    total_sent = total_sent + (thread:get("sent") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"duration_us":%d,"requests":%d,"bytes":%d,"sent":%d,'
      .. '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},'
      .. '"latency_us":{"min":%.1f,"mean":%.1f,"max":%.1f,'
      .. '"p50":%.1f,"p90":%.1f,"p99":%.1f,"p999":%.1f}}\n',
    summary.duration, summary.requests, summary.bytes, total_sent,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean, latency.max,
    latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency:percentile(99.9)
  ))
end
