-- contacts.sql - statements of contacts.c: contacts (of the types modules declare)

-- fragment: contact_json
json_build_object('id', c.id, 'tenant_id', c.tenant_id, 'type', c.type, 'first_name',
    c.first_name, 'last_name', c.last_name, 'email', c.email, 'phone', c.phone,
    'date_of_birth', c.date_of_birth, 'gender', c.gender, 'address', c.address, 'company',
    c.company, 'tags', c.tags, 'owner_id', c.owner_id, 'source', c.source, 'custom_fields',
    c.custom_fields, 'consent', c.consent, 'consent_updated_at', c.consent_updated_at,
    'created_at', c.created_at, 'updated_at', c.updated_at, 'created_by', c.created_by,
    'version', c.version)

-- fragment: contact_dup_live
-- Whether the contact d is live: neither deleted nor merged into another.
d.deleted_at IS NULL AND d.merged_into IS NULL

-- name: contact_create
-- A live contact with the same email, phone, or name and date of birth blocks the insert
-- unless $15 (allow_duplicate); the answer names them (existing_ids). One arm per rule, each
-- an index probe on a leakproof equality (core migration 0010; a NULL parameter matches
-- nothing): as one OR on citext and lower(), it was a scan of the tenant's contacts (26 ms at
-- 30,000). $16, $17: Idempotency-Key and the body's hash. The body was validated against a
-- remembered context ($18, $19): nothing is written unless it is still the tenant's.
-- returns: j, version, existing_ids, request_hash, status, body, id, ok, country, defs
WITH :idem_prior('contacts', $16),
:entity_context_check('contact', $18, $19),
dup AS (
    SELECT u.id
    FROM (
        SELECT d.id, d.created_at
        FROM contacts d
        WHERE d.tenant_id = current_tenant_id()
            AND d.email_key = lower($4)
            AND :contact_dup_live
        UNION
        SELECT d.id, d.created_at
        FROM contacts d
        WHERE d.tenant_id = current_tenant_id()
            AND d.phone = $5
            AND :contact_dup_live
        UNION
        SELECT d.id, d.created_at
        FROM contacts d
        WHERE d.tenant_id = current_tenant_id()
            AND d.date_of_birth = $6::date
            AND d.name_key = lower(coalesce($3, '')) || '|' || lower(coalesce($2, ''))
            AND :contact_dup_live
    ) u
    WHERE NOT EXISTS (SELECT 1 FROM prior)
    ORDER BY u.created_at
    LIMIT 10
),
:new_id(fresh),
c_row AS (
    INSERT INTO contacts AS c (tenant_id, id, type, first_name, last_name, email, phone,
        date_of_birth, gender, address, company, tags, owner_id, source, custom_fields,
        consent, consent_updated_at, created_by)
    SELECT t.tenant_id, fresh.id, $1, $2, $3, $4, $5, $6::date, $7,
        coalesce($8::jsonb, '{}'), $9,
        ARRAY(SELECT DISTINCT jsonb_array_elements_text(coalesce($10::jsonb, '[]')) ORDER BY 1),
        $11::uuid, $12, coalesce($13::jsonb, '{}'), coalesce($14::jsonb, '{}'),
        coalesce((SELECT jsonb_object_agg(k, now()) FROM jsonb_object_keys($14::jsonb) k), '{}'),
        nullif(current_setting('app.user_id', true), '')::uuid
    FROM tenant_anchors t, fresh
    WHERE t.tenant_id = current_tenant_id()
        AND NOT EXISTS (SELECT 1 FROM prior)
        AND (SELECT ok FROM ctx)
        AND ($15::boolean OR NOT EXISTS (SELECT 1 FROM dup))
    RETURNING c.*
),
c AS (
    SELECT :contact_json AS j, c.version, c.id
    FROM c_row c
),
:idem_store('contacts', $16, $17, c)
SELECT (SELECT j FROM c),
    (SELECT version FROM c),
    (SELECT json_agg(id) FROM dup) AS existing_ids,
    :idem_columns,
    (SELECT id FROM c),
    :entity_context_columns
FROM ctx;

-- name: contact_get
-- returns: j, version
:record_get(contacts, c, :contact_json);

