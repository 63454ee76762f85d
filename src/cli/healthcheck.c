/* healthcheck.c - `crm healthcheck`: whether the crm serving on CRM_LISTEN answers, for a
 * container's HEALTHCHECK (the image has no curl) */
#include "cli/healthcheck.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "core/messaging/curl_global.h"

/* The body is not needed: only the status. */
static size_t
healthcheck_discard(char *data, size_t size, size_t n, void *ctx)
{
    (void)data;
    (void)ctx;
    return size * n;
}

int
crm_cli_healthcheck(crm_config_t *c)
{
    /* a wildcard address is listened on, not asked: ask loopback of the same family */
    const char *host = c->listen_host;
    if (strcmp(host, "0.0.0.0") == 0)
        host = "127.0.0.1";
    else if (strcmp(host, "::") == 0)
        host = "::1";
    char url[128];
    snprintf(url, sizeof(url), "http://%s%s%s:%d/healthz", c->listen_ipv6 ? "[" : "", host,
             c->listen_ipv6 ? "]" : "", c->listen_port);
    if (crm_curl_global_init() != CURLE_OK) {
        fprintf(stderr, "crm healthcheck: libcurl cannot start\n");
        return 1;
    }
    CURL *curl = curl_easy_init();
    if (!curl) {
        fprintf(stderr, "crm healthcheck: libcurl cannot start\n");
        return 1;
    }
    char error[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 2000L);
    curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http");
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, healthcheck_discard);
    CURLcode rc = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(curl);
    if (rc != CURLE_OK) {
        fprintf(stderr, "crm healthcheck: %s: %s\n", url,
                error[0] ? error : curl_easy_strerror(rc));
        return 1;
    }
    if (status != 200) {
        fprintf(stderr, "crm healthcheck: %s answered %ld\n", url, status);
        return 1;
    }
    return 0;
}
