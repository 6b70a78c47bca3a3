-- pipeline.lua -- wrk script for `make bench`: HTTP/1.1 pipelining.
--
--   wrk -s tools/bench/pipeline.lua URL -- [DEPTH]
--
-- Each time a connection is ready to send, it sends DEPTH (default 16)
-- copies of the GET for URL in one write, then reads DEPTH answers
-- before it sends again (RFC 9112 §9.3.2: answers come back in request
-- order).  wrk counts answers, so Requests/sec is answers per second.

local depth = 16
local batch

function init(args)
  if args[1] ~= nil then
    depth = tonumber(args[1])
  end
  local one = wrk.format("GET")
  batch = string.rep(one, depth)
end

function request()
  return batch
end
