/* router.c - matches method and path to a route table row, capturing {param} segments */
#include "core/http/router.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util/arena.h"

typedef struct crm_segment {
    const char *text; /* literal text, or the parameter's name */
    size_t len;
    bool param;
} crm_segment_t;

typedef struct crm_entry {
    const crm_route_t *route;
    size_t nsegs;
    crm_segment_t segs[CRM_ROUTER_MAX_SEGMENTS];
    unsigned literal_mask; /* bit (15 - i) set when segment i is literal: higher is more specific */
} crm_entry_t;

struct crm_router {
    crm_entry_t *entries;
    size_t count, cap;
};

static const char *const crm_methods[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"};
#define CRM_NMETHODS (sizeof(crm_methods) / sizeof(crm_methods[0]))

crm_router_t *
crm_router_new(void)
{
    return crm_xcalloc(1, sizeof(crm_router_t));
}

void
crm_router_free(crm_router_t *rt)
{
    if (!rt)
        return;
    free(rt->entries);
    free(rt);
}

size_t
crm_router_count(const crm_router_t *rt)
{
    return rt->count;
}

const crm_route_t *
crm_router_route(const crm_router_t *rt, size_t index)
{
    return index < rt->count ? rt->entries[index].route : NULL;
}

/* Splits "/a/b/c" into segments; -1 for an empty segment, a missing leading slash or too
 * many segments. "/" has no segments. */
static int
crm_split_path(const char *path, crm_segment_t *segs, size_t *nsegs)
{
    *nsegs = 0;
    if (path[0] != '/')
        return -1;
    if (path[1] == '\0')
        return 0;
    const char *p = path + 1;
    for (;;) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        if (len == 0 || *nsegs == CRM_ROUTER_MAX_SEGMENTS)
            return -1;
        segs[*nsegs].text = p;
        segs[*nsegs].len = len;
        segs[*nsegs].param = false;
        (*nsegs)++;
        if (!slash)
            return 0;
        p = slash + 1;
    }
}

static bool
crm_method_known(const char *method)
{
    for (size_t i = 0; i < CRM_NMETHODS; i++)
        if (strcmp(method, crm_methods[i]) == 0)
            return strcmp(method, "HEAD") != 0; /* HEAD comes with GET */
    return false;
}

/* Same literals at the same places and parameters at the same places, whatever their names:
 * the later of two such routes could never be matched. */
static bool
crm_same_shape(const crm_entry_t *a, const crm_entry_t *b)
{
    if (a->nsegs != b->nsegs || a->literal_mask != b->literal_mask)
        return false;
    for (size_t i = 0; i < a->nsegs; i++)
        if (!a->segs[i].param && (a->segs[i].len != b->segs[i].len ||
                                  memcmp(a->segs[i].text, b->segs[i].text, a->segs[i].len)))
            return false;
    return true;
}

int
crm_router_add(crm_router_t *rt, const crm_route_t *table, char *err, size_t errlen)
{
    for (const crm_route_t *r = table; r->handler; r++) {
        crm_entry_t e = {.route = r};
        if (!r->method || !crm_method_known(r->method)) {
            snprintf(err, errlen, "route %s: unknown method '%s'", r->path ? r->path : "?",
                     r->method ? r->method : "");
            return -1;
        }
        if (!r->path || crm_split_path(r->path, e.segs, &e.nsegs) != 0) {
            snprintf(err, errlen, "route %s %s: malformed path template", r->method,
                     r->path ? r->path : "(null)");
            return -1;
        }
        if (!r->permission || !*r->permission) {
            snprintf(err, errlen,
                     "route %s %s: no permission (use CRM_PERM_PUBLIC for open routes)", r->method,
                     r->path);
            return -1;
        }
        size_t nparams = 0;
        for (size_t i = 0; i < e.nsegs; i++) {
            crm_segment_t *s = &e.segs[i];
            if (s->text[0] == '{') {
                if (s->len < 3 || s->text[s->len - 1] != '}' ||
                    memchr(s->text + 1, '{', s->len - 2) || memchr(s->text + 1, '}', s->len - 2) ||
                    ++nparams > CRM_ROUTER_MAX_PARAMS) {
                    snprintf(err, errlen, "route %s %s: malformed parameter segment", r->method,
                             r->path);
                    return -1;
                }
                s->param = true;
                s->text++;
                s->len -= 2;
            } else if (memchr(s->text, '{', s->len) || memchr(s->text, '}', s->len)) {
                snprintf(err, errlen, "route %s %s: braces inside a literal segment", r->method,
                         r->path);
                return -1;
            } else {
                e.literal_mask |= 1u << (15 - i);
            }
        }
        for (size_t i = 0; i < rt->count; i++) {
            const crm_route_t *o = rt->entries[i].route;
            if (strcmp(o->method, r->method) == 0 && crm_same_shape(&rt->entries[i], &e)) {
                snprintf(err, errlen, "route %s %s: declared twice (as %s %s)", r->method, r->path,
                         o->method, o->path);
                return -1;
            }
        }
        if (rt->count == rt->cap) {
            rt->cap = rt->cap ? rt->cap * 2 : 32;
            rt->entries = crm_xrealloc(rt->entries, rt->cap * sizeof(*rt->entries));
        }
        rt->entries[rt->count++] = e;
    }
    return 0;
}

