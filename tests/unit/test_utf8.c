#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <check.h>

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>

#include "core/err.h"
#include "core/utf8.h"
#include "tests/unit/tap_main.h"

/* "Nguyễn Văn Đức" as an input method sends it: NFC (14 code points) and
 * NFD (19). */
#define NAME_NFC "Nguy\xe1\xbb\x85n V\xc4\x83n \xc4\x90\xe1\xbb\xa9" "c"
#define NAME_NFD \
	"Nguye\xcc\x82\xcc\x83n Va\xcc\x86n \xc4\x90u\xcc\x9b\xcc\x81" "c"

static enum utf8_fault
check_at(const char *s, size_t len, unsigned flags, size_t *off)
{
	struct utf8_fault_at at;
	enum utf8_fault f = utf8_check(s, len, flags, &at);

	ck_assert_int_eq(at.fault, f);
	if (off != NULL)
		*off = at.offset;
	return f;
}

START_TEST(well_formed_text_is_valid)
{
	struct utf8_fault_at at;

	ck_assert_int_eq(utf8_check("", 0, 0, NULL), UTF8_VALID);
	ck_assert_int_eq(utf8_check(NULL, 0, 0, NULL), UTF8_VALID);
	ck_assert_int_eq(utf8_check(NULL, UTF8_NTS, 0, NULL), UTF8_VALID);
	ck_assert_int_eq(utf8_check(NAME_NFC, UTF8_NTS, 0, &at), UTF8_VALID);
	ck_assert_uint_eq(at.offset, strlen(NAME_NFC));
	ck_assert_uint_eq(at.index, 14);
	ck_assert_int_eq(utf8_check(NAME_NFD, UTF8_NTS, 0, &at), UTF8_VALID);
	ck_assert_uint_eq(at.index, 19);
	/* Boundaries of each sequence length. */
	ck_assert_int_eq(utf8_check("\x7f", 1, UTF8_ALLOW_CONTROLS, NULL),
	    UTF8_VALID);
	ck_assert_int_eq(utf8_check("\xc2\xa0\xdf\xbf", 4, 0, NULL),
	    UTF8_VALID);
	ck_assert_int_eq(utf8_check("\xe0\xa0\x80\xef\xbf\xbf", 6, 0, NULL),
	    UTF8_VALID);
	ck_assert_int_eq(utf8_check("\xed\x9f\xbf\xee\x80\x80", 6, 0, NULL),
	    UTF8_VALID);
	ck_assert_int_eq(utf8_check("\xf0\x90\x80\x80\xf4\x8f\xbf\xbf", 8, 0,
	    NULL), UTF8_VALID);
	/* Emoji, zero-width joiner, RLM and LRM are text. */
	ck_assert_int_eq(utf8_check("\xf0\x9f\x98\x80\xe2\x80\x8d"
	    "\xe2\x80\x8f\xe2\x80\x8e", UTF8_NTS, 0, NULL), UTF8_VALID);
}
END_TEST

START_TEST(overlong_forms_are_refused)
{
	size_t off;

	/* "C0 AF" would be '/', the classic path traversal trick. */
	ck_assert_int_eq(check_at("a\xc0\xaf", 3, 0, &off), UTF8_EOVERLONG);
	ck_assert_uint_eq(off, 1);
	ck_assert_int_eq(check_at("\xc1\xbf", 2, 0, NULL), UTF8_EOVERLONG);
	ck_assert_int_eq(check_at("\xe0\x80\xaf", 3, 0, NULL), UTF8_EOVERLONG);
	ck_assert_int_eq(check_at("\xe0\x9f\xbf", 3, 0, NULL), UTF8_EOVERLONG);
	ck_assert_int_eq(check_at("\xf0\x80\x80\xaf", 4, 0, NULL),
	    UTF8_EOVERLONG);
	ck_assert_int_eq(check_at("\xf0\x8f\xbf\xbf", 4, 0, NULL),
	    UTF8_EOVERLONG);
	/* Overlong NUL "C0 80" (Java's modified UTF-8). */
	ck_assert_int_eq(check_at("\xc0\x80", 2, 0, NULL), UTF8_EOVERLONG);
}
END_TEST

