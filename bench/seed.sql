-- seed.sql - benchmark data at clinic scale, set-based, as the superuser on a migrated
-- database. psql variables: big_contacts, big_deals, big_activities, big_appointments,
-- small_tenants, small_contacts (each), practitioners
-- (of the large tenant), password_hash (an argon2id hash every user shares). The large
-- tenant's audit log is seeded at the same time by seed_audit.sql, in a session of its own.
-- Triggers and foreign-key checks are off (session_replication_role = replica): the rows are
-- consistent by construction, the search copy is filled in one statement, and secondary
-- indexes are dropped during the load and built after it. Deals and activities get ids in
-- order (d0000000-..., a0000000-...), so that their primary keys grow at the right edge
-- instead of taking two million random inserts (28 s of the seed for activities alone).
\set ON_ERROR_STOP on
SET session_replication_role = replica;
SET maintenance_work_mem = '256MB';
SET synchronous_commit = off;

BEGIN;
-- on a Citus cluster (bench/citus.py) the workers get the same settings, and the load runs
-- over one connection per worker (it follows DDL in the transaction); placeholders elsewhere
SET LOCAL citus.propagate_set_commands = 'local';
SET LOCAL session_replication_role = replica;
SET LOCAL citus.multi_shard_modify_mode = 'sequential';
-- Secondary indexes of the bulk tables go, to be built in one pass each after the load, by
-- bench/seed_indexes.sql in two sessions side by side (the list stays in bench_indexes).
CREATE UNLOGGED TABLE bench_indexes AS
SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def,
       a.amname = 'gin' AS gin, t.relname AS tab
  FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
  JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am a ON a.oid = ic.relam
 WHERE t.relname IN ('contacts', 'deals', 'activities', 'search_entries')
   AND NOT i.indisprimary AND NOT i.indisunique AND NOT i.indisexclusion
   AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid);
SELECT format('DROP INDEX %s', name) FROM bench_indexes \gexec

INSERT INTO tenants (id, name, slug, time_zone, default_country)
VALUES ('b0000000-0000-4000-8000-000000000000', 'Bench Hospital', 'bench-big',
        'Europe/London', 'GB');
