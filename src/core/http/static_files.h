/* static_files.h - serves files from a folder, by an allow-list of names */
#ifndef CRM_CORE_STATIC_FILES_H
#define CRM_CORE_STATIC_FILES_H

#include "core/http/request.h"

typedef struct crm_static_file {
    const char *name; /* file name inside the folder; NULL ends the list */
    const char *content_type;
} crm_static_file_t;

/* Replies with dir/name when name is on the list (404 otherwise, 503 if the file is missing
 * from the installation). The file is sent with sendfile, not copied. */
void crm_static_send(crm_req_t *r, const char *dir, const char *name,
                     const crm_static_file_t *allowed);

#endif
