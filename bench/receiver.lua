-- wrk script for bench/receiver: replays pre-signed requests (one per line: id TAB ts TAB sig TAB body),
-- each wrk thread its own file, and counts 202 answers separately from everything else.
local threads = {}

function setup(thread)
  thread:set("index", #threads)
  table.insert(threads, thread)
end

function init(args)
  requests = {}
  local path = args[1] .. "/requests-" .. index .. ".tsv"
  for line in io.lines(path) do
    local wid, ts, sig, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
    requests[#requests + 1] = wrk.format("POST", args[2], {
      ["Content-Type"] = "application/json",
      ["webhook-id"] = wid, ["webhook-timestamp"] = ts, ["webhook-signature"] = sig,
    }, body)
  end
  position = 0
  accepted = 0
  other = 0
  exhausted = 0
end

function request()
  position = position + 1
  if position > #requests then
    exhausted = 1
    position = 1
  end
  return requests[position]
end

function response(status, headers, body)
  if status == 202 then accepted = accepted + 1 else other = other + 1 end
end

function done(summary, latency, requests)
  local acc, oth, exh = 0, 0, 0
  for _, thread in ipairs(threads) do
    acc = acc + thread:get("accepted")
    oth = oth + thread:get("other")
    exh = exh + thread:get("exhausted")
  end
  io.write(string.format(
    "RESULT accepted=%d other=%d exhausted=%d requests=%d duration_us=%d p50_us=%d p99_us=%d " ..
    "connect_errors=%d read_errors=%d write_errors=%d timeouts=%d\n",
    acc, oth, exh, summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout))
end
