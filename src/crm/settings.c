/* settings.c - the tenant's settings: GET shows each with its effective value, PATCH validates
 * the keys given and merges them in one statement (docs/messaging.md#settings) */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/util/buf.h"
#include "core/util/phone.h"
#include "core/db/db.h"
#include "core/module.h"
#include "core/messaging/email_message.h"
#include "core/http/db_problem.h"
#include "core/http/validate.h"
#include "crm/handlers.h"
#include "crm/records.h"
#include "crm_settings_sql.h"

#define CRM_SETTINGS_MAX_OFFSETS    5
#define CRM_SETTINGS_MAX_OFFSET_MIN 40320 /* four weeks */
#define CRM_SETTINGS_MAX_NOTICE_H   720   /* thirty days */
#define CRM_SETTINGS_MAX_FROM_NAME  100   /* characters */
#define CRM_SETTINGS_MAX_PHONE      40    /* characters */
#define CRM_SETTINGS_MAX_ZONE_BYTES 64

CRM_SQL_COLUMN_AT(SETTINGS_UPDATE_SETTINGS, SETTINGS_GET_SETTINGS);
CRM_SQL_COLUMN_AT(SETTINGS_UPDATE_TIME_ZONE, SETTINGS_GET_TIME_ZONE);
CRM_SQL_COLUMN_AT(SETTINGS_UPDATE_NAME, SETTINGS_GET_NAME);
CRM_SQL_COLUMN_AT(SETTINGS_UPDATE_VERSION, SETTINGS_GET_VERSION);

/* A setting kept in tenants.settings under its name. */
typedef struct crm_setting {
    const char *name;
    /* its default as JSON text; NULL: the tenant's name (the sender name of its email) */
    const char *dflt;
    /* true when the value given is valid (else a fault is recorded); may replace *v by the
     * value to store (a phone number in E.164) */
    bool (*check)(crm_req_t *r, const char *name, json_t **v);
    /* null is a value of its own (quiet_hours: none) instead of "back to the default" */
    bool null_is_value;
} crm_setting_t;

/* A string without NUL (the body parser refuses \u0000; held here all the same). */
static const char *
crm_settings_text(const json_t *v)
{
    const char *s = json_string_value(v);
    return s && strlen(s) == json_string_length(v) ? s : NULL;
}

/* Characters of well-formed UTF-8 s (the body was checked), or 0 when it holds a control
 * character (C0, DEL, C1) or only spaces. */
static size_t
crm_settings_chars(const char *s)
{
    size_t n = 0;
    bool blank = true;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p == 0x7f || (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
            return 0;
        if ((*p & 0xc0) != 0x80)
            n++;
        if (*p != ' ')
            blank = false;
    }
    return blank ? 0 : n;
}

/* A line of text of 1 to max characters: no control characters, not only spaces. */
static bool
crm_setting_line(crm_req_t *r, const char *name, const json_t *v, size_t max)
{
    const char *s = crm_settings_text(v);
    size_t n = s ? crm_settings_chars(s) : 0;
    if (n == 0 || n > max) {
        crm_req_field_error(r, name,
                            "must be a line of 1 to %zu characters (no control characters), or "
                            "null",
                            max);
        return false;
    }
    return true;
}

static bool
crm_setting_offsets(crm_req_t *r, const char *name, json_t **v)
{
    size_t n = json_array_size(*v);
    if (!json_is_array(*v) || n < 1 || n > CRM_SETTINGS_MAX_OFFSETS) {
        crm_req_field_error(r, name, "must be an array of 1 to %d offsets in minutes, or null",
                            CRM_SETTINGS_MAX_OFFSETS);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        const json_t *e = json_array_get(*v, i);
        json_int_t m = json_is_integer(e) ? json_integer_value(e) : 0;
        if (m < 1 || m > CRM_SETTINGS_MAX_OFFSET_MIN) {
            crm_req_field_error(
                r, name, "each offset must be a whole number of minutes from 1 to %d (4 weeks)",
                CRM_SETTINGS_MAX_OFFSET_MIN);
            return false;
        }
        for (size_t j = 0; j < i; j++)
            if (json_integer_value(json_array_get(*v, j)) == m) {
                crm_req_field_error(r, name, "holds %lld twice: offsets must differ", (long long)m);
                return false;
            }
    }
    return true;
}

