-- Demo records for `crm dev`, after the demo users exist: 200 leads and customers, deals
-- across the pipeline's stages for two in five, and activities. Made once: skipped when the
-- demo tenant has contacts already. Deterministic, so every fresh `make run` looks the same:
-- contact i was created 200 - i days ago, so an industry module's seed finds it by that order.
SELECT set_config('app.tenant_id', '0d3e0000-0000-4000-8000-000000000001', true);

WITH people AS (
    SELECT i,
           (ARRAY['Olivia', 'Liam', 'Amelia', 'Noah', 'Isla', 'Oliver', 'Ava', 'George', 'Mia',
                  'Arthur', 'Sofia', 'Leo', 'Grace', 'Oscar', 'Freya', 'Harry', 'Lily', 'Jack',
                  'Ella', 'Theo'])[1 + i % 20] AS first_name,
           (ARRAY['Smith', 'Jones', 'Taylor', 'Brown', 'Williams', 'Wilson', 'Johnson', 'Davies',
                  'Patel', 'Robinson', 'Wright', 'Thompson', 'Evans', 'Walker', 'White', 'Roberts',
                  'Green', 'Hall', 'Wood', 'Jackson', 'Clarke', 'Khan', 'Lewis', 'Harris',
                  'Martin'])[1 + (i * 7) % 25] AS last_name
      FROM generate_series(1, 200) AS i
)
INSERT INTO contacts (tenant_id, type, first_name, last_name, email, phone, date_of_birth,
                      gender, company, tags, owner_id, source, consent, consent_updated_at,
                      created_at, updated_at, created_by)
SELECT current_tenant_id(),
       (ARRAY['lead', 'lead', 'lead', 'customer', 'lead'])[1 + i % 5],
       first_name, last_name,
       lower(first_name) || '.' || lower(last_name) || i || '@example.com',
       '+4479' || lpad(((i * 7919) % 100000000)::text, 8, '0'),
       date '1948-01-01' + (i * 97) % 25000,
       (ARRAY['female', 'male', 'other', 'unknown'])[1 + i % 4],
       CASE WHEN i % 5 = 3 THEN (ARRAY['Acme Health', 'Northwind', 'Globex', 'Initech',
                                       'Umbrella Care'])[1 + i % 5] END,
       CASE WHEN i % 7 = 0 THEN ARRAY['vip'] WHEN i % 3 = 0 THEN ARRAY['newsletter']
            ELSE ARRAY[]::text[] END,
       (SELECT id FROM users WHERE tenant_id = current_tenant_id()
         AND role = CASE WHEN i % 5 = 1 THEN 'sales' ELSE 'admin' END ORDER BY email LIMIT 1),
       (ARRAY['website', 'referral', 'walk-in', 'phone', 'event'])[1 + i % 5],
       jsonb_build_object('email_marketing', i % 2 = 0, 'sms_reminders', i % 3 <> 0,
                          'email_reminders', i % 4 = 0),
       jsonb_build_object('email_marketing', now() - make_interval(days => 200 - i),
                          'sms_reminders', now() - make_interval(days => 200 - i),
                          'email_reminders', now() - make_interval(days => 200 - i)),
       now() - make_interval(days => 200 - i), now() - make_interval(days => 200 - i),
       (SELECT id FROM users WHERE tenant_id = current_tenant_id() AND role = 'admin'
         ORDER BY email LIMIT 1)
  FROM people
 WHERE NOT EXISTS (SELECT 1 FROM contacts WHERE tenant_id = current_tenant_id());

-- Deals for two contacts in five (i % 5 is 1 or 3), spread over the default pipeline's stages.
INSERT INTO deals (tenant_id, contact_id, title, amount_minor, currency, pipeline_id, stage_id,
                   owner_id, expected_close_date, lost_reason, created_at, updated_at, created_by)
SELECT current_tenant_id(), c.id,
       (ARRAY['Annual wellness plan', 'Corporate health checks', 'Physio package',
              'Dental membership', 'Family plan'])[1 + n % 5],
       (ARRAY[45000, 120000, 30000, 60000, 95000])[1 + n % 5], 'GBP', p.id, s.id,
       (SELECT id FROM users WHERE tenant_id = current_tenant_id() AND role = 'sales'
         ORDER BY email LIMIT 1),
       current_date + (n % 90)::int, CASE WHEN s.kind = 'lost' THEN 'went with a competitor' END,
       c.created_at + interval '1 day', c.created_at + interval '1 day', c.owner_id
  FROM (SELECT c.*, row_number() OVER (ORDER BY c.created_at) AS i,
               row_number() OVER (PARTITION BY c.id IS NULL ORDER BY c.created_at) AS n
          FROM contacts c WHERE c.tenant_id = current_tenant_id()) c
  JOIN pipelines p ON p.tenant_id = current_tenant_id() AND p.is_default
  JOIN pipeline_stages s ON s.tenant_id = p.tenant_id AND s.pipeline_id = p.id
                        AND s.position = c.n % 6
 WHERE c.i % 5 IN (1, 3)
   AND NOT EXISTS (SELECT 1 FROM deals WHERE tenant_id = current_tenant_id());

-- Activities: a note for everyone, calls and tasks for some, some overdue, some done.
INSERT INTO activities (tenant_id, type, subject, body, contact_id, due_at, assigned_to,
                        completed_at, priority, created_at, updated_at, created_by)
SELECT current_tenant_id(), v.type, v.subject, v.body, c.id,
       CASE WHEN v.type = 'task' THEN now() + make_interval(days => ((c.n % 15) - 5)::int) END,
       c.owner_id,
       CASE WHEN v.type <> 'task' OR c.n % 4 = 0 THEN c.created_at + interval '2 days' END,
       (ARRAY['normal', 'normal', 'high', 'low', 'urgent'])[1 + c.n % 5],
       c.created_at + interval '2 days', c.created_at + interval '2 days', c.created_by
  FROM (SELECT c.*, row_number() OVER (ORDER BY c.created_at) AS n FROM contacts c
         WHERE c.tenant_id = current_tenant_id()) c
  CROSS JOIN LATERAL (VALUES
      ('note', 'First contact', 'Registered details and preferences.'),
      ('call', 'Follow-up call', NULL),
      ('task', 'Send information pack', NULL)) AS v (type, subject, body)
 WHERE (v.type = 'note' OR c.n % 2 = 0)
   AND NOT EXISTS (SELECT 1 FROM activities WHERE tenant_id = current_tenant_id());
