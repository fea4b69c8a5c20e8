-- Records that a partition's entry was handled, with the handler's staged
-- commands, in one step, if this worker still holds the partition.
-- KEYS: the partition's lease, its offset. ARGV: worker, sequence number,
-- then each staged command as its length followed by its words.
-- Returns -1 (the lease is someone else's), 0 (already recorded), 1
-- (recorded), 2 (recorded, but a staged command failed).
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
local done = tonumber(redis.call('GET', KEYS[2]) or '0')
if tonumber(ARGV[2]) <= done then return 0 end
local outcome = 1
local i = 3
while i <= #ARGV do
  local n = tonumber(ARGV[i])
  local reply = redis.pcall(unpack(ARGV, i + 1, i + n))
  if type(reply) == 'table' and reply.err then outcome = 2 end
  i = i + n + 1
end
redis.call('SET', KEYS[2], ARGV[2])
return outcome
