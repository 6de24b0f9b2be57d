-- Acquire the admission lease, or renew it if this owner already holds it.
-- KEYS: lease; ARGV: owner, ttl ms. Returns 1 when held, 0 when someone else holds it.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return 1
end
return 0
