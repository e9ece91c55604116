-- The load test's requests (bench/loadtest.py): each wrk thread sends the paths given after
-- `--` on wrk's command line in turn, so every path gets an equal share of the requests.
-- An argument "pause=MIN-MAX" makes each connection a visitor who waits between MIN and MAX
-- milliseconds (at random, evenly spread) before asking for the next page; without it,
-- each connection asks again the moment it has its answer. wrk's latencies leave the pause
-- out. The results are reported by wrk_report.lua, beside this file, as one line of JSON.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "wrk_report.lua")

local paths = {}
local turn = 0

init = function(args)
  for _, arg in ipairs(args) do
    local shortest, longest = arg:match("^pause=(%d+)-(%d+)$")
    if shortest then
      -- Defined here, once the arguments are read: wrk looks for delay() after init().
      delay = function()
        return math.random(tonumber(shortest), tonumber(longest))
      end
    else
      paths[#paths + 1] = arg
    end
  end
end

request = function()
  turn = turn % #paths + 1
  return wrk.format(nil, paths[turn])
end
