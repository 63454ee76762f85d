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

#define CRM_DEAL_JSON                                                                              \
    "json_build_object('id', d.id, 'tenant_id', d.tenant_id, 'contact_id', d.contact_id,"          \
    " 'title', d.title, 'amount_minor', d.amount_minor, 'currency', d.currency, 'pipeline_id',"    \
    " d.pipeline_id, 'stage_id', d.stage_id, 'owner_id', d.owner_id, 'expected_close_date',"       \
    " d.expected_close_date, 'status', d.status, 'closed_at', d.closed_at, 'lost_reason',"         \
    " d.lost_reason, 'custom_fields', d.custom_fields, 'created_at', d.created_at,"                \
    " 'updated_at', d.updated_at, 'created_by', d.created_by, 'version', d.version)"

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

/* Pipeline and stage default to the tenant's default pipeline and its first stage; the
 * contact must be live; custom fields were validated against a remembered context ($13,
 * $14: nothing is written unless it is still the tenant's, columns 6-8). */
static const crm_stmt_t crm_stmt_deal_create = {
    "core.deal_create",
    "WITH " CRM_IDEM_PRIOR("deals", "$11") "," CRM_ENTITY_CONTEXT_CHECK(
        "'deal'", "$13",
        "$14") ","
               " target AS (SELECT coalesce($5::uuid, (SELECT id FROM pipelines WHERE tenant_id ="
               "   current_tenant_id() AND is_default)) AS pipeline_id),"
               " d AS (INSERT INTO deals AS d (tenant_id, contact_id, title, amount_minor, "
               "currency,"
               "   pipeline_id, stage_id, owner_id, expected_close_date, lost_reason, "
               "custom_fields,"
               "   created_by)"
               "   SELECT current_tenant_id(), $1::uuid, $2, $3::bigint, $4, t.pipeline_id,"
               "   coalesce($6::uuid, (SELECT s.id FROM pipeline_stages s WHERE s.tenant_id ="
               "     current_tenant_id() AND s.pipeline_id = t.pipeline_id ORDER BY s.position "
               "LIMIT 1)),"
               "   $7::uuid, $8::date, $9, coalesce($10::jsonb, '{}'),"
               "   nullif(current_setting('app.user_id', true), '')::uuid"
               "   FROM target t WHERE NOT EXISTS (SELECT 1 FROM prior) AND (SELECT ok FROM ctx)"
               "   AND EXISTS (SELECT 1 FROM contacts c"
               "     WHERE c.tenant_id = current_tenant_id() AND c.id = $1::uuid AND c.deleted_at "
               "IS NULL)"
               "   RETURNING " CRM_DEAL_JSON " AS j, d.version, d.id),"
               " " CRM_IDEM_STORE("deals", "$11", "$12",
                                  "d") " SELECT (SELECT j FROM d), (SELECT version FROM d), "
                                       "(SELECT id FROM d), " CRM_IDEM_COLUMNS
                                       ", " CRM_ENTITY_CONTEXT_COLUMNS " FROM ctx"};

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
    crm_record_create(r, "deal", "/api/v1/deals", &crm_stmt_deal_create, values, 14, 9, &idem,
                      crm_deal_constraints,
                      sizeof(crm_deal_constraints) / sizeof(crm_deal_constraints[0]));
}

static const crm_stmt_t crm_stmt_deal_get = {
    "core.deal_get", "SELECT " CRM_DEAL_JSON ", d.version FROM deals d"
                     " WHERE d.tenant_id = current_tenant_id() AND d.id = $1"
                     " AND d.deleted_at IS NULL"};

void
crm_deals_get(crm_req_t *r)
{
    crm_record_get(r, &crm_stmt_deal_get, "deal", NULL);
}

