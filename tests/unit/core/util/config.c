/* config.c - unit tests of src/core/config.c: defaults, environment, flags, errors */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/util/config.h"

static const char *const *fake_env;

static const char *
fake_getenv(const char *name)
{
    for (const char *const *e = fake_env; e && *e; e += 2)
        if (strcmp(e[0], name) == 0)
            return e[1];
    return NULL;
}

static int
load(crm_config_t *c, unsigned cmd, const char *const *env, int argc, const char *const *argv,
     char *err)
{
    fake_env = env;
    return crm_config_load(c, cmd, argc, argv, fake_getenv, err, 256);
}

static void
test_defaults(void **state)
{
    (void)state;
    crm_config_t c;
    char err[256];
    const char *env[] = {"CRM_DATABASE_URL", "dbname=x", "CRM_JWT_KEYS", "k.json", NULL};
    assert_int_equal(load(&c, CRM_CMD_SERVE, env, 0, NULL, err), 0);
    assert_string_equal(c.listen_host, "127.0.0.1");
    assert_int_equal(c.listen_port, 8080);
    assert_int_equal(c.max_body_bytes, 1024 * 1024);
    assert_true(c.threads >= 4);
    assert_int_equal(c.log_level, CRM_LOG_INFO);
}

static void
test_flags_override_environment(void **state)
{
    (void)state;
    crm_config_t c;
    char err[256];
    const char *env[] = {"CRM_DATABASE_URL", "dbname=x",     "CRM_THREADS", "3", "CRM_LISTEN",
                         "0.0.0.0:9000",     "CRM_JWT_KEYS", "k.json",      NULL};
    const char *argv[] = {"--threads", "7", "--log-level=debug", "--listen", "[::1]:81"};
    assert_int_equal(load(&c, CRM_CMD_SERVE, env, 5, argv, err), 0);
    assert_int_equal(c.threads, 7);
    assert_int_equal(c.log_level, CRM_LOG_DEBUG);
    assert_string_equal(c.listen_host, "::1");
    assert_int_equal(c.listen_port, 81);
    assert_true(c.listen_ipv6);
}

static void
test_bad_values_name_the_variable(void **state)
{
    (void)state;
    crm_config_t c;
    char err[256];
    const char *bad_threads[] = {"CRM_DATABASE_URL", "x", "CRM_THREADS", "lots", NULL};
    assert_int_equal(load(&c, CRM_CMD_SERVE, bad_threads, 0, NULL, err), -1);
    assert_non_null(strstr(err, "CRM_THREADS"));
    const char *bad_listen[] = {"CRM_DATABASE_URL", "x", "CRM_LISTEN", "nohost", NULL};
    assert_int_equal(load(&c, CRM_CMD_SERVE, bad_listen, 0, NULL, err), -1);
    assert_non_null(strstr(err, "CRM_LISTEN"));
    const char *bad_body[] = {"CRM_DATABASE_URL", "x", "CRM_MAX_BODY_BYTES", "-5", NULL};
    assert_int_equal(load(&c, CRM_CMD_SERVE, bad_body, 0, NULL, err), -1);
    assert_non_null(strstr(err, "CRM_MAX_BODY_BYTES"));
    const char *bad_level[] = {"CRM_DATABASE_URL", "x", "CRM_LOG_LEVEL", "loud", NULL};
    assert_int_equal(load(&c, CRM_CMD_SERVE, bad_level, 0, NULL, err), -1);
    assert_non_null(strstr(err, "CRM_LOG_LEVEL"));
    const char *none[] = {NULL};
    assert_int_equal(load(&c, CRM_CMD_SERVE, none, 0, NULL, err), -1);
    assert_non_null(strstr(err, "CRM_DATABASE_URL"));
    const char *argv[] = {"--threads"};
    assert_int_equal(load(&c, CRM_CMD_SERVE, bad_threads + 4, 1, argv, err), -1);
    const char *unknown[] = {"--colour", "red"};
    assert_int_equal(load(&c, CRM_CMD_MIGRATE, bad_threads, 2, unknown, err), -1);
    assert_non_null(strstr(err, "--colour"));
}

static void
test_options_of_other_commands_are_ignored(void **state)
{
    (void)state;
    crm_config_t c;
    char err[256];
    /* migrate reads no CRM_THREADS: a bad value there does not stop it */
    const char *env[] = {"CRM_DATABASE_URL", "x", "CRM_THREADS", "lots", NULL};
    assert_int_equal(load(&c, CRM_CMD_MIGRATE, env, 0, NULL, err), 0);
    const char *argv[] = {"--threads", "2"};
    assert_int_equal(load(&c, CRM_CMD_MIGRATE, env, 2, argv, err), -1);
}

static void
test_auth_settings(void **state)
{
    (void)state;
    crm_config_t c;
    char err[256];
    const char *no_keys[] = {"CRM_DATABASE_URL", "x", NULL};
    assert_int_equal(load(&c, CRM_CMD_SERVE, no_keys, 0, NULL, err), -1);
    assert_non_null(strstr(err, "CRM_JWT_KEYS"));
    const char *short_key[] = {
        "CRM_DATABASE_URL", "x", "CRM_JWT_KEYS", "k", "CRM_PLATFORM_KEY", "short", NULL};
    assert_int_equal(load(&c, CRM_CMD_SERVE, short_key, 0, NULL, err), -1);
    assert_non_null(strstr(err, "CRM_PLATFORM_KEY"));
    const char *migrate[] = {"CRM_MIGRATE_DATABASE_URL", "owner", NULL};
    assert_int_equal(load(&c, CRM_CMD_MIGRATE, migrate, 0, NULL, err), 0);
    assert_string_equal(c.migrate_database_url, "owner");
    const char *fallback[] = {"CRM_DATABASE_URL", "app", NULL};
    assert_int_equal(load(&c, CRM_CMD_MIGRATE, fallback, 0, NULL, err), 0);
    assert_string_equal(c.migrate_database_url, "app");
}

