-- wrk-status.lua: count answers by status class over every wrk thread and
-- print one line "status 2xx=N 3xx=N 4xx=N 5xx=N" at the end.
local threads = {}

function setup(thread)
	table.insert(threads, thread)
end

function init(args)
	s2, s3, s4, s5 = 0, 0, 0, 0
end

function response(status, headers, body)
	if status >= 500 then s5 = s5 + 1
	elseif status >= 400 then s4 = s4 + 1
	elseif status >= 300 then s3 = s3 + 1
	else s2 = s2 + 1 end
end

function done(summary, latency, requests)
	local t = { 0, 0, 0, 0 }
	for _, th in ipairs(threads) do
		t[1] = t[1] + th:get("s2")
		t[2] = t[2] + th:get("s3")
		t[3] = t[3] + th:get("s4")
		t[4] = t[4] + th:get("s5")
	end
	io.write(string.format("status 2xx=%d 3xx=%d 4xx=%d 5xx=%d\n",
	    t[1], t[2], t[3], t[4]))
	io.write(string.format("errors connect=%d read=%d write=%d timeout=%d\n",
	    summary.errors.connect, summary.errors.read, summary.errors.write,
	    summary.errors.timeout))
end
