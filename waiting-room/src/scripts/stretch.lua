-- Keep a waiting place past the grace: the fan was told to poll again later
-- than a third of the grace allows (it is far back), so its last-seen mark
-- moves forward to `mark` (never back), and its records live as long. Does
-- nothing for a fan no longer waiting on this token (admitted, gone or
-- re-joined since).
-- KEYS: seen
-- ARGV: base, user id, token id, mark (ms), record ttl (ms)
-- Returns 1 when the place was kept, else 0.
local base, uid, tid = ARGV[1], ARGV[2], ARGV[3]
local user_key = base .. 'user:' .. uid
if not redis.call('ZSCORE', KEYS[1], uid) or redis.call('GET', user_key) ~= tid then
  return 0
end
redis.call('ZADD', KEYS[1], 'GT', ARGV[4], uid)
redis.call('PEXPIRE', user_key, ARGV[5])
redis.call('PEXPIRE', base .. 'token:' .. tid, ARGV[5])
return 1
