-- contacts_csv.sql - statements of contacts_csv.c: contacts out as CSV

-- fragment: csv_formula(value)
-- Whether a spreadsheet would run the value as a formula: it begins with =, +, -, @, a tab or
-- a carriage return (taken as text, as COPY writes it).
left((:value)::text, 1) IN ('=', '+', '-', '@', E'\t', E'\r')

-- fragment: csv_cell(value, name)
-- The value as text under the column name, with a leading apostrophe when it would be a
-- formula: in every column, whatever its type, so that a column added is guarded too.
CASE WHEN :csv_formula(:value) THEN '''' || (:value)::text ELSE (:value)::text END AS :name

-- fragment: csv_phone_cell(value, name)
-- The one exception: a phone in E.164 ("+" and digits, as the table's check keeps every
-- phone) is a number to a spreadsheet, not a formula, that an apostrophe would keep from
-- importing again; a phone of any other shape is guarded.
CASE WHEN :csv_formula(:value) AND (:value) !~ '^[+][0-9]+$' THEN '''' || (:value)::text
    ELSE (:value)::text END AS :name

-- name: contacts_csv_export
-- The tenant's live contacts, oldest first, as CSV with a header row of the names an import
-- reads back, filtered as the list is: type $1, tag $2, owner $3, created after $4, and a
-- prefix ($5, a LIKE pattern) of a name, email or company. A COPY, run with its parameters as
-- literals (crm_export_sql).
COPY (
    SELECT :csv_cell(c.id, "id"),
        :csv_cell(c.type, "type"),
        :csv_cell(c.first_name, "first_name"),
        :csv_cell(c.last_name, "last_name"),
        :csv_cell(c.email, "email"),
        :csv_phone_cell(c.phone, "phone"),
        :csv_cell(c.date_of_birth, "date_of_birth"),
        :csv_cell(c.gender, "gender"),
        :csv_cell(c.company, "company"),
        :csv_cell(array_to_string(c.tags, ';'), "tags"),
        :csv_cell(c.owner_id, "owner_id"),
        :csv_cell(c.source, "source"),
        :csv_cell(c.address ->> 'line1', "address.line1"),
        :csv_cell(c.address ->> 'line2', "address.line2"),
        :csv_cell(c.address ->> 'city', "address.city"),
        :csv_cell(c.address ->> 'region', "address.region"),
        :csv_cell(c.address ->> 'postal_code', "address.postal_code"),
        :csv_cell(c.address ->> 'country', "address.country"),
        :csv_cell(c.consent ->> 'email_marketing', "consent.email_marketing"),
        :csv_cell(c.consent ->> 'sms_marketing', "consent.sms_marketing"),
        :csv_cell(c.consent ->> 'sms_reminders', "consent.sms_reminders"),
        :csv_cell(c.consent ->> 'email_reminders', "consent.email_reminders"),
        :csv_cell(c.custom_fields, "custom_fields"),
        :csv_cell(c.created_at, "created_at"),
        :csv_cell(c.updated_at, "updated_at")
    FROM contacts c
    WHERE c.tenant_id = current_tenant_id()
        AND c.deleted_at IS NULL
        AND c.merged_into IS NULL
        AND ($1::text IS NULL OR c.type = $1)
        AND ($2::text IS NULL OR c.tags @> ARRAY[$2::text])
        AND ($3::uuid IS NULL OR c.owner_id = $3::uuid)
        AND ($4::timestamptz IS NULL OR c.created_at > $4::timestamptz)
        AND ($5::text IS NULL OR lower(c.first_name) LIKE lower($5)
            OR lower(c.last_name) LIKE lower($5) OR lower(c.email::text) LIKE lower($5)
            OR lower(c.company) LIKE lower($5))
    ORDER BY c.created_at, c.id
) TO STDOUT WITH (FORMAT csv, HEADER);
