/* contacts_import.c - contacts in from CSV (dry run, all or nothing or skip the invalid rows,
 * upsert by email, column mapping) in memory proportional to the rows kept, not to the input */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/util/buf.h"
#include "core/util/csv.h"
#include "core/db/db.h"
#include "core/util/strmap.h"
#include "crm/contacts.h"
#include "crm/custom_fields.h"
#include "crm/handlers.h"
#include "crm_contacts_import_sql.h"

/* Every record after the header counts, blank lines included: a body of blank lines is
 * refused as early as one of rows. */
#define CRM_IMPORT_MAX_ROWS 100000
/* Rows per write statement: one statement per chunk keeps what libpq buffers to one chunk,
 * and each statement well inside the statement timeout. */
#define CRM_IMPORT_CHUNK_ROWS 8192
#define CRM_IMPORT_MAX_CHUNKS                                                                      \
    ((CRM_IMPORT_MAX_ROWS + CRM_IMPORT_CHUNK_ROWS - 1) / CRM_IMPORT_CHUNK_ROWS)
/* The statement timeout of the import's writes (milliseconds): 100,000 rows with their search
 * entries, and at COMMIT their audit rows, take longer than a request's statement should. */
#define CRM_IMPORT_TIMEOUT_MS "60000"
_Static_assert(CRM_IMPORT_MAX_CHUNKS + 2 <= CRM_TX_MAX_STMTS,
               "an import's writes are one transaction");

typedef struct crm_import_opts {
    bool dry_run, skip_invalid, upsert;
    json_t *mapping; /* CSV header -> field, or NULL */
} crm_import_opts_t;

static bool
crm_import_options(crm_req_t *r, crm_import_opts_t *o)
{
    memset(o, 0, sizeof(*o));
    const char *dry = crm_req_query(r, "dry_run"), *mode = crm_req_query(r, "mode");
    const char *upsert = crm_req_query(r, "upsert_by"), *mapping = crm_req_query(r, "mapping");
    if (dry && strcmp(dry, "true") && strcmp(dry, "false"))
        crm_req_field_error(r, "query.dry_run", "must be true or false");
    if (mode && strcmp(mode, "all_or_nothing") && strcmp(mode, "skip_invalid"))
        crm_req_field_error(r, "query.mode", "must be all_or_nothing or skip_invalid");
    if (upsert && strcmp(upsert, "email"))
        crm_req_field_error(r, "query.upsert_by", "must be email");
    if (mapping) {
        o->mapping = json_loads(mapping, JSON_DECODE_ANY, NULL);
        if (o->mapping)
            crm_arena_cleanup(r->arena, (crm_cleanup_fn)json_decref, o->mapping);
        if (!json_is_object(o->mapping))
            crm_req_field_error(r, "query.mapping", "must be a JSON object: CSV header -> field");
    }
    if (r->errors) {
        crm_reply_problem(r, 400, "the import parameters are not valid");
        return false;
    }
    o->dry_run = dry && dry[0] == 't';
    o->skip_invalid = mode && mode[0] == 's';
    o->upsert = upsert != NULL;
    return true;
}

/* What a column holds: a contact field, address.<part>, consent.<kind> or custom.<name>. */
typedef struct crm_column {
    const char *header; /* as the file names it */
    const char *field;  /* NULL: ignored (empty header) */
    enum { COL_PLAIN, COL_TAGS, COL_ADDRESS, COL_CONSENT, COL_CUSTOM } kind;
    const char *sub;         /* address part, consent kind, custom field name */
    const char *custom_type; /* of COL_CUSTOM */
} crm_column_t;

