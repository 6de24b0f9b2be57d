-- Give the admission lease up, but only if this owner still holds it.
-- KEYS: lease; ARGV: owner. Returns 1 when released.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
