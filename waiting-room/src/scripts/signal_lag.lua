-- Adds one projector's lag (records in its partitions not yet folded) to
-- the hash of the current second, by Redis's clock. Each instance owns
-- other partitions, so the sum over instances is the whole lag.
-- ARGV: base, ttl ms, records
-- Returns 1
local base, ttl = ARGV[1], tonumber(ARGV[2])
local key = base .. 'signal:' .. math.floor(now_ms() / 1000)
redis.call('HINCRBY', key, 'lag', ARGV[3])
redis.call('HINCRBY', key, 'lag_reports', 1)
redis.call('PEXPIRE', key, ttl)
return 1