/* The columns of the header (its fields copied: the reader reuses their memory). */
static crm_column_t *
crm_import_columns(crm_req_t *r, const crm_csv_record_t *head, json_t *defs,
                   const crm_import_opts_t *o)
{
    crm_column_t *cols = crm_arena_calloc(r->arena, head->count * sizeof(*cols));
    for (size_t i = 0; i < head->count; i++) {
        const char *name = crm_arena_strdup(r->arena, head->fields[i]);
        json_t *mapped = o->mapping ? json_object_get(o->mapping, name) : NULL;
        const char *f = mapped ? json_string_value(mapped) : name;
        crm_column_t *c = &cols[i];
        c->header = name;
        if (!f || !*f)
            continue;
        char *lower = crm_arena_strdup(r->arena, f);
        for (char *p = lower; *p; p++)
            *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
        c->field = lower;
        if (strncmp(lower, "address.", 8) == 0) {
            c->kind = COL_ADDRESS;
            c->sub = lower + 8;
            continue;
        }
        if (strncmp(lower, "consent.", 8) == 0) {
            c->kind = COL_CONSENT;
            c->sub = lower + 8;
            continue;
        }
        if (strncmp(f, "custom.", 7) == 0) {
            c->kind = COL_CUSTOM;
            c->sub = f + 7;
            size_t k;
            json_t *d;
            json_array_foreach(
                defs, k, d) if (strcmp(json_string_value(json_object_get(d, "name")), c->sub) == 0)
                c->custom_type = json_string_value(json_object_get(d, "type"));
            if (!c->custom_type)
                crm_req_field_error(r, crm_arena_sprintf(r->arena, "columns.%s", name),
                                    "is not a custom field of contacts");
            continue;
        }
        bool known = false;
        for (const char *const *k = crm_contact_fields; *k && !known; k++)
            known = strcmp(*k, lower) == 0 && strcmp(lower, "address") &&
                    strcmp(lower, "consent") && strcmp(lower, "custom_fields");
        if (!known)
            crm_req_field_error(r, crm_arena_sprintf(r->arena, "columns.%s", name),
                                "is not a contact field (map it, or name it address.<part>, "
                                "consent.<kind> or custom.<name>)");
        c->kind = strcmp(lower, "tags") == 0 ? COL_TAGS : COL_PLAIN;
    }
    if (r->errors) {
        crm_reply_problem(r, 422, "the CSV has columns that cannot be imported");
        return NULL;
    }
    return cols;
}

static json_t *
crm_cell_value(const crm_column_t *c, const char *v)
{
    if (c->kind == COL_CONSENT) {
        if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcmp(v, "1"))
            return json_true();
        if (!strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcmp(v, "0"))
            return json_false();
        return json_string(v); /* refused by validation, naming the field */
    }
    if (c->kind == COL_CUSTOM && c->custom_type) {
        if (strcmp(c->custom_type, "number") == 0) {
            json_t *n = json_loads(v, JSON_DECODE_ANY, NULL);
            if (json_is_number(n))
                return n;
            json_decref(n);
        } else if (strcmp(c->custom_type, "boolean") == 0) {
            if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcmp(v, "1"))
                return json_true();
            if (!strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcmp(v, "0"))
                return json_false();
        }
    }
    return json_string(v);
}

/* The record as the JSON object a POST would carry. */
static json_t *
crm_import_object(const crm_csv_record_t *rec, const crm_column_t *cols, size_t ncols)
{
    json_t *o = json_object();
    for (size_t i = 0; i < rec->count && i < ncols; i++) {
        const crm_column_t *c = &cols[i];
        const char *v = rec->fields[i];
        if (!c->field || !*v)
            continue;
        if (c->kind == COL_PLAIN) {
            json_object_set_new(o, c->field, json_string(v));
        } else if (c->kind == COL_TAGS) {
            json_t *tags = json_array();
            for (const char *p = v; *p;) {
                size_t n = strcspn(p, ";");
                while (n && p[n - 1] == ' ')
                    n--;
                if (n)
                    json_array_append_new(tags, json_stringn(p, n));
                p += strcspn(p, ";");
                while (*p == ';' || *p == ' ')
                    p++;
            }
            json_object_set_new(o, "tags", tags);
        } else {
            const char *group = c->kind == COL_ADDRESS   ? "address"
                                : c->kind == COL_CONSENT ? "consent"
                                                         : "custom_fields";
            json_t *g = json_object_get(o, group);
            if (!g) {
                g = json_object();
                json_object_set_new(o, group, g);
            }
            json_object_set_new(g, c->sub, crm_cell_value(c, v));
        }
    }
    return o;
}

/* A kept row is a JSON array of the contact's fields in this order (trailing nulls left out):
 * shorter than the object a POST carries, which matters at 100,000 rows; import_write reads
 * them by position. */
static const char *const crm_import_order[] = {
    "type",    "first_name", "last_name", "email",    "phone",  "date_of_birth", "gender",
    "address", "company",    "tags",      "owner_id", "source", "custom_fields", "consent"};
#define CRM_IMPORT_FIELDS (sizeof(crm_import_order) / sizeof(crm_import_order[0]))