/* "HH:MM", 00:00 to 23:59. */
static bool
crm_settings_hhmm(const char *s)
{
    if (!s || strlen(s) != 5 || s[2] != ':')
        return false;
    for (int i = 0; i < 5; i++)
        if (i != 2 && (s[i] < '0' || s[i] > '9'))
            return false;
    return (s[0] - '0') * 10 + (s[1] - '0') < 24 && s[3] < '6';
}

static bool
crm_setting_quiet_hours(crm_req_t *r, const char *name, json_t **v)
{
    if (json_is_null(*v))
        return true; /* no quiet hours */
    if (!json_is_object(*v)) {
        crm_req_field_error(r, name,
                            "must be {\"start\": \"HH:MM\", \"end\": \"HH:MM\"}, or null for none");
        return false;
    }
    bool ok = true;
    const char *key;
    json_t *value;
    json_object_foreach(*v, key, value)
    {
        if (strcmp(key, "start") != 0 && strcmp(key, "end") != 0) {
            crm_req_field_error(r, crm_arena_sprintf(r->arena, "%s.%s", name, key),
                                "is not a field of quiet_hours (start, end)");
            ok = false;
        }
    }
    static const char *const ends[] = {"start", "end"};
    const char *at[2];
    for (int i = 0; i < 2; i++) {
        const json_t *e = json_object_get(*v, ends[i]);
        at[i] = crm_settings_text(e);
        const char *field = crm_arena_sprintf(r->arena, "%s.%s", name, ends[i]);
        if (!e) {
            crm_req_field_error(r, field, "is required");
            ok = false;
        } else if (!crm_settings_hhmm(at[i])) {
            crm_req_field_error(r, field, "must be a time of day HH:MM, 00:00 to 23:59");
            ok = false;
        }
    }
    if (ok && strcmp(at[0], at[1]) == 0) {
        crm_req_field_error(r, crm_arena_sprintf(r->arena, "%s.end", name),
                            "must differ from start (null means no quiet hours)");
        ok = false;
    }
    return ok;
}

static bool
crm_setting_notice(crm_req_t *r, const char *name, json_t **v)
{
    json_int_t h = json_is_integer(*v) ? json_integer_value(*v) : -1;
    if (h < 0 || h > CRM_SETTINGS_MAX_NOTICE_H) {
        crm_req_field_error(r, name, "must be a whole number of hours from 0 to %d, or null",
                            CRM_SETTINGS_MAX_NOTICE_H);
        return false;
    }
    return true;
}

static bool
crm_setting_from_name(crm_req_t *r, const char *name, json_t **v)
{
    return crm_setting_line(r, name, *v, CRM_SETTINGS_MAX_FROM_NAME);
}

static bool
crm_setting_phone(crm_req_t *r, const char *name, json_t **v)
{
    return crm_setting_line(r, name, *v, CRM_SETTINGS_MAX_PHONE);
}

/* An address the email composer accepts (email_message.h), so that a setting the API took is
 * never the reason a message cannot go. */
static bool
crm_setting_reply_to(crm_req_t *r, const char *name, json_t **v)
{
    const char *s = crm_settings_text(*v);
    if (!s || strlen(s) > 254 || crm_email_address_check(s) != 0) {
        crm_req_field_error(r, name, "must be an email address (name@example.com), or null");
        return false;
    }
    return true;
}

/* A number in E.164 (written in the international way, normalised here), or an alphanumeric
 * sender id as Twilio takes one (crm_sms_sender); the database checks that the platform
 * assigned it to the tenant (settings.sms_senders, core 0025). */
