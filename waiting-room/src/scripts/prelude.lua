-- Shared by the queue scripts. Time is always Redis server time, so every
-- instance agrees on lapses and rates whatever their own clocks say.
local EXPIRED, WAITING, ACTIVE = 0, 1, 2

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Exclusive score bound, formatted so large millisecond values stay exact.
local function below(ms)
  return '(' .. string.format('%.0f', ms)
end

-- Admissions inside the rate window: how many, and when the oldest happened
-- (-1 when there is none), for the caller to turn into a measured rate.
local function window_stats(key, now, window)
  local since = string.format('%.0f', now - window)
  local count = redis.call('ZCOUNT', key, since, '+inf')
  local oldest = -1
  if count > 0 then
    local first = redis.call('ZRANGEBYSCORE', key, since, '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
    oldest = tonumber(first[2])
  end
  return count, oldest
end