static bool
crm_entry_matches(const crm_entry_t *e, const crm_segment_t *segs, size_t nsegs)
{
    if (e->nsegs != nsegs)
        return false;
    for (size_t i = 0; i < nsegs; i++) {
        if (e->segs[i].param)
            continue;
        if (e->segs[i].len != segs[i].len || memcmp(e->segs[i].text, segs[i].text, segs[i].len))
            return false;
    }
    return true;
}

crm_match_result_t
crm_router_match(const crm_router_t *rt, const char *method, const char *path, crm_match_t *m)
{
    crm_segment_t segs[CRM_ROUTER_MAX_SEGMENTS];
    size_t nsegs;
    memset(m, 0, sizeof(*m));
    if (crm_split_path(path, segs, &nsegs) != 0)
        return CRM_MATCH_NOT_FOUND;
    const char *want = strcmp(method, "HEAD") == 0 ? "GET" : method;
    const crm_entry_t *best = NULL;
    size_t best_index = 0;
    unsigned allowed = 0; /* bit per crm_methods entry */
    for (size_t i = 0; i < rt->count; i++) {
        const crm_entry_t *e = &rt->entries[i];
        if (!crm_entry_matches(e, segs, nsegs))
            continue;
        for (size_t k = 0; k < CRM_NMETHODS; k++)
            if (strcmp(e->route->method, crm_methods[k]) == 0)
                allowed |= 1u << k | (k == 0 ? 2u : 0u); /* GET brings HEAD */
        if (strcmp(e->route->method, want) == 0 &&
            (!best || e->literal_mask > best->literal_mask)) {
            best = e;
            best_index = i;
        }
    }
    if (!best) {
        if (!allowed)
            return CRM_MATCH_NOT_FOUND;
        size_t off = 0;
        for (size_t k = 0; k < CRM_NMETHODS; k++)
            if (allowed & (1u << k))
                off += (size_t)snprintf(m->allow + off, sizeof(m->allow) - off, "%s%s",
                                        off ? ", " : "", crm_methods[k]);
        return CRM_MATCH_BAD_METHOD;
    }
    m->route = best->route;
    m->index = best_index;
    for (size_t i = 0; i < nsegs; i++) {
        if (!best->segs[i].param)
            continue;
        crm_path_param_t *p = &m->params[m->nparams++];
        p->name = best->segs[i].text;
        p->name_len = best->segs[i].len;
        p->value = segs[i].text;
        p->value_len = segs[i].len;
    }
    return CRM_MATCH_FOUND;
}

bool
crm_router_owns_segment(const crm_router_t *rt, const char *seg, size_t len)
{
    for (size_t i = 0; i < rt->count; i++) {
        const crm_segment_t *s = &rt->entries[i].segs[0];
        if (rt->entries[i].nsegs > 0 && !s->param && s->len == len &&
            memcmp(s->text, seg, len) == 0)
            return true;
    }
    return false;
}

bool
crm_route_declares_query(const crm_route_t *route, const char *name)
{
    if (!route->query)
        return false;
    for (const char *const *q = route->query; *q; q++)
        if (strcmp(*q, name) == 0)
            return true;
    return false;
}
