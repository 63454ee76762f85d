/* validate.c - unit tests of src/core/http/validate.c: body fields, each field reader's faults,
 * the date, time and email rules, and the 422 that lists the faults */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/util/json.h"
#include "core/http/request.h"
#include "core/http/validate.h"

/* A request as the server hands it to a handler: its arena, a path, no connection. */
static int
setup(void **state)
{
    *state = crm_req_new(1024, "POST", "/api/v1/things");
    return 0;
}

static int
teardown(void **state)
{
    crm_req_t *r = *state;
    crm_arena_destroy(r->arena);
    return 0;
}

/* Parses text as the request body (any JSON value). */
static void
body(crm_req_t *r, const char *text)
{
    crm_json_error_t je;
    r->json = crm_json_parse(text, strlen(text), &je);
    assert_non_null(r->json);
    crm_arena_cleanup(r->arena, (crm_cleanup_fn)json_decref, r->json);
}

static size_t
nerrors(const crm_req_t *r)
{
    size_t n = 0;
    for (const crm_field_error_t *e = r->errors; e; e = e->next)
        n++;
    return n;
}

/* The message recorded for field, or NULL. */
static const char *
error_of(const crm_req_t *r, const char *field)
{
    for (const crm_field_error_t *e = r->errors; e; e = e->next)
        if (strcmp(e->field, field) == 0)
            return e->message;
    return NULL;
}

static json_t *
reply_body(const crm_req_t *r)
{
    json_error_t je;
    json_t *j = json_loadb(r->resp_body, r->resp_len, 0, &je);
    assert_non_null(j);
    return j;
}

static const char *const known[] = {"name", "email", "active", NULL};

static void
test_body_must_be_an_object(void **state)
{
    crm_req_t *r = *state;
    body(r, "[1, 2]");
    assert_false(crm_body_fields(r, known));
    assert_true(r->replied);
    assert_int_equal(r->status, 422);
    assert_string_equal(r->content_type, CRM_PROBLEM_CONTENT_TYPE);
    assert_string_equal(error_of(r, "body"), "must be a JSON object");
    json_t *j = reply_body(r);
    assert_string_equal(json_string_value(json_object_get(j, "detail")),
                        "the request body must be a JSON object");
    assert_string_equal(json_string_value(json_object_get(j, "instance")), "/api/v1/things");
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(j, "errors"), 0), "field")),
                        "body");
    json_decref(j);
}

static void
test_body_without_json_is_refused(void **state)
{
    crm_req_t *r = *state; /* no body was parsed */
    assert_false(crm_body_fields(r, known));
    assert_int_equal(r->status, 422);
}

static void
test_unknown_fields_are_each_named(void **state)
{
    crm_req_t *r = *state;
    body(r, "{\"name\": \"Ada\", \"tenant_id\": \"x\", \"Name\": 1, \"active\": true}");
    assert_true(crm_body_fields(r, known)); /* the caller decides when to answer */
    assert_false(r->replied);
    assert_int_equal(nerrors(r), 2);
    assert_string_equal(error_of(r, "tenant_id"), "is not a field of this resource");
    assert_non_null(error_of(r, "Name")); /* names are case-sensitive */
    assert_null(error_of(r, "name"));
}

static void
test_empty_object_has_no_faults(void **state)
{
    crm_req_t *r = *state;
    body(r, "{}");
    assert_true(crm_body_fields(r, known));
    assert_int_equal(nerrors(r), 0);
    assert_false(crm_fields_failed(r, "unused"));
    assert_false(r->replied);
}

