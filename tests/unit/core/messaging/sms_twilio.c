/* sms_twilio.c - unit tests of src/core/messaging/sms_twilio.c: how Twilio's answers classify,
 * settings refused, the log file, and unreachable or silent servers (local sockets) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/messaging/sms_twilio.h"

static crm_send_status
classify(long http, const char *body, crm_send_result *r, char *status)
{
    return crm_sms_twilio_classify(http, body, strlen(body), r, status, 32);
}

static void
test_accepted(void **state)
{
    (void)state;
    crm_send_result r;
    char status[32];
    const char *ok = "{\"sid\": \"SM0123456789abcdef0123456789abcdef\", \"status\": \"queued\","
                     " \"error_code\": null, \"error_message\": null}";
    assert_int_equal(classify(201, ok, &r, status), CRM_SEND_OK);
    assert_int_equal(r.status, CRM_SEND_OK);
    assert_string_equal(r.provider_id, "SM0123456789abcdef0123456789abcdef");
    assert_string_equal(status, "queued");
    assert_string_equal(r.error_code, "");
    assert_string_equal(r.error, "");
    /* accepted, but already failed: no use trying again */
    const char *failed = "{\"sid\": \"SM1\", \"status\": \"failed\", \"error_code\": 30006,"
                         " \"error_message\": \"Landline or unreachable carrier\"}";
    assert_int_equal(classify(201, failed, &r, status), CRM_SEND_PERMANENT);
    assert_string_equal(r.provider_id, "SM1");
    assert_string_equal(r.error_code, "30006");
    assert_non_null(strstr(r.error, "Landline or unreachable carrier"));
    /* accepted without a readable answer: still sent (sending again would duplicate it) */
    assert_int_equal(classify(201, "not json", &r, status), CRM_SEND_OK);
    assert_string_equal(r.provider_id, "");
    assert_string_equal(status, "");
}

static void
test_permanent_errors(void **state)
{
    (void)state;
    crm_send_result r;
    char status[32];
    static const struct {
        long http;
        const char *code;
    } cases[] = {{400, "21211"}, {400, "21610"}, {400, "21614"}, {404, "20404"}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char body[256];
        snprintf(body, sizeof(body),
                 "{\"code\": %s, \"message\": \"refused %s\", \"more_info\": "
                 "\"https://www.twilio.com/docs/errors/%s\", \"status\": %ld}",
                 cases[i].code, cases[i].code, cases[i].code, cases[i].http);
        assert_int_equal(classify(cases[i].http, body, &r, status), CRM_SEND_PERMANENT);
        assert_string_equal(r.error_code, cases[i].code);
        assert_non_null(strstr(r.error, "refused"));
        assert_string_equal(r.provider_id, "");
    }
    assert_int_equal(classify(403, "<html>Forbidden</html>", &r, status), CRM_SEND_PERMANENT);
    assert_string_equal(r.error_code, "");
    assert_non_null(strstr(r.error, "HTTP 403"));
}

static void
test_temporary_errors(void **state)
{
    (void)state;
    crm_send_result r;
    char status[32];
    /* the platform's credentials: fixed by the operator, not the message's fault */
    assert_int_equal(classify(401,
                              "{\"code\": 20003, \"message\": \"Authenticate\", \"status\": 401}",
                              &r, status),
                     CRM_SEND_RETRY);
    assert_string_equal(r.error_code, "20003");
    assert_int_equal(
        classify(429, "{\"code\": 20429, \"message\": \"Too Many Requests\"}", &r, status),
        CRM_SEND_RETRY);
    assert_string_equal(r.error_code, "20429");
    assert_int_equal(classify(500, "{\"code\": 20500, \"message\": \"Internal\"}", &r, status),
                     CRM_SEND_RETRY);
    assert_int_equal(classify(502, "<html>Bad Gateway</html>", &r, status), CRM_SEND_RETRY);
    assert_int_equal(classify(503, "", &r, status), CRM_SEND_RETRY);
    assert_non_null(strstr(r.error, "HTTP 503"));
    /* a redirect is not followed, and is not this message's fault */
    assert_int_equal(classify(302, "", &r, status), CRM_SEND_RETRY);
}

static void
test_settings_refused(void **state)
{
    (void)state;
    char err[256];
    crm_sms_config no_token = {.account_sid = "AC123"};
    assert_null(crm_sms_transport_new(&no_token, err, sizeof(err)));
    assert_non_null(strstr(err, "CRM_TWILIO_AUTH_TOKEN"));
    crm_sms_config bad_sid = {.account_sid = "AC12/../x", .auth_token = "t"};
    assert_null(crm_sms_transport_new(&bad_sid, err, sizeof(err)));
    assert_non_null(strstr(err, "CRM_TWILIO_ACCOUNT_SID"));
    crm_sms_config bad_base = {.account_sid = "AC1", .auth_token = "t", .base_url = "ftp://x"};
    assert_null(crm_sms_transport_new(&bad_base, err, sizeof(err)));
    assert_non_null(strstr(err, "CRM_TWILIO_BASE_URL"));
    /* the credentials go in clear only to this machine */
    const char *refused[] = {"http://api.twilio.com", "http://127.0.0.1.example.com",
                             "http://localhost.example.com:80", "http://[::2]:80", "HTTP://x"};
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        crm_sms_config cfg = {.account_sid = "AC1", .auth_token = "t", .base_url = refused[i]};
        err[0] = '\0';
        assert_null(crm_sms_transport_new(&cfg, err, sizeof(err)));
        assert_non_null(strstr(err, "CRM_TWILIO_BASE_URL"));
    }
    const char *accepted[] = {"https://api.twilio.com", "http://localhost", "http://127.0.0.1:8080",
                              "http://[::1]:8080/", "http://localhost/"};
    for (size_t i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++) {
        crm_sms_config cfg = {.account_sid = "AC1", .auth_token = "t", .base_url = accepted[i]};
        crm_sms_transport *t = crm_sms_transport_new(&cfg, err, sizeof(err));
        assert_non_null(t);
        crm_sms_transport_free(t);
    }
}

