-- Across rooms, by Redis's clock: fans ACTIVE and unlapsed (the global
-- cap's headroom must not count slots that lapsed but were not purged yet),
-- and how many rooms have fans in line (they share the ceiling).
-- KEYS: each room's active set followed by its line, room by room
-- Returns {active, rooms with a line}
local now = string.format('%.0f', now_ms())
local active, lines = 0, 0
for i = 1, #KEYS, 2 do
  active = active + redis.call('ZCOUNT', KEYS[i], '(' .. now, '+inf')
  if redis.call('ZCARD', KEYS[i + 1]) > 0 then
    lines = lines + 1
  end
end
return {active, lines}
