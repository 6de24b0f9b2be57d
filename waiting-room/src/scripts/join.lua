-- Join a room's line, or hand back the place the user already has. Before
-- the room's booking opens, a new fan is pre-queued (no place yet: the
-- admitter places every pre-queued fan in a random order at the opening).
-- KEYS: seq, line, seen, active, admissions, prequeue, meta, rooms
-- ARGV: base, user id, fresh token id, idle ms, waiting record ttl ms,
--       window ms, opens at ms (-1: none), room id ('' for the global room)
-- Returns {created, token id, issued at, state, position (-1: not placed
--          yet), expires at, now, admissions in window, oldest admission,
--          opens at (-1: none or already placed)}
local base, uid, fresh_tid = ARGV[1], ARGV[2], ARGV[3]
local idle, record_ttl, window = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local opens_at, room = tonumber(ARGV[7]), ARGV[8]
local now = now_ms()
local count, oldest = window_stats(KEYS[5], now, window)
local user_key = base .. 'user:' .. uid

if room ~= '' then
  redis.call('ZADD', KEYS[8], now, room)
  if opens_at >= 0 then
    -- The first join fixes the room's opening; a schedule's does not move.
    redis.call('HSETNX', KEYS[7], 'opens_at', opens_at)
  end
end
local opening = tonumber(redis.call('HGET', KEYS[7], 'opens_at'))
local placed = redis.call('HEXISTS', KEYS[7], 'opened_at') == 1
-- A room first joined after its opening has nobody to shuffle: it is open.
if opening and not placed and now >= opening and redis.call('SCARD', KEYS[6]) == 0 then
  redis.call('HSET', KEYS[7], 'opened_at', now, 'shuffled', 0)
  placed = true
end
local before_opening = opening and not placed and now < opening
local pending_open = -1
if opening and not placed then
  pending_open = opening
end

-- Joining or re-issuing counts as a poll: it keeps the place alive.
local function waiting(created, tid, iat)
  local token_key = base .. 'token:' .. tid
  redis.call('ZADD', KEYS[3], now, uid)
  redis.call('PEXPIRE', user_key, record_ttl)
  redis.call('PEXPIRE', token_key, record_ttl)
  local rank = redis.call('ZRANK', KEYS[2], uid)
  local position = -1
  if rank then
    position = rank + 1
  end
  return {created, tid, iat, WAITING, position, now + idle, now, count, oldest, pending_open}
end

local tid = redis.call('GET', user_key)
if tid then
  local token_key = base .. 'token:' .. tid
  local iat = tonumber(redis.call('HGET', token_key, 'iat'))
  local lapse = tonumber(redis.call('ZSCORE', KEYS[4], uid))
  if iat and lapse and lapse > now then
    return {0, tid, iat, ACTIVE, 0, lapse, now, count, oldest, -1}
  end
  local seen = tonumber(redis.call('ZSCORE', KEYS[3], uid))
  local in_line = redis.call('ZSCORE', KEYS[2], uid) or redis.call('SISMEMBER', KEYS[6], uid) == 1
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
redis.call('SREM', KEYS[6], uid)
local seq = -1
if before_opening then
  redis.call('SADD', KEYS[6], uid)
else
  seq = redis.call('INCR', KEYS[1])
  redis.call('ZADD', KEYS[2], seq, uid)
end
redis.call('SET', user_key, fresh_tid)
redis.call('HSET', base .. 'token:' .. fresh_tid, 'user', uid, 'iat', now, 'seq', seq)
return waiting(1, fresh_tid, now)
