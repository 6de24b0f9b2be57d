-- One admission step: purge lapsed, abandoned and idle places, then admit
-- from the head of the line up to min(rate budget, free active slots, batch
-- max). Every purge is a sorted-set range read bounded by batch max, never a
-- scan of the whole room.
-- A room admits nobody while paused by an operator or before its opening
-- placed the pre-queued fans (the purges still run). Its admissions come
-- out of its own bucket and the global ceiling's, within its own cap and
-- the global headroom the admitter passes.
-- KEYS: line, seen, active, admissions, bucket, lease, active_seen,
--       ceiling, limits, meta, prequeue, rooms
-- ARGV: base, lease owner ('' = unfenced), active max, admits per second,
--       burst, active ttl ms, idle ms, window ms, batch max, ended record ttl ms,
--       active idle ms, ceiling per second, ceiling burst, allowance (the
--       global cap's headroom and the room's share of the ceiling),
--       room id ('' for the global room), room keep ms
-- Returns {led, lapsed, abandoned, active, waiting, {{user id, waited ms}, ...},
--          idle, state (0 admitting, 1 paused, 2 awaiting its opening,
--          3 opening due), pre-queued}
local base, owner = ARGV[1], ARGV[2]
local active_max, rate, burst = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local ttl, idle, window = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local batch_max, ended_ttl = tonumber(ARGV[9]), tonumber(ARGV[10])
local active_idle = tonumber(ARGV[11])
local ceiling_rate, ceiling_burst = tonumber(ARGV[12]), tonumber(ARGV[13])
local headroom, room, room_keep = tonumber(ARGV[14]), ARGV[15], tonumber(ARGV[16])
local now = now_ms()

-- Operator limits narrow the room's rate and cap; they never widen past
-- the global ceiling.
local limits = redis.call('HMGET', KEYS[9], 'paused', 'rate', 'active_max')
local paused = limits[1] == '1'
if tonumber(limits[2]) then
  rate = math.min(rate, tonumber(limits[2]))
  burst = math.max(1, math.min(burst, tonumber(limits[2])))
end
if tonumber(limits[3]) then
  active_max = tonumber(limits[3])
end
local opening = tonumber(redis.call('HGET', KEYS[10], 'opens_at'))
local awaiting = opening and redis.call('HEXISTS', KEYS[10], 'opened_at') == 0

-- Fencing: an admitter that lost its lease (say it stalled past the expiry)
-- admits nobody, even if it still believes it leads.
if owner ~= '' and redis.call('GET', KEYS[6]) ~= owner then
  return {0, 0, 0, redis.call('ZCARD', KEYS[3]), redis.call('ZCARD', KEYS[1]), {}, 0, 0, redis.call('SCARD', KEYS[11])}
end

-- An ended place keeps its records for the ended-record TTL, so a poll
-- reads EXPIRED with the time it ended (a waiting record alone would lapse
-- within twice the grace).
local function mark_ended(uid, ended)
  local user_key = base .. 'user:' .. uid
  local tid = redis.call('GET', user_key)
  if tid then
    local token_key = base .. 'token:' .. tid
    redis.call('HSET', token_key, 'lapse', ended)
    redis.call('PEXPIRE', token_key, ended_ttl)
    redis.call('PEXPIRE', user_key, ended_ttl)
  end
end

-- Lapsed tokens give their slots back.
local lapsed = redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', string.format('%.0f', now))

-- Users who stopped polling lose their place.
local abandoned = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', below(now - idle), 'WITHSCORES', 'LIMIT', 0, batch_max)
for i = 1, #abandoned, 2 do
  local uid = abandoned[i]
  redis.call('ZREM', KEYS[1], uid)
  redis.call('ZREM', KEYS[2], uid)
  redis.call('SREM', KEYS[11], uid)
  mark_ended(uid, tonumber(abandoned[i + 1]) + idle)
end