START_TEST(surrogates_and_values_beyond_unicode_are_refused)
{
	size_t off;

	ck_assert_int_eq(check_at("ab\xed\xa0\x80", 5, 0, &off),
	    UTF8_ESURROGATE);
	ck_assert_uint_eq(off, 2);
	ck_assert_int_eq(check_at("\xed\xbf\xbf", 3, 0, NULL), UTF8_ESURROGATE);
	/* CESU-8 pair for U+1F600. */
	ck_assert_int_eq(check_at("\xed\xa0\xbd\xed\xb8\x80", 6, 0, NULL),
	    UTF8_ESURROGATE);
	ck_assert_int_eq(check_at("\xf4\x90\x80\x80", 4, 0, NULL),
	    UTF8_ETOOLARGE);
	ck_assert_int_eq(check_at("\xf5\x80\x80\x80", 4, 0, NULL),
	    UTF8_ETOOLARGE);
	ck_assert_int_eq(check_at("\xf8\x88\x80\x80\x80", 5, 0, NULL),
	    UTF8_EBADBYTE);
	ck_assert_int_eq(check_at("\xff", 1, 0, NULL), UTF8_EBADBYTE);
	ck_assert_int_eq(check_at("\xfe\xff", 2, 0, NULL), UTF8_EBADBYTE);
}
END_TEST

START_TEST(truncated_and_broken_sequences_are_refused)
{
	size_t off;

	ck_assert_int_eq(check_at("a\xe1\xbb", 3, 0, &off), UTF8_ETRUNCATED);
	ck_assert_uint_eq(off, 1);
	ck_assert_int_eq(check_at("\xc4", 1, 0, NULL), UTF8_ETRUNCATED);
	ck_assert_int_eq(check_at("\xf0\x9f\x98", 3, 0, NULL),
	    UTF8_ETRUNCATED);
	/* The explicit length cuts a valid string in the middle of "ễ". */
	ck_assert_int_eq(check_at(NAME_NFC, 6, 0, NULL), UTF8_ETRUNCATED);
	ck_assert_int_eq(check_at("\xe1\x41\x42", 3, 0, NULL),
	    UTF8_ECONTINUATION);
	ck_assert_int_eq(check_at("\xe1\xbb\x41", 3, 0, NULL),
	    UTF8_ECONTINUATION);
	ck_assert_int_eq(check_at("\xc4 ", 2, 0, NULL), UTF8_ECONTINUATION);
	/* A lone continuation byte. */
	ck_assert_int_eq(check_at("ab\x80", 3, 0, &off), UTF8_EBADBYTE);
	ck_assert_uint_eq(off, 2);
}
END_TEST

START_TEST(embedded_nul_is_refused_only_with_a_length)
{
	struct utf8_fault_at at;

	ck_assert_int_eq(utf8_check("An\0B", 4, 0, &at), UTF8_ENUL);
	ck_assert_uint_eq(at.offset, 2);
	ck_assert_uint_eq(at.index, 2);
	ck_assert_uint_eq(at.cp, 0);
	/* Even an encoding-only check refuses NUL. */
	ck_assert_int_eq(utf8_check("An\0B", 4, UTF8_ALLOW_CONTROLS, NULL),
	    UTF8_ENUL);
	/* NUL-terminated: the NUL ends the string. */
	ck_assert_int_eq(utf8_check("An\0B", UTF8_NTS, 0, &at), UTF8_VALID);
	ck_assert_uint_eq(at.offset, 2);
}
END_TEST

