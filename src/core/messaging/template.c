/* template.c - message templates: {{variable}} substitution, checked, never executed */
#include "core/messaging/template.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The next variable at or after *pos: its name's span. 1 when found (pos moves past it, start
 * is the offset of its "{{"), 0 at the end of the text, -1 on a syntax error. */
static int
next_variable(const char *text, size_t len, size_t *pos, size_t *start, const char **name,
              size_t *name_len, crm_template_error *err)
{
    const char *open = NULL;
    for (size_t i = *pos; i + 1 < len; i++) {
        if (text[i] == '{' && text[i + 1] == '{') {
            open = text + i;
            break;
        }
    }
    if (!open) {
        *pos = len;
        return 0;
    }
    *start = (size_t)(open - text);
    size_t i = *start + 2;
    while (i < len && text[i] == ' ')
        i++;
    size_t begin = i;
    bool word_start = true;
    while (i < len) {
        char c = text[i];
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') {
            word_start = false;
        } else if (c == '.' && !word_start) {
            word_start = true;
        } else {
            break;
        }
        i++;
    }
    size_t end = i;
    while (i < len && text[i] == ' ')
        i++;
    const char *why = NULL;
    if (end == begin)
        why = "\"{{\" must open a variable such as {{contact.first_name}}";
    else if (word_start)
        why = "a variable's name must not end with a dot";
    else if (end - begin > CRM_TEMPLATE_MAX_NAME)
        why = "a variable's name is longer than 64 characters";
    else if (i + 1 >= len || text[i] != '}' || text[i + 1] != '}')
        why = "a variable must be closed by \"}}\" right after its name";
    if (why) {
        err->offset = *start;
        err->name[0] = '\0';
        snprintf(err->message, sizeof err->message, "%s (at byte %zu)", why, *start);
        return -1;
    }
    *name = text + begin;
    *name_len = end - begin;
    *pos = i + 2;
    return 1;
}

static bool
name_in(const char *name, size_t n, const char *const *list)
{
    for (; list && *list; list++) {
        if (strlen(*list) == n && memcmp(*list, name, n) == 0)
            return true;
    }
    return false;
}

int
crm_template_check(const char *text, size_t len, const char *const *allowed,
                   void (*unknown)(const char *name, void *ctx), void *ctx, crm_template_error *err)
{
    /* the distinct unknown names so far, as "name\0name\0" */
    char seen[1024];
    size_t seen_len = 0;
    int count = 0;
    size_t pos = 0, start;
    const char *name;
    size_t n;
    int found;
    while ((found = next_variable(text, len, &pos, &start, &name, &n, err)) == 1) {
        if (name_in(name, n, allowed))
            continue;
        bool repeated = false;
        for (size_t s = 0; s < seen_len; s += strlen(seen + s) + 1) {
            if (strlen(seen + s) == n && memcmp(seen + s, name, n) == 0)
                repeated = true;
        }
        if (repeated)
            continue;
        char copy[CRM_TEMPLATE_MAX_NAME + 1];
        memcpy(copy, name, n);
        copy[n] = '\0';
        if (seen_len + n + 1 <= sizeof seen) {
            memcpy(seen + seen_len, copy, n + 1);
            seen_len += n + 1;
        }
        if (count == 0) {
            err->offset = start;
            memcpy(err->name, copy, n + 1);
            snprintf(err->message, sizeof err->message, "unknown variable {{%s}}", copy);
        }
        count++;
        if (unknown)
            unknown(copy, ctx);
    }
    return found < 0 ? -1 : count;
}

/* The value at a dot-separated path of context, or NULL. */
static const json_t *
lookup(const json_t *context, const char *name, size_t n)
{
    const json_t *at = context;
    size_t i = 0;
    while (at && i < n) {
        size_t j = i;
        while (j < n && name[j] != '.')
            j++;
        char key[CRM_TEMPLATE_MAX_NAME + 1];
        memcpy(key, name + i, j - i);
        key[j - i] = '\0';
        at = json_is_object(at) ? json_object_get(at, key) : NULL;
        i = j + 1;
    }
    return at;
}

static void
append_escaped(crm_buf_t *out, const char *s, size_t n, bool html)
{
    if (!html) {
        crm_buf_append(out, s, n);
        return;
    }
    size_t from = 0;
    for (size_t i = 0; i < n; i++) {
        const char *entity = NULL;
        switch (s[i]) {
        case '&':
            entity = "&amp;";
            break;
        case '<':
            entity = "&lt;";
            break;
        case '>':
            entity = "&gt;";
            break;
        case '"':
            entity = "&quot;";
            break;
        case '\'':
            entity = "&#39;";
            break;
        default:
            continue;
        }
        crm_buf_append(out, s + from, i - from);
        crm_buf_puts(out, entity);
        from = i + 1;
    }
    crm_buf_append(out, s + from, n - from);
}

int
crm_template_render(const char *text, size_t len, const json_t *context, bool html, crm_buf_t *out,
                    crm_template_error *err)
{
    size_t mark = out->len, pos = 0, start, copied = 0;
    const char *name;
    size_t n;
    int found;
    while ((found = next_variable(text, len, &pos, &start, &name, &n, err)) == 1) {
        crm_buf_append(out, text + copied, start - copied);
        copied = pos;
        const json_t *v = lookup(context, name, n);
        if (json_is_string(v)) {
            append_escaped(out, json_string_value(v), json_string_length(v), html);
        } else if (json_is_integer(v) || json_is_real(v) || json_is_boolean(v)) {
            char *t = json_dumps(v, JSON_ENCODE_ANY);
            if (t)
                crm_buf_puts(out, t);
            free(t);
        }
    }
    if (found < 0) {
        out->len = mark;
        out->data[mark] = '\0';
        return -1;
    }
    crm_buf_append(out, text + copied, len - copied);
    return 0;
}
