-- The testkit's conflicts: a transaction that the database aborts as a deadlock victim a given
-- number of times, counted by a sequence per key (sequences ignore ROLLBACK), so that a test
-- can prove the server re-runs such transactions and when it stops trying.
CREATE FUNCTION testkit_conflict_prepare(p_key text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    EXECUTE format('CREATE SEQUENCE IF NOT EXISTS %I', 'testkit_conflict_' || md5(p_key));
END
$$;

CREATE FUNCTION testkit_conflict(p_key text, p_times int) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    attempt bigint := nextval(format('%I', 'testkit_conflict_' || md5(p_key)));
BEGIN
    IF attempt <= p_times THEN
        RAISE EXCEPTION 'testkit deadlock, attempt %', attempt USING ERRCODE = '40P01';
    END IF;
    RETURN attempt;
END
$$;
GRANT EXECUTE ON FUNCTION testkit_conflict_prepare(text), testkit_conflict(text, int) TO crm_app;
