-- contacts_import.sql - statements of contacts_import.c: the duplicate check and the writes of
-- a CSV import

-- fragment: import_known(lines, matches)
-- For each line of lines (one value a line, an empty line for a row without one), '1' when a
-- live contact c matches it (matches, of e.v) and '0' otherwise, one a line. Each value is
-- one index probe.
coalesce((
    SELECT string_agg(CASE WHEN e.v <> '' AND EXISTS (
            SELECT 1
            FROM contacts c
            WHERE c.tenant_id = current_tenant_id()
                AND c.deleted_at IS NULL
                AND c.merged_into IS NULL
                AND :matches
        ) THEN '1' ELSE '0' END, '' ORDER BY e.n)
    FROM string_to_table(:lines, E'\n') WITH ORDINALITY AS e(v, n)
), '')

-- name: import_existing
-- The file's emails ($1) and phones ($2) that live contacts have already, as :import_known
-- gives them. email_key and phone compare with leakproof equality, so row-level security
-- does not turn the probes into scans.
-- returns: emails, phones
SELECT :import_known($1, c.email_key = lower(e.v)) AS emails,
    :import_known($2, c.phone = e.v) AS phones;

-- name: import_write
-- One chunk of the import: $1 its rows (a JSON array of arrays of the contact's fields in
-- contacts_import.c's order), $2 what to do with each, one character a row: 'u' updates the
-- live contact of the same email (the row's given fields replace the stored ones; custom
-- fields, consent and tags merge), 'i' inserts, '-' skips. A chunk without updates skips the
-- update's join (the EXISTS is a one-time filter). The contact is matched on
-- email_key = x.email_key, a leakproof equality of two columns (citext equality, or lower()
-- of a column, waits for row-level security's filter; core migration 0010).
-- returns: updated, created
WITH x AS MATERIALIZED (
    SELECT substr($2, e.n::int, 1) AS op,
        e.v ->> 0 AS type,
        e.v ->> 1 AS first_name,
        e.v ->> 2 AS last_name,
        (e.v ->> 3)::citext AS email,
        lower(e.v ->> 3) AS email_key,
        e.v ->> 4 AS phone,
        (e.v ->> 5)::date AS date_of_birth,
        e.v ->> 6 AS gender,
        nullif(e.v -> 7, 'null') AS address,
        e.v ->> 8 AS company,
        nullif(e.v -> 9, 'null') AS tags,
        (e.v ->> 10)::uuid AS owner_id,
        e.v ->> 11 AS source,
        nullif(e.v -> 12, 'null') AS custom_fields,
        nullif(e.v -> 13, 'null') AS consent,
        ARRAY(SELECT DISTINCT g FROM jsonb_array_elements_text(
            coalesce(nullif(e.v -> 9, 'null'), '[]')) g ORDER BY 1) AS tag_list,
        coalesce((SELECT jsonb_object_agg(k, now())
                  FROM jsonb_object_keys(nullif(e.v -> 13, 'null')) k), '{}') AS consent_at,
        gen_random_uuid() AS id
    FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS e(v, n)
),
u AS (
    UPDATE contacts c
    SET type = CASE WHEN c.type = ANY (:sticky_types) THEN c.type ELSE x.type END,
        first_name = coalesce(x.first_name, c.first_name),
        last_name = coalesce(x.last_name, c.last_name),
        phone = coalesce(x.phone, c.phone),
        date_of_birth = coalesce(x.date_of_birth, c.date_of_birth),
        gender = coalesce(x.gender, c.gender),
        address = c.address || coalesce(x.address, '{}'),
        company = coalesce(x.company, c.company),
        tags = ARRAY(SELECT DISTINCT unnest(c.tags || x.tag_list) ORDER BY 1),
        owner_id = coalesce(x.owner_id, c.owner_id),
        source = coalesce(x.source, c.source),
        custom_fields = c.custom_fields || coalesce(x.custom_fields, '{}'),
        consent = c.consent || coalesce(x.consent, '{}'),
        version = c.version + 1,
        updated_at = now()
    FROM x
    WHERE x.op = 'u'
        AND EXISTS (SELECT 1 FROM x WHERE x.op = 'u')
        AND c.tenant_id = current_tenant_id()
        AND c.deleted_at IS NULL
        AND c.merged_into IS NULL
        AND c.email_key = x.email_key
    RETURNING 1
),
i AS (
    INSERT INTO contacts AS c (tenant_id, id, type, first_name, last_name, email, phone,
        date_of_birth, gender, address, company, tags, owner_id, source, custom_fields,
        consent, consent_updated_at, created_by)
    SELECT t.tenant_id, x.id, x.type, x.first_name, x.last_name, x.email, x.phone,
        x.date_of_birth, x.gender, coalesce(x.address, '{}'), x.company,
        x.tag_list,
        x.owner_id, x.source, coalesce(x.custom_fields, '{}'), coalesce(x.consent, '{}'),
        x.consent_at, nullif(current_setting('app.user_id', true), '')::uuid
    FROM tenant_anchors t, x
    WHERE t.tenant_id = current_tenant_id() AND x.op = 'i'
    RETURNING 1
)
SELECT (SELECT count(*) FROM u) AS updated, (SELECT count(*) FROM i) AS created;

-- name: import_no_nestloop
-- No nested loops while the chunks run: the planner takes the rows of a chunk for a
-- function's default 100 (1 once filtered) and the tenant's contacts for what statistics
-- older than the last import say (1 right after it), and it planned the update's join as a
-- loop over both: 68 s for 8,192 updates. A hash join is linear.
SELECT set_config('enable_nestloop', 'off', true);

-- name: import_nestloop
-- The session's setting back before COMMIT, where the audit triggers plan their queries.
SELECT set_config('enable_nestloop', reset_val, true)
FROM pg_settings
WHERE name = 'enable_nestloop';