START_TEST(control_characters_follow_the_flags)
{
	struct utf8_fault_at at;

	ck_assert_int_eq(utf8_check("\xe1\xbb\x85\x07", 4, 0, &at),
	    UTF8_ECONTROL);
	ck_assert_uint_eq(at.cp, 7);
	ck_assert_uint_eq(at.offset, 3);
	ck_assert_uint_eq(at.index, 1);
	ck_assert_int_eq(utf8_check("a\x7f", 2, 0, &at), UTF8_ECONTROL);
	ck_assert_uint_eq(at.cp, 0x7f);
	ck_assert_int_eq(utf8_check("a\xc2\x85", 3, 0, &at), UTF8_ECONTROL);
	ck_assert_uint_eq(at.cp, 0x85);
	ck_assert_int_eq(utf8_check("a\xc2\x9f", 3, 0, NULL), UTF8_ECONTROL);
	/* Bidi override (Trojan-Source style) and isolate. */
	ck_assert_int_eq(utf8_check("a\xe2\x80\xae", 4, 0, &at),
	    UTF8_ECONTROL);
	ck_assert_uint_eq(at.cp, 0x202e);
	ck_assert_int_eq(utf8_check("\xe2\x81\xa6", 3, 0, NULL),
	    UTF8_ECONTROL);
	/* Tab and line breaks. */
	ck_assert_int_eq(utf8_check("a\tb", 3, 0, NULL), UTF8_ECONTROL);
	ck_assert_int_eq(utf8_check("a\tb", 3, UTF8_ALLOW_TAB, NULL),
	    UTF8_VALID);
	ck_assert_int_eq(utf8_check("a\nb", 3, UTF8_ALLOW_TAB, NULL),
	    UTF8_ECONTROL);
	ck_assert_int_eq(utf8_check("a\r\nb", 4, UTF8_ALLOW_NEWLINE, NULL),
	    UTF8_VALID);
	ck_assert_int_eq(utf8_check("a\xe2\x80\xa8", 4, 0, NULL),
	    UTF8_ECONTROL);
	ck_assert_int_eq(utf8_check("a\xe2\x80\xa8", 4, UTF8_ALLOW_NEWLINE,
	    NULL), UTF8_VALID);
	ck_assert_int_eq(utf8_check("a\tb", 3, UTF8_ALLOW_NEWLINE, NULL),
	    UTF8_ECONTROL);
	/* Encoding-only checks let other controls through, not tab. */
	ck_assert_int_eq(utf8_check("\x01\x1b[0m\xc2\x85\xe2\x80\xae",
	    UTF8_NTS, UTF8_ALLOW_CONTROLS, NULL), UTF8_VALID);
	ck_assert_int_eq(utf8_check("\t", 1, UTF8_ALLOW_CONTROLS, NULL),
	    UTF8_ECONTROL);
}
END_TEST

START_TEST(validate_names_the_field_and_the_character)
{
	struct cutru_err e;

	cutru_err_clear(&e);
	ck_assert_int_eq(utf8_validate("S\xe1\xbb\x91 1", UTF8_NTS, 0,
	    "address", &e), CUTRU_OK);
	ck_assert_int_eq(e.code, CUTRU_OK);
	ck_assert_int_eq(utf8_validate("ab\x07", 3, 0, "address", &e),
	    CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "address");
	ck_assert_ptr_nonnull(strstr(e.msg, "U+0007"));
	ck_assert_ptr_nonnull(strstr(e.msg, "character 3"));
	ck_assert_int_eq(utf8_validate("ab\0", 3, 0, "address", &e),
	    CUTRU_EINVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "NUL"));
	ck_assert_int_eq(utf8_validate("ab\xc0\xaf", 4, 0, "phone", &e),
	    CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "phone");
	ck_assert_ptr_nonnull(strstr(e.msg, "byte 3"));
	/* A NULL error is allowed. */
	ck_assert_int_eq(utf8_validate("\xff", 1, 0, "x", NULL), CUTRU_EINVAL);
}
END_TEST

START_TEST(decode_walks_code_points_and_steps_over_bad_bytes)
{
	const char *s = "\xc4\x90\xe1\xbb\xa9" "c\xff\xf0\x9f\x98\x80";
	size_t len = strlen(s), pos = 0;

	ck_assert_int_eq(utf8_decode(s, len, &pos), 0x110);
	ck_assert_uint_eq(pos, 2);
	ck_assert_int_eq(utf8_decode(s, len, &pos), 0x1ee9);
	ck_assert_int_eq(utf8_decode(s, len, &pos), 'c');
	ck_assert_int_eq(utf8_decode(s, len, &pos), -1);
	ck_assert_uint_eq(pos, 7);
	ck_assert_int_eq(utf8_decode(s, len, &pos), 0x1f600);
	ck_assert_uint_eq(pos, len);
	/* A sequence cut by the length decodes as bad, one byte at a time. */
	pos = 0;
	ck_assert_int_eq(utf8_decode("\xe1\xbb", 2, &pos), -1);
	ck_assert_uint_eq(pos, 1);
}
END_TEST

