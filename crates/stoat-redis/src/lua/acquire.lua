-- Takes a slot in a bucket's fixed window, or says how long to wait.
-- KEYS[1]: the bucket's hash. ARGV: limit, window (ms), margin (ms).
-- Fields: id (the window's opening time, ms), used, close (no slot is
-- handed out from close - margin on), open (a new window may open from
-- here: close + margin), limit (the server's, once it said so).
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window, margin = tonumber(ARGV[2]), tonumber(ARGV[3])
local h = redis.call('HMGET', KEYS[1], 'id', 'used', 'close', 'open', 'limit', 'known')
local id, used, close, reopen = tonumber(h[1]), tonumber(h[2]), tonumber(h[3]), tonumber(h[4])
local limit = tonumber(h[5]) or tonumber(ARGV[1])
-- A window whose end no answer has told yet is waited out a whole window
-- more: the server's began when the first request arrived, which may have
-- been late.
if id and not h[6] and now >= reopen and now < reopen + window then
  return {0, math.min(reopen + window - now, margin)}
end
if not id or now >= reopen then
  -- The server's window opens when the first request arrives, a little
  -- after this: a guess until its answer says when it ends.
  id, used, close, reopen = now, 0, now + window, now + window + margin
  redis.call('HDEL', KEYS[1], 'known')
  redis.call('HSET', KEYS[1], 'id', id, 'used', 0, 'close', close, 'open', reopen)
end
-- Slots end a margin before the window does: a request sent later could
-- reach the server after its window ended, and open the next one early.
if used < limit and now < close - margin then
  redis.call('HINCRBY', KEYS[1], 'used', 1)
  redis.call('PEXPIREAT', KEYS[1], reopen + window)
  return {1, id}
end
return {0, math.max(reopen - now, 1)}
