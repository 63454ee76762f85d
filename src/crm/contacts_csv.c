/* contacts_csv.c - contacts in and out as CSV: the import (dry run, all or nothing or skip the
 * invalid rows, upsert by email, column mapping) and the streamed export */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/csv.h"
#include "core/db.h"
#include "core/db_export.h"
#include "core/log.h"
#include "core/uuid.h"
#include "core/validate.h"
#include "crm/contacts.h"
#include "crm/custom_fields.h"
#include "crm/handlers.h"

#define CRM_IMPORT_MAX_ROWS 100000

/* ---- export ---------------------------------------------------------------------------- */

/* A cell a spreadsheet would run as a formula gets a leading apostrophe. */
#define CRM_CSV_SAFE(X) "CASE WHEN (" X ") ~ '^[=+@\\t\\r-]' THEN '''' || (" X ") ELSE (" X ") END"

/* The export's columns: the names an import reads back. */
/* clang-format off */
static const char crm_export_select[] =
    "COPY (SELECT c.id, c.type,"
    " " CRM_CSV_SAFE("c.first_name") " AS first_name,"
    " " CRM_CSV_SAFE("c.last_name") " AS last_name,"
    " c.email, c.phone, c.date_of_birth, c.gender,"
    " " CRM_CSV_SAFE("c.company") " AS company,"
    " " CRM_CSV_SAFE("array_to_string(c.tags, ';')") " AS tags,"
    " c.owner_id,"
    " " CRM_CSV_SAFE("c.source") " AS source,"
    " " CRM_CSV_SAFE("c.address ->> 'line1'") " AS \"address.line1\","
    " " CRM_CSV_SAFE("c.address ->> 'line2'") " AS \"address.line2\","
    " " CRM_CSV_SAFE("c.address ->> 'city'") " AS \"address.city\","
    " " CRM_CSV_SAFE("c.address ->> 'region'") " AS \"address.region\","
    " " CRM_CSV_SAFE("c.address ->> 'postal_code'") " AS \"address.postal_code\","
    " c.address ->> 'country' AS \"address.country\","
    " c.consent ->> 'email_marketing' AS \"consent.email_marketing\","
    " c.consent ->> 'sms_marketing' AS \"consent.sms_marketing\","
    " c.consent ->> 'sms_reminders' AS \"consent.sms_reminders\","
    " c.consent ->> 'email_reminders' AS \"consent.email_reminders\","
    " c.custom_fields AS custom_fields, c.created_at, c.updated_at"
    " FROM contacts c WHERE c.tenant_id = current_tenant_id() AND c.deleted_at IS NULL"
    " AND c.merged_into IS NULL";
/* clang-format on */

/* GET /api/v1/contacts/export: the live contacts (filters of the list: type, tag, owner_id,
 * created_after, q), oldest first, as CSV with a header row, streamed from COPY. */
