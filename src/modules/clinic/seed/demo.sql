-- The clinic's demo data for `crm dev`, after the core's: the demo tenant named a clinic with
-- the module on, a receptionist and three practitioners with weekly hours, three contacts in
-- five made patients (those without deals), and appointments in mixed statuses: once, a few a
-- day from a week ago to a week ahead; and at every start, a full diary for the current week
-- (and the next one, from a Saturday) whenever the current week has none, so that the diary
-- looks alive today however long ago the data was made. Each part is idempotent.
SELECT set_config('app.tenant_id', '0d3e0000-0000-4000-8000-000000000001', true);
-- made-up appointments are not news to anyone: no booking notices (clinic 0019), which the
-- in-process worker would otherwise send at once, one per demo booking and channel
SELECT set_config('clinic.notices', 'off', true);

UPDATE tenants SET name = 'Demo Clinic' WHERE id = current_tenant_id() AND name = 'Demo';

INSERT INTO tenant_modules (tenant_id, module)
VALUES (current_tenant_id(), 'clinic') ON CONFLICT DO NOTHING;

-- the front desk and three practitioners, sharing the demo password's hash with the admin
INSERT INTO users (tenant_id, email, password_hash, full_name, role)
SELECT current_tenant_id(), v.email, u.password_hash, v.name, v.role
  FROM users u, (VALUES ('dr.patel@demo.clinic', 'Dr Priya Patel', 'practitioner'),
                        ('reception@demo.clinic', 'Robin Reception', 'receptionist'),
                        ('dr.okafor@demo.clinic', 'Dr Chidi Okafor', 'practitioner'),
                        ('dr.silva@demo.clinic', 'Dr Ana Silva', 'practitioner'))
                 AS v (email, name, role)
 WHERE u.tenant_id = current_tenant_id() AND u.email = 'admin@demo.clinic'
ON CONFLICT (tenant_id, email) DO NOTHING;

-- every demo user signing in as a practitioner sees patients as one
INSERT INTO clinic_practitioners (tenant_id, id)
SELECT tenant_id, id FROM users WHERE tenant_id = current_tenant_id() AND role = 'practitioner'
ON CONFLICT DO NOTHING;

-- contact i of the core's seed (created 200 - i days ago): those without deals (i % 5 is 0,
-- 2 or 4) become patients, Dr Patel's activities; the front desk owns all but the sales ones
UPDATE contacts c SET type = CASE WHEN n.i % 5 IN (0, 2, 4) THEN 'patient' ELSE c.type END,
                      owner_id = (SELECT id FROM users WHERE tenant_id = current_tenant_id()
                                    AND email = 'reception@demo.clinic')
  FROM (SELECT id, row_number() OVER (ORDER BY created_at) AS i FROM contacts
         WHERE tenant_id = current_tenant_id()) n
 WHERE c.tenant_id = current_tenant_id() AND c.id = n.id AND n.i % 5 <> 1
   AND NOT EXISTS (SELECT 1 FROM contacts WHERE tenant_id = current_tenant_id()
                    AND type = 'patient');
UPDATE activities a SET assigned_to = CASE WHEN c.type = 'patient' THEN d.id ELSE r.id END
  FROM contacts c, users r, users d, users x
 WHERE a.tenant_id = current_tenant_id() AND c.tenant_id = a.tenant_id AND c.id = a.contact_id
   AND r.tenant_id = a.tenant_id AND r.email = 'reception@demo.clinic'
   AND d.tenant_id = a.tenant_id AND d.email = 'dr.patel@demo.clinic'
   AND x.tenant_id = a.tenant_id AND x.email = 'admin@demo.clinic'
   AND c.owner_id = r.id AND a.assigned_to = x.id;

-- weekdays 09:00-12:30 and 13:30-17:00, and a Saturday morning clinic 09:00-13:00
INSERT INTO clinic_schedules (tenant_id, practitioner_id, weekday, start_time, end_time)
SELECT current_tenant_id(), u.id, d, t.s, t.e
  FROM users u, generate_series(1, 5) d,
       (VALUES (time '09:00', time '12:30'), (time '13:30', time '17:00')) AS t (s, e)
 WHERE u.tenant_id = current_tenant_id()
   AND u.id IN (SELECT id FROM clinic_practitioners WHERE tenant_id = current_tenant_id())
