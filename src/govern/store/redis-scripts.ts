// The Redis store's Lua scripts: each store operation is one script, so Redis runs it to completion with no other
// command in between, across every busbar instance sharing the server. Key layout (P = the configured prefix):
//
//   P schema                     layout version ("1")
//   P key:<id>                   hash: the key row (rows.ts columns; absent field = null)
//   P hash:<sha256>, P aws:<id>  string: the key id
//   P keys                       set: every key id
//   P w:<id>:<period>:<start>    hash: s (spend µ¢), t (tokens), r (requests); expires a day after its window
//   P m:<id>:<minute start>      hash: c (requests), t (tokens); exists only for keys with a rate limit; TTL 120 s
//   P r:<reservation id>         hash: s (H held / R released), w, m (the counter keys), r (reserve µ¢), t (tokens),
//                                l (lease end)
//   P leases                     sorted set: held reservation ids scored by lease end (epoch ms)
//   P released                   sorted set: released reservation ids scored by lease end, forgotten by reconcile
//
// Numbers cross into Lua as decimal strings and go back to Redis as strings or through string.format('%d'):
// Lua's tostring() switches to exponent notation past 14 digits, which INCRBY refuses.

export interface Script {
  readonly src: string;
  /** What EVALSHA names it by: the SHA-1 of the source. */
  readonly sha: string;
}

const script = (src: string): Script => ({ src, sha: new Bun.CryptoHasher("sha1").update(src).digest("hex") });

