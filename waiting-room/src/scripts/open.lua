-- The opening of a room's booking: the pre-queued fans take their places
-- at the head of the line in the order given (the admitter's seeded
-- shuffle), ahead of anyone who joined after the opening. Fans who stopped
-- polling before the opening are left for the admitter's purge. Runs once:
-- a second call (another admitter, a retry) changes nothing.
-- KEYS: line, prequeue, meta, seen, seq
-- ARGV: base, seed, idle ms, then the pre-queued user ids in their new order
-- Returns the number placed, or -1 when the room was already opened or its
-- opening has not come.
local base, seed, idle = ARGV[1], ARGV[2], tonumber(ARGV[3])
local now = now_ms()
local opening = tonumber(redis.call('HGET', KEYS[3], 'opens_at'))
if not opening or now < opening or redis.call('HEXISTS', KEYS[3], 'opened_at') == 1 then
  return -1
end

local order = {}
for i = 4, #ARGV do
  local uid = ARGV[i]
  local seen = tonumber(redis.call('ZSCORE', KEYS[4], uid))
  if redis.call('SISMEMBER', KEYS[2], uid) == 1 and seen and now - seen <= idle then
    order[#order + 1] = uid
  end
end
-- Scores -n .. -1: ahead of every arrival after the opening (1, 2, ...).
for i, uid in ipairs(order) do
  local score = i - #order - 1
  redis.call('ZADD', KEYS[1], score, uid)
  redis.call('SREM', KEYS[2], uid)
  local tid = redis.call('GET', base .. 'user:' .. uid)
  if tid then
    redis.call('HSET', base .. 'token:' .. tid, 'seq', score)
  end
end
-- Whoever is left was not in the order: fans who left before the opening
-- (their seen mark lapses in the purge), or, should a join have slipped in,
-- a fan placed at the back in arrival order.
for _, uid in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  local seen = tonumber(redis.call('ZSCORE', KEYS[4], uid))
  if seen and now - seen <= idle then
    local seq = redis.call('INCR', KEYS[5])
    redis.call('ZADD', KEYS[1], seq, uid)
    local tid = redis.call('GET', base .. 'user:' .. uid)
    if tid then
      redis.call('HSET', base .. 'token:' .. tid, 'seq', seq)
    end
  end
end
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[3], 'opened_at', now, 'seed', seed, 'shuffled', #order)
return #order