ON CONFLICT DO NOTHING;
INSERT INTO clinic_schedules (tenant_id, practitioner_id, weekday, start_time, end_time)
SELECT current_tenant_id(), id, 6, time '09:00', time '13:00'
  FROM clinic_practitioners WHERE tenant_id = current_tenant_id()
ON CONFLICT DO NOTHING;

-- hourly slots on weekdays from a week ago to a week ahead, for a third of the patients
INSERT INTO clinic_appointments (tenant_id, patient_id, practitioner_id, practitioner_name,
    starts_at, duration_minutes, ends_at, status, appointment_type, reason, room, source,
    created_by)
SELECT current_tenant_id(), p.id, u.id, u.full_name, slot, 30, slot + interval '30 minutes',
       CASE WHEN slot < now() - interval '1 hour'
            THEN (ARRAY['fulfilled', 'fulfilled', 'fulfilled', 'noshow', 'cancelled'])[1 + p.n % 5]
            ELSE (ARRAY['booked', 'booked', 'pending', 'proposed'])[1 + p.n % 4] END,
       (ARRAY['consultation', 'follow-up', 'check-up'])[1 + p.n % 3],
       (ARRAY['Annual review', 'Back pain', 'Blood test results', 'Vaccination'])[1 + p.n % 4],
       'Room ' || (1 + u.n), (ARRAY['staff', 'phone', 'online'])[1 + p.n % 3],
       (SELECT id FROM users WHERE tenant_id = current_tenant_id()
         AND email = 'reception@demo.clinic')
  FROM (SELECT c.id, row_number() OVER (ORDER BY c.created_at) AS n FROM contacts c
         WHERE c.tenant_id = current_tenant_id() AND c.type = 'patient') p
  JOIN (SELECT u.id, u.full_name, row_number() OVER (ORDER BY u.email) - 1 AS n FROM users u
         WHERE u.tenant_id = current_tenant_id()
           AND u.id IN (SELECT id FROM clinic_practitioners WHERE tenant_id = current_tenant_id())) u
    ON p.n % 3 = u.n
 CROSS JOIN LATERAL (SELECT (date_trunc('day', now() AT TIME ZONE 'Europe/London')::date
                             + ((p.n / 3)::int % 15 - 7)
                             + time '09:00'
                             + make_interval(hours => (ARRAY[0, 1, 2, 5, 6])[1 + ((p.n / 3)::int / 15) % 5]))
                            AT TIME ZONE 'Europe/London' AS slot) s
 WHERE extract(isodow FROM slot AT TIME ZONE 'Europe/London') < 6
   AND date_trunc('week', slot AT TIME ZONE 'Europe/London')
       <> date_trunc('week', now() AT TIME ZONE 'Europe/London') -- the week below fills
   AND NOT EXISTS (SELECT 1 FROM clinic_appointments WHERE tenant_id = current_tenant_id())
ON CONFLICT DO NOTHING;

