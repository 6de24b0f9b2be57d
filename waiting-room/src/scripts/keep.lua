-- Keep an ACTIVE fan's slot from being given back as idle until `until`
-- (a hold's expiry): moves their activity mark forward to it, never back.
-- Does nothing for a fan who is not ACTIVE. The slot still lapses with
-- the token.
-- KEYS: active, active_seen
-- ARGV: user id, until (ms)
-- Returns 1 when the fan is ACTIVE (the mark is at least `until`), else 0.
local lapse = tonumber(redis.call('ZSCORE', KEYS[1], ARGV[1]))
if not lapse or lapse <= now_ms() then
  return 0
end
redis.call('ZADD', KEYS[2], 'GT', ARGV[2], ARGV[1])
return 1
