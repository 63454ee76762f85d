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

static const crm_stmt_t clinic_stmt_token_rotate = {
    "clinic.token_rotate",
    "WITH p AS (SELECT id FROM clinic_practitioners WHERE tenant_id = current_tenant_id()"
    "   AND id = $1),"
    " old AS (UPDATE clinic_calendar_tokens SET revoked_at = now()"
    "   WHERE tenant_id = current_tenant_id() AND practitioner_id = $1 AND revoked_at IS NULL"
    "   AND EXISTS (SELECT 1 FROM p) RETURNING 1)"
    " SELECT (SELECT count(*) FROM p), (SELECT count(*) FROM old)"};
static const crm_stmt_t clinic_stmt_token_add = {
    "clinic.token_add",
    "INSERT INTO clinic_calendar_tokens (tenant_id, practitioner_id, token_hash)"
    " SELECT current_tenant_id(), id, $2::bytea FROM clinic_practitioners"
    " WHERE tenant_id = current_tenant_id() AND id = $1"};

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
    int rot = crm_tx_add(tx, &clinic_stmt_token_rotate, 1, (const char *[]){id});
    crm_tx_add(tx, &clinic_stmt_token_add, 2, (const char *[]){id, t.hash});
    if (crm_tx_run(tx) != 0)
        return;
    if (strcmp(PQgetvalue(crm_tx_result(tx, rot), 0, 0), "1") != 0) {
        crm_reply_problem(r, 404, "no such practitioner");
        return;
    }
    const char *path = crm_arena_sprintf(r->arena, "/api/v1/calendar/%s.ics", t.text);
    json_t *body = json_pack("{ss ss ss}", "token", t.text, "path", path, "url",
                             crm_public_url_to(r->arena, path));
    crm_req_add_header(r, "Cache-Control", "no-store");
    crm_reply_json(r, 201, body);
}

/* The token's practitioner while the token, the practitioner (an active user who is still a
 * practitioner) and the tenant (active) all are: a feed dies with any of them. */
#define CLINIC_FEED_OWNER                                                                          \
    "SELECT t.practitioner_id FROM clinic_calendar_tokens t"                                       \
    " JOIN users u ON u.tenant_id = t.tenant_id AND u.id = t.practitioner_id"                      \
    "   AND u.active AND EXISTS (SELECT 1 FROM clinic_practitioners p"                             \
    "     WHERE p.tenant_id = u.tenant_id AND p.id = u.id)"                                        \
    " WHERE t.tenant_id = current_tenant_id() AND t.token_hash = $1::bytea"                        \
    " AND t.revoked_at IS NULL AND EXISTS (SELECT 1 FROM tenants x"                                \
    "   WHERE x.id = current_tenant_id() AND x.status = 'active')"

/* The feed's events: the practitioner's appointments from 30 days back to a year ahead (not
 * those entered in error). The summary names the patient by initials unless the tenant's
 * settings.calendar_full_names is true. Each read of a live feed is one audit row (entity
 * calendar_feed, the practitioner, how many appointments it showed), written by the same
 * statement. */
static const crm_stmt_t clinic_stmt_feed = {
    "clinic.feed",
    "WITH tok AS (" CLINIC_FEED_OWNER "),"
    " full_names AS (SELECT coalesce((settings ->> 'calendar_full_names')::boolean, false) AS "
    "enabled"
    "   FROM tenants WHERE id = current_tenant_id()),"
    " feed AS MATERIALIZED ("
    " SELECT a.id, to_char(a.starts_at AT TIME ZONE 'UTC', 'YYYYMMDD\"T\"HH24MISS\"Z\"') AS s,"
    " to_char(a.ends_at AT TIME ZONE 'UTC', 'YYYYMMDD\"T\"HH24MISS\"Z\"') AS e,"
    " to_char(a.updated_at AT TIME ZONE 'UTC', 'YYYYMMDD\"T\"HH24MISS\"Z\"') AS stamp,"
    " a.version - 1 AS seq, a.status, CASE WHEN (SELECT enabled FROM full_names)"
    "   THEN btrim(coalesce(c.first_name, '') || ' ' || coalesce(c.last_name, ''))"
    "   ELSE concat_ws('.', left(c.first_name, 1), left(c.last_name, 1))"
    "     || CASE WHEN c.first_name IS NULL AND c.last_name IS NULL THEN '' ELSE '.' END END"
    "   AS who,"
    " concat_ws(', ', a.room, a.location) AS place, a.practitioner_name, a.updated_at::text AS u,"
    " a.starts_at"
    " FROM clinic_appointments a JOIN tok ON a.practitioner_id = tok.practitioner_id"
    " JOIN contacts c ON c.tenant_id = a.tenant_id AND c.id = a.patient_id"
    " WHERE a.tenant_id = current_tenant_id() AND a.status <> 'entered-in-error'"
    " AND a.starts_at > now() - interval '30 days' AND a.starts_at < now() + interval '1 year'"
    " AND EXISTS (SELECT 1 FROM tenant_modules m WHERE m.tenant_id = current_tenant_id()"
    "   AND m.module = 'clinic'))"
    " SELECT f.id, f.s, f.e, f.stamp, f.seq, f.status, f.who, f.place, f.practitioner_name, f.u"
    " FROM feed f"
    " WHERE (SELECT 1 FROM (SELECT audit_read('read', 'calendar_feed', k.practitioner_id::text,"
    "   NULL, jsonb_build_object('appointments', count(q.id))) FROM tok k"
    "   LEFT JOIN feed q ON true GROUP BY k.practitioner_id) z) = 1"
    " ORDER BY f.starts_at, f.id"};
static const crm_stmt_t clinic_stmt_token_live = {"clinic.token_live", CLINIC_FEED_OWNER};

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
    int live = crm_tx_add(tx, &clinic_stmt_token_live, 1, (const char *[]){t.hash});
    int f = crm_tx_add(tx, &clinic_stmt_feed, 1, (const char *[]){t.hash});
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
        const char *status = PQgetvalue(res, i, 5);
        crm_buf_puts(&b, "BEGIN:VEVENT\r\n");
        clinic_ics_line(&b, "UID", crm_arena_sprintf(r->arena, "%s@crm", PQgetvalue(res, i, 0)),
                        false);
        clinic_ics_line(&b, "DTSTAMP", PQgetvalue(res, i, 3), false);
        clinic_ics_line(&b, "DTSTART", PQgetvalue(res, i, 1), false);
        clinic_ics_line(&b, "DTEND", PQgetvalue(res, i, 2), false);
        clinic_ics_line(&b, "SEQUENCE", PQgetvalue(res, i, 4), false);
        const char *who = PQgetvalue(res, i, 6);
        clinic_ics_line(&b, "SUMMARY",
                        *who ? crm_arena_sprintf(r->arena, "Appointment %s", who) : "Appointment",
                        true);
        if (*PQgetvalue(res, i, 7))
            clinic_ics_line(&b, "LOCATION", PQgetvalue(res, i, 7), true);
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
