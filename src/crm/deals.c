/* deals.c - deals in a pipeline: create, read, list, move between stages, delete, restore, and
 * the pipeline summary per stage */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/util/buf.h"
#include "core/db/db.h"
#include "core/db/idempotency.h"
#include "core/db/listing.h"
#include "core/util/uuid.h"
#include "core/http/validate.h"
#include "crm/custom_fields.h"
#include "crm/handlers.h"
#include "crm/records.h"
#include "crm_deals_sql.h"

/* ISO 4217 codes in use. */
static const char crm_currencies[] =
    "|AED|AFN|ALL|AMD|ANG|AOA|ARS|AUD|AWG|AZN|BAM|BBD|BDT|BGN|BHD|BIF|BMD|BND|BOB|BRL|BSD|BTN|"
    "BWP|BYN|BZD|CAD|CDF|CHF|CLP|CNY|COP|CRC|CUP|CVE|CZK|DJF|DKK|DOP|DZD|EGP|ERN|ETB|EUR|FJD|"
    "FKP|GBP|GEL|GHS|GIP|GMD|GNF|GTQ|GYD|HKD|HNL|HTG|HUF|IDR|ILS|INR|IQD|IRR|ISK|JMD|JOD|JPY|"
    "KES|KGS|KHR|KMF|KPW|KRW|KWD|KYD|KZT|LAK|LBP|LKR|LRD|LSL|LYD|MAD|MDL|MGA|MKD|MMK|MNT|MOP|"
    "MRU|MUR|MVR|MWK|MXN|MYR|MZN|NAD|NGN|NIO|NOK|NPR|NZD|OMR|PAB|PEN|PGK|PHP|PKR|PLN|PYG|QAR|"
    "RON|RSD|RUB|RWF|SAR|SBD|SCR|SDG|SEK|SGD|SHP|SLE|SOS|SRD|SSP|STN|SVC|SYP|SZL|THB|TJS|TMT|"
    "TND|TOP|TRY|TTD|TWD|TZS|UAH|UGX|USD|UYU|UZS|VES|VND|VUV|WST|XAF|XCD|XOF|XPF|YER|ZAR|ZMW|"
    "ZWL|";

static const char *const crm_deal_fields[] = {
    "contact_id", "title",    "amount_minor", "currency",      "pipeline_id",
    "stage_id",   "owner_id", "lost_reason",  "custom_fields", "expected_close_date",
    NULL};

typedef struct crm_deal_in {
    const char *contact_id, *title, *amount, *currency, *pipeline_id, *stage_id, *owner_id;
    const char *expected, *lost_reason, *custom_fields;
} crm_deal_in_t;

static void
crm_deal_read(crm_req_t *r, crm_deal_in_t *in, bool creating)
{
    memset(in, 0, sizeof(*in));
    in->contact_id = crm_field_uuid(r, "contact_id", creating);
    in->title = crm_field_string(r, "title", creating, 200);
    json_t *amount = json_object_get(r->json, "amount_minor");
    if (amount && !json_is_null(amount)) {
        if (!json_is_integer(amount) || json_integer_value(amount) < 0)
            crm_req_field_error(r, "amount_minor",
                                "must be a whole number of minor units, 0 "
                                "or more");
        else
            in->amount = crm_arena_sprintf(r->arena, "%lld", (long long)json_integer_value(amount));
    }
    in->currency = crm_field_string(r, "currency", false, 3);
    if (in->currency) {
        char probe[6] = {'|', 0, 0, 0, '|', 0};
        memcpy(probe + 1, in->currency, 3);
        if (strlen(in->currency) != 3 || !strstr(crm_currencies, probe)) {
            crm_req_field_error(r, "currency", "must be an ISO 4217 code (EUR, GBP, USD)");
            in->currency = NULL;
        }
    }
    if (creating && !in->amount != !in->currency)
        crm_req_field_error(r, in->amount ? "currency" : "amount_minor",
                            "amount_minor and currency go together");
    in->pipeline_id = crm_field_uuid(r, "pipeline_id", false);
    in->stage_id = crm_field_uuid(r, "stage_id", false);
    in->owner_id = crm_field_uuid(r, "owner_id", false);
    in->expected = crm_field_string(r, "expected_close_date", false, 10);
    if (in->expected && !crm_valid_date(in->expected, false)) {
        crm_req_field_error(r, "expected_close_date", "must be a date YYYY-MM-DD");
        in->expected = NULL;
    }
    in->lost_reason = crm_field_string(r, "lost_reason", false, 500);
}

