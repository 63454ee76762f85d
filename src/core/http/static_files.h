/* static_files.h - serves files from a folder: by an allow-list of names, or by safe relative
 * names with their type from the extension; validators (ETag, Last-Modified) and 304 */
#ifndef CRM_CORE_STATIC_FILES_H
#define CRM_CORE_STATIC_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "core/http/request.h"

/* The longest name of a file or folder served. */
#define CRM_STATIC_NAME_MAX 128

typedef struct crm_static_file {
    const char *name; /* file name inside the folder; NULL ends the list */
    const char *content_type;
} crm_static_file_t;

/* Replies with dir/name when name is on the list (404 otherwise, 503 if the file is missing
 * from the installation). The file is sent with sendfile, not copied. */
void crm_static_send(crm_req_t *r, const char *dir, const char *name,
                     const crm_static_file_t *allowed);

/* A name that may be served: 1 to CRM_STATIC_NAME_MAX bytes of letters, digits and - _ . ~,
 * not starting with a dot (no dotfile, no "." or ".."), so never a path. */
bool crm_static_name_ok(const char *name, size_t len);
/* The Content-Type of a file by its extension (js, css, html, svg, png, woff2, ...); NULL for
 * any other, which is not served. */
const char *crm_static_content_type(const char *name);

/* Opens dir/folder/name (folder NULL for dir/name) for reading: each part must be a served
 * name (crm_static_name_ok), no part may be a symbolic link (so nothing leads out of dir),
 * and the file must be a regular one. Returns the descriptor and fills st, or -1 with errno
 * (ENOENT when it is not there, EACCES when it may not be served). */
int crm_static_open(const char *dir, const char *folder, const char *name, struct stat *st);

/* Replies 200 with the opened file (sent with sendfile; fd is the reply's now), with
 * Cache-Control, ETag (size and modification time) and Last-Modified; 304 without a body when
 * If-None-Match (or, without it, If-Modified-Since) shows the client has it. */
void crm_static_reply(crm_req_t *r, int fd, const struct stat *st, const char *content_type,
                      const char *cache_control);

#endif
