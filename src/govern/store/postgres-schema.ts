// The Postgres store's tables and functions, created in the configured schema on first start. Admission,
// settlement and release are PL/pgSQL functions so each is one statement (one round trip, one transaction) whose
// guarded upserts change the counters inside the server.
//
// Lock order, so concurrent instances never deadlock: a reservation row, then minute rows, then usage rows; an
// operation that locks several of one kind (reconcile) takes them sorted. Admit and settle touch one key's rows.

/** Bumped on any incompatible change below; a schema with another version stops boot. */
export const PG_SCHEMA_VERSION = 1;

/** `s` is a validated, quoted schema identifier. */
export function schemaSql(s: string): string {
  return `
CREATE SCHEMA IF NOT EXISTS ${s};
CREATE TABLE ${s}.meta (name text PRIMARY KEY, value text NOT NULL);
CREATE TABLE ${s}.keys (
  id text PRIMARY KEY, hash text NOT NULL UNIQUE, name text NOT NULL, labels text NOT NULL,
  allowed_pools text NOT NULL, max_budget bigint, budget_period text NOT NULL, rpm_limit bigint, tpm_limit bigint,
  enabled integer NOT NULL, expires_at bigint, created_at bigint NOT NULL, aws_access_key_id text UNIQUE,
  aws_secret text);
CREATE TABLE ${s}.usage (
  key_id text NOT NULL, period text NOT NULL, window_start bigint NOT NULL, spend bigint NOT NULL,
  tokens bigint NOT NULL, requests bigint NOT NULL, PRIMARY KEY (key_id, period, window_start));
CREATE TABLE ${s}.minutes (
  key_id text NOT NULL, minute_start bigint NOT NULL, count bigint NOT NULL, tokens bigint NOT NULL,
  PRIMARY KEY (key_id, minute_start));
CREATE TABLE ${s}.reservations (
  id text PRIMARY KEY, key_id text NOT NULL, period text NOT NULL, window_start bigint NOT NULL,
  minute_start bigint, reserve_micros bigint NOT NULL, reserve_tokens bigint NOT NULL, lease_until bigint NOT NULL,
  released boolean NOT NULL);
CREATE INDEX reservations_held ON ${s}.reservations (lease_until) WHERE NOT released;

-- RPM, TPM, budget (platform.md §3.2); 'ok' or the reason. A budget rejection takes back the minute increment
-- while it still holds the row, so no one sees it and the rejection consumes nothing.
CREATE FUNCTION ${s}.admit(p_key text, p_minute bigint, p_rtokens bigint, p_rpm bigint, p_tpm bigint,
  p_period text, p_window bigint, p_charge bigint, p_cap bigint, p_rid text, p_reserve bigint, p_lease bigint)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  rated boolean := p_rpm IS NOT NULL OR p_tpm IS NOT NULL;
  c bigint;
BEGIN
  IF rated THEN
    INSERT INTO ${s}.minutes AS m (key_id, minute_start, count, tokens)
      SELECT p_key, p_minute, 1, p_rtokens WHERE p_rpm IS NULL OR p_rpm > 0
    ON CONFLICT (key_id, minute_start) DO UPDATE SET count = m.count + 1, tokens = m.tokens + EXCLUDED.tokens
      WHERE (p_rpm IS NULL OR m.count < p_rpm) AND (p_tpm IS NULL OR m.count = 0 OR m.tokens < p_tpm);
    IF NOT FOUND THEN
      SELECT m.count INTO c FROM ${s}.minutes m WHERE m.key_id = p_key AND m.minute_start = p_minute;
      RETURN CASE WHEN p_rpm IS NOT NULL AND coalesce(c, 0) >= p_rpm THEN 'rpm' ELSE 'tpm' END;
    END IF;
  END IF;
  INSERT INTO ${s}.usage AS u (key_id, period, window_start, spend, tokens, requests)
    SELECT p_key, p_period, p_window, p_charge, 0, 1 WHERE p_cap IS NULL OR p_charge <= p_cap
  ON CONFLICT (key_id, period, window_start) DO UPDATE SET spend = u.spend + EXCLUDED.spend, requests = u.requests + 1
    WHERE p_cap IS NULL OR u.spend + EXCLUDED.spend <= p_cap;
  IF NOT FOUND THEN
    IF rated THEN
      UPDATE ${s}.minutes SET count = count - 1, tokens = tokens - p_rtokens
        WHERE key_id = p_key AND minute_start = p_minute;
    END IF;
    RETURN 'budget';
  END IF;
  INSERT INTO ${s}.reservations VALUES (p_rid, p_key, p_period, p_window, CASE WHEN rated THEN p_minute END,
    p_reserve, p_rtokens, p_lease, false);
  RETURN 'ok';
END $$;

-- Replaces a reservation by the real usage; false when it was already settled (or never existed).
CREATE FUNCTION ${s}.settle(p_rid text, p_key text, p_period text, p_window bigint, p_spend_held bigint,
  p_spend_released bigint, p_tokens bigint, p_mtokens_held bigint, p_mtokens_released bigint)
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  r record;
  d bigint;
BEGIN
  DELETE FROM ${s}.reservations WHERE id = p_rid RETURNING released, minute_start INTO r;
  IF NOT FOUND THEN RETURN false; END IF;
  IF r.minute_start IS NOT NULL THEN
    UPDATE ${s}.minutes SET tokens = greatest(0, tokens + CASE WHEN r.released THEN p_mtokens_released ELSE p_mtokens_held END)
      WHERE key_id = p_key AND minute_start = r.minute_start;
  END IF;
  d := CASE WHEN r.released THEN p_spend_released ELSE p_spend_held END;
  INSERT INTO ${s}.usage AS u (key_id, period, window_start, spend, tokens, requests)
    VALUES (p_key, p_period, p_window, greatest(0, d), p_tokens, 0)
  ON CONFLICT (key_id, period, window_start) DO UPDATE SET spend = greatest(0, u.spend + d), tokens = u.tokens + p_tokens;
  RETURN true;
END $$;

-- Releases held reservations whose lease ended before p_now (SKIP LOCKED: another instance's reconcile, or a
-- settle in progress, keeps its rows); returns how many. Subtracting with a floor in one step equals doing it one
-- reservation at a time, since every amount is non-negative.
CREATE FUNCTION ${s}.reconcile(p_now bigint) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  n bigint;
BEGIN
  CREATE TEMP TABLE IF NOT EXISTS busbar_released (key_id text, period text, window_start bigint,
    minute_start bigint, reserve_micros bigint, reserve_tokens bigint) ON COMMIT DELETE ROWS;
  WITH claimed AS (
    UPDATE ${s}.reservations SET released = true
    WHERE id IN (SELECT id FROM ${s}.reservations WHERE NOT released AND lease_until < p_now
                 ORDER BY id FOR UPDATE SKIP LOCKED)
    RETURNING key_id, period, window_start, minute_start, reserve_micros, reserve_tokens)
  INSERT INTO busbar_released SELECT * FROM claimed;
  GET DIAGNOSTICS n = ROW_COUNT;
  PERFORM 1 FROM ${s}.minutes m WHERE (m.key_id, m.minute_start) IN (SELECT key_id, minute_start FROM busbar_released)
    ORDER BY m.key_id, m.minute_start FOR UPDATE;
  UPDATE ${s}.minutes m SET tokens = greatest(0, m.tokens - c.t)
    FROM (SELECT key_id, minute_start, sum(reserve_tokens) AS t FROM busbar_released
          WHERE minute_start IS NOT NULL GROUP BY 1, 2) c
    WHERE m.key_id = c.key_id AND m.minute_start = c.minute_start;
  PERFORM 1 FROM ${s}.usage u WHERE (u.key_id, u.period, u.window_start) IN
    (SELECT key_id, period, window_start FROM busbar_released) ORDER BY u.key_id, u.period, u.window_start FOR UPDATE;
  UPDATE ${s}.usage u SET spend = greatest(0, u.spend - c.s)
    FROM (SELECT key_id, period, window_start, sum(reserve_micros) AS s FROM busbar_released GROUP BY 1, 2, 3) c
    WHERE u.key_id = c.key_id AND u.period = c.period AND u.window_start = c.window_start;
  RETURN n;
END $$;

INSERT INTO ${s}.meta VALUES ('schema_version', '${PG_SCHEMA_VERSION}');
`;
}
