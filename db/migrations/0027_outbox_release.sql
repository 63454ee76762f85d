-- 0027_outbox_release.sql - a worker that stops gives back the rows it claimed but did not
-- send: at once, and without the claim counting as an attempt, so that a restart or a
-- deployment delays nothing.
CREATE FUNCTION outbox_release(p_tenant uuid, p_id uuid, p_worker text)
    RETURNS boolean LANGUAGE plpgsql SET search_path = public AS $$
BEGIN
    UPDATE outbox SET state = 'queued', claimed_by = NULL, attempts = greatest(attempts - 1, 0)
     WHERE tenant_id = p_tenant AND id = p_id AND state = 'sending' AND claimed_by = p_worker;
    RETURN FOUND;
END
$$;
REVOKE ALL ON FUNCTION outbox_release(uuid, uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION outbox_release(uuid, uuid, text) TO crm_worker;