static const crm_constraint_field_t crm_deal_constraints[] = {
    {"deals_tenant_id_contact_id_fkey", "contact_id", "is not a contact of this tenant"},
    {"deals_tenant_id_pipeline_id_stage_id_fkey", "stage_id",
     "is not a stage of the deal's pipeline"},
    {"deals_tenant_id_owner_id_fkey", "owner_id", "is not a user of this tenant"},
    {"deals_check", "currency", "amount_minor and currency go together"},
};

CRM_CREATE_ROW(DEAL_CREATE);
CRM_RECORD_ROW(DEAL_GET);
CRM_PATCH_ROW(DEAL_UPDATE);
CRM_DELETE_ROW(DEAL_DELETE);
CRM_RECORD_ROW(DEAL_RESTORE);
CRM_PAGE_ROW(DEALS_LIST_CREATED_DESC);
CRM_PAGE_ROW(DEALS_LIST_CREATED_ASC);
CRM_PAGE_ROW(DEALS_LIST_UPDATED_DESC);
CRM_PAGE_ROW(DEALS_LIST_UPDATED_ASC);

void
crm_deals_create(crm_req_t *r)
{
    if (!crm_body_fields(r, crm_deal_fields))
        return;
    crm_idem_t idem;
    if (!crm_idem_read(r, &idem))
        return;
    crm_deal_in_t in;
    crm_deal_read(r, &in, true);
    const char *values[] = {in.contact_id,  in.title,    in.amount,   in.currency,
                            in.pipeline_id, in.stage_id, in.owner_id, in.expected,
                            in.lost_reason, NULL,        idem.key,    idem.hash,
                            NULL,           NULL};
    crm_record_create(r, "deal", "/api/v1/deals", &crm_sql_deal_create, values,
                      CRM_SQL_NPARAMS(crm_sql_deal_create, CRM_COUNT(values)), 9, &idem,
                      crm_deal_constraints,
                      sizeof(crm_deal_constraints) / sizeof(crm_deal_constraints[0]));
}

void
crm_deals_get(crm_req_t *r)
{
    crm_record_get(r, &crm_sql_deal_get, "deal", NULL);
}

static const struct {
    const char *sort;
    const crm_stmt_t *stmt;
} crm_deal_sorts[] = {
    {"-created_at", &crm_sql_deals_list_created_desc},
    {"created_at", &crm_sql_deals_list_created_asc},
    {"-updated_at", &crm_sql_deals_list_updated_desc},
    {"updated_at", &crm_sql_deals_list_updated_asc},
};

static const char *
crm_query_uuid(crm_req_t *r, const char *name)
{
    const char *v = crm_req_query(r, name);
    if (v && !crm_uuid_valid(v))
        crm_req_field_error(r, crm_arena_sprintf(r->arena, "query.%s", name), "must be a UUID");
    return v;
}

