-- Whether a (genuine) token is ACTIVE: inspect's ACTIVE decision and
-- nothing else, without the position and rate statistics, so a guarded
-- request can send it along with its own command in one round trip.
-- An ACTIVE answer is the fan's activity: it moves their mark in
-- active_seen forward (never back: a hold may have set it to its expiry),
-- so the admitter does not give the slot back as idle.
-- KEYS: token record, the owner's current token, active, active_seen
-- ARGV: owner's user id, token id
-- Returns the lapse time (ms) when ACTIVE, else 0 (expired, waiting,
-- completed or replaced: inspect tells which).
if redis.call('HGET', KEYS[1], 'user') ~= ARGV[1] then
  return 0
end
if redis.call('GET', KEYS[2]) ~= ARGV[2] then
  return 0
end
local lapse = tonumber(redis.call('ZSCORE', KEYS[3], ARGV[1]))
local now = now_ms()
if lapse and lapse > now then
  redis.call('ZADD', KEYS[4], 'GT', now, ARGV[1])
  return lapse
end
return 0