START_TEST(encode_round_trips_every_scalar_value)
{
	char buf[4];
	uint32_t cp;
	size_t n, pos;

	ck_assert_uint_eq(utf8_encode(0x7f, buf), 1);
	ck_assert_uint_eq(utf8_encode(0x80, buf), 2);
	ck_assert_uint_eq(utf8_encode(0x7ff, buf), 2);
	ck_assert_uint_eq(utf8_encode(0x800, buf), 3);
	ck_assert_uint_eq(utf8_encode(0xffff, buf), 3);
	ck_assert_uint_eq(utf8_encode(0x10000, buf), 4);
	ck_assert_uint_eq(utf8_encode(0x10ffff, buf), 4);
	ck_assert_uint_eq(utf8_encode(0x110000, buf), 0);
	ck_assert_uint_eq(utf8_encode(0xd800, buf), 0);
	ck_assert_uint_eq(utf8_encode(0xdfff, buf), 0);
	for (cp = 1; cp <= 0x10ffff; cp++) {
		if (cp == 0xd800)
			cp = 0xe000;
		n = utf8_encode(cp, buf);
		ck_assert_int_eq(utf8_check(buf, n, UTF8_ALLOW_TAB |
		    UTF8_ALLOW_NEWLINE | UTF8_ALLOW_CONTROLS, NULL),
		    UTF8_VALID);
		pos = 0;
		if ((uint32_t)utf8_decode(buf, n, &pos) != cp || pos != n)
			ck_abort_msg("U+%04X does not round-trip",
			    (unsigned)cp);
	}
}
END_TEST

START_TEST(count_gives_code_points)
{
	ck_assert_uint_eq(utf8_count(NAME_NFC, UTF8_NTS), 14);
	ck_assert_uint_eq(utf8_count(NAME_NFD, UTF8_NTS), 19);
	ck_assert_uint_eq(utf8_count(NULL, UTF8_NTS), 0);
	ck_assert_uint_eq(utf8_count("a\xff\xfe", 3), 3);
}
END_TEST

START_TEST(code_point_width_is_like_wcwidth)
{
	ck_assert_int_eq(utf8_cp_width('a'), 1);
	ck_assert_int_eq(utf8_cp_width(0), 0);
	ck_assert_int_eq(utf8_cp_width(0x07), -1);
	ck_assert_int_eq(utf8_cp_width(0x7f), -1);
	ck_assert_int_eq(utf8_cp_width(0x9b), -1);
	ck_assert_int_eq(utf8_cp_width(0xd800), -1);
	ck_assert_int_eq(utf8_cp_width(0x110000), -1);
	ck_assert_int_eq(utf8_cp_width(0x1ec5), 1);     /* ễ */
	ck_assert_int_eq(utf8_cp_width(0x0301), 0);     /* combining acute */
	ck_assert_int_eq(utf8_cp_width(0x20dd), 0);     /* enclosing circle */
	ck_assert_int_eq(utf8_cp_width(0x200d), 0);     /* ZWJ */
	ck_assert_int_eq(utf8_cp_width(0x200f), 0);     /* RLM */
	ck_assert_int_eq(utf8_cp_width(0xfeff), 0);     /* BOM */
	ck_assert_int_eq(utf8_cp_width(0x00ad), 1);     /* soft hyphen */
	ck_assert_int_eq(utf8_cp_width(0x1161), 0);     /* Hangul medial */
	ck_assert_int_eq(utf8_cp_width(0x4e2d), 2);     /* 中 */
	ck_assert_int_eq(utf8_cp_width(0xac00), 2);     /* 가 */
	ck_assert_int_eq(utf8_cp_width(0xff21), 2);     /* fullwidth A */
	ck_assert_int_eq(utf8_cp_width(0x1f600), 2);    /* 😀 */
	ck_assert_int_eq(utf8_cp_width(0x3000), 2);     /* ideographic space */
	ck_assert_int_eq(utf8_cp_width(0x00b1), 1);     /* ambiguous ± */
	ck_assert_int_eq(utf8_cp_width(0x05d0), 1);     /* Hebrew alef */
}
END_TEST