/* An import under way. The rows that passed validation are kept as text only: their JSON
 * arrays, chunk after chunk ("[row,row,...]\0"), and their email and phone one a line. */
typedef struct crm_import {
    crm_req_t *r;
    crm_import_opts_t o;
    const char *country, *defs;
    const crm_column_t *cols;
    size_t ncols;
    crm_buf_t *rows, *emails, *phones;
    crm_buf_t *errors; /* the members of the answer's errors array, as JSON text */
    size_t nerrors;
    uint32_t *lines; /* the CSV line of each kept row */
    size_t kept;
    size_t chunk[CRM_IMPORT_MAX_CHUNKS]; /* where each chunk starts in rows */
    size_t records, nrows, skipped;      /* after the header; nrows without blank lines */
    char *ops;             /* what becomes of each kept row: 'i', 'u' or '-' (a duplicate) */
    long created, updated; /* written, or in a dry run what would be */
} crm_import_t;

static void
crm_import_error(crm_import_t *im, size_t row, size_t column, const char *field,
                 const char *message)
{
    json_t *e = column ? json_pack("{sI sI ss ss}", "row", (json_int_t)row, "column",
                                   (json_int_t)column, "field", field, "message", message)
                       : json_pack("{sI ss ss}", "row", (json_int_t)row, "field", field, "message",
                                   message);
    char *text = json_dumps(e, JSON_COMPACT);
    if (im->nerrors++)
        crm_buf_putc(im->errors, ',');
    crm_buf_puts(im->errors, text);
    free(text);
    json_decref(e);
}

/* Keeps a valid row: its JSON in the current chunk, its keys for the duplicate checks. */
static void
crm_import_keep(crm_import_t *im, json_t *row, size_t line)
{
    if (im->kept % CRM_IMPORT_CHUNK_ROWS == 0) {
        if (im->kept)
            crm_buf_append(im->rows, "]", 2); /* the chunk ends, NUL included */
        im->chunk[im->kept / CRM_IMPORT_CHUNK_ROWS] = im->rows->len;
        crm_buf_putc(im->rows, '[');
    } else {
        crm_buf_putc(im->rows, ',');
    }
    size_t n = CRM_IMPORT_FIELDS;
    while (n && !json_object_get(row, crm_import_order[n - 1]))
        n--;
    crm_buf_putc(im->rows, '[');
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_object_get(row, crm_import_order[i]);
        char *text = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
        if (i)
            crm_buf_putc(im->rows, ',');
        crm_buf_puts(im->rows, text ? text : "null");
        free(text);
    }
    crm_buf_putc(im->rows, ']');
    /* the keys: the email in ASCII lower case (as the file's duplicates compare), the phone in
     * E.164; neither can hold a line break */
    const char *email = json_string_value(json_object_get(row, "email"));
    const char *phone = json_string_value(json_object_get(row, "phone"));
    for (const char *p = email; p && *p; p++)
        crm_buf_putc(im->emails, (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p));
    crm_buf_putc(im->emails, '\n');
    if (phone)
        crm_buf_puts(im->phones, phone);
    crm_buf_putc(im->phones, '\n');
    im->lines[im->kept++] = (uint32_t)line;
}

/* Validates a record as a create would. Validation allocates from the request's arena: here it
 * gets an arena of its own, gone with the row, so the request keeps only the row's text. */
static void
crm_import_record(crm_import_t *im, const crm_csv_record_t *rec)
{
    crm_req_t *r = im->r;
    crm_arena_t *request_arena = r->arena;
    r->arena = crm_arena_create(4096);
    json_t *obj = crm_import_object(rec, im->cols, im->ncols);
    crm_req_forget_errors(r, NULL);
    json_t *row = crm_contact_import_row(r, obj, im->country, im->defs);
    for (crm_field_error_t *e = r->errors; e; e = e->next)
        crm_import_error(im, rec->line, 0, e->field, e->message);
    crm_req_forget_errors(r, NULL);
    json_decref(obj);
    crm_arena_destroy(r->arena);
    r->arena = request_arena;
    if (!row) {
        im->skipped++;
        return;
    }
    crm_import_keep(im, row, rec->line);
    json_decref(row);
}

/* The answer's members (between open and close: "{" "}" for the 200, nothing in a problem), in
 * one buffer of the size they take; the faults' text is given back once copied. */