-- name: contact_audit_read
-- Reading a contact of a sensitive type (or any contact, with the tenant's audit_all_reads)
-- is audited.
SELECT audit_read(current_tenant_id(), 'read', 'contacts', $1::text, $1::text::uuid, NULL);

-- fragment: contacts_list(key, cast, cmp, dir)
-- A page of contacts sorted by key (then id) for :audited_page: live ones, or with $6 the
-- deleted ones (never those merged into another), filtered by type ($1), tag ($2), owner
-- ($3), created after ($4) and a prefix of a name, email, phone or company ($5, lower case),
-- after the cursor's key and id ($7, $8); the subject is the contact of a sensitive type.
SELECT :contact_json, (:key)::text, c.id,
    CASE WHEN c.type = ANY (:sensitive_types) THEN c.id END
FROM contacts c
WHERE c.tenant_id = current_tenant_id()
    AND c.merged_into IS NULL
    AND (CASE WHEN $6::boolean THEN c.deleted_at IS NOT NULL ELSE c.deleted_at IS NULL END)
    AND ($1::text IS NULL OR c.type = $1)
    AND ($2::text IS NULL OR c.tags @> ARRAY[$2])
    AND ($3::uuid IS NULL OR c.owner_id = $3::uuid)
    AND ($4::timestamptz IS NULL OR c.created_at > $4::timestamptz)
    AND ($5::text IS NULL OR lower(c.first_name) LIKE $5 OR lower(c.last_name) LIKE $5
        OR lower(c.email::text) LIKE $5 OR c.phone LIKE $5 OR lower(c.company) LIKE $5)
    AND ($7::text IS NULL OR (:key, c.id) :cmp (CAST($7 AS :cast), $8::uuid))
ORDER BY :key :dir, c.id :dir
LIMIT $9::int

-- name: contacts_list_created_desc
-- One statement per sort; a page showing contacts of sensitive types (subjects) is written
-- to the audit log with its filters ($10).
-- returns: j, k, id
:audited_page('contacts', $10, $9, :contacts_list(c.created_at, timestamptz, <, DESC));

-- name: contacts_list_created_asc
-- returns: j, k, id
:audited_page('contacts', $10, $9, :contacts_list(c.created_at, timestamptz, >, ASC));

-- name: contacts_list_updated_desc
-- returns: j, k, id
:audited_page('contacts', $10, $9, :contacts_list(c.updated_at, timestamptz, <, DESC));

-- name: contacts_list_updated_asc
-- returns: j, k, id
:audited_page('contacts', $10, $9, :contacts_list(c.updated_at, timestamptz, >, ASC));

-- name: contacts_list_name_asc
-- returns: j, k, id
:audited_page('contacts', $10, $9,
    :contacts_list(coalesce(lower(c.last_name), ''), text, >, ASC));

-- name: contacts_list_name_desc
-- returns: j, k, id
:audited_page('contacts', $10, $9,
    :contacts_list(coalesce(lower(c.last_name), ''), text, <, DESC));

-- name: contact_update
-- Columns given in the PATCH ($15 names them) are set (null clears them); the rest keep
-- their value. Consent keys that change get a new time in consent_updated_at; custom fields
-- merge, null removes. The update happens only when the If-Match version ($17) and the
-- remembered context ($18, $19) still hold and a sticky type stays; current_version and
-- current_type are the contact as it was (null when there is none).
-- returns: j, version, current_version, current_type, ok, country, defs
WITH :entity_context_check('contact', $18, $19),
cur AS (
    SELECT c.version, c.type
    FROM contacts c
    WHERE c.tenant_id = current_tenant_id() AND c.id = $1 AND c.deleted_at IS NULL
),
u_row AS (
    UPDATE contacts c
    SET type = CASE WHEN 'type' = ANY ($15::text[]) THEN $2 ELSE c.type END,
        first_name = CASE WHEN 'first_name' = ANY ($15::text[]) THEN $3 ELSE c.first_name END,
        last_name = CASE WHEN 'last_name' = ANY ($15::text[]) THEN $4 ELSE c.last_name END,
        email = CASE WHEN 'email' = ANY ($15::text[]) THEN $5::citext ELSE c.email END,
        phone = CASE WHEN 'phone' = ANY ($15::text[]) THEN $6 ELSE c.phone END,
        date_of_birth = CASE WHEN 'date_of_birth' = ANY ($15::text[]) THEN $7::date
            ELSE c.date_of_birth END,
        gender = CASE WHEN 'gender' = ANY ($15::text[]) THEN $8 ELSE c.gender END,
        address = CASE WHEN 'address' = ANY ($15::text[]) THEN coalesce($9::jsonb, '{}')
            ELSE c.address END,
        company = CASE WHEN 'company' = ANY ($15::text[]) THEN $10 ELSE c.company END,
        tags = CASE WHEN 'tags' = ANY ($15::text[])
            THEN ARRAY(
                SELECT DISTINCT jsonb_array_elements_text(coalesce($11::jsonb, '[]')) ORDER BY 1
            )
            ELSE c.tags END,
        owner_id = CASE WHEN 'owner_id' = ANY ($15::text[]) THEN $12::uuid ELSE c.owner_id END,
        source = CASE WHEN 'source' = ANY ($15::text[]) THEN $13 ELSE c.source END,
        custom_fields = jsonb_strip_nulls(c.custom_fields || coalesce($14::jsonb, '{}')),
        consent = c.consent || coalesce($16::jsonb, '{}'),
        consent_updated_at = c.consent_updated_at || coalesce((
            SELECT jsonb_object_agg(e.key, now())
            FROM jsonb_each($16::jsonb) e
            WHERE c.consent -> e.key IS DISTINCT FROM e.value
        ), '{}'),
        version = c.version + 1,
        updated_at = now()
    WHERE c.tenant_id = current_tenant_id()
        AND c.id = $1
        AND c.deleted_at IS NULL
        AND c.version = $17::int
        AND (SELECT ok FROM ctx)
        AND NOT ('type' = ANY ($15::text[]) AND $2 <> c.type AND c.type = ANY (:sticky_types))
    RETURNING c.*
),
u AS (
    SELECT :contact_json AS j, c.version
    FROM u_row c
)
SELECT (SELECT j FROM u),
    (SELECT version FROM u),
    (SELECT version FROM cur) AS current_version,
    (SELECT type FROM cur) AS current_type,
    :entity_context_columns
FROM ctx;

-- name: contact_delete
-- Soft delete: the contact disappears (404) and can be restored within the tenant's window.
-- returns: deleted, version
:record_delete(contacts);

-- name: contact_restore
-- :record_restore, for a contact neither erased nor merged into another.
-- returns: j, version
WITH c AS (
    UPDATE contacts c
    SET deleted_at = NULL, version = c.version + 1, updated_at = now()
    WHERE c.tenant_id = current_tenant_id()
        AND c.id = $1
        AND c.deleted_at IS NOT NULL
        AND c.erased_at IS NULL
        AND c.merged_into IS NULL
        AND :restore_window(c)
    RETURNING c.*
)
SELECT :contact_json AS j, c.version
FROM c;