START_TEST(string_width_counts_columns)
{
	ck_assert_uint_eq(utf8_width("abc", UTF8_NTS), 3);
	ck_assert_uint_eq(utf8_width(NULL, UTF8_NTS), 0);
	ck_assert_uint_eq(utf8_width(NAME_NFC, UTF8_NTS), 14);
	ck_assert_uint_eq(utf8_width(NAME_NFD, UTF8_NTS), 14);
	ck_assert_uint_eq(utf8_width("\xe4\xb8\xad\xe6\x96\x87", 6), 4);
	/* Bad bytes and controls each take one replacement glyph. */
	ck_assert_uint_eq(utf8_width("a\xff" "b\x07", 4), 4);
	/* An RTL mark and a ZWJ take no room. */
	ck_assert_uint_eq(utf8_width("a\xe2\x80\x8f" "b\xe2\x80\x8d", 8), 2);
}
END_TEST

START_TEST(megabyte_strings_are_handled)
{
	size_t n = 1u << 20, i;
	char *s = malloc(n + 1);
	struct utf8_fault_at at;

	ck_assert_ptr_nonnull(s);
	for (i = 0; i + 2 <= n; i += 2) {
		s[i] = '\xc3';          /* é */
		s[i + 1] = '\xa9';
	}
	s[n] = '\0';
	ck_assert_int_eq(utf8_check(s, n, 0, &at), UTF8_VALID);
	ck_assert_uint_eq(at.index, n / 2);
	ck_assert_uint_eq(utf8_width(s, n), n / 2);
	ck_assert_uint_eq(utf8_count(s, UTF8_NTS), n / 2);
	s[n - 1] = '\x80';
	s[n - 2] = '\x80';
	ck_assert_int_eq(utf8_check(s, n, 0, &at), UTF8_EBADBYTE);
	ck_assert_uint_eq(at.offset, n - 2);
	free(s);
}
END_TEST

START_TEST(clean_line_collapses_white_space_and_composes)
{
	char out[64];
	size_t n = 99;
	struct cutru_err e;

	ck_assert_int_eq(utf8_clean_line(NAME_NFD, UTF8_NTS, out, sizeof out,
	    &n, "name", &e), CUTRU_OK);
	ck_assert_str_eq(out, NAME_NFC);
	ck_assert_uint_eq(n, strlen(NAME_NFC));
	/* Tab, NBSP, ideographic space, line separator, CRLF, thin space. */
	ck_assert_int_eq(utf8_clean_line(" \t S\xe1\xbb\x91\xc2\xa0\xc2\xa0"
	    "1\xe3\x80\x80\xe2\x80\xa8ng\xe1\xbb\x9d\r\n" "\xe2\x80\x89x \n",
	    UTF8_NTS, out, sizeof out, &n, "address", &e), CUTRU_OK);
	ck_assert_str_eq(out, "S\xe1\xbb\x91 1 ng\xe1\xbb\x9d x");
	ck_assert_int_eq(utf8_clean_line("   ", 3, out, sizeof out, &n,
	    "address", &e), CUTRU_OK);
	ck_assert_str_eq(out, "");
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(utf8_clean_line(NULL, 0, out, sizeof out, NULL,
	    "address", NULL), CUTRU_OK);
	ck_assert_str_eq(out, "");
	/* A ZWJ is kept: it is text, not white space. */
	ck_assert_int_eq(utf8_clean_line("a\xe2\x80\x8d" "b", UTF8_NTS, out,
	    sizeof out, &n, "x", &e), CUTRU_OK);
	ck_assert_uint_eq(n, 5);
}
END_TEST

START_TEST(clean_line_refuses_bad_input_and_small_buffers)
{
	char out[8];
	size_t n = 5;
	struct cutru_err e;

	strcpy(out, "junk");
	ck_assert_int_eq(utf8_clean_line("ab\x1b[31m", UTF8_NTS, out,
	    sizeof out, &n, "address", &e), CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "address");
	ck_assert_str_eq(out, "");
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(utf8_clean_line("a\xed\xa0\x80", 4, out, sizeof out,
	    &n, "address", &e), CUTRU_EINVAL);
	ck_assert_int_eq(utf8_clean_line("ab\0c", 4, out, sizeof out, &n,
	    "address", &e), CUTRU_EINVAL);
	/* 7 bytes + NUL fit; 8 do not. */
	ck_assert_int_eq(utf8_clean_line("  abcdefg  ", UTF8_NTS, out,
	    sizeof out, &n, "x", &e), CUTRU_OK);
	ck_assert_str_eq(out, "abcdefg");
	ck_assert_int_eq(utf8_clean_line("abcdefgh", UTF8_NTS, out, sizeof out,
	    &n, "x", &e), CUTRU_ERANGE);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(utf8_clean_line("abc", UTF8_NTS, out, 0, &n, "x", &e),
	    CUTRU_ERANGE);
	/* The space before a character that does not fit counts too. */
	ck_assert_int_eq(utf8_clean_line("abcdef g", UTF8_NTS, out, sizeof out,
	    &n, "x", &e), CUTRU_ERANGE);
}
END_TEST