#define CRM_DEALS_LIST(NAME, KEY, CAST, CMP, DIR)                                                  \
    {                                                                                              \
        "core.deals_list_" NAME,                                                                   \
            "SELECT " CRM_DEAL_JSON ", (" KEY ")::text, d.id FROM deals d"                         \
            " WHERE d.tenant_id = current_tenant_id() AND d.deleted_at IS NULL"                    \
            " AND ($1::uuid IS NULL OR d.pipeline_id = $1::uuid)"                                  \
            " AND ($2::uuid IS NULL OR d.stage_id = $2::uuid)"                                     \
            " AND ($3::text IS NULL OR d.status = $3) AND ($4::uuid IS NULL OR d.owner_id = "      \
            "$4::uuid)"                                                                            \
            " AND ($5::uuid IS NULL OR d.contact_id = $5::uuid)"                                   \
            " AND ($6::text IS NULL OR (" KEY ", d.id) " CMP " ($6::" CAST ", $7::uuid))"          \
            " ORDER BY " KEY " " DIR ", d.id " DIR " LIMIT $8::int"                                \
    }

static const struct {
    const char *sort;
    crm_stmt_t stmt;
} crm_deal_sorts[] = {
    {"-created_at", CRM_DEALS_LIST("created_desc", "d.created_at", "timestamptz", "<", "DESC")},
    {"created_at", CRM_DEALS_LIST("created_asc", "d.created_at", "timestamptz", ">", "ASC")},
    {"-updated_at", CRM_DEALS_LIST("updated_desc", "d.updated_at", "timestamptz", "<", "DESC")},
    {"updated_at", CRM_DEALS_LIST("updated_asc", "d.updated_at", "timestamptz", ">", "ASC")},
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
    const crm_stmt_t *stmt = &crm_deal_sorts[s == n ? 0 : s].stmt;
    crm_page_t page;
    if (!crm_page_read(r, &page, stmt->name))
        return;
    crm_tx_t *tx = crm_tx_new(r);
    int i = crm_tx_add(tx, stmt, 8,
                       (const char *[]){pipeline, stage, status, owner, contact, page.after_key,
                                        page.after_id, page.fetch});
    if (crm_tx_run(tx) == 0)
        crm_reply_page(r, &page, crm_tx_result(tx, i));
}

/* Given fields are set (null clears the optional ones); moving to a stage of another
 * pipeline needs pipeline_id too (the foreign key holds stage and pipeline together). */
static const crm_stmt_t crm_stmt_deal_update = {
    "core.deal_update",
    "WITH " CRM_ENTITY_CONTEXT_CHECK(
        "'deal'", "$13",
        "$14") ","
               " u AS (UPDATE deals d SET"
               " title = CASE WHEN 'title' = ANY($12::text[]) THEN $2 ELSE d.title END,"
               " amount_minor = CASE WHEN 'amount_minor' = ANY($12::text[]) THEN $3::bigint"
               "   ELSE d.amount_minor END,"
               " currency = CASE WHEN 'currency' = ANY($12::text[]) THEN $4 ELSE d.currency END,"
               " pipeline_id = coalesce($5::uuid, d.pipeline_id),"
               " stage_id = coalesce($6::uuid, CASE WHEN $5::uuid IS NOT NULL AND $5::uuid <> "
               "d.pipeline_id"
               "   THEN (SELECT s.id FROM pipeline_stages s WHERE s.tenant_id = current_tenant_id()"
               "   AND s.pipeline_id = $5::uuid ORDER BY s.position LIMIT 1) ELSE d.stage_id END),"
               " owner_id = CASE WHEN 'owner_id' = ANY($12::text[]) THEN $7::uuid ELSE d.owner_id "
               "END,"
               " expected_close_date = CASE WHEN 'expected_close_date' = ANY($12::text[]) THEN "
               "$8::date"
               "   ELSE d.expected_close_date END,"
               " lost_reason = CASE WHEN 'lost_reason' = ANY($12::text[]) THEN $9 ELSE "
               "d.lost_reason END,"
               " custom_fields = jsonb_strip_nulls(d.custom_fields || coalesce($10::jsonb, '{}')),"
               " version = d.version + 1, updated_at = now()"
               " WHERE d.tenant_id = current_tenant_id() AND d.id = $1 AND d.deleted_at IS NULL"
               "   AND d.version = $11::int AND (SELECT ok FROM ctx)"
               " RETURNING " CRM_DEAL_JSON " AS j, d.version)"
               " SELECT (SELECT j FROM u), (SELECT version FROM u), " CRM_ENTITY_CONTEXT_COLUMNS
               " FROM ctx"};
