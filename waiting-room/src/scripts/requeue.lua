-- Queue everyone: every ACTIVE fan of a room goes back to the head of its
-- line, in the order they were admitted, ahead of everyone still waiting.
-- A fan whose activity mark is in the future holds a live seat: they keep
-- the slot, so the hold can still be paid.
-- KEYS: active, active_seen, line, seen
-- ARGV: base
-- Returns {sent back, kept (holding a seat)}
local base = ARGV[1]
local now = now_ms()
local members = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local back = {}
local kept = 0
for i = 1, #members, 2 do
  local uid, lapse = members[i], tonumber(members[i + 1])
  if lapse > now then
    local mark = tonumber(redis.call('ZSCORE', KEYS[2], uid))
    if mark and mark > now then
      kept = kept + 1
    else
      back[#back + 1] = uid
    end
  end
end
local head = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
local first = 1
if #head > 0 then
  first = tonumber(head[2])
end
for i, uid in ipairs(back) do
  local score = first - #back + i - 1
  redis.call('ZREM', KEYS[1], uid)
  redis.call('ZREM', KEYS[2], uid)
  redis.call('ZADD', KEYS[3], score, uid)
  redis.call('ZADD', KEYS[4], now, uid)
  local tid = redis.call('GET', base .. 'user:' .. uid)
  if tid then
    redis.call('HDEL', base .. 'token:' .. tid, 'admitted', 'lapse')
    redis.call('HSET', base .. 'token:' .. tid, 'seq', score)
  end
end
return {#back, kept}
