-- 0025_settings_api.sql - the tenant's settings through the API (GET/PATCH /api/v1/settings)
-- and the messages it sent, listed and on the contact's timeline (GET /api/v1/messages).
--  - crm_app may now change two things of its own tenant's row (the tenant_isolation policy of
--    0001 keeps it there): settings and time_zone, with settings_version, a counter that is the
--    settings' ETag, and updated_at. The audit trigger of 0007 logs every change.
--  - The audit keys of settings (audit_retention_days, audit_lanes, audit_all_reads, ...) stay
--    the platform's: crm_app changing one is refused, whatever statement tries. So do
--    sms_senders, the SMS senders (numbers, sender ids) the platform assigned to the tenant:
--    the tenant's sms_sender must be one of them, or one tenant could send from another's
--    number and receive the replies to it; and a number is assigned to one tenant only.
--  - The messages list reads the outbox newest first, of the tenant or of one contact.
ALTER TABLE tenants ADD COLUMN settings_version integer NOT NULL DEFAULT 1;
GRANT UPDATE (settings, time_zone, settings_version, updated_at) ON tenants TO crm_app;

CREATE FUNCTION tenant_settings_guard() RETURNS trigger
    LANGUAGE plpgsql SET search_path = public AS $$
BEGIN
    IF current_user = 'crm_app' AND EXISTS (
           SELECT 1
             FROM (SELECT jsonb_object_keys(OLD.settings)
                   UNION
                   SELECT jsonb_object_keys(NEW.settings)) k (key)
            WHERE k.key LIKE 'audit\_%'
              AND OLD.settings -> k.key IS DISTINCT FROM NEW.settings -> k.key) THEN
        RAISE EXCEPTION 'the audit settings of a tenant are changed by the platform only'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF current_user = 'crm_app'
       AND OLD.settings -> 'sms_senders' IS DISTINCT FROM NEW.settings -> 'sms_senders' THEN
        RAISE EXCEPTION 'the SMS senders of a tenant are assigned by the platform only'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF OLD.settings -> 'sms_senders' IS DISTINCT FROM NEW.settings -> 'sms_senders' AND EXISTS (
           SELECT 1
             FROM tenants o, jsonb_array_elements_text(NEW.settings -> 'sms_senders') n (sender)
            WHERE o.id <> NEW.id AND n.sender LIKE '+%'
              AND coalesce(o.settings -> 'sms_senders', '[]') ? n.sender) THEN
        RAISE EXCEPTION 'an SMS number is assigned to another tenant'
            USING ERRCODE = 'unique_violation', CONSTRAINT = 'tenants_sms_senders_unique';
    END IF;
    IF coalesce(NEW.settings ->> 'sms_sender', '') <> ''
       AND OLD.settings -> 'sms_sender' IS DISTINCT FROM NEW.settings -> 'sms_sender'
       AND NOT coalesce(NEW.settings -> 'sms_senders', '[]') ? (NEW.settings ->> 'sms_sender') THEN
        RAISE EXCEPTION 'sms_sender is not one of the SMS senders assigned to the tenant'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'tenants_sms_sender_assigned';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER tenant_settings_guard BEFORE UPDATE OF settings ON tenants
    FOR EACH ROW EXECUTE FUNCTION tenant_settings_guard();

CREATE INDEX outbox_messages ON outbox (tenant_id, created_at DESC, id DESC)
    WHERE channel <> 'webhook';
CREATE INDEX outbox_contact_messages ON outbox (tenant_id, contact_id, created_at DESC, id DESC)
    WHERE channel <> 'webhook';