/* What utf8_clean_line() must give, the long way round through ICU for
 * every text: NFC, white space collapsed and trimmed.  The function takes
 * a shorter path for Latin text (below U+0300, and U+1E00..U+1EFF); this
 * is the yardstick it is held to.  Valid input only. */
static void
clean_reference(const char *s, size_t len, char *out, size_t outsz)
{
	UChar src[256], nfc[512];
	UErrorCode st = U_ZERO_ERROR;
	int32_t n = 0, m, i;
	size_t o = 0;
	int pending = 0;
	UChar32 c;

	u_strFromUTF8(src, 256, &n, s, (int32_t)len, &st);
	m = unorm2_normalize(unorm2_getNFCInstance(&st), src, n, nfc, 512, &st);
	ck_assert(U_SUCCESS(st));
	for (i = 0; i < m;) {
		U16_NEXT(nfc, i, m, c);
		if (u_isUWhiteSpace(c)) {
			pending = o > 0;
			continue;
		}
		if (pending)
			out[o++] = ' ';
		pending = 0;
		o += utf8_encode((uint32_t)c, out + o);
		ck_assert_uint_lt(o, outsz);
	}
	out[o] = '\0';
}

START_TEST(clean_line_latin_path_agrees_with_icu)
{
	/* Pieces: ASCII, white space of both paths, Vietnamese letters
	 * precomposed (fast) and the ones that need ICU: combining marks,
	 * a letter outside the fast ranges, an em space, a refused C1
	 * control. */
	static const char *const piece[] = { "a", "Z", "0", " ", "  ", "\t",
		"\n", "\r\n", "\xc2\xa0", "\xc3\xa0", "\xc4\x90",
		"\xc6\xb0", "\xc6\xa1", "\xe1\xba\xa1", "\xe1\xbb\x87",
		"\xe1\xbb\xb9", "\xcc\x81", "\xcc\x83", "e\xcc\x82",
		"\xe2\x80\x83", "\xe2\x82\xac", "\xcb\x86", "\xc2\x85",
		"-", "'" };
	const size_t npiece = sizeof piece / sizeof piece[0];
	char in[128], got[64], want[256];
	struct cutru_err e;
	unsigned seed = 12345;
	size_t len, n, k, sz;
	int i, rc;

	for (i = 0; i < 20000; i++) {
		len = 0;
		in[0] = '\0';
		for (k = (seed >> 16) % 12; k > 0; k--) {
			seed = seed * 1103515245u + 12345u;
			strcat(in, piece[(seed >> 16) % npiece]);
		}
		seed = seed * 1103515245u + 12345u;
		len = strlen(in);
		sz = 1 + (seed >> 16) % sizeof got;
		rc = utf8_clean_line(in, len, got, sz, &n, "x", &e);
		if (utf8_check(in, len, UTF8_ALLOW_TAB | UTF8_ALLOW_NEWLINE,
		    NULL) != UTF8_VALID) {
			ck_assert_int_eq(rc, CUTRU_EINVAL);
			continue;
		}
		clean_reference(in, len, want, sizeof want);
		if (strlen(want) < sz) {
			ck_assert_msg(rc == CUTRU_OK, "%s: %d", in, rc);
			ck_assert_str_eq(got, want);
			ck_assert_uint_eq(n, strlen(want));
		} else {
			ck_assert_msg(rc == CUTRU_ERANGE, "%s (%zu): %d", in,
			    sz, rc);
			ck_assert_str_eq(got, "");
		}
	}
}
END_TEST

