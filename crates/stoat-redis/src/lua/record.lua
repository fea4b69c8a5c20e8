-- Corrects a bucket's window from what the server answered.
-- KEYS[1]: the bucket's hash. ARGV: the permit's window id, limit or '',
-- remaining or '', reset after (ms) or '', retry after (ms) or '', the
-- answer's age (ms), window (ms), margin (ms).
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local h = redis.call('HMGET', KEYS[1], 'id', 'used', 'close', 'limit')
local id, used, close = tonumber(h[1]), tonumber(h[2]), tonumber(h[3])
if not id then return 0 end
local permit, limit = tonumber(ARGV[1]), tonumber(ARGV[2])
local remaining, reset, retry = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local received, window, margin = now - tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
if limit then
  redis.call('HSET', KEYS[1], 'limit', limit)
else
  limit = tonumber(h[4])
end
local server_close
if retry then
  server_close = received + retry
  used = limit or used
elseif reset then
  server_close = received + reset
  if remaining and limit then used = math.max(used, limit - remaining) end
end
-- An answer about a window that has ended says nothing of this one.
if not server_close or server_close <= now then return 0 end
if permit == id and not retry then
  close = server_close
else
  close = math.max(close, server_close)
end
redis.call('HSET', KEYS[1], 'used', used, 'close', close, 'open', close + margin)
if permit == id then redis.call('HSET', KEYS[1], 'known', 1) end
redis.call('PEXPIREAT', KEYS[1], close + margin + window)
return 1