INSERT INTO tenants (id, name, slug, time_zone, default_country)
SELECT ('b0000000-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid, 'Bench Clinic ' || n,
       'bench-' || lpad(n::text, 4, '0'), 'Europe/London', 'GB'
  FROM generate_series(1, :small_tenants) n;
-- each tenant's anchor, which the trigger on tenants makes when triggers are on (core 0032)
INSERT INTO tenant_anchors (tenant_id)
SELECT id FROM tenants WHERE slug LIKE 'bench-%';
INSERT INTO tenant_modules (tenant_id, module)
SELECT id, 'clinic' FROM tenants WHERE slug LIKE 'bench-%';
DO $$ BEGIN PERFORM create_default_pipeline(id) FROM tenants WHERE slug LIKE 'bench-%'; END $$;

-- Users: one per role, and practitioners (the large tenant has :practitioners).
INSERT INTO users (tenant_id, email, password_hash, full_name, role)
SELECT t.id, r.role || '@' || t.slug || '.test', :'password_hash', initcap(r.role) || ' User',
       r.role
  FROM tenants t, (VALUES ('admin'), ('receptionist'), ('sales'), ('viewer'), ('auditor')) r (role)
 WHERE t.slug LIKE 'bench-%';
INSERT INTO users (tenant_id, email, password_hash, full_name, role)
SELECT t.id, 'dr' || n || '@' || t.slug || '.test', :'password_hash', 'Dr Bench ' || n,
       'practitioner'
  FROM tenants t,
       LATERAL generate_series(1, CASE WHEN t.slug = 'bench-big' THEN :practitioners ELSE 2 END) n
 WHERE t.slug LIKE 'bench-%';
-- the diary colours the colour trigger (off here) would give: the palette in order
INSERT INTO clinic_practitioners (tenant_id, id, colour)
SELECT tenant_id, id,
       (clinic_palette())[(row_number() OVER (PARTITION BY tenant_id ORDER BY email) - 1) % 12 + 1]
  FROM users WHERE role = 'practitioner' AND email LIKE '%@bench-%';
INSERT INTO clinic_schedules (tenant_id, practitioner_id, weekday, start_time, end_time)
SELECT p.tenant_id, p.id, d, time '07:00', time '22:00'
  FROM clinic_practitioners p, generate_series(1, 7) d;

-- Contacts: 60 first names x 80 last names, every type, created over three years. Ids are
-- c<tenant number, 7 hex digits>-0000-4000-8000-<i, 12 digits> (the large tenant is 0), so
-- that load scripts and pgbench name existing contacts without a lookup; i % 5 < 3 are
-- patients.
INSERT INTO contacts (tenant_id, id, type, first_name, last_name, email, phone, date_of_birth,
                      gender, company, tags, source, consent, created_at, updated_at)
SELECT t.id, ('c' || lpad(to_hex(t.n), 7, '0') || '-0000-4000-8000-' || lpad(i::text, 12, '0'))::uuid,
       (ARRAY['patient', 'patient', 'patient', 'lead', 'customer'])[1 + i % 5],
       nm.first, nm.last,
       lower(nm.first) || '.' || lower(nm.last) || '.' || i || '@mail' || (i % 7) || '.test',
       '+447' || lpad(((i::bigint * 7919 + t.n * 104729) % 1000000000)::text, 9, '0'),
       date '1935-01-01' + (i * 97) % 30000,
       (ARRAY['female', 'male', 'other', 'unknown'])[1 + i % 4],
       CASE WHEN i % 5 = 4 THEN 'Company ' || (i % 500) END,
       CASE WHEN i % 11 = 0 THEN ARRAY['vip'] ELSE ARRAY[]::text[] END,
       (ARRAY['website', 'referral', 'walk-in', 'phone'])[1 + i % 4],
       '{}',
       now() - make_interval(secs => (3 * 365 * 86400)::float8 * (1 - i::float8 / t.total)),
       now() - make_interval(secs => (3 * 365 * 86400)::float8 * (1 - i::float8 / t.total))
  FROM (SELECT id, CASE WHEN slug = 'bench-big' THEN :big_contacts ELSE :small_contacts END
               AS total,
               CASE WHEN slug = 'bench-big' THEN 0 ELSE substr(slug, 7)::int END AS n
          FROM tenants WHERE slug LIKE 'bench-%') t,
       LATERAL generate_series(1, t.total) i,
       LATERAL (SELECT (ARRAY['Olivia','Liam','Amelia','Noah','Isla','Oliver','Ava','George',
              'Mia','Arthur','Sofia','Leo','Grace','Oscar','Freya','Harry','Lily','Jack','Ella',
              'Theo','Emma','Lucas','Chloe','Mason','Zara','Ethan','Ruby','Adam','Alice','Hugo',
              'Maya','Samuel','Nora','Daniel','Eva','Joseph','Layla','Henry','Rosie','Max',
              'Evie','Ibrahim','Hannah','Yusuf','Aria','Elijah','Ivy','Finn','Erin','Jacob',
              'Anna','Luca','Sara','Omar','Phoebe','Rory','Leah','Kai','Maria',
              'Felix'])[1 + (i::bigint * 2654435761) % 60] AS first,
       (ARRAY['Smith','Jones','Taylor','Brown','Williams','Wilson','Johnson','Davies','Patel',
              'Robinson','Wright','Thompson','Evans','Walker','White','Roberts','Green','Hall',
              'Wood','Jackson','Clarke','Khan','Lewis','Harris','Martin','Cooper','King',
              'Baker','Hill','Morris','Moore','Ward','Turner','Edwards','Hughes','Scott',
              'Allen','Young','Mitchell','Anderson','Campbell','Kelly','Murphy','Shah','Begum',
              'Ali','Hussain','Nowak','Kowalski','Rossi','Silva','Santos','Costa','Garcia',
              'Lopez','Muller','Schmidt','Fischer','Weber','Meyer','Dubois','Laurent','Bernard',
              'Moreau','Okafor','Adeyemi','Mensah','Nguyen','Tran','Kim','Park','Chen','Wang',
              'Li','Zhang','Singh','Kaur','Das','Gupta',
              'Ivanova'])[1 + (i::bigint * 2246822519) / 7 % 80] AS last) nm;

-- Deals: for leads and customers of the large tenant, over the default pipeline's stages.
INSERT INTO deals (tenant_id, id, contact_id, title, amount_minor, currency, pipeline_id,
                   stage_id, expected_close_date, created_at, updated_at)
SELECT c.tenant_id, ('d0000000-0000-4000-8000-' || lpad(c.n::text, 12, '0'))::uuid, c.id,
       'Plan ' || c.n, 10000 + (c.n * 37) % 500000, 'GBP', s.pipeline_id,
       s.id, current_date + (c.n % 120)::int, c.created_at, c.created_at
  FROM (SELECT id, tenant_id, created_at, row_number() OVER (ORDER BY created_at) AS n
          FROM contacts WHERE tenant_id = 'b0000000-0000-4000-8000-000000000000'
           AND type IN ('lead', 'customer') LIMIT :big_deals) c
  JOIN pipelines p ON p.tenant_id = c.tenant_id AND p.is_default
  JOIN pipeline_stages s ON s.tenant_id = p.tenant_id AND s.pipeline_id = p.id
                        AND s.position = c.n % 6;

-- Activities: most contacts a few; the first ten "busy" contacts 1,000 each.
CREATE TEMP TABLE bench_big_contacts AS
SELECT id, type, row_number() OVER (ORDER BY created_at, id) AS n
  FROM contacts WHERE tenant_id = 'b0000000-0000-4000-8000-000000000000';
CREATE UNIQUE INDEX ON bench_big_contacts (n);
CREATE TEMP TABLE bench_big_patients AS
SELECT id, row_number() OVER (ORDER BY n) AS n FROM bench_big_contacts WHERE type = 'patient';
CREATE UNIQUE INDEX ON bench_big_patients (n);
INSERT INTO activities (tenant_id, id, type, subject, body, contact_id, due_at,
                        completed_at, priority, created_at, updated_at)
SELECT 'b0000000-0000-4000-8000-000000000000',
       ('a0000000-0000-4000-8000-' || lpad(i::text, 12, '0'))::uuid,
       (ARRAY['note', 'call', 'task', 'email', 'meeting'])[1 + i % 5],
       'Activity ' || i, CASE WHEN i % 5 = 0 THEN 'Discussed treatment options.' END, c.id,
       CASE WHEN i % 5 = 2 THEN now() + make_interval(days => (i % 30 - 10)) END,
       CASE WHEN i % 5 <> 2 OR i % 3 = 0 THEN now() - make_interval(days => i % 1000) END,
       (ARRAY['normal', 'high', 'low', 'urgent'])[1 + i % 4],
       now() - make_interval(days => i % 1000), now() - make_interval(days => i % 1000)
  FROM generate_series(1, :big_activities) i
  JOIN bench_big_contacts c
    ON c.n = CASE WHEN i <= 10000 THEN 1 + i % 10
                  ELSE 1 + (i::bigint * 7919) % (SELECT count(*) FROM bench_big_contacts) END;

-- Appointments: 30-minute slots 08:00-20:00 London time, per practitioner, back from today.
INSERT INTO clinic_appointments (tenant_id, patient_id, practitioner_id, practitioner_name,
    starts_at, duration_minutes, ends_at, status, appointment_type, source)
SELECT 'b0000000-0000-4000-8000-000000000000', p.id, u.id, u.full_name, s.at, 30,
       s.at + interval '30 minutes',
       CASE WHEN s.at < now() THEN (ARRAY['fulfilled', 'fulfilled', 'noshow', 'cancelled'])[1 + k % 4]
            ELSE 'booked' END,
       'consultation', 'staff'
  FROM generate_series(0, :big_appointments - 1) k
  JOIN (SELECT id, full_name, row_number() OVER (ORDER BY email) - 1 AS n FROM users
         WHERE tenant_id = 'b0000000-0000-4000-8000-000000000000'
           AND id IN (SELECT id FROM clinic_practitioners)) u
    ON u.n = k % :practitioners
  CROSS JOIN LATERAL (SELECT ((current_date + 14 - (k / :practitioners) / 24)::timestamp
                              + time '08:00' + make_interval(mins => 30 * ((k / :practitioners) % 24)))
                             AT TIME ZONE 'Europe/London' AS at) s
  JOIN bench_big_patients p ON p.n = 1 + (k * 31) % (SELECT count(*) FROM bench_big_patients);

-- The search copy, as its trigger would have kept it.
INSERT INTO search_entries (tenant_id, kind, id, name, company, email, phone)
SELECT tenant_id, 'contact', id, lower(coalesce(first_name, '') || ' ' || coalesce(last_name, '')),
       lower(coalesce(company, '')), lower(coalesce(email::text, '')), coalesce(phone, '')
  FROM contacts WHERE tenant_id IN (SELECT id FROM tenants WHERE slug LIKE 'bench-%');
INSERT INTO search_entries (tenant_id, kind, id, name)
SELECT tenant_id, 'deal', id, lower(title) FROM deals
 WHERE tenant_id = 'b0000000-0000-4000-8000-000000000000';
COMMIT;
