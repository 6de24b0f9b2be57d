-- Adds one instance's last second of booking signal to the hash of the
-- current second, by Redis's clock so that every instance files its report
-- under the same second.
-- ARGV: base, ttl ms, commands in flight, latency bucket counts b0..bN
-- Returns 1
local base, ttl = ARGV[1], tonumber(ARGV[2])
local key = base .. 'signal:' .. math.floor(now_ms() / 1000)
redis.call('HINCRBY', key, 'in_flight', ARGV[3])
redis.call('HINCRBY', key, 'reports', 1)
for i = 4, #ARGV do
  local count = tonumber(ARGV[i])
  if count > 0 then
    redis.call('HINCRBY', key, 'b' .. (i - 4), count)
  end
end
redis.call('PEXPIRE', key, ttl)
return 1