static void
test_string_field(void **state)
{
    crm_req_t *r = *state;
    body(r, "{\"a\": \"abc\", \"num\": 7, \"nul\": null, \"empty\": \"\", \"long\": \"abcd\","
            " \"accent\": \"\\u00e9\", \"list\": [\"x\"]}");
    /* the body parser refuses \u0000; a string with a NUL is still refused here */
    json_object_set_new(r->json, "nul_byte", json_stringn("a\0b", 3));
    assert_string_equal(crm_field_string(r, "a", true, 3), "abc"); /* max_len included */
    assert_int_equal(nerrors(r), 0);
    assert_null(crm_field_string(r, "missing", false, 10));
    assert_null(crm_field_string(r, "nul", false, 10));
    assert_int_equal(nerrors(r), 0); /* absent or null, not required: no fault */
    assert_null(crm_field_string(r, "missing", true, 10));
    assert_string_equal(error_of(r, "missing"), "is required");
    assert_null(crm_field_string(r, "nul", true, 10));
    assert_string_equal(error_of(r, "nul"), "is required");
    assert_null(crm_field_string(r, "num", false, 10));
    assert_string_equal(error_of(r, "num"), "must be a string");
    assert_null(crm_field_string(r, "list", false, 10));
    assert_string_equal(error_of(r, "list"), "must be a string");
    assert_null(crm_field_string(r, "empty", false, 10));
    assert_string_equal(error_of(r, "empty"), "must be 1 to 10 bytes of text");
    assert_null(crm_field_string(r, "long", false, 3));
    assert_string_equal(error_of(r, "long"), "must be 1 to 3 bytes of text");
    assert_null(crm_field_string(r, "nul_byte", false, 10)); /* would cut the text short */
    assert_non_null(error_of(r, "nul_byte"));
    assert_null(crm_field_string(r, "accent", false, 1)); /* bytes, not characters */
    assert_string_equal(crm_field_string(r, "accent", false, 2), "\xc3\xa9");
    assert_int_equal(nerrors(r), 8);
}

static void
test_bool_field(void **state)
{
    crm_req_t *r = *state;
    body(r, "{\"t\": true, \"f\": false, \"s\": \"true\", \"n\": null, \"one\": 1}");
    assert_true(crm_field_bool(r, "t", false));
    assert_false(crm_field_bool(r, "f", true));
    assert_true(crm_field_bool(r, "missing", true));
    assert_false(crm_field_bool(r, "missing", false));
    assert_int_equal(nerrors(r), 0);
    assert_true(crm_field_bool(r, "s", true)); /* a fault gives the default back */
    assert_false(crm_field_bool(r, "n", false));
    assert_false(crm_field_bool(r, "one", false));
    assert_int_equal(nerrors(r), 3);
    assert_string_equal(error_of(r, "s"), "must be true or false");
    assert_string_equal(error_of(r, "n"), "must be true or false");
    assert_string_equal(error_of(r, "one"), "must be true or false");
}

static void
test_present_and_null(void **state)
{
    crm_req_t *r = *state;
    body(r, "{\"n\": null, \"v\": 0}");
    assert_true(crm_field_present(r, "n"));
    assert_true(crm_field_present(r, "v"));
    assert_false(crm_field_present(r, "missing"));
    assert_true(crm_field_is_null(r, "n"));
    assert_false(crm_field_is_null(r, "v"));
    assert_false(crm_field_is_null(r, "missing"));
    assert_int_equal(nerrors(r), 0);
}

static void
test_enum_field(void **state)
{
    crm_req_t *r = *state;
    static const char *const statuses[] = {"booked", "arrived", "fulfilled", NULL};
    body(r, "{\"ok\": \"arrived\", \"bad\": \"Arrived\", \"num\": 2}");
    assert_string_equal(crm_field_enum(r, "ok", statuses, true), "arrived");
    assert_null(crm_field_enum(r, "missing", statuses, false));
    assert_int_equal(nerrors(r), 0);
    assert_null(crm_field_enum(r, "bad", statuses, false));
    assert_string_equal(error_of(r, "bad"), "must be one of booked, arrived, fulfilled");
    assert_null(crm_field_enum(r, "num", statuses, false));
    assert_string_equal(error_of(r, "num"), "must be a string");
    assert_null(crm_field_enum(r, "missing", statuses, true));
    assert_string_equal(error_of(r, "missing"), "is required");
    assert_int_equal(nerrors(r), 3);
}