-- The current week's diary, when it has no appointment (at the first start, and at any start
-- in a later week): each practitioner's working days from Monday (on a Saturday or Sunday the
-- next week's too), about seven of nine slots a day across their hours (09:00-12:30,
-- 13:30-17:00; Saturday mornings five), for patients in turn. Statuses follow the clock: over (mostly fulfilled, some
-- no-shows and cancellations), under way (checked in), starting within 20 minutes (arrived),
-- ahead (mostly booked, some pending or cancelled). A clash with a booking someone made is
-- skipped (ON CONFLICT covers the exclusion constraints).
WITH zone AS (
    SELECT time_zone AS z, (now() AT TIME ZONE time_zone)::date AS today
      FROM tenants WHERE id = current_tenant_id()
), monday AS (
    SELECT z, today, today - (extract(isodow FROM today)::int - 1) AS d FROM zone
), days AS (
    SELECT m.z, m.d + o AS day, o AS n
      FROM monday m, generate_series(0, 11) o
     WHERE (o < 7 OR extract(isodow FROM m.today) >= 6) AND extract(isodow FROM m.d + o) < 7
       AND NOT EXISTS (SELECT 1 FROM clinic_appointments a
                        WHERE a.tenant_id = current_tenant_id()
                          AND a.starts_at >= m.d::timestamp AT TIME ZONE m.z
                          AND a.starts_at < (m.d + 7)::timestamp AT TIME ZONE m.z)
), slots (k, at, minutes) AS (
    VALUES (0, time '09:00', 30), (1, time '09:30', 30), (2, time '10:15', 45),
           (3, time '11:00', 30), (4, time '11:45', 30), (5, time '13:30', 45),
           (6, time '14:30', 30), (7, time '15:00', 60), (8, time '16:15', 30)
), doctors AS (
    SELECT u.id, u.full_name, row_number() OVER (ORDER BY u.email) AS n
      FROM users u JOIN clinic_practitioners p ON p.tenant_id = u.tenant_id AND p.id = u.id
     WHERE u.tenant_id = current_tenant_id() AND u.active
), patients AS (
    SELECT c.id, row_number() OVER (ORDER BY c.created_at, c.id) - 1 AS n,
           count(*) OVER () AS total
      FROM contacts c
     WHERE c.tenant_id = current_tenant_id() AND c.type = 'patient' AND c.deleted_at IS NULL
), planned AS (
    SELECT d.n AS day_n, p.id AS practitioner_id, p.full_name, p.n AS doctor_n, s.k,
           s.minutes, (d.day + s.at) AT TIME ZONE d.z AS starts_at,
           d.n * 9 + p.n * 3 + s.k AS v -- what varies the statuses, rooms and reasons
      FROM days d, doctors p, slots s
     WHERE (d.n + p.n * 2 + s.k) % 4 <> 0 -- a few gaps in each day
       AND (extract(isodow FROM d.day) < 6 OR s.at < time '12:30') -- Saturday: mornings
)
INSERT INTO clinic_appointments (tenant_id, patient_id, practitioner_id, practitioner_name,
    starts_at, duration_minutes, ends_at, status, cancel_reason, appointment_type, reason, room,
    source, created_by)
SELECT current_tenant_id(), pt.id, a.practitioner_id, a.full_name, a.starts_at, a.minutes,
       a.starts_at + make_interval(mins => a.minutes), st.status,
       CASE WHEN st.status = 'cancelled' THEN 'The patient called to cancel' END,
       (ARRAY['consultation', 'follow-up', 'check-up'])[1 + a.v % 3],
       (ARRAY['Annual review', 'Back pain', 'Blood test results', 'Vaccination',
              'Knee pain', 'Repeat prescription', 'Skin rash'])[1 + a.v % 7],
       'Room ' || a.doctor_n, (ARRAY['staff', 'phone', 'online'])[1 + a.v % 3],
       (SELECT id FROM users WHERE tenant_id = current_tenant_id()
         AND email = 'reception@demo.clinic')
  FROM planned a
  JOIN patients pt ON pt.n = (a.day_n * 27 + a.doctor_n * 9 + a.k * 4) % pt.total
 CROSS JOIN LATERAL (SELECT CASE
        WHEN a.starts_at + make_interval(mins => a.minutes) <= now()
            THEN (ARRAY['fulfilled', 'fulfilled', 'fulfilled', 'noshow', 'fulfilled',
                        'cancelled', 'fulfilled'])[1 + a.v % 7]
        WHEN a.starts_at <= now() THEN 'checked-in'
        WHEN a.starts_at <= now() + interval '20 minutes' THEN 'arrived'
        ELSE (ARRAY['booked', 'booked', 'booked', 'pending', 'booked', 'cancelled',
                    'booked'])[1 + a.v % 7] END AS status) st
ON CONFLICT DO NOTHING;
