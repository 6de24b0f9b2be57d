-- One admission step: purge lapsed and abandoned places, then admit from the
-- head of the line up to min(rate budget, free active slots, batch max).
-- KEYS: line, seen, active, admissions, bucket, lease
-- ARGV: base, lease owner ('' = unfenced), active max, admits per second,
--       burst, active ttl ms, idle ms, window ms, batch max, ended record ttl ms
-- Returns {led, lapsed, abandoned, active, waiting, {{user id, waited ms}, ...}}
local base, owner = ARGV[1], ARGV[2]
local active_max, rate, burst = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local ttl, idle, window = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local batch_max, ended_ttl = tonumber(ARGV[9]), tonumber(ARGV[10])
local now = now_ms()

-- Fencing: an admitter that lost its lease (say it stalled past the expiry)
-- admits nobody, even if it still believes it leads.
if owner ~= '' and redis.call('GET', KEYS[6]) ~= owner then
  return {0, 0, 0, redis.call('ZCARD', KEYS[3]), redis.call('ZCARD', KEYS[1]), {}}
end

local function mark_ended(uid, ended)
  local tid = redis.call('GET', base .. 'user:' .. uid)
  if tid then
    redis.call('HSET', base .. 'token:' .. tid, 'lapse', ended)
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
  mark_ended(uid, tonumber(abandoned[i + 1]) + idle)
end

-- Token bucket kept in Redis so a lease hand-over keeps the rate.
local bucket = redis.call('HMGET', KEYS[5], 'tokens', 'ts')
local tokens = tonumber(bucket[1]) or burst
local ts = tonumber(bucket[2]) or now
if now > ts then
  tokens = math.min(burst, tokens + (now - ts) * rate / 1000)
end
local live = redis.call('ZCARD', KEYS[3])
local budget = math.min(math.floor(tokens), active_max - live, batch_max)

local admitted = {}
local popped = 0
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
  elseif iat then
    local lapse = now + ttl
    redis.call('ZADD', KEYS[3], lapse, uid)
    redis.call('HSET', token_key, 'admitted', now, 'lapse', lapse)
    redis.call('PEXPIRE', token_key, ttl + ended_ttl)
    redis.call('PEXPIRE', user_key, ttl + ended_ttl)
    redis.call('ZADD', KEYS[4], now, seq)
    admitted[#admitted + 1] = {uid, now - iat}
  end
end

redis.call('HSET', KEYS[5], 'tokens', tokens - #admitted, 'ts', now)
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', below(now - window))
return {1, lapsed, #abandoned / 2, redis.call('ZCARD', KEYS[3]), redis.call('ZCARD', KEYS[1]), admitted}