void
crm_contacts_export_csv(crm_req_t *r)
{
    const char *type = crm_req_query(r, "type"), *tag = crm_req_query(r, "tag");
    const char *owner = crm_req_query(r, "owner_id"), *after = crm_req_query(r, "created_after");
    const char *q = crm_req_query(r, "q");
    if (type && strcmp(type, "lead") && strcmp(type, "customer") && strcmp(type, "patient"))
        crm_req_field_error(r, "query.type", "must be lead, customer or patient");
    if (owner && !crm_uuid_valid(owner))
        crm_req_field_error(r, "query.owner_id", "must be a UUID");
    if (after && !crm_valid_time(after) && !crm_valid_date(after, false))
        crm_req_field_error(r, "query.created_after", "must be an RFC 3339 time or a date");
    if (q && (strlen(q) < 1 || strlen(q) > 100))
        crm_req_field_error(r, "query.q", "must be 1 to 100 characters");
    if (r->errors) {
        crm_reply_problem(r, 400, "the export parameters are not valid");
        return;
    }
    PGconn *pg = crm_export_open(r);
    if (!pg)
        return;
    char *pattern = q ? crm_arena_sprintf(r->arena, "%s%%", q) : NULL;
    for (char *p = pattern; p && *p; p++)
        if ((*p == '%' && p[1]) || *p == '_' || *p == '\\')
            *p = ' ';
    crm_buf_t sql;
    crm_buf_init(&sql, r->arena, 2048);
    crm_buf_puts(&sql, crm_export_select);
    crm_buf_printf(&sql, " AND (%s::text IS NULL OR c.type = %s)",
                   crm_export_literal(r, pg, "query.type", type),
                   crm_export_literal(r, pg, "query.type", type));
    crm_buf_printf(&sql, " AND (%s::text IS NULL OR c.tags @> ARRAY[%s::text])",
                   crm_export_literal(r, pg, "query.tag", tag),
                   crm_export_literal(r, pg, "query.tag", tag));
    crm_buf_printf(&sql, " AND (%s::uuid IS NULL OR c.owner_id = %s::uuid)",
                   crm_export_literal(r, pg, "query.owner_id", owner),
                   crm_export_literal(r, pg, "query.owner_id", owner));
    crm_buf_printf(&sql, " AND (%s::timestamptz IS NULL OR c.created_at > %s::timestamptz)",
                   crm_export_literal(r, pg, "query.created_after", after),
                   crm_export_literal(r, pg, "query.created_after", after));
    const char *lit = crm_export_literal(r, pg, "query.q", pattern);
    crm_buf_printf(&sql,
                   " AND (%s::text IS NULL OR lower(c.first_name) LIKE lower(%s) OR"
                   " lower(c.last_name) LIKE lower(%s) OR lower(c.email::text) LIKE lower(%s)"
                   " OR lower(c.company) LIKE lower(%s))",
                   lit, lit, lit, lit, lit);
    crm_buf_puts(&sql, " ORDER BY c.created_at, c.id) TO STDOUT WITH (FORMAT csv, HEADER)");
    crm_export_audit_t audit = {"contacts", "csv", 1};
    crm_export_stream(r, pg, sql.data, "text/csv; charset=utf-8", "contacts.csv", &audit);
}

/* ---- import ---------------------------------------------------------------------------- */

typedef struct crm_import_opts {
    bool dry_run, skip_invalid, upsert;
    json_t *mapping; /* CSV header -> field, or NULL */
} crm_import_opts_t;

static bool
crm_import_options(crm_req_t *r, crm_import_opts_t *o)
{
    memset(o, 0, sizeof(*o));
    const char *dry = crm_req_query(r, "dry_run"), *mode = crm_req_query(r, "mode");
    const char *upsert = crm_req_query(r, "upsert_by"), *mapping = crm_req_query(r, "mapping");
    if (dry && strcmp(dry, "true") && strcmp(dry, "false"))
        crm_req_field_error(r, "query.dry_run", "must be true or false");
    if (mode && strcmp(mode, "all_or_nothing") && strcmp(mode, "skip_invalid"))
        crm_req_field_error(r, "query.mode", "must be all_or_nothing or skip_invalid");
    if (upsert && strcmp(upsert, "email"))
        crm_req_field_error(r, "query.upsert_by", "must be email");
    if (mapping) {
        o->mapping = json_loads(mapping, JSON_DECODE_ANY, NULL);
        if (o->mapping)
            crm_arena_cleanup(r->arena, (crm_cleanup_fn)json_decref, o->mapping);
        if (!json_is_object(o->mapping))
            crm_req_field_error(r, "query.mapping", "must be a JSON object: CSV header -> field");
    }
    if (r->errors) {
        crm_reply_problem(r, 400, "the import parameters are not valid");
        return false;
    }
    o->dry_run = dry && dry[0] == 't';
    o->skip_invalid = mode && mode[0] == 's';
    o->upsert = upsert != NULL;
    return true;
}

/* What a column holds: a contact field, address.<part>, consent.<kind> or custom.<name>. */
typedef struct crm_column {
    const char *field; /* NULL: ignored (empty header) */
    enum { COL_PLAIN, COL_TAGS, COL_ADDRESS, COL_CONSENT, COL_CUSTOM } kind;
    const char *sub;         /* address part, consent kind, custom field name */
    const char *custom_type; /* of COL_CUSTOM */
} crm_column_t;

