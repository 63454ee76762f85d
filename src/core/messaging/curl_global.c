/* curl_global.c - libcurl's process-wide set-up, done once by whichever channel comes first */
#include "core/messaging/curl_global.h"

#include <pthread.h>

static pthread_once_t crm_curl_once = PTHREAD_ONCE_INIT;
static CURLcode crm_curl_status = CURLE_FAILED_INIT;

static void
crm_curl_init(void)
{
    crm_curl_status = curl_global_init(CURL_GLOBAL_DEFAULT);
}

CURLcode
crm_curl_global_init(void)
{
    pthread_once(&crm_curl_once, crm_curl_init);
    return crm_curl_status;
}
