-- Join the line, or hand back the place the user already has.
-- KEYS: seq, line, seen, active, admissions
-- ARGV: base, user id, fresh token id, idle ms, waiting record ttl ms, window ms
-- Returns {created, token id, issued at, state, position, expires at, now,
--          admissions in window, oldest admission}
local base, uid, fresh_tid = ARGV[1], ARGV[2], ARGV[3]
local idle, record_ttl, window = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local now = now_ms()
local count, oldest = window_stats(KEYS[5], now, window)
local user_key = base .. 'user:' .. uid

-- Joining or re-issuing counts as a poll: it keeps the place alive.
local function waiting(created, tid, iat)
  local token_key = base .. 'token:' .. tid
  redis.call('ZADD', KEYS[3], now, uid)
  redis.call('PEXPIRE', user_key, record_ttl)
  redis.call('PEXPIRE', token_key, record_ttl)
  local rank = redis.call('ZRANK', KEYS[2], uid)
  return {created, tid, iat, WAITING, rank + 1, now + idle, now, count, oldest}
end

local tid = redis.call('GET', user_key)
if tid then
  local token_key = base .. 'token:' .. tid
  local iat = tonumber(redis.call('HGET', token_key, 'iat'))
  local lapse = tonumber(redis.call('ZSCORE', KEYS[4], uid))
  if iat and lapse and lapse > now then
    return {0, tid, iat, ACTIVE, 0, lapse, now, count, oldest}
  end
  local seen = tonumber(redis.call('ZSCORE', KEYS[3], uid))
  local in_line = redis.call('ZSCORE', KEYS[2], uid)
  if iat and seen and in_line and now - seen <= idle then
    return waiting(0, tid, iat)
  end
  -- The old place is over (lapsed, completed or abandoned).
  if iat and redis.call('HEXISTS', token_key, 'lapse') == 0 then
    local ended = now
    if seen then ended = seen + idle end
    redis.call('HSET', token_key, 'lapse', ended)
  end
end

-- Clear whatever is left of an old place so that a user never holds two.
redis.call('ZREM', KEYS[2], uid)
redis.call('ZREM', KEYS[3], uid)
redis.call('ZREM', KEYS[4], uid)
local seq = redis.call('INCR', KEYS[1])
redis.call('ZADD', KEYS[2], seq, uid)
redis.call('SET', user_key, fresh_tid)
redis.call('HSET', base .. 'token:' .. fresh_tid, 'user', uid, 'iat', now, 'seq', seq)
return waiting(1, fresh_tid, now)
