-- End a user's place at once, waiting or active (a completed payment).
-- KEYS: line, seen, active, active_seen
-- ARGV: base, user id
-- Returns 1 when a live place ended, 0 when there was none.
local base, uid = ARGV[1], ARGV[2]
local now = now_ms()
local lapse = tonumber(redis.call('ZSCORE', KEYS[3], uid))
local live = (lapse and lapse > now) or redis.call('ZSCORE', KEYS[1], uid)
redis.call('ZREM', KEYS[1], uid)
redis.call('ZREM', KEYS[2], uid)
redis.call('ZREM', KEYS[3], uid)
redis.call('ZREM', KEYS[4], uid)
if not live then
  return 0
end
local tid = redis.call('GET', base .. 'user:' .. uid)
if tid then
  redis.call('HSET', base .. 'token:' .. tid, 'lapse', now)
end
return 1
