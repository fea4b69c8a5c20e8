-- A worker's heartbeat: renews the partitions it holds, takes free ones up
-- to its fair share, gives back idle extras, and reads every offset.
-- KEYS[1]: the live workers. ARGV: prefix, worker, lease (ms), partitions,
-- then the partitions it may give back (idle ones).
-- Returns: fair share, then for each partition whether it is held (1/0),
-- then each partition's offset.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local prefix, me, lease, count = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
redis.call('ZADD', KEYS[1], now, me)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - lease)
redis.call('PEXPIRE', KEYS[1], lease * 10)
local fair = math.ceil(count / math.max(redis.call('ZCARD', KEYS[1]), 1))
local held, n = {}, 0
for p = 0, count - 1 do
  local key = prefix .. ':lease:' .. p
  if redis.call('GET', key) == me then
    redis.call('PEXPIRE', key, lease)
    held[p] = true
    n = n + 1
  end
end
for i = #ARGV, 5, -1 do
  if n <= fair then break end
  local p = tonumber(ARGV[i])
  if held[p] then
    redis.call('DEL', prefix .. ':lease:' .. p)
    held[p] = nil
    n = n - 1
  end
end
for p = 0, count - 1 do
  if n >= fair then break end
  if not held[p] and redis.call('SET', prefix .. ':lease:' .. p, me, 'NX', 'PX', lease) then
    held[p] = true
    n = n + 1
  end
end
local out = {fair}
for p = 0, count - 1 do out[#out + 1] = held[p] and 1 or 0 end
for p = 0, count - 1 do
  out[#out + 1] = tonumber(redis.call('GET', prefix .. ':offset:' .. p) or '0')
end
return out