static bool
crm_setting_sms_sender(crm_req_t *r, const char *name, json_t **v)
{
    char sender[CRM_PHONE_MAX];
    if (!crm_sms_sender(crm_settings_text(*v), sender)) {
        crm_req_field_error(r, name,
                            "must be a number in E.164 (+447700900123) or a sender id of 1 to %d "
                            "letters, digits and spaces with at least one letter, or null",
                            CRM_SMS_SENDER_ID_MAX);
        return false;
    }
    *v = json_string(sender);
    crm_arena_cleanup(r->arena, (crm_cleanup_fn)json_decref, *v);
    return true;
}

static const crm_setting_t crm_settings[] = {
    {"reminder_offsets_minutes", "[1440, 120]", crm_setting_offsets, false},
    {"quiet_hours", "{\"start\": \"21:00\", \"end\": \"08:00\"}", crm_setting_quiet_hours, true},
    {"cancellation_notice_hours", "24", crm_setting_notice, false},
    {"email_from_name", NULL, crm_setting_from_name, false},
    {"email_reply_to", "null", crm_setting_reply_to, false},
    {"sms_sender", "null", crm_setting_sms_sender, false},
    {"phone", "null", crm_setting_phone, false},
};
#define CRM_NSETTINGS (sizeof(crm_settings) / sizeof(crm_settings[0]))

static const char *const crm_settings_fields[] = {"reminder_offsets_minutes",
                                                  "quiet_hours",
                                                  "cancellation_notice_hours",
                                                  "email_from_name",
                                                  "email_reply_to",
                                                  "sms_sender",
                                                  "phone",
                                                  "messages_enabled",
                                                  "time_zone",
                                                  NULL};

/* The settings as GET shows them: each with its effective value, from a row of settings_get
 * (or settings_update: the same columns). */
static json_t *
crm_settings_json(PGresult *res)
{
    json_t *stored = json_loads(PQgetvalue(res, 0, SETTINGS_GET_SETTINGS), 0, NULL);
    if (!json_is_object(stored)) {
        json_decref(stored);
        stored = json_object();
    }
    json_t *out = json_object();
    for (size_t i = 0; i < CRM_NSETTINGS; i++) {
        const crm_setting_t *s = &crm_settings[i];
        json_t *v = json_object_get(stored, s->name);
        if (v && (!json_is_null(v) || s->null_is_value))
            json_object_set(out, s->name, v);
        else if (s->dflt)
            json_object_set_new(out, s->name, json_loads(s->dflt, JSON_DECODE_ANY, NULL));
        else
            json_object_set_new(out, s->name, json_string(PQgetvalue(res, 0, SETTINGS_GET_NAME)));
    }
    /* every kind the modules declare: on unless switched off, or for a kind that is off by
     * default, off unless switched on; a choice stays while its module is compiled in */
    json_t *kinds = json_object(), *chosen = json_object_get(stored, "messages_enabled");
    for (const crm_module_t *const *m = crm_modules; *m; m++)
        for (const crm_message_kind_t *k = (*m)->message_kinds; k && k->name; k++) {
            const json_t *b = json_object_get(chosen, k->name);
            json_object_set_new(
                kinds, k->name,
                json_boolean(k->off_by_default ? json_is_true(b) : !json_is_false(b)));
        }
    json_object_set_new(out, "messages_enabled", kinds);
    json_object_set_new(out, "time_zone", json_string(PQgetvalue(res, 0, SETTINGS_GET_TIME_ZONE)));
    /* read only: what sms_sender may be, the platform's to assign */
    json_t *senders = json_object_get(stored, "sms_senders");
    json_object_set_new(out, "sms_senders",
                        json_is_array(senders) ? json_incref(senders) : json_array());
    json_decref(stored);
    return out;
}