static const crm_stmt_t crm_stmt_deal_version = {
    "core.deal_version", "SELECT version FROM deals WHERE tenant_id = current_tenant_id()"
                         " AND id = $1 AND deleted_at IS NULL"};

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
    crm_record_patch(r, "deal", &crm_stmt_deal_update, &crm_stmt_deal_version, values, 14, 9,
                     crm_deal_constraints,
                     sizeof(crm_deal_constraints) / sizeof(crm_deal_constraints[0]));
}

static const crm_stmt_t crm_stmt_deal_delete = {"core.deal_delete", CRM_RECORD_DELETE_SQL("deals")};
static const crm_stmt_t crm_stmt_deal_restore = {
    "core.deal_restore", CRM_RECORD_RESTORE_SQL("deals", "d", CRM_DEAL_JSON, "")};

void
crm_deals_delete(crm_req_t *r)
{
    crm_record_delete(r, &crm_stmt_deal_delete, "deal");
}

void
crm_deals_restore(crm_req_t *r)
{
    crm_record_restore(r, &crm_stmt_deal_restore, "deal");
}

/* Per stage of the pipeline (default: the tenant's default), in one query: the number of
 * live deals and, per currency, the total and the probability-weighted total. */
static const crm_stmt_t crm_stmt_deals_summary = {
    "core.deals_summary",
    "WITH p AS (SELECT id FROM pipelines WHERE tenant_id = current_tenant_id()"
    "   AND id = coalesce($1::uuid, (SELECT id FROM pipelines WHERE tenant_id ="
    "   current_tenant_id() AND is_default))),"
    " per AS (SELECT d.stage_id, d.currency, count(*) AS n, sum(d.amount_minor) AS total"
    "   FROM deals d JOIN p ON d.pipeline_id = p.id"
    "   WHERE d.tenant_id = current_tenant_id() AND d.deleted_at IS NULL"
    "   GROUP BY d.stage_id, d.currency)"
    " SELECT (SELECT id FROM p), json_agg(json_build_object('stage_id', s.id, 'name', s.name,"
    "   'position', s.position, 'kind', s.kind, 'probability', s.probability,"
    "   'count', coalesce((SELECT sum(n) FROM per WHERE per.stage_id = s.id), 0),"
    "   'totals', coalesce((SELECT json_agg(json_build_object('currency', per.currency,"
    "     'total_minor', per.total, 'weighted_minor', round(per.total * s.probability / 100.0)))"
    "     FROM per WHERE per.stage_id = s.id AND per.currency IS NOT NULL), '[]'))"
    "   ORDER BY s.position)"
    " FROM pipeline_stages s JOIN p ON s.pipeline_id = p.id"
    " WHERE s.tenant_id = current_tenant_id()"};

void
crm_deals_summary(crm_req_t *r)
{
    const char *pipeline = crm_query_uuid(r, "pipeline_id");
    if (r->errors) {
        crm_reply_problem(r, 400, "the summary parameters are not valid");
        return;
    }
    crm_tx_t *tx = crm_tx_new(r);
    int i = crm_tx_add(tx, &crm_stmt_deals_summary, 1, (const char *[]){pipeline});
    if (crm_tx_run(tx) != 0)
        return;
    PGresult *res = crm_tx_result(tx, i);
    if (PQgetisnull(res, 0, 0)) {
        crm_reply_problem(r, 404, "no such pipeline");
        return;
    }
    const char *body = crm_arena_sprintf(r->arena, "{\"pipeline_id\":\"%s\",\"stages\":%s}",
                                         PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
    crm_reply(r, 200, "application/json", body, strlen(body));
}
