/* contacts_csv.c - contacts out as CSV: the streamed export (the import is contacts_import.c) */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/contact_types.h"
#include "core/util/buf.h"
#include "core/db/db.h"
#include "core/db/db_export.h"
#include "core/util/uuid.h"
#include "core/http/validate.h"
#include "crm/custom_fields.h"
#include "crm/handlers.h"

/* The export's columns, the names an import reads back. Every cell that a spreadsheet would run
 * as a formula, because it begins with =, +, -, @, a tab or a carriage return, gets a leading
 * apostrophe: in every column, whatever its type (taken as text, as COPY writes it), so that a
 * column added here is guarded too. The one exception is a phone in E.164 ("+" and digits, as
 * the table's check keeps every phone): a number to a spreadsheet, not a formula, that an
 * apostrophe would keep from importing again; a phone of any other shape would be guarded. */
static const struct {
    const char *expr, *name;
    bool e164;
} crm_export_columns[] = {
    {"c.id", "id", false},
    {"c.type", "type", false},
    {"c.first_name", "first_name", false},
    {"c.last_name", "last_name", false},
    {"c.email", "email", false},
    {"c.phone", "phone", true},
    {"c.date_of_birth", "date_of_birth", false},
    {"c.gender", "gender", false},
    {"c.company", "company", false},
    {"array_to_string(c.tags, ';')", "tags", false},
    {"c.owner_id", "owner_id", false},
    {"c.source", "source", false},
    {"c.address ->> 'line1'", "address.line1", false},
    {"c.address ->> 'line2'", "address.line2", false},
    {"c.address ->> 'city'", "address.city", false},
    {"c.address ->> 'region'", "address.region", false},
    {"c.address ->> 'postal_code'", "address.postal_code", false},
    {"c.address ->> 'country'", "address.country", false},
    {"c.consent ->> 'email_marketing'", "consent.email_marketing", false},
    {"c.consent ->> 'sms_marketing'", "consent.sms_marketing", false},
    {"c.consent ->> 'sms_reminders'", "consent.sms_reminders", false},
    {"c.consent ->> 'email_reminders'", "consent.email_reminders", false},
    {"c.custom_fields", "custom_fields", false},
    {"c.created_at", "created_at", false},
    {"c.updated_at", "updated_at", false},
};

/* COPY (SELECT the guarded columns FROM the tenant's live contacts, to which the caller adds
 * its filters, order and the end of the COPY. */
static void
crm_export_select(crm_buf_t *sql)
{
    crm_buf_puts(sql, "COPY (SELECT");
    for (size_t i = 0; i < sizeof(crm_export_columns) / sizeof(crm_export_columns[0]); i++) {
        const char *e = crm_export_columns[i].expr;
        crm_buf_printf(sql,
                       "%s CASE WHEN left((%s)::text, 1) IN ('=', '+', '-', '@', E'\\t', E'\\r')"
                       "%s%s%s THEN '''' || (%s)::text ELSE (%s)::text END AS \"%s\"",
                       i ? "," : "", e, crm_export_columns[i].e164 ? " AND (" : "",
                       crm_export_columns[i].e164 ? e : "",
                       crm_export_columns[i].e164 ? ") !~ '^[+][0-9]+$'" : "", e, e,
                       crm_export_columns[i].name);
    }
    crm_buf_puts(sql, " FROM contacts c WHERE c.tenant_id = current_tenant_id()"
                      " AND c.deleted_at IS NULL AND c.merged_into IS NULL");
}

/* GET /api/v1/contacts/export: the live contacts (filters of the list: type, tag, owner_id,
 * created_after, q), oldest first, as CSV with a header row, streamed from COPY. */
void
crm_contacts_export_csv(crm_req_t *r)
{
    const char *type = crm_req_query(r, "type"), *tag = crm_req_query(r, "tag");
    const char *owner = crm_req_query(r, "owner_id"), *after = crm_req_query(r, "created_after");
    const char *q = crm_req_query(r, "q");
    if (type && !crm_contact_type_find(type))
        crm_req_field_error(r, "query.type", "must be %s", crm_contact_types_text());
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
    crm_export_select(&sql);
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
