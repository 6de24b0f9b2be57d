-- Where a (genuine) token stands.
-- KEYS: line, seen, active, admissions, prequeue, meta
-- ARGV: base, user id, token id, idle ms, waiting record ttl ms, window ms, touch (1|0)
-- Returns {state, position (-1: pre-queued, not placed yet), expires at
--          (-1 unknown), now, admissions in window, oldest admission,
--          opens at (-1: none or already placed)}
local base, uid, tid = ARGV[1], ARGV[2], ARGV[3]
local idle, record_ttl, window = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local touch = ARGV[7] == '1'
local now = now_ms()
local count, oldest = window_stats(KEYS[4], now, window)
local user_key = base .. 'user:' .. uid
local token_key = base .. 'token:' .. tid

local function answer(state, position, expires_at, opening)
  return {state, position, expires_at, now, count, oldest, opening or -1}
end

-- The record says who owns the token; once it is gone the token ended long
-- enough ago that its details were dropped.
local record = redis.call('HMGET', token_key, 'user', 'lapse')
if record[1] ~= uid then
  return answer(EXPIRED, 0, -1)
end
local ended = tonumber(record[2]) or -1
-- A user who re-joined since holds a newer token; this one is over.
if redis.call('GET', user_key) ~= tid then
  return answer(EXPIRED, 0, ended)
end

local lapse = tonumber(redis.call('ZSCORE', KEYS[3], uid))
if lapse then
  if lapse > now then
    return answer(ACTIVE, 0, lapse)
  end
  return answer(EXPIRED, 0, lapse)
end

local rank = redis.call('ZRANK', KEYS[1], uid)
local prequeued = not rank and redis.call('SISMEMBER', KEYS[5], uid) == 1
local seen = tonumber(redis.call('ZSCORE', KEYS[2], uid))
if (rank or prequeued) and seen then
  if now - seen > idle then
    return answer(EXPIRED, 0, seen + idle)
  end
  if touch then
    redis.call('ZADD', KEYS[2], now, uid)
    redis.call('PEXPIRE', user_key, record_ttl)
    redis.call('PEXPIRE', token_key, record_ttl)
    seen = now
  end
  if prequeued then
    return answer(WAITING, -1, seen + idle, tonumber(redis.call('HGET', KEYS[6], 'opens_at')))
  end
  return answer(WAITING, rank + 1, seen + idle)
end
return answer(EXPIRED, 0, ended)
