/* etag.h - entity-tag lists of conditional requests (If-None-Match), read for comparison */
#ifndef CRM_CORE_HTTP_ETAG_H
#define CRM_CORE_HTTP_ETAG_H

#include "core/util/arena.h"

typedef enum {
    CRM_ETAGS_NONE, /* no header, or a malformed one: the request is unconditional */
    CRM_ETAGS_ANY,  /* "*" */
    CRM_ETAGS_LIST, /* one or more entity-tags */
} crm_etags_t;

#define CRM_ETAGS_MAX 32

/* Reads an If-None-Match value (RFC 9110 8.8.3, 13.1.2): "*" or a comma-separated list of
 * entity-tags, each "opaque" or W/"opaque". For a list, *tags is set to their opaque parts
 * (the weak comparison If-None-Match uses ignores W/) as a PostgreSQL text[] literal in a.
 * A value that is not that grammar (or holds more than CRM_ETAGS_MAX tags, or non-ASCII
 * octets) is NONE: a condition the server cannot read is ignored, not guessed at. */
crm_etags_t crm_etags_parse(const char *value, crm_arena_t *a, const char **tags);

#endif
