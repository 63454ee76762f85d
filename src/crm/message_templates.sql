-- message_templates.sql - statements of message_templates.c and message_preview.c: the tenant's
-- own wording of the modules' kinds of message (core migration 0024)

-- name: message_templates_customised
-- The kinds and channels the tenant worded itself, with when.
-- returns: kind, channel, updated_at
SELECT m.kind, m.channel, to_json(m.updated_at) #>> '{}' AS updated_at
FROM message_templates m
WHERE m.tenant_id = current_tenant_id();

-- name: message_template_get
-- The tenant's template of kind $1 on channel $2; no row: it uses the default.
-- returns: subject, body, html, updated_at
SELECT m.subject, m.body, m.html, to_json(m.updated_at) #>> '{}' AS updated_at
FROM message_templates m
WHERE m.tenant_id = current_tenant_id() AND m.kind = $1 AND m.channel = $2;

-- name: message_template_put
-- Sets the tenant's template of kind $1 on channel $2 (subject $3, body $4, html $5; subject
-- and html NULL for SMS). Writing what is there already keeps updated_at, and the audit
-- trigger writes no row for an update that changes nothing else.
-- returns: updated_at
WITH m AS (
    INSERT INTO message_templates AS m (tenant_id, kind, channel, subject, body, html)
    VALUES (current_tenant_id(), $1, $2, $3, $4, $5)
    ON CONFLICT (tenant_id, kind, channel) DO UPDATE
    SET subject = excluded.subject, body = excluded.body, html = excluded.html,
        updated_at = CASE
            WHEN (m.subject, m.body, m.html) IS DISTINCT FROM (excluded.subject, excluded.body,
                excluded.html)
                THEN excluded.updated_at
            ELSE m.updated_at
        END
    RETURNING m.updated_at
)
SELECT to_json(m.updated_at) #>> '{}' AS updated_at
FROM m;

-- name: message_template_delete
-- The tenant's template of kind $1 on channel $2 removed: the default applies again.
DELETE FROM message_templates
WHERE tenant_id = current_tenant_id() AND kind = $1 AND channel = $2;