START_TEST(clean_line_handles_long_input_on_the_heap)
{
	/* 600 "ễ" in NFD (5 bytes each) compose to 600 UTF-16 units, beyond
	 * the stack buffers, then 1 MB of spaces around one word. */
	size_t n = 600 * 5, i, got;
	char *s = malloc(n), *out = malloc(600 * 3 + 1), *big;
	struct cutru_err e;

	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_nonnull(out);
	for (i = 0; i < n; i += 5)
		memcpy(s + i, "e\xcc\x82\xcc\x83", 5);
	ck_assert_int_eq(utf8_clean_line(s, n, out, 600 * 3 + 1, &got, "x",
	    &e), CUTRU_OK);
	ck_assert_uint_eq(got, 600 * 3);
	ck_assert_int_eq(memcmp(out, "\xe1\xbb\x85", 3), 0);
	ck_assert_int_eq(memcmp(out + got - 3, "\xe1\xbb\x85", 3), 0);
	free(s);

	big = malloc(1u << 20);
	ck_assert_ptr_nonnull(big);
	memset(big, ' ', 1u << 20);
	memcpy(big + 4000, "Hoa", 3);
	ck_assert_int_eq(utf8_clean_line(big, 1u << 20, out, 16, &got, "x",
	    &e), CUTRU_OK);
	ck_assert_str_eq(out, "Hoa");
	free(big);
	free(out);
}
END_TEST

START_TEST(graphemes_group_combining_sequences)
{
	/* e + combining acute, x, NFD "ễ", emoji family (ZWJ sequence),
	 * flag VN (two regional indicators), CRLF, Hangul L V T. */
	static const char s[] =
	    "e\xcc\x81" "x"
	    "e\xcc\x82\xcc\x83"
	    "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d"
	    "\xf0\x9f\x91\xa7"
	    "\xf0\x9f\x87\xbb\xf0\x9f\x87\xb3"
	    "\r\n"
	    "\xe1\x84\x80\xe1\x85\xa1\xe1\x86\xa8";
	static const size_t stops[] = { 3, 4, 9, 27, 35, 37, 46 };
	struct utf8_graphemes *g;
	struct cutru_err e;
	size_t pos = 0, i, count;

	ck_assert_int_eq(utf8_graphemes_open(&g, s, UTF8_NTS, &e), CUTRU_OK);
	for (i = 0; i < sizeof stops / sizeof stops[0]; i++) {
		pos = utf8_graphemes_next(g, pos);
		ck_assert_uint_eq(pos, stops[i]);
	}
	ck_assert_uint_eq(utf8_graphemes_next(g, pos), sizeof s - 1);
	ck_assert_uint_eq(utf8_graphemes_next(g, 1000), sizeof s - 1);
	for (i = sizeof stops / sizeof stops[0]; i-- > 1;) {
		pos = utf8_graphemes_prev(g, pos);
		ck_assert_uint_eq(pos, stops[i - 1]);
	}
	ck_assert_uint_eq(utf8_graphemes_prev(g, 3), 0);
	ck_assert_uint_eq(utf8_graphemes_prev(g, 0), 0);
	ck_assert_uint_eq(utf8_graphemes_prev(g, 1000), stops[5]);
	/* Inside a cluster, and inside a code point, is no boundary. */
	ck_assert_int_eq(utf8_graphemes_is_boundary(g, 0), 1);
	ck_assert_int_eq(utf8_graphemes_is_boundary(g, 3), 1);
	ck_assert_int_eq(utf8_graphemes_is_boundary(g, 1), 0);
	ck_assert_int_eq(utf8_graphemes_is_boundary(g, 2), 0);
	ck_assert_int_eq(utf8_graphemes_is_boundary(g, 12), 0);
	ck_assert_int_eq(utf8_graphemes_is_boundary(g, sizeof s - 1), 1);
	ck_assert_int_eq(utf8_graphemes_is_boundary(g, sizeof s), 0);
	utf8_graphemes_close(g);
	utf8_graphemes_close(NULL);

	ck_assert_int_eq(utf8_grapheme_count(s, sizeof s - 1, &count, &e),
	    CUTRU_OK);
	ck_assert_uint_eq(count, 7);
	ck_assert_int_eq(utf8_grapheme_count(NAME_NFD, UTF8_NTS, &count, &e),
	    CUTRU_OK);
	ck_assert_uint_eq(count, 14);
	ck_assert_int_eq(utf8_grapheme_count(NULL, 0, &count, &e), CUTRU_OK);
	ck_assert_uint_eq(count, 0);
	/* Ill-formed bytes are clusters of their own. */
	ck_assert_int_eq(utf8_grapheme_count("a\xff\xc0" "b", 4, &count, &e),
	    CUTRU_OK);
	ck_assert_uint_eq(count, 4);
}
END_TEST

