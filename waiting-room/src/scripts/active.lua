-- Whether a (genuine) token is ACTIVE: inspect's ACTIVE decision and
-- nothing else, without the position and rate statistics, so a guarded
-- request can send it along with its own command in one round trip.
-- KEYS: token record, the owner's current token, active
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
if lapse and lapse > now_ms() then
  return lapse
end
return 0