static bool
crm_import_columns(crm_req_t *r, const crm_csv_record_t *head, json_t *defs,
                   const crm_import_opts_t *o, crm_column_t *cols)
{
    for (size_t i = 0; i < head->count; i++) {
        const char *name = head->fields[i];
        json_t *mapped = o->mapping ? json_object_get(o->mapping, name) : NULL;
        const char *f = mapped ? json_string_value(mapped) : name;
        crm_column_t *c = &cols[i];
        memset(c, 0, sizeof(*c));
        if (!f || !*f)
            continue;
        char *lower = crm_arena_strdup(r->arena, f);
        for (char *p = lower; *p; p++)
            *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
        c->field = lower;
        if (strncmp(lower, "address.", 8) == 0) {
            c->kind = COL_ADDRESS;
            c->sub = lower + 8;
            continue;
        }
        if (strncmp(lower, "consent.", 8) == 0) {
            c->kind = COL_CONSENT;
            c->sub = lower + 8;
            continue;
        }
        if (strncmp(f, "custom.", 7) == 0) {
            c->kind = COL_CUSTOM;
            c->sub = f + 7;
            size_t k;
            json_t *d;
            json_array_foreach(
                defs, k, d) if (strcmp(json_string_value(json_object_get(d, "name")), c->sub) == 0)
                c->custom_type = json_string_value(json_object_get(d, "type"));
            if (!c->custom_type)
                crm_req_field_error(r, crm_arena_sprintf(r->arena, "columns.%s", name),
                                    "is not a custom field of contacts");
            continue;
        }
        bool known = false;
        for (const char *const *k = crm_contact_fields; *k && !known; k++)
            known = strcmp(*k, lower) == 0 && strcmp(lower, "address") &&
                    strcmp(lower, "consent") && strcmp(lower, "custom_fields");
        if (!known)
            crm_req_field_error(r, crm_arena_sprintf(r->arena, "columns.%s", name),
                                "is not a contact field (map it, or name it address.<part>, "
                                "consent.<kind> or custom.<name>)");
        c->kind = strcmp(lower, "tags") == 0 ? COL_TAGS : COL_PLAIN;
    }
    if (r->errors) {
        crm_reply_problem(r, 422, "the CSV has columns that cannot be imported");
        return false;
    }
    return true;
}

static json_t *
crm_cell_value(const crm_column_t *c, const char *v)
{
    if (c->kind == COL_CONSENT) {
        if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcmp(v, "1"))
            return json_true();
        if (!strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcmp(v, "0"))
            return json_false();
        return json_string(v); /* refused by validation, naming the field */
    }
    if (c->kind == COL_CUSTOM && c->custom_type) {
        if (strcmp(c->custom_type, "number") == 0) {
            json_t *n = json_loads(v, JSON_DECODE_ANY, NULL);
            if (json_is_number(n))
                return n;
            json_decref(n);
        } else if (strcmp(c->custom_type, "boolean") == 0) {
            if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcmp(v, "1"))
                return json_true();
            if (!strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcmp(v, "0"))
                return json_false();
        }
    }
    return json_string(v);
}

/* The record as the JSON object a POST would carry. */
static json_t *
crm_import_object(const crm_csv_record_t *rec, const crm_column_t *cols, size_t ncols)
{
    json_t *o = json_object();
    for (size_t i = 0; i < rec->count && i < ncols; i++) {
        const crm_column_t *c = &cols[i];
        const char *v = rec->fields[i];
        if (!c->field || !*v)
            continue;
        if (c->kind == COL_PLAIN) {
            json_object_set_new(o, c->field, json_string(v));
        } else if (c->kind == COL_TAGS) {
            json_t *tags = json_array();
            for (const char *p = v; *p;) {
                size_t n = strcspn(p, ";");
                while (n && p[n - 1] == ' ')
                    n--;
                if (n)
                    json_array_append_new(tags, json_stringn(p, n));
                p += strcspn(p, ";");
                while (*p == ';' || *p == ' ')
                    p++;
            }
            json_object_set_new(o, "tags", tags);
        } else {
            const char *group = c->kind == COL_ADDRESS   ? "address"
                                : c->kind == COL_CONSENT ? "consent"
                                                         : "custom_fields";
            json_t *g = json_object_get(o, group);
            if (!g) {
                g = json_object();
                json_object_set_new(o, group, g);
            }
            json_object_set_new(g, c->sub, crm_cell_value(c, v));
        }
    }
    return o;
}

