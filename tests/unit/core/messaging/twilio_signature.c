/* twilio_signature.c - unit tests of src/core/messaging/twilio_signature.c: Twilio's published
 * examples, parameters in any order, repeated names, UTF-8, and what must not verify */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/messaging/form.h"
#include "core/messaging/twilio_signature.h"
#include "core/util/arena.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const docs_url = "https://mycompany.com/myapp.php?foo=1&bar=2";

/* The example of Twilio's "Webhooks security" guide: auth token 12345. */
static const crm_form_field docs_params[] = {
    {"CallSid", "CA1234567890ABCDE"}, {"Caller", "+12349013030"}, {"Digits", "1234"},
    {"From", "+12349013030"},         {"To", "+18005551212"},
};

static void
test_twilio_documented_examples(void **state)
{
    (void)state;
    char sig[CRM_TWILIO_SIGNATURE_SIZE];
    assert_int_equal(crm_twilio_signature("12345", docs_url, docs_params, N(docs_params), sig), 0);
    assert_string_equal(sig, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
    assert_true(crm_twilio_signature_verify("12345", docs_url, docs_params, N(docs_params),
                                            "0/KCTR6DLpKmkAf8muzZqo1nDgQ="));
    /* The guide's earlier edition (and Twilio's PHP library docs) used other numbers. */
    const crm_form_field older[] = {
        {"CallSid", "CA1234567890ABCDE"}, {"Caller", "+14158675309"}, {"Digits", "1234"},
        {"From", "+14158675309"},         {"To", "+18005551212"},
    };
    assert_true(crm_twilio_signature_verify("12345", docs_url, older, N(older),
                                            "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
}

static void
test_order_does_not_matter(void **state)
{
    (void)state;
    const crm_form_field shuffled[] = {
        {"To", "+18005551212"},   {"Digits", "1234"},         {"CallSid", "CA1234567890ABCDE"},
        {"From", "+12349013030"}, {"Caller", "+12349013030"},
    };
    assert_true(crm_twilio_signature_verify("12345", docs_url, shuffled, N(shuffled),
                                            "0/KCTR6DLpKmkAf8muzZqo1nDgQ="));
}

static void
test_form_body_as_twilio_posts_it(void **state)
{
    (void)state;
    crm_arena_t *a = crm_arena_create(1024);
    const char *body = "To=%2B18005551212&CallSid=CA1234567890ABCDE&Digits=1234"
                       "&From=%2B12349013030&Caller=%2B12349013030";
    crm_form_field *fields;
    long n = crm_form_parse(a, body, strlen(body), &fields);
    assert_int_equal(n, 5);
    assert_true(crm_twilio_signature_verify("12345", docs_url, fields, (size_t)n,
                                            "0/KCTR6DLpKmkAf8muzZqo1nDgQ="));
    crm_arena_destroy(a);
}

static void
test_edge_cases(void **state)
{
    (void)state;
    char sig[CRM_TWILIO_SIGNATURE_SIZE];
    const char *inbound = "https://crm.example.com/webhooks/twilio/inbound";
    /* no parameters: the URL alone */
    assert_int_equal(crm_twilio_signature("12345", inbound, NULL, 0, sig), 0);
    assert_string_equal(sig, "HUcGPC/WcpGFUdwMQnTx5GWqBYo=");
    /* a name sent twice: each value, sorted, after its name */
    const crm_form_field repeated[] = {
        {"MediaUrl", "https://b.example/2"}, {"Body", "hi"}, {"MediaUrl", "https://a.example/1"}};
    assert_int_equal(crm_twilio_signature("12345", inbound, repeated, N(repeated), sig), 0);
    assert_string_equal(sig, "CEHaOiuJmvGcaOPOetnTE5JAv7c=");
    /* UTF-8 names and values, sorted by code point (a non-ASCII name sorts after ASCII) */
    const crm_form_field utf8[] = {
        {"Ä", "ü"}, {"Body", "Zażółć gęślą jaźń 😀"}, {"From", "+48500100200"}};
    assert_int_equal(crm_twilio_signature("secret-token", inbound, utf8, N(utf8), sig), 0);
    assert_string_equal(sig, "gh5UiiAKeaxfNLaFmDxWSTZOMMg=");
    /* an empty value still contributes its name */
    const crm_form_field empty[] = {{"B", "b"}, {"A", ""}};
    assert_int_equal(crm_twilio_signature("12345", "https://crm.example.com/x", empty, 2, sig), 0);
    assert_string_equal(sig, "d+c34Rj28FBocaPaeVRkkqVaxeI=");
}

static void
test_what_does_not_verify(void **state)
{
    (void)state;
    const char *good = "0/KCTR6DLpKmkAf8muzZqo1nDgQ=";
    size_t n = N(docs_params);
    assert_false(crm_twilio_signature_verify("12345", docs_url, docs_params, n, NULL));
    assert_false(crm_twilio_signature_verify("12345", docs_url, docs_params, n, ""));
    assert_false(crm_twilio_signature_verify("12345", docs_url, docs_params, n,
                                             "0/KCTR6DLpKmkAf8muzZqo1nDgQ"));
    assert_false(crm_twilio_signature_verify("12345", docs_url, docs_params, n,
                                             "0/KCTR6DLpKmkAf8muzZqo1nDgQ=="));
    assert_false(crm_twilio_signature_verify("12345", docs_url, docs_params, n,
                                             "1/KCTR6DLpKmkAf8muzZqo1nDgQ="));
    assert_false(crm_twilio_signature_verify("12346", docs_url, docs_params, n, good));
    assert_false(crm_twilio_signature_verify("", docs_url, docs_params, n, good));
    assert_false(crm_twilio_signature_verify(NULL, docs_url, docs_params, n, good));
    assert_false(crm_twilio_signature_verify("12345", "https://mycompany.com/myapp.php?foo=1",
                                             docs_params, n, good));
    assert_false(crm_twilio_signature_verify("12345", docs_url, docs_params, n - 1, good));
    crm_form_field tampered[N(docs_params)];
    memcpy(tampered, docs_params, sizeof(tampered));
    tampered[2].value = "9999";
    assert_false(crm_twilio_signature_verify("12345", docs_url, tampered, n, good));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_twilio_documented_examples),
        cmocka_unit_test(test_order_does_not_matter),
        cmocka_unit_test(test_form_body_as_twilio_posts_it),
        cmocka_unit_test(test_edge_cases),
        cmocka_unit_test(test_what_does_not_verify),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
