/* static_files.c - serves files from a folder: by an allow-list of names, or by safe relative
 * names with their type from the extension. A name is never a path: the folders are walked
 * part by part with openat and O_NOFOLLOW, so "..", a symbolic link or a dotfile never leads
 * anywhere; only regular files are sent, with sendfile. */
#include "core/http/static_files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "core/util/log.h"

bool
crm_static_name_ok(const char *name, size_t len)
{
    if (len == 0 || len > CRM_STATIC_NAME_MAX || name[0] == '.')
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.' || c == '~'))
            return false;
    }
    return true;
}

static const struct {
    const char *ext;
    const char *type;
} crm_static_types[] = {
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"html", "text/html; charset=utf-8"},
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"webp", "image/webp"},
    {"gif", "image/gif"},
    {"ico", "image/x-icon"},
    {"woff2", "font/woff2"},
    {"woff", "font/woff"},
    {"json", "application/json"},
    {"map", "application/json"},
    {"webmanifest", "application/manifest+json"},
    {"txt", "text/plain; charset=utf-8"},
};

const char *
crm_static_content_type(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (!dot || dot == name)
        return NULL;
    for (size_t i = 0; i < sizeof(crm_static_types) / sizeof(crm_static_types[0]); i++)
        if (strcasecmp(dot + 1, crm_static_types[i].ext) == 0)
            return crm_static_types[i].type;
    return NULL;
}

int
crm_static_open(const char *dir, const char *folder, const char *name, struct stat *st)
{
    if ((folder && !crm_static_name_ok(folder, strlen(folder))) ||
        !crm_static_name_ok(name, strlen(name))) {
        errno = EACCES;
        return -1;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC); /* the configured folder itself */
    if (dfd < 0)
        return -1;
    if (folder) {
        int sub = openat(dfd, folder, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        close(dfd);
        if (sub < 0)
            return -1;
        dfd = sub;
    }
    /* O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused below) */
    int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    int saved = errno;
    close(dfd);
    if (fd < 0) {
        errno = saved == ELOOP ? EACCES : saved;
        return -1;
    }
    if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
        close(fd);
        errno = EACCES;
        return -1;
    }
    return fd;
}

/* The client's copy is current: its If-None-Match names etag (or *), or without one its
 * If-Modified-Since is not before the file's time (HTTP dates have whole seconds). */
static bool
crm_static_not_modified(crm_req_t *r, const char *etag, time_t mtime)
{
    const char *inm = crm_req_header(r, "If-None-Match");
    if (inm)
        return strstr(inm, etag) != NULL || strcmp(inm, "*") == 0;
    const char *ims = crm_req_header(r, "If-Modified-Since");
    struct tm tm = {0};
    if (!ims)
        return false;
    const char *end = strptime(ims, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    return end && *end == '\0' && mtime <= timegm(&tm);
}

void
crm_static_reply(crm_req_t *r, int fd, const struct stat *st, const char *content_type,
                 const char *cache_control)
{
    char *etag = crm_arena_sprintf(r->arena, "\"%llx-%llx\"", (unsigned long long)st->st_size,
                                   (unsigned long long)st->st_mtim.tv_sec * 1000000000ull +
                                       (unsigned long long)st->st_mtim.tv_nsec);
    struct tm tm;
    char *modified = crm_arena_alloc(r->arena, 32);
    strftime(modified, 32, "%a, %d %b %Y %H:%M:%S GMT", gmtime_r(&st->st_mtim.tv_sec, &tm));
    crm_req_add_header(r, "Cache-Control", cache_control);
    crm_req_add_header(r, "ETag", etag);
    crm_req_add_header(r, "Last-Modified", modified);
    if (crm_static_not_modified(r, etag, st->st_mtim.tv_sec)) {
        close(fd);
        crm_reply(r, 304, NULL, "", 0);
        return;
    }
    crm_reply_fd(r, 200, content_type, fd, (size_t)st->st_size);
}

void
crm_static_send(crm_req_t *r, const char *dir, const char *name, const crm_static_file_t *allowed)
{
    const crm_static_file_t *f = allowed;
    while (f->name && strcmp(f->name, name) != 0)
        f++;
    if (!f->name) {
        crm_reply_problem(r, 404, "no such file");
        return;
    }
    struct stat st;
    int fd = crm_static_open(dir, NULL, f->name, &st);
    if (fd < 0) {
        crm_error("static file %s/%s is missing (set CRM_DOCS_DIR?)", dir, f->name);
        crm_reply_problem(r, 503, "this file is not installed on the server");
        return;
    }
    crm_static_reply(r, fd, &st, f->content_type, "public, max-age=3600");
}