#define CRM_IMPORT_RECORD                                                                          \
    "x(type text, first_name text, last_name text, email citext, phone text,"                      \
    " date_of_birth date, gender text, address jsonb, company text, tags jsonb, owner_id uuid,"    \
    " source text, custom_fields jsonb, consent jsonb)"

static const crm_stmt_t crm_stmt_import_insert = {
    "core.import_insert",
    "WITH i AS (INSERT INTO contacts (tenant_id, type, first_name, last_name, email, phone,"
    " date_of_birth, gender, address, company, tags, owner_id, source, custom_fields, consent,"
    " consent_updated_at, created_by)"
    " SELECT current_tenant_id(), x.type, x.first_name, x.last_name, x.email, x.phone,"
    " x.date_of_birth, x.gender, coalesce(x.address, '{}'), x.company,"
    " ARRAY(SELECT DISTINCT jsonb_array_elements_text(coalesce(x.tags, '[]')) ORDER BY 1),"
    " x.owner_id, x.source, coalesce(x.custom_fields, '{}'), coalesce(x.consent, '{}'),"
    " coalesce((SELECT jsonb_object_agg(k, now()) FROM jsonb_object_keys(x.consent) k), '{}'),"
    " nullif(current_setting('app.user_id', true), '')::uuid"
    " FROM jsonb_to_recordset($1::jsonb) AS " CRM_IMPORT_RECORD " RETURNING 1)"
    " SELECT count(*) FROM i"};

/* Upsert by email: the row's given fields replace the stored ones; custom fields, consent and
 * tags merge. */
static const crm_stmt_t crm_stmt_import_update = {
    "core.import_update",
    "WITH u AS (UPDATE contacts c SET type = CASE WHEN c.type = 'patient' THEN c.type ELSE"
    " x.type END, first_name = coalesce(x.first_name, c.first_name),"
    " last_name = coalesce(x.last_name, c.last_name), phone = coalesce(x.phone, c.phone),"
    " date_of_birth = coalesce(x.date_of_birth, c.date_of_birth),"
    " gender = coalesce(x.gender, c.gender), address = c.address || coalesce(x.address, '{}'),"
    " company = coalesce(x.company, c.company), tags = ARRAY(SELECT DISTINCT unnest(c.tags ||"
    " ARRAY(SELECT jsonb_array_elements_text(coalesce(x.tags, '[]')))) ORDER BY 1),"
    " owner_id = coalesce(x.owner_id, c.owner_id), source = coalesce(x.source, c.source),"
    " custom_fields = c.custom_fields || coalesce(x.custom_fields, '{}'),"
    " consent = c.consent || coalesce(x.consent, '{}'),"
    " version = c.version + 1, updated_at = now()"
    " FROM jsonb_to_recordset($1::jsonb) AS " CRM_IMPORT_RECORD
    " WHERE c.tenant_id = current_tenant_id() AND c.deleted_at IS NULL"
    " AND c.merged_into IS NULL AND c.email = x.email RETURNING 1)"
    " SELECT count(*) FROM u"};

static void
crm_import_error(json_t *errors, size_t row, const char *field, const char *message)
{
    json_array_append_new(errors, json_pack("{sI ss ss}", "row", (json_int_t)row, "field", field,
                                            "message", message));
}

/* POST /api/v1/contacts/import (text/csv): validates every row as a create would, reports
 * per-row faults and duplicates, and writes in one transaction. */
