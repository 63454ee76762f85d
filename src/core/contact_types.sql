-- contact_types.sql - the contact types table's sync, and the fragments that read its rules

-- fragment: sensitive_types
-- The names of the sensitive contact types as a text[], from contact_types (core migration
-- 0022; `crm migrate` keeps it equal to the modules' declarations). Uncorrelated, so a
-- statement computes it once (an InitPlan), not per row.
ARRAY(SELECT t.name FROM contact_types t WHERE t.sensitive)

-- fragment: sticky_types
-- The names of the sticky contact types (a contact of one keeps its type), as above.
ARRAY(SELECT t.name FROM contact_types t WHERE t.sticky)

-- name: contact_types_sync
-- One declared type ($1) of module $2 with its plural and rules ($3 to $5), inserted or
-- brought up to date.
INSERT INTO contact_types (name, module, plural, sensitive, sticky)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (name) DO UPDATE
SET module = EXCLUDED.module,
    plural = EXCLUDED.plural,
    sensitive = EXCLUDED.sensitive,
    sticky = EXCLUDED.sticky;
