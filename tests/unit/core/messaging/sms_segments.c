/* sms_segments.c - unit tests of src/core/messaging/sms_segments.c: encodings and segments */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/messaging/sms_segments.h"

static crm_sms_length
measure(const char *text)
{
    crm_sms_length l;
    assert_int_equal(crm_sms_measure(text, strlen(text), &l), 0);
    return l;
}

/* piece repeated n times, then tail. */
static char *
repeat(const char *piece, size_t n, const char *tail)
{
    size_t len = strlen(piece);
    char *s = malloc(len * n + strlen(tail) + 1);
    for (size_t i = 0; i < n; i++)
        memcpy(s + i * len, piece, len);
    strcpy(s + len * n, tail);
    return s;
}

static void
expect(const char *text, crm_sms_encoding encoding, size_t units, size_t segments)
{
    crm_sms_length l = measure(text);
    assert_int_equal(l.encoding, encoding);
    assert_int_equal(l.units, units);
    assert_int_equal(l.segments, segments);
}

static void
expect_repeat(const char *piece, size_t n, const char *tail, crm_sms_encoding encoding,
              size_t units, size_t segments)
{
    char *s = repeat(piece, n, tail);
    expect(s, encoding, units, segments);
    free(s);
}

static void
test_gsm7_characters(void **state)
{
    (void)state;
    expect("", CRM_SMS_GSM7, 0, 0);
    expect("Hello, see you at 10:30 on 3/4?", CRM_SMS_GSM7, 31, 1);
    /* the default alphabet outside ASCII: one septet each */
    expect("£¥èéùìòÇØøÅåΔΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà", CRM_SMS_GSM7, 39, 1);
    expect("@$_\n\r !\"#%&'()*+,-./", CRM_SMS_GSM7, 20, 1);
    /* the extension table: escape + septet */
    expect("€", CRM_SMS_GSM7, 2, 1);
    expect("^{}\\[~]|€\f", CRM_SMS_GSM7, 20, 1);
    expect("Price: 20€ [cash]", CRM_SMS_GSM7, 20, 1);
}

static void
test_ucs2_characters(void **state)
{
    (void)state;
    expect("`", CRM_SMS_UCS2, 1, 1); /* the backtick is not in GSM 03.38 */
    expect("\t", CRM_SMS_UCS2, 1, 1);
    expect("ç", CRM_SMS_UCS2, 1, 1); /* only the capital Ç is in the table */
    expect("Zażółć", CRM_SMS_UCS2, 6, 1);
    expect("Привет", CRM_SMS_UCS2, 6, 1);
    /* one non-GSM character sends the whole text as UCS-2, the euro sign then counts 1 */
    expect("€ ą", CRM_SMS_UCS2, 3, 1);
    /* beyond the BMP: a surrogate pair, two UTF-16 units */
    expect("😀", CRM_SMS_UCS2, 2, 1);
    expect("See you 👍🏽", CRM_SMS_UCS2, 12, 1);
    expect("“quoted”", CRM_SMS_UCS2, 8, 1);
}

static void
test_gsm7_segments(void **state)
{
    (void)state;
    expect_repeat("a", 160, "", CRM_SMS_GSM7, 160, 1);
    expect_repeat("a", 161, "", CRM_SMS_GSM7, 161, 2);
    expect_repeat("a", 306, "", CRM_SMS_GSM7, 306, 2);
    expect_repeat("a", 307, "", CRM_SMS_GSM7, 307, 3);
    expect_repeat("a", 459, "", CRM_SMS_GSM7, 459, 3);
    expect_repeat("a", 460, "", CRM_SMS_GSM7, 460, 4);
    /* extension characters count 2 towards the single-segment limit */
    expect_repeat("€", 80, "", CRM_SMS_GSM7, 160, 1);
    expect_repeat("€", 81, "", CRM_SMS_GSM7, 162, 2);
    expect_repeat("a", 159, "€", CRM_SMS_GSM7, 161, 2);
    /* an escape pair never straddles two segments: 152 + (2 + 151) + 1 */
    char *head = repeat("a", 152, "€");
    expect_repeat(head, 1, "", CRM_SMS_GSM7, 154, 1); /* 154 septets: still one segment */
    char *s = repeat("a", 152, "");
    size_t n = strlen(s);
    char *full = malloc(n + 3 + 152 + 1);
    strcpy(full, s);
    strcat(full, "€");
    memset(full + n + 3, 'a', 152);
    full[n + 3 + 152] = '\0';
    expect(full, CRM_SMS_GSM7, 306, 3);
    free(full);
    free(s);
    free(head);
}

static void
test_ucs2_segments(void **state)
{
    (void)state;
    expect_repeat("ą", 70, "", CRM_SMS_UCS2, 70, 1);
    expect_repeat("ą", 71, "", CRM_SMS_UCS2, 71, 2);
    expect_repeat("ą", 134, "", CRM_SMS_UCS2, 134, 2);
    expect_repeat("ą", 135, "", CRM_SMS_UCS2, 135, 3);
    /* emoji are two units each: 35 fit in one segment, 36 do not */
    expect_repeat("😀", 35, "", CRM_SMS_UCS2, 70, 1);
    /* 36 pairs: 33 per 67-unit segment (a pair is never split), then 3 */
    expect_repeat("😀", 36, "", CRM_SMS_UCS2, 72, 2);
    /* 66 units of pairs then one more pair: it starts the third segment, not the second's end */
    expect_repeat("😀", 67, "", CRM_SMS_UCS2, 134, 3);
    expect_repeat("ą", 133, "😀", CRM_SMS_UCS2, 135, 3);
}

static void
test_bad_utf8(void **state)
{
    (void)state;
    crm_sms_length l;
    const char *bad[] = {"\xff", "abc\xc3", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(crm_sms_measure(bad[i], strlen(bad[i]), &l), -1);
    assert_string_equal(crm_sms_encoding_name(CRM_SMS_GSM7), "GSM-7");
    assert_string_equal(crm_sms_encoding_name(CRM_SMS_UCS2), "UCS-2");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gsm7_characters), cmocka_unit_test(test_ucs2_characters),
        cmocka_unit_test(test_gsm7_segments),   cmocka_unit_test(test_ucs2_segments),
        cmocka_unit_test(test_bad_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
