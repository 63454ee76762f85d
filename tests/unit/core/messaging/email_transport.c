/* email_transport.c - unit tests of src/core/messaging/email_transport.c: configuration,
 * failure classification, the .eml folder, a refused connection */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <dirent.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/messaging/email_transport.h"

static crm_config_t
config(const char *url, const char *from)
{
    crm_config_t c;
    memset(&c, 0, sizeof(c));
    c.smtp_url = url;
    c.smtp_from = from;
    c.mail_dir = "var/mail";
    return c;
}

static crm_email
sample(void)
{
    crm_email m = {
        .from_name = "Riverside Clinic",
        .to = "ann.smith@example.org",
        .subject = "Your appointment",
        .text = "See you tomorrow.\n",
        .html = "<p>See you tomorrow.</p>\n",
    };
    return m;
}

static void
test_configuration_errors(void **state)
{
    (void)state;
    static const struct {
        const char *url, *from, *ca, *want;
    } cases[] = {
        {"smtp://relay.example:587", NULL, NULL, "CRM_SMTP_FROM: required with CRM_SMTP_URL"},
        {"smtp://relay.example:587", "not-an-address", NULL, "CRM_SMTP_FROM: expected"},
        {NULL, "a b@example.org", NULL, "CRM_SMTP_FROM: expected"},
        {"http://relay.example", "n@x.org", NULL, "CRM_SMTP_URL: the scheme must be smtp or smtps"},
        {"relay.example:587", "n@x.org", NULL, "CRM_SMTP_URL: "},
        {"smtp://", "n@x.org", NULL, "CRM_SMTP_URL: expected"},
        {"smtp://relay.example", "n@x.org", "/nonexistent/ca.pem", "CRM_SMTP_CA_FILE: cannot read"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        crm_config_t c = config(cases[i].url, cases[i].from);
        c.smtp_ca_file = cases[i].ca;
        char err[256] = "";
        crm_email_transport *t = crm_email_transport_new(&c, err, sizeof(err));
        if (t || !strstr(err, cases[i].want))
            fail_msg("case %zu: %s", i, err);
    }
}

static void
test_url_credentials_left_out_of_target(void **state)
{
    (void)state;
    crm_config_t c = config("smtp://us%40er;AUTH=LOGIN:p%3As%2Fs@127.0.0.1:2525", "n@x.org");
    char err[256] = "";
    crm_email_transport *t = crm_email_transport_new(&c, err, sizeof(err));
    assert_non_null(t);
    const char *target = crm_email_transport_target(t);
    assert_memory_equal(target, "smtp://127.0.0.1:2525", 21);
    assert_null(strstr(target, "us"));
    assert_null(strstr(target, "p%3A"));
    assert_null(strstr(target, "AUTH"));
    assert_string_equal(crm_email_transport_from(t), "n@x.org");
    crm_email_transport_free(t);
}

static void
test_classify(void **state)
{
    (void)state;
    static const struct {
        int curl;
        long smtp;
        const char *text;
        crm_send_status want;
    } cases[] = {
        {CURLE_OK, 250, "", CRM_SEND_OK},
        {CURLE_COULDNT_CONNECT, 0, "Failed to connect", CRM_SEND_RETRY},
        {CURLE_OPERATION_TIMEDOUT, 0, "Operation timed out", CRM_SEND_RETRY},
        {CURLE_SSL_CONNECT_ERROR, 0, "TLS", CRM_SEND_RETRY},
        {CURLE_PEER_FAILED_VERIFICATION, 0, "certificate", CRM_SEND_RETRY},
        {CURLE_USE_SSL_FAILED, 250, "STARTTLS not supported.", CRM_SEND_RETRY},
        {CURLE_SEND_ERROR, 450, "RCPT failed: 450", CRM_SEND_RETRY},
        {CURLE_SEND_ERROR, 421, "MAIL failed: 421", CRM_SEND_RETRY},
        {CURLE_SEND_ERROR, 550, "RCPT failed: 550", CRM_SEND_PERMANENT},
        {CURLE_SEND_ERROR, 553, "RCPT failed: 553", CRM_SEND_PERMANENT},
        {CURLE_SEND_ERROR, 552, "RCPT failed: 552", CRM_SEND_RETRY},
        {CURLE_SEND_ERROR, 550, "MAIL failed: 550", CRM_SEND_RETRY},
        {CURLE_LOGIN_DENIED, 535, "Login denied", CRM_SEND_RETRY},
        {CURLE_WEIRD_SERVER_REPLY, 554, "", CRM_SEND_PERMANENT},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (crm_email_smtp_classify(cases[i].curl, cases[i].smtp, cases[i].text) != cases[i].want)
            fail_msg("case %zu (%s)", i, cases[i].text);
}

static void
test_mail_folder(void **state)
{
    (void)state;
    char base[] = "/tmp/crm-mail-XXXXXX";
    assert_non_null(mkdtemp(base));
    char dir[128];
    snprintf(dir, sizeof(dir), "%s/var/mail", base); /* made on first use */
    crm_config_t c = config(NULL, NULL);
    c.mail_dir = dir;
    char err[256] = "";
    crm_email_transport *t = crm_email_transport_new(&c, err, sizeof(err));
    assert_non_null(t);
    assert_string_equal(crm_email_transport_from(t), "noreply@localhost");
    assert_string_equal(crm_email_transport_target(t), dir);
    crm_email m = sample();
    crm_send_result r;
    crm_email_transport_send(t, &m, (time_t)1796460098, &r);
    assert_int_equal(r.status, CRM_SEND_OK);
    assert_string_equal(r.error, "");
    assert_memory_equal(r.provider_id, "<", 1);
    assert_non_null(strstr(r.provider_id, "@localhost>"));

    /* one file, named from the time and the Message-ID, no temporary file left */
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    int files = 0;
    char name[256] = "";
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' && (e->d_name[1] == '\0' || e->d_name[1] == '.'))
            continue;
        files++;
        snprintf(name, sizeof(name), "%s", e->d_name);
    }
    closedir(d);
    assert_int_equal(files, 1);
    char want[200];
    snprintf(want, sizeof(want), "20261205T084138Z-%.*s.eml", (int)strlen(r.provider_id) - 2,
             r.provider_id + 1);
    assert_string_equal(name, want);
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600); /* personal data: the owner's only */
    FILE *f = fopen(path, "rb");
    char head[64] = "";
    assert_non_null(fgets(head, sizeof(head), f));
    fclose(f);
    assert_string_equal(head, "From: Riverside Clinic <noreply@localhost>\r\n");

    /* a message that cannot be composed fails for good, and writes nothing */
    m.subject = "x\r\nBcc: someone@example.org";
    crm_email_transport_send(t, &m, (time_t)1796460098, &r);
    assert_int_equal(r.status, CRM_SEND_PERMANENT);
    assert_string_equal(r.error, "subject: must not contain CR or LF");
    assert_string_equal(r.provider_id, "");
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0); /* empty again: nothing else was written */
    crm_email_transport_free(t);
    snprintf(path, sizeof(path), "%s/var", base);
    rmdir(path);
    rmdir(base);
}

static void
test_connection_refused_is_retried(void **state)
{
    (void)state;
    /* port 1 on the loopback: nothing listens there */
    crm_config_t c = config("smtp://127.0.0.1:1", "noreply@clinic.example");
    char err[256] = "";
    crm_email_transport *t = crm_email_transport_new(&c, err, sizeof(err));
    assert_non_null(t);
    crm_email m = sample();
    crm_send_result r;
    crm_email_transport_send(t, &m, time(NULL), &r);
    assert_int_equal(r.status, CRM_SEND_RETRY);
    assert_string_equal(r.error_code, "");
    assert_memory_equal(r.error, "SMTP: ", 6);
    assert_non_null(strstr(r.provider_id, "@clinic.example>"));
    crm_email_transport_free(t);
}

int
main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_configuration_errors),
        cmocka_unit_test(test_url_credentials_left_out_of_target),
        cmocka_unit_test(test_classify),
        cmocka_unit_test(test_mail_folder),
        cmocka_unit_test(test_connection_refused_is_retried),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup(); /* after every transport is gone, as libcurl asks */
    return rc;
}
