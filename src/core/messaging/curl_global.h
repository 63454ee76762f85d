/* curl_global.h - libcurl's process-wide set-up, done once by whichever channel comes first */
#ifndef CRM_MESSAGING_CURL_GLOBAL_H
#define CRM_MESSAGING_CURL_GLOBAL_H

#include <curl/curl.h>

/* Runs curl_global_init once per process (thread-safe); its result, CURLE_OK when usable. */
CURLcode crm_curl_global_init(void);

#endif