static void
crm_settings_reply(crm_req_t *r, PGresult *res)
{
    crm_req_add_header(
        r, "ETag", crm_arena_sprintf(r->arena, "\"%s\"", PQgetvalue(res, 0, SETTINGS_GET_VERSION)));
    crm_reply_json(r, 200, crm_settings_json(res));
}

void
crm_settings_get(crm_req_t *r)
{
    crm_tx_t *tx = crm_tx_new(r);
    int g = CRM_TX_ADD0(tx, crm_sql_settings_get);
    if (crm_tx_run(tx) == 0)
        crm_settings_reply(r, crm_tx_result(tx, g));
}

/* The names of the JSON array names as a text[] literal (setting and kind names: letters,
 * digits, dots and underscores, nothing to escape). */
static const char *
crm_settings_names(crm_req_t *r, const json_t *names)
{
    crm_buf_t b;
    crm_buf_init(&b, r->arena, 128);
    crm_buf_putc(&b, '{');
    size_t i;
    const json_t *n;
    json_array_foreach(names, i, n)
        crm_buf_printf(&b, "%s\"%s\"", i ? "," : "", json_string_value(n));
    crm_buf_putc(&b, '}');
    return b.data;
}

/* What a PATCH asks: the keys to set, to remove, and the kinds of messages_enabled to set
 * and remove (set NULL when messages_enabled was not given as an object). */
typedef struct crm_settings_change {
    json_t *set, *unset, *kinds_set, *kinds_unset;
    const char *time_zone;
    bool zone_to_check; /* a well-formed time_zone the database must still recognise */
} crm_settings_change_t;

static void
crm_settings_read_kinds(crm_req_t *r, crm_settings_change_t *c, json_t *v)
{
    if (json_is_null(v)) {
        json_array_append_new(c->unset, json_string("messages_enabled"));
        return;
    }
    if (!json_is_object(v)) {
        crm_req_field_error(r, "messages_enabled",
                            "must be an object of kinds of message, each true, false or null");
        return;
    }
    c->kinds_set = json_object();
    c->kinds_unset = json_array();
    crm_arena_cleanup(r->arena, (crm_cleanup_fn)json_decref, c->kinds_set);
    crm_arena_cleanup(r->arena, (crm_cleanup_fn)json_decref, c->kinds_unset);
    const char *kind;
    json_t *on;
    json_object_foreach(v, kind, on)
    {
        const char *field = crm_arena_sprintf(r->arena, "messages_enabled.%s", kind);
        if (!crm_message_kind_find(kind))
            crm_req_field_error(r, field, "is not a kind of message of this server");
        else if (json_is_null(on))
            json_array_append_new(c->kinds_unset, json_string(kind));
        else if (json_is_boolean(on))
            json_object_set(c->kinds_set, kind, on);
        else
            crm_req_field_error(r, field, "must be true, false or null (the default, true)");
    }
}

static void
crm_settings_read(crm_req_t *r, crm_settings_change_t *c)
{
    memset(c, 0, sizeof(*c));
    c->set = json_object();
    c->unset = json_array();
    crm_arena_cleanup(r->arena, (crm_cleanup_fn)json_decref, c->set);
    crm_arena_cleanup(r->arena, (crm_cleanup_fn)json_decref, c->unset);
    for (size_t i = 0; i < CRM_NSETTINGS; i++) {
        const crm_setting_t *s = &crm_settings[i];
        json_t *v = json_object_get(r->json, s->name);
        if (!v)
            continue;
        if (json_is_null(v) && !s->null_is_value)
            json_array_append_new(c->unset, json_string(s->name));
        else if (s->check(r, s->name, &v))
            json_object_set(c->set, s->name, v);
    }
    json_t *kinds = json_object_get(r->json, "messages_enabled");
    if (kinds)
        crm_settings_read_kinds(r, c, kinds);
    const json_t *zone = json_object_get(r->json, "time_zone");
    const char *z = crm_settings_text(zone);
    if (zone && json_is_null(zone))
        crm_req_field_error(r, "time_zone", "cannot be removed: give an IANA time zone name");
    else if (zone && (!z || !*z || strlen(z) > CRM_SETTINGS_MAX_ZONE_BYTES))
        crm_req_field_error(r, "time_zone",
                            "must be an IANA time zone name (Europe/London) of at most %d bytes",
                            CRM_SETTINGS_MAX_ZONE_BYTES);
    else if (zone) {
        c->time_zone = z;
        c->zone_to_check = true;
    }
}

