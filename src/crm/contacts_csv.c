/* contacts_csv.c - contacts out as CSV: the streamed export (the import is contacts_import.c) */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/db.h"
#include "core/db_export.h"
#include "core/uuid.h"
#include "core/validate.h"
#include "crm/custom_fields.h"
#include "crm/handlers.h"

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
    PGconn *pg = crm_db_dedicated_open(r);
    if (!pg)
        return;
    char *pattern = q ? crm_arena_sprintf(r->arena, "%s%%", q) : NULL;
    for (char *p = pattern; p && *p; p++)
        if ((*p == '%' && p[1]) || *p == '_' || *p == '\\')
            *p = ' ';
    crm_buf_t sql;
    crm_buf_init(&sql, r->arena, 2048);
    crm_buf_puts(&sql, crm_export_select);
    crm_buf_printf(&sql, " AND (%s::text IS NULL OR c.type = %s)", crm_export_literal(r, pg, type),
                   crm_export_literal(r, pg, type));
    crm_buf_printf(&sql, " AND (%s::text IS NULL OR c.tags @> ARRAY[%s::text])",
                   crm_export_literal(r, pg, tag), crm_export_literal(r, pg, tag));
    crm_buf_printf(&sql, " AND (%s::uuid IS NULL OR c.owner_id = %s::uuid)",
                   crm_export_literal(r, pg, owner), crm_export_literal(r, pg, owner));
    crm_buf_printf(&sql, " AND (%s::timestamptz IS NULL OR c.created_at > %s::timestamptz)",
                   crm_export_literal(r, pg, after), crm_export_literal(r, pg, after));
    const char *lit = crm_export_literal(r, pg, pattern);
    crm_buf_printf(&sql,
                   " AND (%s::text IS NULL OR lower(c.first_name) LIKE lower(%s) OR"
                   " lower(c.last_name) LIKE lower(%s) OR lower(c.email::text) LIKE lower(%s)"
                   " OR lower(c.company) LIKE lower(%s))",
                   lit, lit, lit, lit, lit);
    crm_buf_puts(&sql, " ORDER BY c.created_at, c.id) TO STDOUT WITH (FORMAT csv, HEADER)");
    crm_export_audit_t audit = {"contacts", "csv", 1};
    crm_export_stream(r, pg, sql.data, "text/csv; charset=utf-8", "contacts.csv", &audit);
}