static crm_buf_t *
crm_import_answer(crm_import_t *im, long created, long updated, const char *open, const char *close)
{
    crm_buf_t *b = crm_buf_new_heap(im->r->arena, im->errors->len + 160);
    crm_buf_printf(b,
                   "%s\"created\":%ld,\"updated\":%ld,\"skipped\":%zu,\"dry_run\":%s,\"errors\":[",
                   open, created, updated, im->skipped, im->o.dry_run ? "true" : "false");
    crm_buf_append(b, im->errors->data, im->errors->len);
    crm_buf_putc(b, ']');
    crm_buf_puts(b, close);
    crm_buf_release(im->errors);
    return b;
}

/* A record past the reader's limits: the import stops there and writes nothing; 422 naming the
 * line and the column (the header's faults name "columns", a row's its column's field). */
static void
crm_import_too_big(crm_import_t *im, const crm_csv_t *csv, size_t line)
{
    crm_arena_t *a = im->r->arena;
    const char *field = line == 1 || !im->cols ? "columns" : "row";
    const char *message = crm_arena_sprintf(a, "has more than %d columns", CRM_CSV_MAX_FIELDS);
    if (csv->fault == CRM_CSV_FAULT_FIELD_TOO_LONG) {
        message = crm_arena_sprintf(a, "is longer than %d bytes", CRM_CSV_MAX_FIELD_BYTES);
        if (im->cols && csv->column <= im->ncols) {
            const crm_column_t *c = &im->cols[csv->column - 1];
            field = c->field ? c->field : crm_arena_sprintf(a, "columns.%s", c->header);
        }
    }
    crm_import_error(im, line, csv->column, field, message);
    im->skipped = im->nrows;
    im->r->problem_extra = crm_import_answer(im, 0, 0, "", "")->data;
    crm_reply_problem(im->r, 422, "line %zu is beyond the import's limits: nothing was written",
                      line);
}

/* Reads the rows after the header; false after replying. */
static bool
crm_import_read(crm_import_t *im, crm_csv_t *csv)
{
    crm_csv_record_t rec;
    while (crm_csv_next(csv, &rec)) {
        if (++im->records > CRM_IMPORT_MAX_ROWS) {
            crm_reply_problem(im->r, 413, "at most %d rows per import", CRM_IMPORT_MAX_ROWS);
            return false;
        }
        if (rec.count == 1 && rec.fields[0][0] == '\0')
            continue; /* a blank line */
        im->nrows++;
        if (rec.count != im->ncols) {
            crm_import_error(im, rec.line, 0, "row",
                             "has a different number of columns than the header");
            im->skipped++;
            continue;
        }
        crm_import_record(im, &rec);
    }
    if (csv->fault == CRM_CSV_FAULT_MALFORMED) {
        im->r->problem_extra = crm_arena_sprintf(im->r->arena, "\"line\":%zu", csv->line);
        crm_reply_problem(im->r, 400, "the CSV is malformed at line %zu: %s", csv->line,
                          csv->error);
        return false;
    }
    if (csv->fault != CRM_CSV_FAULT_NONE) {
        im->nrows++;
        crm_import_too_big(im, csv, rec.line);
        return false;
    }
    if (im->kept)
        crm_buf_putc(im->rows, ']');
    return true;
}

/* The next line of a list of keys (one a line); *len 0 for an empty line. */
static const char *
crm_import_key(const char **cursor, size_t *len)
{
    const char *k = *cursor, *nl = strchr(k, '\n');
    *len = (size_t)(nl - k);
    *cursor = nl + 1;
    return k;
}

/* Decides each kept row: 'i' insert, 'u' update (upsert by email), '-' a duplicate (of an
 * earlier row of the file, or of a live contact), written to ops (one character a row). Each
 * key is looked up once: in a map of the file's earlier rows, and in the database's answer. */
