-- wrk script for `manage.py bench_api_writes --client wrk`: each wrk thread posts its own
-- share of prepared API creates (token, Idempotency-Key, path, JSON body; tab-separated, one
-- per line in the file named after `--`), each line exactly once; a retried request is a
-- second line with the same key, next to its twin so that two threads send both at about
-- the same moment. A thread whose share is used up asks /healthz instead (200 "ok"), which
-- is not counted: a create is answered 201, or 4xx/5xx. Prints the counts as one line.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local nthreads = tonumber(args[2])
  jobs = {}
  local n = 0
  for line in io.lines(args[1]) do
    if n % nthreads == id then
      local token, key, path, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
      table.insert(jobs, wrk.format("POST", path, {
        ["X-Session-Token"] = token,
        ["Idempotency-Key"] = key,
        ["Content-Type"] = "application/json",
      }, body))
    end
    n = n + 1
  end
  next_job = 1
  sent, created, replayed, other = 0, 0, 0, 0
  healthz = wrk.format("GET", "/healthz")
end

function request()
  if next_job <= #jobs then
    local r = jobs[next_job]
    next_job = next_job + 1
    sent = sent + 1
    return r
  end
  return healthz
end

function response(status, headers, body)
  if status == 201 then
    if headers["Idempotent-Replayed"] == "true" then
      replayed = replayed + 1
    else
      created = created + 1
    end
  elseif status ~= 200 then
    other = other + 1
  end
end

function done(summary, latency, requests)
  local s, c, r, o = 0, 0, 0, 0
  for _, thread in ipairs(threads) do
    s = s + thread:get("sent")
    c = c + thread:get("created")
    r = r + thread:get("replayed")
    o = o + thread:get("other")
  end
  io.write(string.format(
    'API_WRITES {"sent": %d, "created": %d, "replayed": %d, "other": %d, ' ..
    '"duration_us": %d, "p50_us": %d, "p99_us": %d, "socket_errors": %d}\n',
    s, c, r, o, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