static void
test_enum_with_a_long_list_stays_bounded(void **state)
{
    crm_req_t *r = *state;
    static const char *const many[] = {
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
        "ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc",
        "ddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd",
        "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee",
        NULL};
    body(r, "{\"v\": \"z\"}");
    assert_null(crm_field_enum(r, "v", many, true));
    const char *msg = error_of(r, "v");
    assert_non_null(msg);
    assert_true(strncmp(msg, "must be one of aaa", 18) == 0);
    assert_true(strlen(msg) < 256 + sizeof("must be one of "));
}

static void
test_uuid_field(void **state)
{
    crm_req_t *r = *state;
    body(r, "{\"lower\": \"0b7e4f2a-9c1d-4e8f-a2b3-c4d5e6f70819\","
            " \"upper\": \"0B7E4F2A-9C1D-4E8F-A2B3-C4D5E6F70819\","
            " \"short\": \"0b7e4f2a-9c1d-4e8f-a2b3-c4d5e6f7081\","
            " \"dashes\": \"0b7e4f2a9c1d-4e8f-a2b3-c4d5e6f708199\","
            " \"not_hex\": \"0b7e4f2a-9c1d-4e8f-a2b3-c4d5e6f7081g\","
            " \"braced\": \"{0b7e4f2a-9c1d-4e8f-a2b3-c4d5e6f70819}\"}");
    assert_non_null(crm_field_uuid(r, "lower", true));
    assert_non_null(crm_field_uuid(r, "upper", true));
    assert_null(crm_field_uuid(r, "missing", false));
    assert_int_equal(nerrors(r), 0);
    assert_null(crm_field_uuid(r, "short", true));
    assert_string_equal(error_of(r, "short"), "must be a UUID");
    assert_null(crm_field_uuid(r, "dashes", true));
    assert_string_equal(error_of(r, "dashes"), "must be a UUID");
    assert_null(crm_field_uuid(r, "not_hex", true));
    assert_string_equal(error_of(r, "not_hex"), "must be a UUID");
    assert_null(crm_field_uuid(r, "braced", true)); /* 38 bytes: longer than a UUID */
    assert_string_equal(error_of(r, "braced"), "must be 1 to 36 bytes of text");
    assert_int_equal(nerrors(r), 4);
}