static bool
crm_import_duplicates(crm_import_t *im, char *ops)
{
    crm_req_t *r = im->r;
    crm_tx_t *ex = crm_tx_new(r);
    int xi = CRM_TX_ADD(ex, crm_sql_import_existing, im->emails->data, im->phones->data);
    if (crm_tx_run(ex) != 0)
        return false;
    PGresult *res = crm_tx_result(ex, xi);
    const char *in_db_email = PQgetvalue(res, 0, IMPORT_EXISTING_EMAILS);
    const char *in_db_phone = PQgetvalue(res, 0, IMPORT_EXISTING_PHONES);
    if (strlen(in_db_email) < im->kept || strlen(in_db_phone) < im->kept) {
        crm_reply_problem(r, 500, "the duplicate check answered for fewer rows than it was given");
        return false;
    }
    crm_strmap_t *seen_email = crm_strmap_new(r->arena, im->kept);
    crm_strmap_t *seen_phone = crm_strmap_new(r->arena, im->kept);
    const char *ecur = im->emails->data, *pcur = im->phones->data;
    for (size_t i = 0; i < im->kept; i++) {
        size_t elen, plen;
        const char *email = crm_import_key(&ecur, &elen), *phone = crm_import_key(&pcur, &plen);
        uint32_t earlier;
        bool by_email = elen && crm_strmap_get(seen_email, email, elen, &earlier);
        if (by_email || (plen && crm_strmap_get(seen_phone, phone, plen, &earlier))) {
            crm_import_error(
                im, im->lines[i], 0, by_email ? "email" : "phone",
                crm_arena_sprintf(r->arena, "repeats row %u of this file", (unsigned)earlier));
            im->skipped++;
            ops[i] = '-';
            continue;
        }
        if (elen)
            crm_strmap_add(seen_email, email, elen, im->lines[i]);
        if (plen)
            crm_strmap_add(seen_phone, phone, plen, im->lines[i]);
        bool db_email = elen && in_db_email[i] == '1', db_phone = plen && in_db_phone[i] == '1';
        if (im->o.upsert && db_email) {
            ops[i] = 'u';
        } else if (db_email || db_phone) {
            crm_import_error(im, im->lines[i], 0, db_email ? "email" : "phone",
                             "a contact with this value exists (use upsert_by=email to update)");
            im->skipped++;
            ops[i] = '-';
        } else {
            ops[i] = 'i';
        }
    }
    crm_buf_release(im->emails);
    crm_buf_release(im->phones);
    return true;
}

/* Writes the chunks in one transaction; false after replying. */
static bool
crm_import_write_chunks(crm_import_t *im)
{
    crm_req_t *r = im->r;
    crm_tx_t *tx = crm_tx_new(r);
    crm_tx_set_timeout(tx, CRM_IMPORT_TIMEOUT_MS);
    int idx[CRM_IMPORT_MAX_CHUNKS];
    size_t nchunks = (im->kept + CRM_IMPORT_CHUNK_ROWS - 1) / CRM_IMPORT_CHUNK_ROWS;
    CRM_TX_ADD0(tx, crm_sql_import_no_nestloop); /* a hash join: import_no_nestloop says why */
    for (size_t k = 0; k < nchunks; k++) {
        size_t from = k * CRM_IMPORT_CHUNK_ROWS;
        size_t n =
            im->kept - from < CRM_IMPORT_CHUNK_ROWS ? im->kept - from : CRM_IMPORT_CHUNK_ROWS;
        char *mask = crm_arena_strndup(r->arena, im->ops + from, n);
        idx[k] = CRM_TX_ADD(tx, crm_sql_import_write, im->rows->data + im->chunk[k], mask);
    }
    CRM_TX_ADD0(tx, crm_sql_import_nestloop);
    if (crm_tx_run(tx) != 0) {
        const char *cons = crm_tx_constraint(tx);
        if (cons && strstr(cons, "owner_id")) {
            crm_req_field_error(r, "owner_id", "a row names a user not of this tenant");
            crm_reply_problem(r, 422, "the import is not valid");
        }
        return false;
    }
    for (size_t k = 0; k < nchunks; k++) {
        PGresult *res = crm_tx_result(tx, idx[k]);
        im->updated += atol(PQgetvalue(res, 0, IMPORT_WRITE_UPDATED));
        im->created += atol(PQgetvalue(res, 0, IMPORT_WRITE_CREATED));
    }
    return true;
}

/* The tenant's context that rows are validated against (the import's first transaction): its
 * default country and the custom field definitions of contacts, as text in im and as JSON in
 * *defs (freed with the request). False after replying. */
