-- Appends a batch to the stream, skipping what an earlier attempt (whose
-- answer was lost) already appended, and trims the stream.
-- KEYS: stream, last sequence number, last Ready. ARGV: max length (0: no
-- bound), lowest sequence number to keep (0: no bound), then for each
-- entry: sequence number, partition, field ('e' event, 'r' Ready, 'l' lost
-- count), value.
local last = tonumber(redis.call('GET', KEYS[2]) or '0')
local added = 0
for i = 3, #ARGV, 4 do
  local seq = tonumber(ARGV[i])
  if seq > last then
    redis.call('XADD', KEYS[1], '0-' .. ARGV[i], 'p', ARGV[i + 1], ARGV[i + 2], ARGV[i + 3])
    if ARGV[i + 2] == 'r' then
      redis.call('HSET', KEYS[3], 'seq', ARGV[i], 'r', ARGV[i + 3])
    end
    redis.call('SET', KEYS[2], ARGV[i])
    last = seq
    added = added + 1
  end
end
if tonumber(ARGV[1]) > 0 then
  redis.call('XTRIM', KEYS[1], 'MAXLEN', '~', ARGV[1])
end
if tonumber(ARGV[2]) > 0 then
  redis.call('XTRIM', KEYS[1], 'MINID', '~', '0-' .. ARGV[2])
end
return added