static void
day_from_now(int days, char out[11])
{
    time_t t = time(NULL) + (time_t)days * 86400;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

static void
test_valid_date(void **state)
{
    (void)state;
    const char *good[] = {"1900-01-01", "2000-02-29", "2024-02-29", "2026-12-31", "9999-12-31"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        assert_true(crm_valid_date(good[i], false));
    const char *bad[] = {
        "1899-12-31",  "1900-02-29",           "2023-02-29", "2026-04-31", "2026-13-01",
        "2026-00-10",  "2026-01-00",           "2026-01-32", "2026-1-27",  "2026- 1-27",
        "+026-01-27",  "2026-01-+7",           "2026/01/27", "20260127",   "2026-01-27 ",
        " 2026-01-27", "2026-01-27T00:00:00Z", "",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (crm_valid_date(bad[i], false))
            fail_msg("accepted %s", bad[i]);
}

static void
test_date_not_in_the_future(void **state)
{
    (void)state;
    char today[11], later[11];
    day_from_now(0, today);
    day_from_now(2, later);
    assert_true(crm_valid_date(today, true));
    assert_false(crm_valid_date(later, true));
    assert_true(crm_valid_date(later, false));
}

static void
test_date_field(void **state)
{
    crm_req_t *r = *state;
    char later[11], text[128];
    day_from_now(2, later);
    snprintf(text, sizeof(text),
             "{\"dob\": \"1990-12-10\", \"later\": \"%s\", \"bad\": \"1990-02-30\"}", later);
    body(r, text);
    assert_string_equal(crm_field_date(r, "dob", true), "1990-12-10");
    assert_null(crm_field_date(r, "later", true));
    assert_string_equal(error_of(r, "later"), "must be a date YYYY-MM-DD from 1900 to today");
    assert_null(crm_field_date(r, "bad", true));
    assert_non_null(error_of(r, "bad"));
    assert_int_equal(nerrors(r), 2);
}

static void
test_valid_email(void **state)
{
    (void)state;
    char local64[80], local65[80], long_domain[300];
    memset(local64, 'a', 64);
    strcpy(local64 + 64, "@example.org");
    memset(local65, 'a', 65);
    strcpy(local65 + 65, "@example.org");
    /* 254 bytes in all is the most an address may have: "a@" + 248 + ".org" */
    strcpy(long_domain, "a@");
    memset(long_domain + 2, 'd', 248);
    strcpy(long_domain + 250, ".org");
    assert_int_equal(strlen(long_domain), 254);
    const char *good[] = {"ada@example.org",
                          "a.b+tag@sub.example.co.uk",
                          "x@y.z",
                          "\xc3\xa9l\xc3\xa8ve@\xc3\xa9"
                          "cole.fr",
                          local64,
                          long_domain};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        if (!crm_valid_email(good[i]))
            fail_msg("refused %s", good[i]);
    const char *bad[] = {"",
                         "ada",
                         "@example.org",
                         "ada@",
                         "ada@example",
                         "ada@.org",
                         "ada@example.",
                         "ada@b@example.org",
                         "ada lovelace@example.org",
                         "ada@example.org ",
                         "ada\t@example.org",
                         "ada,b@example.org",
                         "ada;b@example.org",
                         "<ada@example.org>",
                         "ada\x7f@example.org",
                         "ada\n@example.org",
                         local65};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (crm_valid_email(bad[i]))
            fail_msg("accepted %s", bad[i]);
    strcat(long_domain, "x"); /* 255 bytes */
    assert_false(crm_valid_email(long_domain));
}

static void
test_email_field(void **state)
{
    crm_req_t *r = *state;
    body(r, "{\"ok\": \"ada@example.org\", \"bad\": \"ada@example\", \"num\": 1}");
    assert_string_equal(crm_field_email(r, "ok", true), "ada@example.org");
    assert_null(crm_field_email(r, "bad", true));
    assert_string_equal(error_of(r, "bad"), "must be an email address");
    assert_null(crm_field_email(r, "num", true));
    assert_string_equal(error_of(r, "num"), "must be a string");
    assert_int_equal(nerrors(r), 2);
}

static void
test_valid_time(void **state)
{
    (void)state;
    const char *good[] = {
        "2026-11-27T09:30:00Z",        "2026-11-27T09:30:00z",
        "2026-11-27t09:30:00+01:00",   "2026-11-27 09:30:00-05:30",
        "2026-11-27T00:00:00.5+00:00", "2026-11-27T23:59:59.123456789Z",
        "2024-02-29T12:00:00+14:00",   "2026-11-27T09:30:00-12:00",
        "2026-11-27T09:30:00+15:59",   "2026-11-27T09:30:00-15:59",
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        if (!crm_valid_time(good[i]))
            fail_msg("refused %s", good[i]);
    const char *bad[] = {
        "",
        "2026-11-27",
        "2026-11-27T09:30:00", /* no offset */
        "2026-11-27T09:30Z",   /* no seconds */
        "2026-11-27X09:30:00Z",
        "2026-11-27T24:00:00Z",
        "2026-11-27T09:60:00Z",
        "2026-11-27T09:30:60Z",
        "2026-11-27T9:30:00+01:00",
        "2026-02-30T09:30:00Z", /* the date is checked too */
        "1899-12-31T23:00:00Z",
        "2026-11-27T09:30:00.Z",           /* a dot needs digits */
        "2026-11-27T09:30:00.1234567890Z", /* more than nanoseconds */
        "2026-11-27T09:30:00+0100",
        "2026-11-27T09:30:00+01",
        "2026-11-27T09:30:00+01:00 ",
        "2026-11-27T09:30:00Z+01:00",
        "2026-11-27T09:30:00ZZ",
        "2026-11-27T09:30:00+1:00",
        "2026-11-27T09:30:00+01:0a",
        /* offsets the database cannot store: it would refuse them without naming the field */
        "2026-11-27T09:30:00+99:99",
        "2026-11-27T09:30:00+01:60",
        "2026-11-27T09:30:00+16:00",
        "2026-11-27T09:30:00-24:00",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (crm_valid_time(bad[i]))
            fail_msg("accepted %s", bad[i]);
}

static void
test_time_field(void **state)
{
    crm_req_t *r = *state;
    body(r, "{\"at\": \"2026-11-27T09:30:00+01:00\", \"bad\": \"2026-11-27 09:30\","
            " \"long\": \"2026-11-27T09:30:00.123456789+01:00xxxxxx\"}");
    assert_string_equal(crm_field_time(r, "at", true), "2026-11-27T09:30:00+01:00");
    assert_null(crm_field_time(r, "bad", true));
    assert_string_equal(error_of(r, "bad"),
                        "must be an RFC 3339 time with offset (2026-11-27T09:30:00+01:00)");
    assert_null(crm_field_time(r, "long", true)); /* over 40 bytes */
    assert_string_equal(error_of(r, "long"), "must be 1 to 40 bytes of text");
    assert_null(crm_field_time(r, "missing", false));
    assert_int_equal(nerrors(r), 2);
}

static void
test_fields_failed_answers_422_with_every_fault(void **state)
{
    crm_req_t *r = *state;
    body(r, "{\"name\": 1, \"email\": \"no\", \"extra\": true}");
    assert_true(crm_body_fields(r, known));
    crm_field_string(r, "name", true, 10);
    crm_field_email(r, "email", true);
    assert_true(crm_fields_failed(r, "the thing is not valid"));
    assert_true(r->replied);
    assert_int_equal(r->status, 422);
    json_t *j = reply_body(r);
    assert_string_equal(json_string_value(json_object_get(j, "detail")), "the thing is not valid");
    json_t *errors = json_object_get(j, "errors");
    assert_int_equal(json_array_size(errors), 3);
    const char *fields[] = {"extra", "name", "email"}; /* in the order they were found */
    for (size_t i = 0; i < 3; i++)
        assert_string_equal(json_string_value(json_object_get(json_array_get(errors, i), "field")),
                            fields[i]);
    json_decref(j);
}

static void
test_forgotten_faults_do_not_fail(void **state)
{
    crm_req_t *r = *state;
    body(r, "{\"a\": 1, \"b\": 2}");
    crm_field_string(r, "a", true, 10);
    crm_field_error_t *mark = r->errors_tail;
    crm_field_string(r, "b", true, 10);
    crm_req_forget_errors(r, mark);
    assert_int_equal(nerrors(r), 1);
    assert_non_null(error_of(r, "a"));
    crm_req_forget_errors(r, NULL);
    assert_false(crm_fields_failed(r, "unused"));
    crm_field_string(r, "b", true, 10); /* the list takes new faults after a reset */
    assert_int_equal(nerrors(r), 1);
    assert_true(crm_fields_failed(r, "b is wrong"));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_body_must_be_an_object),
        T(test_body_without_json_is_refused),
        T(test_unknown_fields_are_each_named),
        T(test_empty_object_has_no_faults),
        T(test_string_field),
        T(test_bool_field),
        T(test_present_and_null),
        T(test_enum_field),
        T(test_enum_with_a_long_list_stays_bounded),
        T(test_uuid_field),
        T(test_valid_date),
        T(test_date_not_in_the_future),
        T(test_date_field),
        T(test_valid_email),
        T(test_email_field),
        T(test_valid_time),
        T(test_time_field),
        T(test_fields_failed_answers_422_with_every_fault),
        T(test_forgotten_faults_do_not_fail),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
