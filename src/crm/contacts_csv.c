/* contacts_csv.c - contacts out as CSV: the streamed export (the import is contacts_import.c) */
#include <string.h>

#include "core/contact_types.h"
#include "core/db/db_export.h"
#include "core/util/uuid.h"
#include "core/http/validate.h"
#include "crm/handlers.h"
#include "crm_contacts_csv_sql.h"

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
    const crm_export_param_t params[] = {{"query.type", type},
                                         {"query.tag", tag},
                                         {"query.owner_id", owner},
                                         {"query.created_after", after},
                                         {"query.q", pattern}};
    const char *copy = CRM_EXPORT_SQL(r, pg, crm_sql_contacts_csv_export, params);
    crm_export_audit_t audit = {"contacts", "csv", 1};
    crm_export_stream(r, pg, copy, "text/csv; charset=utf-8", "contacts.csv", &audit);
}