static char *
slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char text[4096];
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    text[n] = '\0';
    fclose(f);
    return text;
}

static void
test_log_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/crm-sms-unit-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof(path), "%s/var/deeper/sms.log", dir);
    char err[256];
    crm_sms_config cfg = {.log_path = path, .from = "Clinic"};
    crm_sms_transport *t = crm_sms_transport_new(&cfg, err, sizeof(err));
    assert_non_null(t);
    assert_true(crm_sms_transport_logs(t));
    assert_string_equal(crm_sms_transport_log_path(t), path);
    crm_send_result r;
    crm_sms_message m = {.to = "+447700900123", .body = "Line one\nline two\\ and a\ttab"};
    assert_int_equal(crm_sms_send(t, &m, &r), CRM_SEND_OK);
    assert_string_equal(r.provider_id, "");
    crm_sms_message m2 = {.to = "+447700900456", .from = "+441234567890", .body = "Zażółć 😀"};
    assert_int_equal(crm_sms_send(t, &m2, &r), CRM_SEND_OK);
    const char *text = slurp(path);
    const char *nl = strchr(text, '\n');
    assert_non_null(nl);
    assert_non_null(strchr(nl + 1, '\n'));
    assert_null(strchr(strchr(nl + 1, '\n') + 1, '\n')); /* two messages, two lines */
    /* (a tab is not in GSM 03.38, so that message goes as UCS-2) */
    assert_non_null(strstr(text, "Z from=Clinic to=+447700900123 segments=1 encoding=UCS-2 "
                                 "body=Line one\\nline two\\\\ and a\\ttab\n"));
    assert_non_null(strstr(text, "Z from=+441234567890 to=+447700900456 segments=1 "
                                 "encoding=UCS-2 body=Zażółć 😀\n"));
    assert_true(text[4] == '-' && text[10] == 'T'); /* 2025-01-31T...Z */
    crm_sms_transport_free(t);
    unlink(path);
    snprintf(path, sizeof(path), "%s/var/deeper", dir);
    rmdir(path);
    snprintf(path, sizeof(path), "%s/var", dir);
    rmdir(path);
    rmdir(dir);
}

static void
test_refused_before_sending(void **state)
{
    (void)state;
    char err[256];
    crm_send_result r;
    /* no sender anywhere: refused without a request (the base URL would not answer) */
    crm_sms_config cfg = {
        .account_sid = "AC1", .auth_token = "t", .base_url = "http://127.0.0.1:9"};
    crm_sms_transport *t = crm_sms_transport_new(&cfg, err, sizeof(err));
    assert_non_null(t);
    assert_false(crm_sms_transport_logs(t));
    crm_sms_message m = {.to = "+447700900123", .body = "hi"};
    assert_int_equal(crm_sms_send(t, &m, &r), CRM_SEND_PERMANENT);
    assert_non_null(strstr(r.error, "CRM_SMS_FROM"));
    crm_sms_message no_to = {.to = "", .from = "+441234567890", .body = "hi"};
    assert_int_equal(crm_sms_send(t, &no_to, &r), CRM_SEND_PERMANENT);
    crm_sms_message no_body = {.to = "+447700900123", .from = "+441234567890", .body = ""};
    assert_int_equal(crm_sms_send(t, &no_body, &r), CRM_SEND_PERMANENT);
    crm_sms_transport_free(t);
}

/* A listening socket on 127.0.0.1; its port in *port. */
static int
listener(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    socklen_t len = sizeof(sa);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    assert_int_equal(listen(fd, 4), 0);
    *port = ntohs(sa.sin_port);
    return fd;
}

static crm_send_status
send_to_port(int port, long timeout_ms, crm_send_result *r)
{
    char base[64], err[256];
    snprintf(base, sizeof(base), "http://127.0.0.1:%d", port);
    crm_sms_config cfg = {.account_sid = "AC1",
                          .auth_token = "t",
                          .base_url = base,
                          .from = "+441234567890",
                          .timeout_ms = timeout_ms};
    crm_sms_transport *t = crm_sms_transport_new(&cfg, err, sizeof(err));
    assert_non_null(t);
    crm_sms_message m = {.to = "+447700900123", .body = "hi"};
    crm_send_status s = crm_sms_send(t, &m, r);
    crm_sms_transport_free(t);
    return s;
}

static void
test_unreachable_and_silent(void **state)
{
    (void)state;
    crm_send_result r;
    /* nothing listens any more: connection refused */
    int port;
    close(listener(&port));
    assert_int_equal(send_to_port(port, 0, &r), CRM_SEND_RETRY);
    assert_non_null(strstr(r.error, "cannot reach Twilio"));
    assert_non_null(strstr(r.error, "onnect"));
    assert_string_equal(r.error_code, "");
    /* connected (the kernel accepts into the backlog) but never answered: the timeout */
    int fd = listener(&port);
    assert_int_equal(send_to_port(port, 300, &r), CRM_SEND_RETRY);
    assert_non_null(strstr(r.error, "cannot reach Twilio"));
    assert_non_null(strstr(r.error, "timed out")); /* curl: "Operation timed out after ..." */
    close(fd);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepted),
        cmocka_unit_test(test_permanent_errors),
        cmocka_unit_test(test_temporary_errors),
        cmocka_unit_test(test_settings_refused),
        cmocka_unit_test(test_log_file),
        cmocka_unit_test(test_refused_before_sending),
        cmocka_unit_test(test_unreachable_and_silent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