START_TEST(graphemes_follow_an_edited_buffer_and_fit_columns)
{
	char buf[32] = "ab";
	struct utf8_graphemes *g;
	struct cutru_err e;
	size_t w;

	ck_assert_int_eq(utf8_graphemes_open(&g, buf, 2, &e), CUTRU_OK);
	ck_assert_uint_eq(utf8_graphemes_next(g, 0), 1);
	/* The field inserts a combining mark after 'a'. */
	memcpy(buf, "a\xcc\x80" "b", 5);
	ck_assert_int_eq(utf8_graphemes_set_text(g, buf, 4, &e), CUTRU_OK);
	ck_assert_uint_eq(utf8_graphemes_next(g, 0), 3);
	ck_assert_uint_eq(utf8_graphemes_prev(g, 4), 3);

	/* "中文ab": 2 + 2 + 1 + 1 columns. */
	strcpy(buf, "\xe4\xb8\xad\xe6\x96\x87" "ab");
	ck_assert_int_eq(utf8_graphemes_set_text(g, buf, UTF8_NTS, &e),
	    CUTRU_OK);
	ck_assert_uint_eq(utf8_graphemes_fit(g, 0, 3, &w), 3);
	ck_assert_uint_eq(w, 2);
	ck_assert_uint_eq(utf8_graphemes_fit(g, 0, 1, &w), 0);
	ck_assert_uint_eq(w, 0);
	ck_assert_uint_eq(utf8_graphemes_fit(g, 3, 3, &w), 7);
	ck_assert_uint_eq(w, 3);
	ck_assert_uint_eq(utf8_graphemes_fit(g, 0, 80, NULL), 8);
	ck_assert_uint_eq(utf8_graphemes_fit(g, 8, 80, &w), 8);
	ck_assert_uint_eq(w, 0);
	/* Past the end is the end, never beyond the text. */
	ck_assert_uint_eq(utf8_graphemes_fit(g, 99, 80, &w), 8);
	ck_assert_uint_eq(w, 0);
	/* NFD Vietnamese: a letter and its marks take one column together. */
	ck_assert_int_eq(utf8_graphemes_set_text(g, NAME_NFD, UTF8_NTS, &e),
	    CUTRU_OK);
	ck_assert_uint_eq(utf8_graphemes_fit(g, 0, 5, &w), 9);
	ck_assert_uint_eq(w, 5);
	/* An empty text. */
	ck_assert_int_eq(utf8_graphemes_set_text(g, NULL, 0, &e), CUTRU_OK);
	ck_assert_uint_eq(utf8_graphemes_next(g, 0), 0);
	ck_assert_uint_eq(utf8_graphemes_fit(g, 0, 10, &w), 0);
	utf8_graphemes_close(g);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("utf8");
	TCase *tc = tcase_create("utf8");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, well_formed_text_is_valid);
	tcase_add_test(tc, overlong_forms_are_refused);
	tcase_add_test(tc, surrogates_and_values_beyond_unicode_are_refused);
	tcase_add_test(tc, truncated_and_broken_sequences_are_refused);
	tcase_add_test(tc, embedded_nul_is_refused_only_with_a_length);
	tcase_add_test(tc, control_characters_follow_the_flags);
	tcase_add_test(tc, validate_names_the_field_and_the_character);
	tcase_add_test(tc, decode_walks_code_points_and_steps_over_bad_bytes);
	tcase_add_test(tc, encode_round_trips_every_scalar_value);
	tcase_add_test(tc, count_gives_code_points);
	tcase_add_test(tc, code_point_width_is_like_wcwidth);
	tcase_add_test(tc, string_width_counts_columns);
	tcase_add_test(tc, megabyte_strings_are_handled);
	tcase_add_test(tc, clean_line_collapses_white_space_and_composes);
	tcase_add_test(tc, clean_line_refuses_bad_input_and_small_buffers);
	tcase_add_test(tc, clean_line_handles_long_input_on_the_heap);
	tcase_add_test(tc, clean_line_latin_path_agrees_with_icu);
	tcase_add_test(tc, graphemes_group_combining_sequences);
	tcase_add_test(tc, graphemes_follow_an_edited_buffer_and_fit_columns);
	suite_add_tcase(s, tc);
	return s;
}