static void
test_proxy_settings(void **state)
{
    (void)state;
    crm_config_t c;
    char err[256];
    const char *none[] = {"CRM_DATABASE_URL", "x", "CRM_JWT_KEYS", "k", NULL};
    assert_int_equal(load(&c, CRM_CMD_SERVE, none, 0, NULL, err), 0);
    assert_null(c.public_url);
    assert_int_equal(c.proxies.n, 0);
    assert_int_equal(c.security_events_per_minute, 60);
    const char *set[] = {"CRM_DATABASE_URL",
                         "x",
                         "CRM_JWT_KEYS",
                         "k",
                         "CRM_PUBLIC_URL",
                         "https://crm.example.com",
                         "CRM_TRUSTED_PROXIES",
                         "10.0.0.0/8, fd00::/8",
                         NULL};
    assert_int_equal(load(&c, CRM_CMD_SERVE, set, 0, NULL, err), 0);
    assert_string_equal(c.public_url, "https://crm.example.com");
    assert_int_equal(c.proxies.n, 2);
    const char *bad_url[] = {"CRM_DATABASE_URL",   "x", "CRM_JWT_KEYS", "k", "CRM_PUBLIC_URL",
                             "https://x.test/app", NULL};
    assert_int_equal(load(&c, CRM_CMD_SERVE, bad_url, 0, NULL, err), -1);
    assert_non_null(strstr(err, "CRM_PUBLIC_URL"));
    const char *bad_cidr[] = {"CRM_DATABASE_URL", "x", "CRM_JWT_KEYS", "k", "CRM_TRUSTED_PROXIES",
                              "10.0.0.1/8",       NULL};
    assert_int_equal(load(&c, CRM_CMD_SERVE, bad_cidr, 0, NULL, err), -1);
    assert_non_null(strstr(err, "CRM_TRUSTED_PROXIES"));
    const char *argv[] = {"--trusted-proxies", "nope"};
    assert_int_equal(load(&c, CRM_CMD_SERVE, none, 2, argv, err), -1);
    assert_non_null(strstr(err, "--trusted-proxies"));
}

static void
test_listen_forms(void **state)
{
    (void)state;
    crm_config_t c;
    memset(&c, 0, sizeof(c));
    assert_int_equal(crm_config_parse_listen(&c, "localhost:0"), 0);
    assert_string_equal(c.listen_host, "127.0.0.1");
    assert_int_equal(crm_config_parse_listen(&c, "127.0.0.1:65536"), -1);
    assert_int_equal(crm_config_parse_listen(&c, "[::1:80"), -1);
    assert_int_equal(crm_config_parse_listen(&c, ":80"), -1);
    assert_int_equal(crm_config_parse_listen(&c, "example.com:80"), -1);
}

/* A file holding text, its path in path (a template for mkstemp). */
static void
write_file(char *path, const char *text)
{
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

static void
test_secrets_from_files(void **state)
{
    (void)state;
    crm_config_t c;
    char err[256];
    char key[] = "/tmp/crm-config-key-XXXXXX", url[] = "/tmp/crm-config-url-XXXXXX";
    write_file(key, "0123456789abcdef0123456789abcdef-platform\n");
    write_file(url, "dbname=from_file\r\n");
    const char *env[] = {
        "CRM_DATABASE_URL_FILE", url, "CRM_PLATFORM_KEY_FILE", key, "CRM_JWT_KEYS", "k.json", NULL};
    assert_int_equal(load(&c, CRM_CMD_SERVE, env, 0, NULL, err), 0);
    assert_string_equal(c.database_url, "dbname=from_file");
    assert_string_equal(c.platform_key, "0123456789abcdef0123456789abcdef-platform");
    /* checked as the variable's own value would be */
    char shorter[] = "/tmp/crm-config-short-XXXXXX";
    write_file(shorter, "too short\n");
    const char *weak[] = {
        "CRM_DATABASE_URL", "dbname=x", "CRM_PLATFORM_KEY_FILE", shorter, "CRM_JWT_KEYS",
        "k.json",           NULL};
    assert_int_equal(load(&c, CRM_CMD_SERVE, weak, 0, NULL, err), -1);
    assert_non_null(strstr(err, "CRM_PLATFORM_KEY"));
    /* both, or a file that is not there: refused by name */
    const char *both[] = {
        "CRM_DATABASE_URL", "dbname=x", "CRM_DATABASE_URL_FILE", url, "CRM_JWT_KEYS",
        "k.json",           NULL};
    assert_int_equal(load(&c, CRM_CMD_SERVE, both, 0, NULL, err), -1);
    assert_non_null(strstr(err, "CRM_DATABASE_URL and CRM_DATABASE_URL_FILE"));
    const char *missing[] = {"CRM_DATABASE_URL_FILE", "/nonexistent/secret", "CRM_JWT_KEYS",
                             "k.json", NULL};
    assert_int_equal(load(&c, CRM_CMD_SERVE, missing, 0, NULL, err), -1);
    assert_non_null(strstr(err, "CRM_DATABASE_URL_FILE: cannot read /nonexistent/secret"));
    unlink(key);
    unlink(url);
    unlink(shorter);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_flags_override_environment),
        cmocka_unit_test(test_bad_values_name_the_variable),
        cmocka_unit_test(test_options_of_other_commands_are_ignored),
        cmocka_unit_test(test_auth_settings),
        cmocka_unit_test(test_proxy_settings),
        cmocka_unit_test(test_listen_forms),
        cmocka_unit_test(test_secrets_from_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
