-- The testkit module's table: rows written by the test routes, to prove commit and rollback.
CREATE TABLE testkit_notes (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    body text NOT NULL UNIQUE,
    request_id text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT, INSERT ON testkit_notes TO crm_app;
