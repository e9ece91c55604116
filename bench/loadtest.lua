-- The load test's requests (bench/loadtest.py): each wrk thread sends the paths given after
-- `--` on wrk's command line in turn, so every path gets an equal share of the requests. The results are reported by
-- wrk_report.lua, beside this file, as one line of JSON.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "wrk_report.lua")

local paths = {}
local turn = 0

init = function(args)
  for _, path in ipairs(args) do
    paths[#paths + 1] = path
  end
end

request = function()
  turn = turn % #paths + 1
  return wrk.format(nil, paths[turn])
end
