-- clinic 0015: each practitioner's colour in the diary (its columns and their appointments),
-- chosen once when the practitioner is made, so that it never moves to someone else when
-- practitioners come and go, and kept in the row so that a settings screen can change it.
-- The palette: twelve colours, each giving white text a contrast of at least 4.5:1 (WCAG
-- AA), ordered so that the first few differ most. A new practitioner takes the colour its
-- tenant's practitioners use least, the palette's order breaking ties: the first twelve all
-- differ. Existing practitioners get the palette in the order they were made.
CREATE FUNCTION clinic_palette() RETURNS text[]
    LANGUAGE sql IMMUTABLE AS $$
SELECT ARRAY['#1d4ed8', '#047857', '#b45309', '#6d28d9', '#be123c', '#0e7490',
             '#4d7c0f', '#a21caf', '#4338ca', '#c2410c', '#0f766e', '#be185d']
$$;

ALTER TABLE clinic_practitioners ADD COLUMN colour text
    CONSTRAINT clinic_practitioners_colour_check CHECK (colour ~ '^#[0-9a-f]{6}$');

CREATE FUNCTION clinic_practitioner_colour() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.colour IS NULL THEN
        SELECT p.c INTO NEW.colour
        FROM unnest(clinic_palette()) WITH ORDINALITY AS p (c, n)
        ORDER BY (SELECT count(*) FROM clinic_practitioners x
                  WHERE x.tenant_id = NEW.tenant_id AND x.colour = p.c), p.n
        LIMIT 1;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER colour BEFORE INSERT ON clinic_practitioners
    FOR EACH ROW EXECUTE FUNCTION clinic_practitioner_colour();

-- The existing rows are filled in as a column default would be: without audit rows (no
-- tenant changed anything), and past row-level security, forced on the owner too; both only
-- for this statement, inside this migration's transaction.
ALTER TABLE clinic_practitioners NO FORCE ROW LEVEL SECURITY, DISABLE TRIGGER audit;
UPDATE clinic_practitioners p
SET colour = (clinic_palette())[(o.n - 1) % 12 + 1]
FROM (SELECT tenant_id, id, row_number() OVER (PARTITION BY tenant_id ORDER BY created_at, id) AS n
      FROM clinic_practitioners) o
WHERE o.tenant_id = p.tenant_id AND o.id = p.id;
ALTER TABLE clinic_practitioners FORCE ROW LEVEL SECURITY, ENABLE TRIGGER audit;
ALTER TABLE clinic_practitioners ALTER COLUMN colour SET NOT NULL;