void
crm_contacts_import(crm_req_t *r)
{
    crm_import_opts_t o;
    if (!crm_import_options(r, &o))
        return;
    crm_tx_t *ctx_tx = crm_tx_new(r);
    int ci = crm_tx_add(ctx_tx, &crm_stmt_entity_context, 1, (const char *[]){"contact"});
    if (crm_tx_run(ctx_tx) != 0)
        return;
    const char *country = PQgetvalue(crm_tx_result(ctx_tx, ci), 0, 0);
    const char *defs_text = PQgetvalue(crm_tx_result(ctx_tx, ci), 0, 1);
    json_t *defs = json_loads(defs_text, 0, NULL);
    crm_arena_cleanup(r->arena, (crm_cleanup_fn)json_decref, defs);

    crm_csv_t csv;
    crm_csv_record_t head, rec;
    crm_csv_init(&csv, r->arena, r->body, r->body_len);
    if (!crm_csv_next(&csv, &head) || head.count == 0) {
        crm_reply_problem(r, 400, "the CSV needs a header row%s%s", csv.error ? ": " : "",
                          csv.error ? csv.error : "");
        return;
    }
    crm_column_t *cols = crm_arena_calloc(r->arena, head.count * sizeof(*cols));
    if (!crm_import_columns(r, &head, defs, &o, cols))
        return;

    json_t *errors = json_array(), *rows = json_array();
    crm_arena_cleanup(r->arena, (crm_cleanup_fn)json_decref, errors);
    crm_arena_cleanup(r->arena, (crm_cleanup_fn)json_decref, rows);
    json_t *lines = json_array(); /* the CSV line of each valid row */
    crm_arena_cleanup(r->arena, (crm_cleanup_fn)json_decref, lines);
    size_t nrows = 0, skipped = 0;
    while (crm_csv_next(&csv, &rec)) {
        if (rec.count == 1 && rec.fields[0][0] == '\0')
            continue; /* a blank line */
        if (++nrows > CRM_IMPORT_MAX_ROWS) {
            crm_reply_problem(r, 413, "at most %d rows per import", CRM_IMPORT_MAX_ROWS);
            return;
        }
        if (rec.count != head.count) {
            crm_import_error(errors, rec.line, "row",
                             "has a different number of columns than "
                             "the header");
            skipped++;
            continue;
        }
        json_t *obj = crm_import_object(&rec, cols, head.count);
        r->errors = r->errors_tail = NULL;
        json_t *row = crm_contact_import_row(r, obj, country, defs_text);
        for (crm_field_error_t *e = r->errors; e; e = e->next)
            crm_import_error(errors, rec.line, e->field, e->message);
        r->errors = r->errors_tail = NULL;
        json_decref(obj);
        if (!row) {
            skipped++;
            continue;
        }
        json_array_append_new(rows, row);
        json_array_append_new(lines, json_integer((json_int_t)rec.line));
    }
    if (csv.error) {
        r->problem_extra = crm_arena_sprintf(r->arena, "\"line\":%zu", csv.line);
        crm_reply_problem(r, 400, "the CSV is malformed at line %zu: %s", csv.line, csv.error);
        return;
    }

    /* duplicates: within the file, and against live contacts (unless upserting by email) */
    json_t *emails_arr = json_array(), *phones_arr = json_array();
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        json_t *e = json_object_get(row, "email"), *p = json_object_get(row, "phone");
        if (e)
            json_array_append(emails_arr, e);
        if (p)
            json_array_append(phones_arr, p);
    }
    char *ej = json_dumps(emails_arr, JSON_COMPACT), *pj = json_dumps(phones_arr, JSON_COMPACT);
    json_decref(emails_arr);
    json_decref(phones_arr);
    crm_arena_cleanup(r->arena, free, ej);
    crm_arena_cleanup(r->arena, free, pj);
    /* the file's emails and phones that live contacts have already */
    static const crm_stmt_t crm_stmt_import_existing = {
        "core.import_existing",
        "SELECT 'email', lower(email::text), id FROM contacts WHERE tenant_id ="
        " current_tenant_id() AND deleted_at IS NULL AND merged_into IS NULL AND email = ANY("
        " ARRAY(SELECT jsonb_array_elements_text($1::jsonb))::citext[])"
        " UNION ALL SELECT 'phone', phone, id FROM contacts WHERE tenant_id = current_tenant_id()"
        " AND deleted_at IS NULL AND merged_into IS NULL AND phone = ANY("
        " ARRAY(SELECT jsonb_array_elements_text($2::jsonb)))"};
    crm_tx_t *ex = crm_tx_new(r);
    int xi = crm_tx_add(ex, &crm_stmt_import_existing, 2, (const char *[]){ej, pj});
    if (crm_tx_run(ex) != 0)
        return;
    PGresult *existing = crm_tx_result(ex, xi);
    json_t *seen = json_object(), *inserts = json_array(), *updates = json_array();
    crm_arena_cleanup(r->arena, (crm_cleanup_fn)json_decref, seen);
    crm_arena_cleanup(r->arena, (crm_cleanup_fn)json_decref, inserts);
    crm_arena_cleanup(r->arena, (crm_cleanup_fn)json_decref, updates);
    json_array_foreach(rows, i, row)
    {
        size_t line = (size_t)json_integer_value(json_array_get(lines, i));
        const char *email = json_string_value(json_object_get(row, "email"));
        const char *phone = json_string_value(json_object_get(row, "phone"));
        char *ekey = email ? crm_arena_sprintf(r->arena, "e:%s", email) : NULL;
        char *pkey = phone ? crm_arena_sprintf(r->arena, "p:%s", phone) : NULL;
        for (char *p = ekey; p && *p; p++)
            *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
        bool in_db_email = false, in_db_phone = false;
        for (int k = 0; k < PQntuples(existing); k++) {
            if (ekey && !strcmp(PQgetvalue(existing, k, 0), "email") &&
                !strcmp(PQgetvalue(existing, k, 1), ekey + 2))
                in_db_email = true;
            if (pkey && !strcmp(PQgetvalue(existing, k, 0), "phone") &&
                !strcmp(PQgetvalue(existing, k, 1), pkey + 2))
                in_db_phone = true;
        }
        json_t *earlier = ekey ? json_object_get(seen, ekey) : NULL;
        if (!earlier && pkey)
            earlier = json_object_get(seen, pkey);
        if (earlier) {
            crm_import_error(errors, line, ekey && json_object_get(seen, ekey) ? "email" : "phone",
                             crm_arena_sprintf(r->arena, "repeats row %lld of this file",
                                               (long long)json_integer_value(earlier)));
            skipped++;
            continue;
        }
        if (ekey)
            json_object_set_new(seen, ekey, json_integer((json_int_t)line));
        if (pkey)
            json_object_set_new(seen, pkey, json_integer((json_int_t)line));
        if (o.upsert && in_db_email) {
            json_array_append(updates, row);
        } else if (in_db_email || in_db_phone) {
            crm_import_error(errors, line, in_db_email ? "email" : "phone",
                             "a contact with this value exists (use upsert_by=email to update)");
            skipped++;
        } else {
            json_array_append(inserts, row);
        }
    }
    size_t nerrors = json_array_size(errors);
    long created = 0, updated = 0;
    bool write = !o.dry_run && (o.skip_invalid || nerrors == 0) &&
                 (json_array_size(inserts) || json_array_size(updates));
    if (write) {
        char *ins = json_dumps(inserts, JSON_COMPACT), *upd = json_dumps(updates, JSON_COMPACT);
        crm_arena_cleanup(r->arena, free, ins);
        crm_arena_cleanup(r->arena, free, upd);
        crm_tx_t *tx = crm_tx_new(r);
        int a = crm_tx_add(tx, &crm_stmt_import_update, 1, (const char *[]){upd});
        int b = crm_tx_add(tx, &crm_stmt_import_insert, 1, (const char *[]){ins});
        if (crm_tx_run(tx) != 0) {
            const char *cons = crm_tx_constraint(tx);
            if (cons && strstr(cons, "owner_id")) {
                crm_req_field_error(r, "owner_id", "a row names a user not of this tenant");
                crm_reply_problem(r, 422, "the import is not valid");
            }
            return;
        }
        updated = atol(PQgetvalue(crm_tx_result(tx, a), 0, 0));
        created = atol(PQgetvalue(crm_tx_result(tx, b), 0, 0));
    } else if (o.dry_run) {
        created = (long)json_array_size(inserts);
        updated = (long)json_array_size(updates);
    }
    if (nerrors && !o.skip_invalid) {
        skipped = nrows;
        created = updated = 0;
    }
    char *errs = json_dumps(errors, JSON_COMPACT);
    crm_arena_cleanup(r->arena, free, errs);
    const char *counts =
        crm_arena_sprintf(r->arena,
                          "\"created\":%ld,\"updated\":%ld,\"skipped\":%zu,"
                          "\"dry_run\":%s,\"errors\":%s",
                          created, updated, skipped, o.dry_run ? "true" : "false", errs);
    if (nerrors && !o.skip_invalid) {
        /* a problem document that is also the import's answer */
        r->problem_extra = counts;
        crm_reply_problem(r, 422, "%zu rows have faults: nothing was written", nerrors);
        return;
    }
    const char *body = crm_arena_sprintf(r->arena, "{%s}", counts);
    crm_reply(r, 200, "application/json", body, strlen(body));
}
