/* static_files.c - serves files from a folder, by an allow-list of names (no path walking) */
#include "core/http/static_files.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util/log.h"

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
    const char *path = crm_arena_sprintf(r->arena, "%s/%s", dir, f->name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0)
            close(fd);
        crm_error("static file %s is missing (set CRM_DOCS_DIR?)", path);
        crm_reply_problem(r, 503, "this file is not installed on the server");
        return;
    }
    crm_req_add_header(r, "Cache-Control", "public, max-age=3600");
    crm_reply_fd(r, 200, f->content_type, fd, (size_t)st.st_size);
}
