-- Fans ACTIVE and unlapsed across rooms, by Redis's clock: the global cap's
-- headroom must not count slots that lapsed but were not purged yet.
-- KEYS: every room's active set
-- Returns the sum
local now = string.format('%.0f', now_ms())
local total = 0
for _, key in ipairs(KEYS) do
  total = total + redis.call('ZCOUNT', key, '(' .. now, '+inf')
end
return total
