-- The booking signal of the last complete seconds, every instance merged.
-- The current second is left out: it is still being reported.
-- ARGV: base, seconds, buckets
-- Returns {reports, sum of commands in flight, {count per bucket},
--          sum of projector lag, projector lag reports}
local base, seconds, buckets = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local now_second = math.floor(now_ms() / 1000)
local counts = {}
for bucket = 1, buckets do
  counts[bucket] = 0
end
local reports, in_flight, lag, lag_reports = 0, 0, 0, 0
for second = now_second - seconds, now_second - 1 do
  local fields = redis.call('HGETALL', base .. 'signal:' .. second)
  for i = 1, #fields, 2 do
    local name, value = fields[i], tonumber(fields[i + 1])
    if name == 'reports' then
      reports = reports + value
    elseif name == 'in_flight' then
      in_flight = in_flight + value
    elseif name == 'lag' then
      lag = lag + value
    elseif name == 'lag_reports' then
      lag_reports = lag_reports + value
    else
      local bucket = tonumber(string.sub(name, 2))
      if bucket and bucket >= 0 and bucket < buckets then
        counts[bucket + 1] = counts[bucket + 1] + value
      end
    end
  end
end
return {reports, in_flight, counts, lag, lag_reports}