-- ACTIVE fans idle past their mark (last guarded request, or a live hold's
-- expiry; for a fan not seen since admission, the grace after it) give
-- their slots back. A member whose token lapsed or completed
-- meanwhile is only tidied away: its place already ended.
local idlers = redis.call('ZRANGEBYSCORE', KEYS[7], '-inf', below(now - active_idle), 'WITHSCORES', 'LIMIT', 0, batch_max)
local idled = 0
for i = 1, #idlers, 2 do
  local uid = idlers[i]
  redis.call('ZREM', KEYS[7], uid)
  local lapse = tonumber(redis.call('ZSCORE', KEYS[3], uid))
  if lapse and lapse > now then
    redis.call('ZREM', KEYS[3], uid)
    mark_ended(uid, tonumber(idlers[i + 1]) + active_idle)
    idled = idled + 1
  end
end

-- Token buckets kept in Redis so a lease hand-over keeps the rate: the
-- room's, and the global ceiling every room draws from.
local function refill(key, per_second, most)
  local bucket = redis.call('HMGET', key, 'tokens', 'ts')
  local tokens = tonumber(bucket[1]) or most
  local ts = tonumber(bucket[2]) or now
  if now > ts then
    tokens = math.min(most, tokens + (now - ts) * per_second / 1000)
  end
  return tokens
end
local tokens = refill(KEYS[5], rate, burst)
local ceiling = refill(KEYS[8], ceiling_rate, ceiling_burst)
local live = redis.call('ZCARD', KEYS[3])
local state = 0
local budget = math.min(math.floor(tokens), math.floor(ceiling), active_max - live, headroom, batch_max)
if paused then
  state, budget = 1, 0
elseif awaiting then
  state, budget = 2, 0
  if now >= opening then
    state = 3
  end
end

local admitted = {}
local popped = 0
local left_at_head = 0
while #admitted < budget and popped < budget + batch_max do
  local head = redis.call('ZPOPMIN', KEYS[1])
  if #head == 0 then
    break
  end
  popped = popped + 1
  local uid, seq = head[1], head[2]
  local seen = tonumber(redis.call('ZSCORE', KEYS[2], uid))
  redis.call('ZREM', KEYS[2], uid)
  local user_key = base .. 'user:' .. uid
  local tid = redis.call('GET', user_key)
  local token_key = tid and (base .. 'token:' .. tid)
  local iat = token_key and tonumber(redis.call('HGET', token_key, 'iat'))
  if not seen or now - seen > idle then
    -- Abandoned places the purge above had no room for this step.
    mark_ended(uid, (seen or now - idle) + idle)
    left_at_head = left_at_head + 1
  elseif iat then
    local lapse = now + ttl
    redis.call('ZADD', KEYS[3], lapse, uid)
    -- A fan who does not show up (no guarded request) within the waiting
    -- grace is a no-show: a present fan polls at least three times within
    -- it, so it has learnt of its turn and opened the seat map by then. A
    -- fan told to poll rarely had its place kept past the grace (its seen
    -- mark moved ahead of the poll, `stretch`): that stretch is added, so
    -- (with an idle period no shorter than the grace, as by default) it is
    -- a no-show only once that place would have lapsed. The mark is
    -- set as if its last request were that much before the idle period
    -- ends; its first guarded request moves it to now.
    local show_by = now + math.min(idle, active_idle) + math.max(0, seen - now)
    redis.call('ZADD', KEYS[7], show_by - active_idle, uid)
    redis.call('HSET', token_key, 'admitted', now, 'lapse', lapse)
    redis.call('PEXPIRE', token_key, ttl + ended_ttl)
    redis.call('PEXPIRE', user_key, ttl + ended_ttl)
    redis.call('ZADD', KEYS[4], now, seq)
    admitted[#admitted + 1] = {uid, now - iat}
  end
end

redis.call('HSET', KEYS[5], 'tokens', tokens - #admitted, 'ts', now)
redis.call('HSET', KEYS[8], 'tokens', ceiling - #admitted, 'ts', now)
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', below(now - window))
local active = redis.call('ZCARD', KEYS[3])
local waiting = redis.call('ZCARD', KEYS[1])
local prequeued = redis.call('SCARD', KEYS[11])
-- A schedule's room nobody has joined for a while and nobody is in leaves
-- the registry; its next join brings it back.
if room ~= '' and active == 0 and waiting == 0 and prequeued == 0 then
  local last = tonumber(redis.call('ZSCORE', KEYS[12], room))
  if last and now - last > room_keep then
    redis.call('ZREM', KEYS[12], room)
  end
end
return {1, lapsed, #abandoned / 2 + left_at_head, active, waiting, admitted, idled, state, prequeued}
