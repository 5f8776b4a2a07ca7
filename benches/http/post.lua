-- wrk script for benches/http/run.sh: POSTs one fixed body on every request and prints one
-- machine-readable RESULT line when the run ends.
--
--   wrk -t1 -c32 -d10s --latency -s post.lua URL -- BODY_FILE CONTENT_TYPE
--
-- The body is read once per wrk thread (init runs before wrk builds its request), so the
-- request bytes are the same for every scenario of a size; wrk adds Content-Length itself.

function init(args)
   local body_file = args[1]
   local content_type = args[2] or "application/octet-stream"
   if body_file == nil then
      error("post.lua: give the body file after --, e.g. -- order-1k.json application/json")
   end
   local f = io.open(body_file, "rb")
   if f == nil then
      error("post.lua: cannot open body file " .. body_file)
   end
   wrk.body = f:read("*a")
   f:close()
   wrk.method = "POST"
   wrk.headers["Content-Type"] = content_type
end

-- Runs once, in the main thread, with every thread's figures merged. Latencies are in
-- microseconds; errors.status counts responses whose status was not 2xx or 3xx.
function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      "RESULT requests=%d duration_us=%d bytes=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d " ..
      "connect_errors=%d read_errors=%d write_errors=%d status_errors=%d timeout_errors=%d\n",
      summary.requests, summary.duration, summary.bytes,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
      e.connect, e.read, e.write, e.status, e.timeout))
end
