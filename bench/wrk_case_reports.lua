-- wrk script for `manage.py bench_case_reports --client wrk`: each wrk thread posts its own
-- share of prepared reports (one logged-in resident each: session key, CSRF token, body,
-- tab-separated, one per line in the file named after `--`), each exactly once. A thread
-- whose share is used up asks /healthz instead (200 "ok"), which is not counted: a report is
-- answered 302 (filed) or 4xx/5xx, never 200. Prints the answers to the reports as one
-- machine-readable line.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local nthreads = tonumber(args[2])
  reports = {}
  local n = 0
  for line in io.lines(args[1]) do
    if n % nthreads == id then
      local session, csrf, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
      table.insert(reports, wrk.format("POST", nil, {
        ["Cookie"] = "sessionid=" .. session .. "; csrftoken=" .. csrf,
        ["Content-Type"] = "application/x-www-form-urlencoded",
        ["Referer"] = wrk.scheme .. "://" .. wrk.host .. ":" .. wrk.port .. "/",
      }, body))
    end
    n = n + 1
  end
  next_report = 1
  sent, accepted, other = 0, 0, 0
  healthz = wrk.format("GET", "/healthz")
end

function request()
  if next_report <= #reports then
    local r = reports[next_report]
    next_report = next_report + 1
    sent = sent + 1
    return r
  end
  return healthz
end

function response(status, headers, body)
  if status == 302 then
    accepted = accepted + 1
  elseif status ~= 200 then
    other = other + 1
  end
end

function done(summary, latency, requests)
  local s, a, o = 0, 0, 0
  for _, thread in ipairs(threads) do
    s = s + thread:get("sent")
    a = a + thread:get("accepted")
    o = o + thread:get("other")
  end
  io.write(string.format(
    'CASE_REPORTS {"sent": %d, "accepted": %d, "other": %d, "duration_us": %d, ' ..
    '"p50_us": %d, "p99_us": %d, "socket_errors": %d}\n',
    s, a, o, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
