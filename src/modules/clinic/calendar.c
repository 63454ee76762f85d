/* calendar.c - each practitioner's appointments as an iCalendar (RFC 5545) feed at an
 * unguessable, revocable token URL, for calendar apps that cannot send a bearer token */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util/buf.h"
#include "core/db/db.h"
#include "core/util/public_url.h"
#include "core/auth/rbac.h"
#include "core/http/request.h"
#include "core/auth/tenant_token.h"
#include "crm/records.h"
#include "modules/clinic/clinic.h"
#include "modules/clinic/ics.h"
#include "clinic_calendar_sql.h"

/* POST /api/v1/practitioners/{id}/calendar-token: a new feed URL; the previous one stops. */
void
clinic_calendar_token(crm_req_t *r)
{
    const char *id = crm_record_id(r, "practitioner");
    if (!id)
        return;
    if (clinic_is_practitioner_role(r) && r->user_id && strcmp(r->user_id, id) != 0) {
        crm_reply_problem(r, 403, "practitioners manage only their own calendar");
        return;
    }
    crm_tenant_token_t t;
    crm_tenant_token_new(r->tenant_id, &t);
    crm_tx_t *tx = crm_tx_new(r);
    int rot = CRM_TX_ADD(tx, clinic_sql_token_rotate, id);
    CRM_TX_ADD(tx, clinic_sql_token_add, id, t.hash);
    if (crm_tx_run(tx) != 0)
        return;
    if (strcmp(PQgetvalue(crm_tx_result(tx, rot), 0, CLINIC_TOKEN_ROTATE_PRACTITIONERS), "1") !=
        0) {
        crm_reply_problem(r, 404, "no such practitioner");
        return;
    }
    const char *path = crm_arena_sprintf(r->arena, "/api/v1/calendar/%s.ics", t.text);
    json_t *body = json_pack("{ss ss ss}", "token", t.text, "path", path, "url",
                             crm_public_url_to(r->arena, path));
    crm_req_add_header(r, "Cache-Control", "no-store");
    crm_reply_json(r, 201, body);
}

/* GET /api/v1/calendar/{token}.ics (no bearer token: the URL is the credential). */
void
clinic_calendar_feed(crm_req_t *r)
{
    const char *seg = crm_req_param(r, "token");
    size_t n = strlen(seg);
    crm_tenant_token_t t;
    if (n < 4 || strcmp(seg + n - 4, ".ics") != 0 || !crm_tenant_token_parse(seg, n - 4, &t)) {
        crm_reply_problem(r, 404, "no such calendar");
        return;
    }
    r->tenant_id = crm_arena_strdup(r->arena, t.tenant_id);
    crm_tx_t *tx = crm_tx_new(r);
    /* a feed dies with its token, its practitioner or its tenant; each read is audited */
    int live = CRM_TX_ADD(tx, clinic_sql_token_live, t.hash);
    int f = CRM_TX_ADD(tx, clinic_sql_feed, t.hash);
    if (crm_tx_run(tx) != 0)
        return;
    if (PQntuples(crm_tx_result(tx, live)) != 1) {
        crm_reply_problem(r, 404, "no such calendar");
        return;
    }
    PGresult *res = crm_tx_result(tx, f);
    crm_buf_t b;
    crm_buf_init(&b, r->arena, 1024 + (size_t)PQntuples(res) * 400);
    crm_buf_puts(&b, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//CRM for clinics//Clinic "
                     "module//EN\r\nCALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\n");
    for (int i = 0; i < PQntuples(res); i++) {
        const char *status = PQgetvalue(res, i, CLINIC_FEED_STATUS);
        crm_buf_puts(&b, "BEGIN:VEVENT\r\n");
        clinic_ics_line(&b, "UID",
                        crm_arena_sprintf(r->arena, "%s@crm", PQgetvalue(res, i, CLINIC_FEED_ID)),
                        false);
        clinic_ics_line(&b, "DTSTAMP", PQgetvalue(res, i, CLINIC_FEED_STAMP), false);
        clinic_ics_line(&b, "DTSTART", PQgetvalue(res, i, CLINIC_FEED_S), false);
        clinic_ics_line(&b, "DTEND", PQgetvalue(res, i, CLINIC_FEED_E), false);
        clinic_ics_line(&b, "SEQUENCE", PQgetvalue(res, i, CLINIC_FEED_SEQ), false);
        const char *who = PQgetvalue(res, i, CLINIC_FEED_WHO);
        clinic_ics_line(&b, "SUMMARY",
                        *who ? crm_arena_sprintf(r->arena, "Appointment %s", who) : "Appointment",
                        true);
        if (*PQgetvalue(res, i, CLINIC_FEED_PLACE))
            clinic_ics_line(&b, "LOCATION", PQgetvalue(res, i, CLINIC_FEED_PLACE), true);
        clinic_ics_line(&b, "STATUS",
                        !strcmp(status, "cancelled") || !strcmp(status, "noshow") ? "CANCELLED"
                        : !strcmp(status, "proposed") || !strcmp(status, "pending") ||
                                !strcmp(status, "waitlist")
                            ? "TENTATIVE"
                            : "CONFIRMED",
                        false);
        crm_buf_puts(&b, "END:VEVENT\r\n");
    }
    crm_buf_puts(&b, "END:VCALENDAR\r\n");
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)b.data, b.len);
    char hex[17];
    sodium_bin2hex(hex, sizeof(hex), h, 8);
    const char *etag = crm_arena_sprintf(r->arena, "\"%s\"", hex);
    crm_req_add_header(r, "ETag", etag);
    crm_req_add_header(r, "Cache-Control", "private, no-cache");
    const char *inm = crm_req_header(r, "If-None-Match");
    if (inm && strstr(inm, etag)) {
        crm_reply(r, 304, NULL, "", 0);
        return;
    }
    crm_reply(r, 200, "text/calendar; charset=utf-8", b.data, b.len);
}
