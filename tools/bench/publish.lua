-- publish.lua -- wrk script for `make bench`: POST /publish.
--
--   wrk -s tools/bench/publish.lua URL -- [BYTES]
--
-- Every request publishes one event of BYTES (default 64) bytes of '0'.
-- Each answer is the event's id, sent once the journal (if any) holds
-- the event, so Requests/sec is acknowledged publishes per second.

function init(args)
  local bytes = 64
  if args[1] ~= nil then
    bytes = tonumber(args[1])
  end
  wrk.method = "POST"
  wrk.path = "/publish"
  wrk.body = string.rep("0", bytes)
  wrk.headers["Content-Type"] = "text/plain"
end
