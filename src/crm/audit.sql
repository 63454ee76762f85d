-- audit.sql - statements of audit.c: the audit log's list and export, a contact's history

-- fragment: audit_jsonb(masks)
-- An entry l as JSON; masks is the jsonb {"table.column": label} of the values the caller may
-- not read (crm_audit_masks), NULL for none. The subject is published under its first name
-- too, patient_id, which clients of the API read.
jsonb_build_object('id', l.id::text, 'occurred_at', l.occurred_at, 'actor_id', l.actor_id,
    'actor', l.actor, 'action', l.action, 'entity_type', l.entity_type, 'entity_id',
    l.entity_id, 'subject_id', l.subject_id, 'patient_id', l.subject_id, 'changes',
    audit_mask(l.entity_type, l.changes, :masks::jsonb), 'request_id', l.request_id,
    'client_ip', l.client_ip, 'user_agent', l.user_agent)

-- fragment: audit_where
-- The filters of the list and the export: entity type $1, entity id $2, actor $3, subject
-- $4 (the entry's, or a contact of a sensitive type its changes name), action $5, from $6
-- (inclusive) and to $7 (exclusive).
WHERE l.tenant_id = current_tenant_id()
    AND ($1::text IS NULL OR l.entity_type = $1)
    AND ($2::text IS NULL OR l.entity_id = $2)
    AND ($3::uuid IS NULL OR l.actor_id = $3::uuid)
    AND ($4::uuid IS NULL OR l.subject_id = $4::uuid OR l.changes @> ANY (ARRAY(
        SELECT jsonb_build_object(t.plural, jsonb_build_array($4::text))
        FROM contact_types t
        WHERE t.sensitive
    )))
    AND ($5::text IS NULL OR l.action = $5)
    AND ($6::timestamptz IS NULL OR l.occurred_at >= $6::timestamptz)
    AND ($7::timestamptz IS NULL OR l.occurred_at < $7::timestamptz)

-- name: audit_list
-- A page of the entries :audit_where selects, newest first, after the cursor's id ($8; both
-- key and id), $9 rows, with the values masks ($10) names masked.
-- returns: j, k, id
SELECT :audit_jsonb($10)::text AS j, l.id::text AS k, l.id::text AS id
FROM audit_log l
:audit_where
    AND ($8::bigint IS NULL OR l.id < $8::bigint)
ORDER BY l.id DESC
LIMIT $9::int;

-- name: audit_export
-- The entries :audit_where selects, oldest first, one JSON object a line with the entry's
-- chain (lane) and its prev_hash and hash (hex), the values masks ($8) names masked. A COPY,
-- run with its parameters as literals (crm_export_sql).
COPY (
    SELECT (:audit_jsonb($8) || jsonb_build_object('lane', l.lane, 'prev_hash',
        encode(l.prev_hash, 'hex'), 'hash', encode(l.hash, 'hex')))::text
    FROM audit_log l
    :audit_where
    ORDER BY l.id
) TO STDOUT WITH (FORMAT csv, QUOTE E'\x01', DELIMITER E'\x02');

-- name: contact_history
-- The changes (not reads) of contact $1, newest first, after the cursor's id ($2), $3 rows.
-- returns: j, k, id
SELECT :audit_jsonb(NULL)::text AS j, l.id::text AS k, l.id::text AS id
FROM audit_log l
WHERE l.tenant_id = current_tenant_id()
    AND l.entity_type = 'contacts'
    AND l.entity_id = $1::text
    AND l.action NOT IN ('read', 'search', 'export')
    AND ($2::bigint IS NULL OR l.id < $2::bigint)
ORDER BY l.id DESC
LIMIT $3::int;

-- name: contact_exists
-- Whether $1 is a contact of the tenant, deleted or not, that was not erased: an erased
-- contact has no history to show (404, as for an unknown id).
SELECT 1
FROM contacts
WHERE tenant_id = current_tenant_id() AND id = $1::text::uuid AND erased_at IS NULL;

-- name: history_audit
-- Reading a contact's history is reading their record: audited like a contact GET.
SELECT audit_read(current_tenant_id(), 'read', 'contacts', $1::text, $1::text::uuid,
    '{"view": "history"}')
FROM contacts
WHERE tenant_id = current_tenant_id() AND id = $1::text::uuid AND erased_at IS NULL;