/** KEYS: key, hash index, key set[, aws index]. ARGV: id, then field/value pairs. Returns "ok" or the taken field. */
export const CREATE = script(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 'id' end
if not redis.call('SET', KEYS[2], ARGV[1], 'NX') then return 'hash' end
if KEYS[4] and not redis.call('SET', KEYS[4], ARGV[1], 'NX') then
  redis.call('DEL', KEYS[2])
  return 'aws'
end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('SADD', KEYS[3], ARGV[1])
return 'ok'`);

/** KEYS: an index key (hash or aws). ARGV: prefix. Returns the key row as a flat field/value list, or nil. */
export const LOOKUP = script(`
local id = redis.call('GET', KEYS[1])
if not id then return false end
return redis.call('HGETALL', ARGV[1] .. 'key:' .. id)`);

/** KEYS: key set. ARGV: prefix. Returns one flat field/value list per key. */
export const LIST = script(`
local out = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  out[#out + 1] = redis.call('HGETALL', ARGV[1] .. 'key:' .. id)
end
return out`);

/** KEYS: key. ARGV: n, then n field/value pairs to set, then fields to clear. Returns the new row, or nil. */
export const UPDATE = script(`
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local n = tonumber(ARGV[1])
if n > 0 then redis.call('HSET', KEYS[1], unpack(ARGV, 2, 1 + 2 * n)) end
if #ARGV > 1 + 2 * n then redis.call('HDEL', KEYS[1], unpack(ARGV, 2 + 2 * n)) end
return redis.call('HGETALL', KEYS[1])`);

/** KEYS: key, key set. ARGV: id, prefix. Returns 1 when deleted, 0 when unknown. */
export const DELETE = script(`
local f = redis.call('HMGET', KEYS[1], 'hash', 'aws_access_key_id')
if not f[1] then return 0 end
redis.call('DEL', KEYS[1], ARGV[2] .. 'hash:' .. f[1])
if f[2] then redis.call('DEL', ARGV[2] .. 'aws:' .. f[2]) end
redis.call('SREM', KEYS[2], ARGV[1])
return 1`);

/**
 * KEYS: minute, window, reservation, leases.
 * ARGV: rpm, tpm, cap ('' = none), fee + reserve, reserve tokens, lease end, reservation id, reserve µ¢,
 * window TTL (s, '' = never).
 * Returns "ok", "rpm", "tpm" or "budget"; checks everything before changing anything, so a rejection consumes nothing.
 */
export const ADMIT = script(`
local rpm, tpm, cap = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local rated = rpm ~= nil or tpm ~= nil
if rated then
  local m = redis.call('HMGET', KEYS[1], 'c', 't')
  local c, t = tonumber(m[1]) or 0, tonumber(m[2]) or 0
  if rpm and c >= rpm then return 'rpm' end
  if tpm and c > 0 and t >= tpm then return 'tpm' end
end
if cap and (tonumber(redis.call('HGET', KEYS[2], 's')) or 0) + tonumber(ARGV[4]) > cap then return 'budget' end
if redis.call('EXISTS', KEYS[3]) == 1 then return redis.error_reply('BUSBAR reservation ' .. ARGV[7] .. ' already exists') end
local mk = ''
if rated then
  mk = KEYS[1]
  if redis.call('HINCRBY', mk, 'c', 1) == 1 then redis.call('EXPIRE', mk, 120) end
  redis.call('HINCRBY', mk, 't', ARGV[5])
end
redis.call('HINCRBY', KEYS[2], 's', ARGV[4])
if redis.call('HINCRBY', KEYS[2], 'r', 1) == 1 and ARGV[9] ~= '' then redis.call('EXPIRE', KEYS[2], ARGV[9]) end
redis.call('HSET', KEYS[3], 's', 'H', 'w', KEYS[2], 'm', mk, 'r', ARGV[8], 't', ARGV[5], 'l', ARGV[6])
redis.call('ZADD', KEYS[4], ARGV[6], ARGV[7])
return 'ok'`);

/**
 * KEYS: reservation, leases, window, minute, released.
 * ARGV: reservation id, spend change if held, spend change if released, tokens, minute-token change if held,
 * minute-token change if released, window TTL (s, '' = never; set only when the window had none).
 * Returns 1 when it landed, 0 when the reservation was already settled (or never existed).
 */
export const SETTLE = script(`
local st = redis.call('HMGET', KEYS[1], 's', 'm')
if not st[1] then return 0 end
redis.call('DEL', KEYS[1])
local held = st[1] == 'H'
redis.call('ZREM', held and KEYS[2] or KEYS[5], ARGV[1])
if redis.call('HINCRBY', KEYS[3], 's', held and ARGV[2] or ARGV[3]) < 0 then redis.call('HSET', KEYS[3], 's', 0) end
redis.call('HINCRBY', KEYS[3], 't', ARGV[4])
if ARGV[7] ~= '' and redis.call('TTL', KEYS[3]) == -1 then redis.call('EXPIRE', KEYS[3], ARGV[7]) end
if st[2] and st[2] ~= '' and redis.call('EXISTS', KEYS[4]) == 1 then
  if redis.call('HINCRBY', KEYS[4], 't', held and ARGV[5] or ARGV[6]) < 0 then redis.call('HSET', KEYS[4], 't', 0) end
end
return 1`);

/**
 * KEYS: leases, released. ARGV: now (ms), batch size, prefix, released-marker retention (ms).
 * Releases up to a batch of reservations whose lease ended before now and forgets up to a batch of released
 * markers older than the retention; returns {looked at, released, forgotten}. The counter keys it touches come
 * from the reservation, so it names keys it was not passed (see the docs on Redis Cluster).
 */
export const RECONCILE = script(`
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1], 'LIMIT', 0, ARGV[2])
local released = 0
for _, id in ipairs(ids) do
  local rk = ARGV[3] .. 'r:' .. id
  local f = redis.call('HMGET', rk, 's', 'w', 'm', 'r', 't', 'l')
  if f[1] == 'H' then
    released = released + 1
    if redis.call('EXISTS', f[2]) == 1 then
      if redis.call('HINCRBY', f[2], 's', string.format('%d', -tonumber(f[4]))) < 0 then redis.call('HSET', f[2], 's', 0) end
    end
    if f[3] ~= '' and redis.call('EXISTS', f[3]) == 1 then
      if redis.call('HINCRBY', f[3], 't', string.format('%d', -tonumber(f[5]))) < 0 then redis.call('HSET', f[3], 't', 0) end
    end
    redis.call('HSET', rk, 's', 'R')
    redis.call('ZADD', KEYS[2], f[6], id)
  end
  redis.call('ZREM', KEYS[1], id)
end
local old = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. string.format('%d', tonumber(ARGV[1]) - tonumber(ARGV[4])), 'LIMIT', 0, ARGV[2])
for _, id in ipairs(old) do
  redis.call('DEL', ARGV[3] .. 'r:' .. id)
  redis.call('ZREM', KEYS[2], id)
end
return {#ids, released, #old}`);

/**
 * KEYS: the pool account's total, daily and monthly windows. ARGV: spend, tokens, then a TTL per window (s, '' =
 * never; set only when the window has none).
 */
export const POOL_ADD = script(`
for i = 1, 3 do
  redis.call('HINCRBY', KEYS[i], 's', ARGV[1])
  redis.call('HINCRBY', KEYS[i], 't', ARGV[2])
  redis.call('HINCRBY', KEYS[i], 'r', 1)
  if ARGV[2 + i] ~= '' and redis.call('TTL', KEYS[i]) == -1 then redis.call('EXPIRE', KEYS[i], ARGV[2 + i]) end
end
return 1`);

/** Loaded at open, so the first requests do not pay for EVAL. */
export const ALL: readonly Script[] = [CREATE, LOOKUP, LIST, UPDATE, DELETE, ADMIT, SETTLE, RECONCILE, POOL_ADD];
