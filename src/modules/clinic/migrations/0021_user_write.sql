-- clinic 0021: the user hook's write of clinic_practitioners as a function. The hook writes
-- only when the core's statement of the same transaction wrote the user, whose updated_at is
-- then the transaction's now(). Its statement read now() inside a modifying CTE, which a Citus
-- cluster plans apart and runs on the worker, whose transaction began later than the
-- coordinator's: nothing matched, and a user stayed a practitioner. Here now() is read once,
-- where the call runs, and the writes compare with that value. On plain PostgreSQL the same.
CREATE FUNCTION clinic_user_write(p_tenant uuid, p_user uuid, p_practitioner boolean)
    RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    at timestamptz := now();
BEGIN
    IF NOT EXISTS (SELECT 1 FROM users x
                    WHERE x.tenant_id = p_tenant AND x.id = p_user AND x.updated_at = at) THEN
        RETURN;
    END IF;
    IF p_practitioner THEN
        INSERT INTO clinic_practitioners (tenant_id, id)
        VALUES (p_tenant, p_user)
        ON CONFLICT DO NOTHING;
    ELSIF NOT p_practitioner THEN
        DELETE FROM clinic_practitioners p WHERE p.tenant_id = p_tenant AND p.id = p_user;
    END IF;
END
$$;
REVOKE ALL ON FUNCTION clinic_user_write(uuid, uuid, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION clinic_user_write(uuid, uuid, boolean) TO crm_app;
