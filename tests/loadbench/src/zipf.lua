-- The skewed load of `cargo xtask bench` (see skewed.rs, which prepends the three settings):
--   VALUES    a file of header values, one a line, the most requested user first
--   HEADER    the header they go in (`cookie` or `authorization`)
--   EXPONENT  s of the Zipf law: line k is sent with probability proportional to 1/k^s
-- Each thread reads the file once, builds every request once, keeps the cumulative
-- distribution, and per request draws a uniform number and finds its line by binary search.
-- Thread n seeds its generator with n, so runs are repeatable. At the end it prints the 99.9th
-- latency percentile (`p999: <microseconds>us`), which wrk's `--latency` table lacks.

local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

local prepared = {}
local cdf = {}

function init(args)
  local values = {}
  for line in io.lines(VALUES) do
    if line ~= "" then
      values[#values + 1] = line
    end
  end
  assert(#values > 0, "no header values in " .. VALUES)
  local total = 0
  for k = 1, #values do
    total = total + 1 / k ^ EXPONENT
    cdf[k] = total
    prepared[k] = wrk.format(nil, nil, { [HEADER] = values[k] })
  end
  for k = 1, #values do
    cdf[k] = cdf[k] / total
  end
  cdf[#values] = 1
  math.randomseed(thread_number or 1)
end

function request()
  local u = math.random()
  local low, high = 1, #cdf
  while low < high do
    local middle = math.floor((low + high) / 2)
    if cdf[middle] < u then
      low = middle + 1
    else
      high = middle
    end
  end
  return prepared[low]
end

function done(summary, latency, requests)
  io.write(string.format("p999: %.0fus\n", latency:percentile(99.9)))
end