/* After faults of other fields: whether the time zone given is one too, so that one answer
 * names every bad field. */
static void
crm_settings_check_zone(crm_req_t *r, const char *zone)
{
    crm_tx_t *tx = crm_tx_new(r);
    int i = CRM_TX_ADD(tx, crm_sql_settings_time_zone_check, zone);
    if (crm_tx_run(tx) != 0)
        return;
    if (strcmp(PQgetvalue(crm_tx_result(tx, i), 0, SETTINGS_TIME_ZONE_CHECK_OK), "t") != 0)
        crm_req_field_error(r, "time_zone", "is not a time zone (an IANA name: Europe/London)");
}

/* PATCH: a JSON merge of the keys given (docs/messaging.md#settings). If-Match is optional:
 * the merge is per key, so changes of different keys never undo each other. */
void
crm_settings_patch(crm_req_t *r)
{
    const char *version;
    if (!crm_body_fields(r, crm_settings_fields) || !crm_record_if_match(r, false, &version))
        return;
    crm_settings_change_t c;
    crm_settings_read(r, &c);
    if (r->errors) {
        if (c.zone_to_check)
            crm_settings_check_zone(r, c.time_zone);
        if (!r->replied)
            crm_reply_problem(r, 422, "the settings are not valid");
        return;
    }
    crm_tx_t *tx = crm_tx_new(r);
    int u = -1;
    if (json_object_size(r->json) > 0) {
        char *set = json_dumps(c.set, JSON_COMPACT);
        crm_arena_cleanup(r->arena, free, set);
        char *kinds = c.kinds_set ? json_dumps(c.kinds_set, JSON_COMPACT) : NULL;
        if (kinds)
            crm_arena_cleanup(r->arena, free, kinds);
        u = CRM_TX_ADD(tx, crm_sql_settings_update, set, crm_settings_names(r, c.unset), kinds,
                       c.kinds_unset ? crm_settings_names(r, c.kinds_unset) : NULL, c.time_zone,
                       version);
    }
    int g = CRM_TX_ADD0(tx, crm_sql_settings_get);
    crm_tx_quiet(tx);
    if (crm_tx_run(tx) != 0) {
        const char *constraint = crm_tx_constraint(tx);
        if (crm_db_constraint_is(constraint, "tenants_time_zone_check")) {
            crm_req_field_error(r, "time_zone", "is not a time zone (an IANA name: Europe/London)");
            crm_reply_problem(r, 422, "the settings are not valid");
        } else if (crm_db_constraint_is(constraint, "tenants_sms_sender_assigned")) {
            crm_req_field_error(r, "sms_sender",
                                "must be one of the SMS senders the platform assigned to this "
                                "tenant (sms_senders), or null");
            crm_reply_problem(r, 422, "the settings are not valid");
        } else {
            crm_reply_db_error(r, crm_tx_error(tx));
        }
        return;
    }
    PGresult *got = crm_tx_result(tx, g);
    bool stale = u >= 0 ? PQntuples(crm_tx_result(tx, u)) != 1
                        : version && strcmp(version, PQgetvalue(got, 0, SETTINGS_GET_VERSION)) != 0;
    if (stale) {
        crm_req_add_header(
            r, "ETag",
            crm_arena_sprintf(r->arena, "\"%s\"", PQgetvalue(got, 0, SETTINGS_GET_VERSION)));
        crm_reply_problem(r, 412, "the settings changed since that version; fetch them again");
        return;
    }
    crm_settings_reply(r, got);
}