static bool
crm_import_context(crm_import_t *im, json_t **defs)
{
    crm_req_t *r = im->r;
    crm_tx_t *tx = crm_tx_new(r);
    int i = CRM_TX_ADD(tx, crm_sql_entity_context, "contact");
    if (crm_tx_run(tx) != 0)
        return false;
    PGresult *res = crm_tx_result(tx, i);
    im->country = PQgetvalue(res, 0, ENTITY_CONTEXT_DEFAULT_COUNTRY);
    im->defs = PQgetvalue(res, 0, ENTITY_CONTEXT_DEFS);
    *defs = json_loads(im->defs, 0, NULL);
    crm_arena_cleanup(r->arena, (crm_cleanup_fn)json_decref, *defs);
    return true;
}

/* The header row: what each column holds. False after replying. */
static bool
crm_import_header(crm_import_t *im, crm_csv_t *csv, json_t *defs)
{
    crm_csv_record_t head;
    if (!crm_csv_next(csv, &head) || head.count == 0) {
        if (csv->fault == CRM_CSV_FAULT_TOO_MANY_FIELDS ||
            csv->fault == CRM_CSV_FAULT_FIELD_TOO_LONG)
            crm_import_too_big(im, csv, head.line);
        else
            crm_reply_problem(im->r, 400, "the CSV needs a header row%s%s", csv->error ? ": " : "",
                              csv->error ? csv->error : "");
        return false;
    }
    im->ncols = head.count;
    im->cols = crm_import_columns(im->r, &head, defs, &im->o);
    return im->cols != NULL;
}

/* Step 1, parse: the options, the tenant's context, the header and every row, each validated
 * as a create would be, then kept (as text) or reported. False after replying. */
static bool
crm_import_parse(crm_import_t *im)
{
    crm_req_t *r = im->r;
    json_t *defs;
    if (!crm_import_options(r, &im->o) || !crm_import_context(im, &defs))
        return false;
    im->errors = crm_buf_new_heap(r->arena, 1024);
    crm_csv_t csv;
    crm_csv_init(&csv, r->arena, r->body, r->body_len);
    if (!crm_import_header(im, &csv, defs))
        return false;
    im->rows = crm_buf_new_heap(r->arena, 64 * 1024);
    im->emails = crm_buf_new_heap(r->arena, 4096);
    im->phones = crm_buf_new_heap(r->arena, 4096);
    im->lines = crm_arena_alloc(r->arena, CRM_IMPORT_MAX_ROWS * sizeof(*im->lines));
    return crm_import_read(im, &csv);
}

/* Step 2, check: what becomes of each kept row, against the file's earlier rows and the
 * tenant's live contacts (the second transaction). False after replying. */
static bool
crm_import_check(crm_import_t *im)
{
    im->ops = crm_arena_alloc(im->r->arena, im->kept + 1);
    im->ops[im->kept] = '\0';
    return im->kept == 0 || crm_import_duplicates(im, im->ops);
}

/* Step 3, write: the rows to insert or update in one transaction (the third), unless faults
 * keep an all or nothing import from writing; a dry run only counts them. False after
 * replying. */
static bool
crm_import_write(crm_import_t *im)
{
    if (im->o.dry_run) {
        for (size_t i = 0; i < im->kept; i++) {
            im->created += im->ops[i] == 'i';
            im->updated += im->ops[i] == 'u';
        }
        return true;
    }
    bool write = (im->o.skip_invalid || im->nerrors == 0) && strpbrk(im->ops, "iu") != NULL;
    return !write || crm_import_write_chunks(im);
}

/* The answer: 200 with what was done and every row's faults, or 422 with the same members
 * when faults kept an all or nothing import from writing. */
static void
crm_import_reply(crm_import_t *im)
{
    crm_req_t *r = im->r;
    crm_buf_release(im->rows); /* the answer may be megabytes too */
    if (im->nerrors && !im->o.skip_invalid) {
        /* a problem document that is also the import's answer */
        im->skipped = im->nrows;
        r->problem_extra = crm_import_answer(im, 0, 0, "", "")->data;
        crm_reply_problem(r, 422, "%zu rows have faults: nothing was written", im->nerrors);
        return;
    }
    crm_buf_t *answer = crm_import_answer(im, im->created, im->updated, "{", "}");
    crm_reply(r, 200, "application/json", answer->data, answer->len);
}

/* POST /api/v1/contacts/import (text/csv): validates every row as a create would, reports
 * per-row faults and duplicates, and writes in one transaction. */
void
crm_contacts_import(crm_req_t *r)
{
    crm_import_t im = {.r = r};
    if (crm_import_parse(&im) && crm_import_check(&im) && crm_import_write(&im))
        crm_import_reply(&im);
}