void
crm_deals_list(crm_req_t *r)
{
    const char *sort = crm_req_query(r, "sort");
    size_t s = 0, n = sizeof(crm_deal_sorts) / sizeof(crm_deal_sorts[0]);
    while (sort && s < n && strcmp(crm_deal_sorts[s].sort, sort) != 0)
        s++;
    if (s == n)
        crm_req_field_error(r, "query.sort",
                            "must be one of created_at, -created_at, updated_at, -updated_at");
    const char *pipeline = crm_query_uuid(r, "pipeline_id"), *stage = crm_query_uuid(r, "stage_id");
    const char *owner = crm_query_uuid(r, "owner_id"), *contact = crm_query_uuid(r, "contact_id");
    const char *status = crm_req_query(r, "status");
    if (status && strcmp(status, "open") && strcmp(status, "won") && strcmp(status, "lost"))
        crm_req_field_error(r, "query.status", "must be open, won or lost");
    if (r->errors) {
        crm_reply_problem(r, 400, "the list parameters are not valid");
        return;
    }
    const crm_stmt_t *stmt = crm_deal_sorts[s == n ? 0 : s].stmt;
    crm_page_t page;
    if (!crm_page_read(r, &page, stmt->name))
        return;
    crm_tx_t *tx = crm_tx_new(r);
    const char *values[] = {pipeline, stage,          status,        owner,
                            contact,  page.after_key, page.after_id, page.fetch};
    /* every sort's statement is the fragment deals_list: the same parameters */
    int i = crm_tx_add(tx, stmt,
                       CRM_SQL_NPARAMS(crm_sql_deals_list_created_desc, CRM_COUNT(values)), values);
    if (crm_tx_run(tx) == 0)
        crm_reply_page(r, &page, crm_tx_result(tx, i));
}

void
crm_deals_patch(crm_req_t *r)
{
    const char *id = crm_record_id(r, "deal"), *version;
    if (!id || !crm_body_fields(r, crm_deal_fields) || !crm_record_if_match(r, true, &version))
        return;
    if (crm_field_present(r, "contact_id"))
        crm_req_field_error(r, "contact_id",
                            "a deal stays with its contact (merge contacts "
                            "instead)");
    crm_deal_in_t in;
    crm_deal_read(r, &in, false);
    const char *values[] = {id,
                            in.title,
                            in.amount,
                            in.currency,
                            in.pipeline_id,
                            in.stage_id,
                            in.owner_id,
                            in.expected,
                            in.lost_reason,
                            NULL,
                            version,
                            crm_record_patch_mask(r, crm_deal_fields),
                            NULL,
                            NULL};
    crm_record_patch(r, "deal", &crm_sql_deal_update, &crm_sql_deal_version, values,
                     CRM_SQL_NPARAMS(crm_sql_deal_update, CRM_COUNT(values)), 9,
                     crm_deal_constraints,
                     sizeof(crm_deal_constraints) / sizeof(crm_deal_constraints[0]));
}

void
crm_deals_delete(crm_req_t *r)
{
    crm_record_delete(r, &crm_sql_deal_delete, "deal");
}

void
crm_deals_restore(crm_req_t *r)
{
    crm_record_restore(r, &crm_sql_deal_restore, "deal");
}

void
crm_deals_summary(crm_req_t *r)
{
    const char *pipeline = crm_query_uuid(r, "pipeline_id");
    if (r->errors) {
        crm_reply_problem(r, 400, "the summary parameters are not valid");
        return;
    }
    crm_tx_t *tx = crm_tx_new(r);
    int i = CRM_TX_ADD(tx, crm_sql_deals_summary, pipeline);
    if (crm_tx_run(tx) != 0)
        return;
    PGresult *res = crm_tx_result(tx, i);
    if (PQgetisnull(res, 0, DEALS_SUMMARY_PIPELINE_ID)) {
        crm_reply_problem(r, 404, "no such pipeline");
        return;
    }
    const char *body = crm_arena_sprintf(r->arena, "{\"pipeline_id\":\"%s\",\"stages\":%s}",
                                         PQgetvalue(res, 0, DEALS_SUMMARY_PIPELINE_ID),
                                         PQgetvalue(res, 0, DEALS_SUMMARY_STAGES));
    crm_reply(r, 200, "application/json", body, strlen(body));
}
