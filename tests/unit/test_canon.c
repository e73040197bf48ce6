#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <check.h>

#include <unicode/unorm2.h>
#include <unicode/ustring.h>

#include "core/canon.h"
#include "tests/unit/tap_main.h"

/* Encode tree and compare with want; frees tree. */
static void
assert_encodes(cJSON *tree, const char *want)
{
	struct cutru_err e;
	char *out = NULL;
	size_t n = 0;
	int rc = canon_encode(tree, &out, &n, &e);

	ck_assert_msg(rc == CUTRU_OK, "encode failed: %s (%s)", e.msg, e.field);
	ck_assert_uint_eq(n, strlen(want));
	ck_assert_str_eq(out, want);
	free(out);
	cJSON_Delete(tree);
}

/* Encode tree, expect failure rc with e.field == field; frees tree. */
static void
assert_refused(cJSON *tree, int want_rc, const char *field)
{
	static char sentinel[1];
	struct cutru_err e;
	char *out = sentinel;
	size_t n = 9;

	ck_assert_int_eq(canon_encode(tree, &out, &n, &e), want_rc);
	ck_assert_ptr_null(out);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(e.code, want_rc);
	ck_assert_str_eq(e.field, field);
	ck_assert_str_ne(e.msg, "");
	cJSON_Delete(tree);
}

/* Parse s leniently and return the canonical form (caller frees). */
static char *
lax_canon(const char *s)
{
	struct cutru_err e;
	cJSON *t = NULL;
	char *out = NULL;
	size_t n;

	ck_assert_msg(canon_parse(s, strlen(s), NULL, 0, &t, &e) == CUTRU_OK,
	    "parse of %s failed: %s", s, e.msg);
	ck_assert_int_eq(canon_encode(t, &out, &n, &e), CUTRU_OK);
	cJSON_Delete(t);
	return out;
}

static int
parse_rc(const char *s, size_t len, unsigned flags)
{
	static cJSON sentinel;
	struct cutru_err e;
	cJSON *t = &sentinel;
	int rc = canon_parse(s, len, NULL, flags, &t, &e);

	if (rc != CUTRU_OK) {
		ck_assert_ptr_null(t);
		ck_assert_str_ne(e.msg, "");
	}
	cJSON_Delete(t);
	return rc;
}

#define PARSE(s, f) parse_rc((s), sizeof(s) - 1, (f))

START_TEST(sorted_nested_no_white_space)
{
	char *c = lax_canon(" {\n\t\"b\" : 1 , \"a\" : [ true , false , null ],"
	    " \"c\" : { \"z\" : \"x\" , \"y\" : -5 , \"e\" : { } , \"d\": [] } } ");

	ck_assert_str_eq(c, "{\"a\":[true,false,null],\"b\":1,"
	    "\"c\":{\"d\":[],\"e\":{},\"y\":-5,\"z\":\"x\"}}");
	free(c);
}
END_TEST

START_TEST(same_object_same_bytes_whatever_the_order)
{
	cJSON *a = cJSON_CreateObject(), *b = cJSON_CreateObject();
	struct cutru_err e;
	char *ca, *cb;
	size_t na, nb;

	cJSON_AddStringToObject(a, "name", "An");
	cJSON_AddNumberToObject(a, "n", 3);
	cJSON_AddNullToObject(a, "x");
	cJSON_AddNullToObject(b, "x");
	cJSON_AddNumberToObject(b, "n", 3.0);
	cJSON_AddStringToObject(b, "name", "An");
	ck_assert_int_eq(canon_encode(a, &ca, &na, &e), CUTRU_OK);
	ck_assert_int_eq(canon_encode(b, &cb, &nb, &e), CUTRU_OK);
	ck_assert_uint_eq(na, nb);
	ck_assert_mem_eq(ca, cb, na);
	/* Encoding twice gives the same bytes too; and the result is
	 * accepted as canonical by the strict parser. */
	free(cb);
	ck_assert_int_eq(canon_encode(a, &cb, &nb, &e), CUTRU_OK);
	ck_assert_str_eq(ca, cb);
	ck_assert_int_eq(canon_parse(ca, na, NULL, CANON_REQUIRE_CANONICAL,
	    NULL, &e), CUTRU_OK);
	free(ca);
	free(cb);
	cJSON_Delete(a);
	cJSON_Delete(b);
}
END_TEST

START_TEST(keys_sorted_by_utf8_bytes)
{
	cJSON *o = cJSON_CreateObject();

	/* U+10000 sorts after U+FF61 by UTF-8 bytes (F0 > EF), though a
	 * UTF-16 comparison would put its surrogate D800 first. */
	cJSON_AddNumberToObject(o, "\xF0\x90\x80\x80", 7);
	cJSON_AddNumberToObject(o, "\xEF\xBD\xA1", 6);
	cJSON_AddNumberToObject(o, "\xE1\xBA\xA3", 5);  /* ả */
	cJSON_AddNumberToObject(o, "\xC3\xA9", 4);      /* é */
	cJSON_AddNumberToObject(o, "z", 3);
	cJSON_AddNumberToObject(o, "ab", 2);
	cJSON_AddNumberToObject(o, "a", 1);
	cJSON_AddNumberToObject(o, "Z", 0);
	cJSON_AddNumberToObject(o, "", -1);
	assert_encodes(o, "{\"\":-1,\"Z\":0,\"a\":1,\"ab\":2,\"z\":3,"
	    "\"\xC3\xA9\":4,\"\xE1\xBA\xA3\":5,\"\xEF\xBD\xA1\":6,"
	    "\"\xF0\x90\x80\x80\":7}");
}
END_TEST

START_TEST(nfd_becomes_nfc)
{
	cJSON *o = cJSON_CreateObject();
	/* "Nguyễn Văn Đức" typed in NFD: e + U+0302 + U+0303, a + U+0306,
	 * u + U+031B + U+0301.  Đ has no decomposition. */
	const char *nfd = "Nguye\xCC\x82\xCC\x83n Va\xCC\x86n \xC4\x90u"
	    "\xCC\x9B\xCC\x81" "c";
	const char *nfc = "Nguy\xE1\xBB\x85n V\xC4\x83n \xC4\x90\xE1\xBB\xA9" "c";
	char want[128];

	cJSON_AddStringToObject(o, "name", nfd);
	/* A key in NFD is normalised (and sorted) as NFC. */
	cJSON_AddStringToObject(o, "e\xCC\x81", "k");
	cJSON_AddStringToObject(o, "f", "NFC already: \xC3\xA9");
	snprintf(want, sizeof want, "{\"f\":\"NFC already: \xC3\xA9\","
	    "\"name\":\"%s\",\"\xC3\xA9\":\"k\"}", nfc);
	assert_encodes(o, want);
}
END_TEST

START_TEST(duplicate_after_nfc_refused)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "\xC3\xA9", 1);
	cJSON_AddNumberToObject(o, "e\xCC\x81", 2);
	assert_refused(o, CUTRU_EINVAL, "");
	ck_assert_int_eq(PARSE("{\"\\u00e9\":1,\"e\\u0301\":2}", 0),
	    CUTRU_EINVAL);
}
END_TEST

START_TEST(duplicate_keys_refused)
{
	cJSON *o = cJSON_CreateObject(), *m = cJSON_CreateObject();
	struct cutru_err e;

	cJSON_AddNumberToObject(m, "a", 1);
	cJSON_AddNumberToObject(m, "a", 1);
	cJSON_AddItemToObject(o, "inner", m);
	assert_refused(o, CUTRU_EINVAL, "inner");
	ck_assert_int_eq(PARSE("{\"a\":1,\"b\":2,\"a\":1}", 0), CUTRU_EINVAL);
	ck_assert_int_eq(canon_parse("{\"x\":{\"a\":1,\"a\":1}}", 19, NULL, 0,
	    NULL, &e), CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "x");
	ck_assert_ptr_nonnull(strstr(e.msg, "\"a\""));
}
END_TEST

START_TEST(escapes_are_minimal)
{
	char raw[64], want[256];
	size_t i, n = 0;
	char *c;

	for (i = 1; i < 0x20; i++)
		raw[n++] = (char)i;
	memcpy(raw + n, "\"\\/\x7F\xC3\xA9", 6);
	n += 6;
	raw[n] = '\0';
	snprintf(want, sizeof want, "\"%s\\b\\t\\n\\u000b\\f\\r%s\\\"\\\\/"
	    "\x7F\xC3\xA9\"",
	    "\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007",
	    "\\u000e\\u000f\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016"
	    "\\u0017\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e"
	    "\\u001f");
	assert_encodes(cJSON_CreateString(raw), want);
	/* The lenient reader decodes every escape form, including \/ and
	 * \u for non-ASCII and uppercase hex; the output escapes minimally. */
	c = lax_canon("[\"\\/\\u00E9\\u001F\\ud83d\\ude00\\t\"]");
	ck_assert_str_eq(c, "[\"/\xC3\xA9\\u001f\xF0\x9F\x98\x80\\t\"]");
	free(c);
	c = lax_canon("\"\\b\\f\\n\\r\\t\\\"\\\\\\u0008\"");
	ck_assert_str_eq(c, "\"\\b\\f\\n\\r\\t\\\"\\\\\\b\"");
	free(c);
}
END_TEST

START_TEST(integers_and_range)
{
	char *c;

	assert_encodes(cJSON_CreateNumber(9007199254740991.0),
	    "9007199254740991");
	assert_encodes(cJSON_CreateNumber(-9007199254740991.0),
	    "-9007199254740991");
	assert_encodes(cJSON_CreateNumber(-0.0), "0");
	assert_encodes(cJSON_CreateNumber(1e15), "1000000000000000");
	assert_refused(cJSON_CreateNumber(9007199254740992.0), CUTRU_ERANGE,
	    "");
	assert_refused(cJSON_CreateNumber(-9007199254740992.0), CUTRU_ERANGE,
	    "");
	assert_refused(cJSON_CreateNumber(1e300), CUTRU_ERANGE, "");
	c = lax_canon("[0,-0,-1,123,9007199254740991,-9007199254740991]");
	ck_assert_str_eq(c, "[0,0,-1,123,9007199254740991,"
	    "-9007199254740991]");
	free(c);
	ck_assert_int_eq(PARSE("9007199254740992", 0), CUTRU_ERANGE);
	ck_assert_int_eq(PARSE("-9007199254740992", 0), CUTRU_ERANGE);
	ck_assert_int_eq(PARSE("123456789012345678901234567890", 0),
	    CUTRU_ERANGE);
	ck_assert_int_eq(PARSE("-0", CANON_REQUIRE_CANONICAL), CUTRU_EINVAL);
	ck_assert_int_eq(PARSE("-9007199254740991", CANON_REQUIRE_CANONICAL),
	    CUTRU_OK);
}
END_TEST

START_TEST(fractions_nan_infinity_refused)
{
	cJSON *o = cJSON_CreateObject(), *a = cJSON_CreateArray(), *m;

	assert_refused(cJSON_CreateNumber(1.5), CUTRU_EINVAL, "");
	assert_refused(cJSON_CreateNumber(NAN), CUTRU_EINVAL, "");
	assert_refused(cJSON_CreateNumber(INFINITY), CUTRU_EINVAL, "");
	assert_refused(cJSON_CreateNumber(-INFINITY), CUTRU_EINVAL, "");
	/* The error names the value by its path. */
	cJSON_AddItemToArray(a, cJSON_CreateObject());
	cJSON_AddItemToArray(a, cJSON_CreateObject());
	m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "name", "An");
	cJSON_AddNumberToObject(m, "dob", 0.25);
	cJSON_AddItemToArray(a, m);
	cJSON_AddItemToObject(o, "members", a);
	assert_refused(o, CUTRU_EINVAL, "members[2].dob");
	ck_assert_int_eq(PARSE("1.0", 0), CUTRU_EINVAL);
	ck_assert_int_eq(PARSE("1e3", 0), CUTRU_EINVAL);
	ck_assert_int_eq(PARSE("1E3", 0), CUTRU_EINVAL);
	ck_assert_int_eq(PARSE("0.5", 0), CUTRU_EINVAL);
	ck_assert_int_eq(PARSE(".5", 0), CUTRU_EINVAL);
	ck_assert_int_eq(PARSE("NaN", 0), CUTRU_EINVAL);
	ck_assert_int_eq(PARSE("Infinity", 0), CUTRU_EINVAL);
	ck_assert_int_eq(PARSE("+1", 0), CUTRU_EINVAL);
	ck_assert_int_eq(PARSE("01", 0), CUTRU_EINVAL);
	ck_assert_int_eq(PARSE("-", 0), CUTRU_EINVAL);
	ck_assert_int_eq(PARSE("-a", 0), CUTRU_EINVAL);
}
END_TEST

static char *
nest(int depth, const char *open, const char *close, const char *inner)
{
	size_t lo = strlen(open), lc = strlen(close), li = strlen(inner);
	char *s = malloc((size_t)depth * (lo + lc) + li + 1), *p = s;
	int i;

	for (i = 0; i < depth; i++, p += lo)
		memcpy(p, open, lo);
	memcpy(p, inner, li);
	p += li;
	for (i = 0; i < depth; i++, p += lc)
		memcpy(p, close, lc);
	*p = '\0';
	return s;
}

START_TEST(deep_nesting)
{
	struct cutru_err e;
	struct canon_limits lim = { 0, 0, 0, 4 };
	char path[256];
	char *s;
	cJSON *t = NULL, *inner;
	int i;

	s = nest(CANON_MAX_DEPTH, "[", "]", "1");
	ck_assert_int_eq(parse_rc(s, strlen(s), CANON_REQUIRE_CANONICAL),
	    CUTRU_OK);
	free(s);
	s = nest(CANON_MAX_DEPTH + 1, "[", "]", "1");
	ck_assert_int_eq(parse_rc(s, strlen(s), 0), CUTRU_ERANGE);
	free(s);
	s = nest(CANON_MAX_DEPTH + 1, "{\"a\":", "}", "{}");
	ck_assert_int_eq(parse_rc(s, strlen(s), 0), CUTRU_ERANGE);
	free(s);
	/* A hostile megabyte of brackets is refused without recursing. */
	s = nest(1000000, "[", "]", "");
	ck_assert_int_eq(parse_rc(s, strlen(s), 0), CUTRU_ERANGE);
	free(s);
	/* A caller may ask for less. */
	ck_assert_int_eq(canon_parse("[[[[1]]]]", 9, &lim, 0, NULL, &e),
	    CUTRU_OK);
	ck_assert_int_eq(canon_parse("[[[[[1]]]]]", 11, &lim, 0, NULL, &e),
	    CUTRU_ERANGE);
	/* The encoder has the same limit. */
	t = cJSON_CreateNumber(1);
	for (i = 0; i < CANON_MAX_DEPTH; i++) {
		inner = t;
		t = cJSON_CreateArray();
		cJSON_AddItemToArray(t, inner);
	}
	s = cJSON_PrintUnformatted(t);
	assert_encodes(cJSON_Duplicate(t, 1), s);
	free(s);
	inner = t;
	t = cJSON_CreateObject();
	cJSON_AddItemToObject(t, "deep", inner);
	/* The path to the 33rd level, cut to the size of e.field. */
	strcpy(path, "deep");
	for (i = 0; i < CANON_MAX_DEPTH - 1; i++)
		strcat(path, "[0]");
	path[CUTRU_ERR_FIELD_MAX - 1] = '\0';
	assert_refused(t, CUTRU_ERANGE, path);
}
END_TEST

START_TEST(megabyte_strings)
{
	struct cutru_err e;
	struct canon_limits lim = { 4u << 20, 1u << 20, 10, 0 };
	size_t n = 1u << 20, i, outlen;
	char *s = malloc(n + 1), *out = NULL, *doc;
	cJSON *o = cJSON_CreateObject(), *t = NULL;

	/* 1 MiB of "ễ" (3 bytes) and "a", in NFC. */
	for (i = 0; i + 4 <= n; i += 4)
		memcpy(s + i, "\xE1\xBB\x85" "a", 4);
	s[n] = '\0';
	cJSON_AddStringToObject(o, "big", s);
	ck_assert_int_eq(canon_encode(o, &out, &outlen, &e), CUTRU_OK);
	ck_assert_uint_eq(outlen, n + 10);
	ck_assert_int_eq(canon_parse(out, outlen, &lim,
	    CANON_REQUIRE_CANONICAL, &t, &e), CUTRU_OK);
	ck_assert_str_eq(cJSON_GetObjectItem(t, "big")->valuestring, s);
	cJSON_Delete(t);
	/* One byte over the string cap, or over the size cap, is refused. */
	lim.max_string = n - 1;
	ck_assert_int_eq(canon_parse(out, outlen, &lim, 0, NULL, &e),
	    CUTRU_ERANGE);
	lim.max_string = 0;
	lim.max_bytes = outlen - 1;
	ck_assert_int_eq(canon_parse(out, outlen, &lim, 0, NULL, &e),
	    CUTRU_ERANGE);
	free(out);
	/* A megabyte of NFD is normalised. */
	doc = malloc(n + 3);
	doc[0] = '"';
	for (i = 1; i + 3 <= n + 1; i += 3)
		memcpy(doc + i, "e\xCC\x81", 3);
	doc[i] = '"';
	ck_assert_int_eq(canon_parse(doc, i + 1, NULL, 0, &t, &e), CUTRU_OK);
	ck_assert_uint_eq(strlen(t->valuestring), (i - 1) / 3 * 2);
	ck_assert_int_eq(canon_parse(doc, i + 1, NULL,
	    CANON_REQUIRE_CANONICAL, NULL, &e), CUTRU_EINVAL);
	cJSON_Delete(t);
	free(doc);
	free(s);
	cJSON_Delete(o);
}
END_TEST

START_TEST(invalid_utf8_refused)
{
	static const char *const bad[] = {
		"\xC0\xAF",             /* overlong "/" */
		"\xC1\xBF",             /* overlong */
		"\xE0\x80\xAF",         /* overlong 3-byte */
		"\xE0\x9F\xBF",         /* overlong 3-byte, top */
		"\xF0\x80\x80\xAF",     /* overlong 4-byte */
		"\xF0\x8F\xBF\xBF",     /* overlong 4-byte, top */
		"\xED\xA0\x80",         /* surrogate D800 */
		"\xED\xBF\xBF",         /* surrogate DFFF */
		"\xF4\x90\x80\x80",     /* above U+10FFFF */
		"\xF5\x80\x80\x80",
		"\xFF",
		"\x80",                 /* lone continuation */
		"a\xE1\xBA",            /* truncated at the end */
		"\xE1\xBA" "a",         /* truncated in the middle */
		"\xC3" "a",
		"\xE1\xC3\xA9",
		"\xF0\x90\x80" "a",
	};
	static const char *const good[] = {
		"\xC2\x80", "\xDF\xBF", "\xE0\xA0\x80", "\xED\x9F\xBF",
		"\xEE\x80\x80", "\xEF\xBF\xBF", "\xF0\x90\x80\x80",
		"\xF4\x8F\xBF\xBF", "\x7F",
	};
	char doc[32];
	size_t i;
	cJSON *o;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_refused(cJSON_CreateString(bad[i]), CUTRU_EINVAL, "");
		o = cJSON_CreateObject();
		cJSON_AddNullToObject(o, bad[i]);
		assert_refused(o, CUTRU_EINVAL, "");
		snprintf(doc, sizeof doc, "\"%s\"", bad[i]);
		ck_assert_msg(parse_rc(doc, strlen(doc), 0) == CUTRU_EINVAL,
		    "bad sequence %zu accepted", i);
		snprintf(doc, sizeof doc, "{\"%s\":1}", bad[i]);
		ck_assert_int_eq(parse_rc(doc, strlen(doc), 0), CUTRU_EINVAL);
	}
	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		snprintf(doc, sizeof doc, "\"%s\"", good[i]);
		ck_assert_msg(parse_rc(doc, strlen(doc), 0) == CUTRU_OK,
		    "good sequence %zu refused", i);
		assert_encodes(cJSON_CreateString(good[i]), doc);
	}
}
END_TEST

START_TEST(nul_bytes_refused)
{
	struct cutru_err e;

	ck_assert_int_eq(PARSE("{\"a\":\"x\0y\"}", 0), CUTRU_EINVAL);
	ck_assert_int_eq(PARSE("{}\0", 0), CUTRU_EINVAL);
	ck_assert_int_eq(canon_parse("{}\0", 3, NULL, 0, NULL, &e),
	    CUTRU_EINVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "byte 2"));
	ck_assert_int_eq(PARSE("\"\\u0000\"", 0), CUTRU_EINVAL);
	ck_assert_int_eq(PARSE("{\"\\u0000\":1}", 0), CUTRU_EINVAL);
}
END_TEST

START_TEST(surrogate_escapes)
{
	ck_assert_int_eq(PARSE("\"\\ud83d\\ude00\"", 0), CUTRU_OK);
	ck_assert_int_eq(PARSE("\"\\uD83D\\uDE00\"", 0), CUTRU_OK);
	ck_assert_int_eq(PARSE("\"\\ud83d\"", 0), CUTRU_EINVAL);
	ck_assert_int_eq(PARSE("\"\\ud83dx\"", 0), CUTRU_EINVAL);
	ck_assert_int_eq(PARSE("\"\\ud83d\\u0041\"", 0), CUTRU_EINVAL);
	ck_assert_int_eq(PARSE("\"\\ud83d\\ud83d\"", 0), CUTRU_EINVAL);
	ck_assert_int_eq(PARSE("\"\\ude00\"", 0), CUTRU_EINVAL);
	ck_assert_int_eq(PARSE("\"\\u12\"", 0), CUTRU_EINVAL);
	ck_assert_int_eq(PARSE("\"\\u12g4\"", 0), CUTRU_EINVAL);
	ck_assert_int_eq(PARSE("\"\\u", 0), CUTRU_EINVAL);
}
END_TEST

START_TEST(syntax_errors)
{
	static const char *const bad[] = {
		"", " ", "{", "[", "}", "{\"a\" 1}", "{\"a\":1,}", "[1,]",
		"[1 2]", "{\"a\":1 \"b\":2}", "{a:1}", "{1:1}", "tru", "nul",
		"True", "\"abc", "\"\\x\"", "\"a\\", "\"tab\there\"",
		"\"nl\nhere\"", "'a'", "[1]]", "{} x", "{}{}", "[,1]",
		"{\"a\":}", "{\"a\"", "{\"a\":1", "[1", "\xEF\xBB\xBF{}",
		"/* c */ {}",
	};
	size_t i;
	struct cutru_err e;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(parse_rc(bad[i], strlen(bad[i]), 0) ==
		    CUTRU_EINVAL, "\"%s\" accepted", bad[i]);
	ck_assert_int_eq(canon_parse(NULL, 0, NULL, 0, NULL, &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(PARSE("  true  ", 0), CUTRU_OK);
	ck_assert_int_eq(PARSE("\"\"", CANON_REQUIRE_CANONICAL), CUTRU_OK);
	ck_assert_int_eq(PARSE("null", CANON_REQUIRE_CANONICAL), CUTRU_OK);
	ck_assert_int_eq(PARSE("false", CANON_REQUIRE_CANONICAL), CUTRU_OK);
	ck_assert_int_eq(PARSE("{\"a\":{},\"b\":[]}", CANON_REQUIRE_CANONICAL),
	    CUTRU_OK);
}
END_TEST

START_TEST(canonical_required)
{
	struct cutru_err e;
	static const char *const noncanon[] = {
		" {}", "{} ", "{\"b\":1,\"a\":2}", "{\"a\": 1}", "[1, 2]",
		"\"\\/\"", "\"\\u00e9\"", "\"\\u001F\"", "\"\\u0009\"",
		"\"e\xCC\x81\"", "{\"ab\":1,\"a\":2}", "\n[]",
	};
	static const char *const canon[] = {
		"{\"a\":2,\"ab\":1,\"b\":1}", "\"\\u001f\"", "\"\\t\"",
		"\"\xC3\xA9/\"", "[1,-2,[],{}]", "\"\\\"\\\\\"",
	};
	size_t i;

	for (i = 0; i < sizeof noncanon / sizeof noncanon[0]; i++) {
		ck_assert_int_eq(parse_rc(noncanon[i], strlen(noncanon[i]), 0),
		    CUTRU_OK);
		ck_assert_msg(parse_rc(noncanon[i], strlen(noncanon[i]),
		    CANON_REQUIRE_CANONICAL) == CUTRU_EINVAL,
		    "%s accepted as canonical", noncanon[i]);
	}
	for (i = 0; i < sizeof canon / sizeof canon[0]; i++)
		ck_assert_msg(parse_rc(canon[i], strlen(canon[i]),
		    CANON_REQUIRE_CANONICAL) == CUTRU_OK,
		    "%s refused as canonical", canon[i]);
	ck_assert_int_eq(canon_parse("{\"b\":1,\"a\":2}", 13, NULL,
	    CANON_REQUIRE_CANONICAL, NULL, &e), CUTRU_EINVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "byte 2"));
}
END_TEST

START_TEST(limits)
{
	struct cutru_err e;
	struct canon_limits lim = { 0, 0, 3, 0 };

	ck_assert_int_eq(canon_parse("[1,2]", 5, &lim, 0, NULL, &e), CUTRU_OK);
	ck_assert_int_eq(canon_parse("[1,2,3]", 7, &lim, 0, NULL, &e),
	    CUTRU_ERANGE);
	lim.max_nodes = 0;
	lim.max_string = 3;
	ck_assert_int_eq(canon_parse("{\"abc\":\"def\"}", 13, &lim, 0, NULL,
	    &e), CUTRU_OK);
	ck_assert_int_eq(canon_parse("{\"abcd\":1}", 10, &lim, 0, NULL, &e),
	    CUTRU_ERANGE);
	/* The cap counts decoded bytes, escapes included. */
	ck_assert_int_eq(canon_parse("\"\\u00e9\\u00e9\"", 14, &lim, 0, NULL,
	    &e), CUTRU_ERANGE);
	lim.max_string = 0;
	lim.max_bytes = 4;
	ck_assert_int_eq(canon_parse("true", 4, &lim, 0, NULL, &e), CUTRU_OK);
	ck_assert_int_eq(canon_parse("false", 5, &lim, 0, NULL, &e),
	    CUTRU_ERANGE);
	ck_assert_int_eq(e.code, CUTRU_ERANGE);
}
END_TEST

START_TEST(odd_trees_refused)
{
	cJSON *s, *o;

	assert_refused(NULL, CUTRU_EINVAL, "");
	assert_refused(cJSON_CreateRaw("1.5"), CUTRU_EINVAL, "");
	s = cJSON_CreateString("x");
	free(s->valuestring);
	s->valuestring = NULL;
	assert_refused(s, CUTRU_EINVAL, "");
	/* An array member with a name is fine (cJSON ignores it); an object
	 * member without one is not. */
	o = cJSON_CreateObject();
	s = cJSON_CreateNumber(1);
	cJSON_AddItemToArray(o, s);
	assert_refused(o, CUTRU_EINVAL, "");
	/* A long path is cut, not overflowed. */
	o = cJSON_CreateObject();
	s = cJSON_AddObjectToObject(o,
	    "a_rather_long_member_name_to_fill_the_error_field_with");
	s = cJSON_AddObjectToObject(s,
	    "another_rather_long_member_name_that_does_not_fit_anywhere_at_all"
	    "_in_the_path_buffer_of_the_encoder_because_it_is_very_long");
	cJSON_AddNumberToObject(s, "x", 0.5);
	assert_refused(o, CUTRU_EINVAL,
	    "a_rather_long_member_name_to_fill_the_error_fie");
}
END_TEST

START_TEST(round_trip_of_mixed_document)
{
	const char *doc = "{\"applicant\":{\"dob\":\"1990-05-01\","
	    "\"name\":\"Tr\xE1\xBA\xA7n Th\xE1\xBB\x8B Hoa\",\"sex\":\"F\"},"
	    "\"flags\":[true,false,null],\"n\":-42,\"note\":\"line1\\nline2\","
	    "\"procedure\":\"temporary.register\"}";
	struct cutru_err e;
	cJSON *t = NULL;
	char *out = NULL;
	size_t n;

	ck_assert_int_eq(canon_parse(doc, strlen(doc), NULL,
	    CANON_REQUIRE_CANONICAL, &t, &e), CUTRU_OK);
	ck_assert_int_eq(cJSON_GetObjectItem(t, "n")->valueint, -42);
	ck_assert_int_eq(canon_encode(t, &out, &n, &e), CUTRU_OK);
	ck_assert_str_eq(out, doc);
	free(out);
	cJSON_Delete(t);
}
END_TEST


START_TEST(append_joins_encodings)
{
	struct canon_buf b = { NULL, 0, 0 };
	struct cutru_err e;
	cJSON *t;
	int norm = -1, i;

	/* Appended bytes are canon_encode()'s, one value after another. */
	t = cJSON_Parse("{\"b\":[1,true,null],\"a\":\"x\\u0001\\\"y\"}");
	ck_assert_int_eq(canon_encode_append(t, &b, &norm, &e), CUTRU_OK);
	ck_assert_int_eq(norm, 0);
	ck_assert_int_eq(canon_encode_append(t, &b, NULL, &e), CUTRU_OK);
	ck_assert_uint_eq(b.len, 2 * strlen("{\"a\":\"x\\u0001\\\"y\","
	    "\"b\":[1,true,null]}"));
	ck_assert(memcmp(b.p, "{\"a\":\"x\\u0001\\\"y\",\"b\":[1,true,null]}"
	    "{\"a\":\"x\\u0001\\\"y\",\"b\":[1,true,null]}", b.len) == 0);
	cJSON_Delete(t);
	/* NFD text is written in NFC, and the caller is told. */
	t = cJSON_CreateString("Hue\xcc\x82\xcc\x81");
	ck_assert_int_eq(canon_encode_append(t, &b, &norm, &e), CUTRU_OK);
	ck_assert_int_eq(norm, 1);
	ck_assert(memcmp(b.p + b.len - 7, "\"Hu\xe1\xba\xbf\"", 7) == 0);
	cJSON_Delete(t);
	/* A refused value leaves the buffer as it was, deep inside too;
	 * the path names it. */
	i = (int)b.len;
	t = cJSON_Parse("{\"k\":[\"ok\",{\"x\":0.5}]}");
	ck_assert_int_eq(canon_encode_append(t, &b, &norm, &e), CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "k[1].x");
	ck_assert_uint_eq(b.len, (size_t)i);
	cJSON_Delete(t);
	ck_assert_int_eq(canon_encode_append(NULL, &b, NULL, &e),
	    CUTRU_EINVAL);
	ck_assert_int_eq(canon_encode_append(t, NULL, NULL, &e),
	    CUTRU_EINVAL);
	/* Many small values: the buffer grows as needed. */
	t = cJSON_CreateString("\"\\\n");
	for (i = 0; i < 10000; i++)
		ck_assert_int_eq(canon_encode_append(t, &b, NULL, &e),
		    CUTRU_OK);
	ck_assert(memcmp(b.p + b.len - 8, "\"\\\"\\\\\\n\"", 8) == 0);
	cJSON_Delete(t);
	canon_buf_free(&b);
	ck_assert_ptr_null(b.p);
	ck_assert_uint_eq(b.len, 0);
	canon_buf_free(NULL);
}
END_TEST

/* Text of Latin letters (precomposed Vietnamese included) skips ICU in
 * the encoder; text with combining marks or other scripts does not.
 * Either way the encoding is the NFC form that ICU gives, and the
 * "normalised" flag says whether it differed. */
START_TEST(latin_text_is_nfc_as_icu_says)
{
	static const char *const piece[] = { "a", "Z", " ", "\xc3\xa0",
		"\xc4\x90", "\xc6\xb0", "\xc6\xa1", "\xe1\xba\xa1",
		"\xe1\xbb\x87", "\xe1\xbb\xb9", "\xcc\x81", "\xcc\x83",
		"e\xcc\x82", "\xe2\x82\xac", "\xcb\x86", "\xef\xac\x81",
		"\xea\xb0\x80", "\xe1\x84\x80\xe1\x85\xa1" };
	const size_t npiece = sizeof piece / sizeof piece[0];
	char in[128], want[300];
	UChar src[128], nfc[256];
	struct canon_buf b = { NULL, 0, 0 };
	struct cutru_err e;
	unsigned seed = 777;
	int32_t n, m, olen;
	int i, k, normalised;
	cJSON *v;

	for (i = 0; i < 5000; i++) {
		UErrorCode st = U_ZERO_ERROR;

		in[0] = '\0';
		for (k = (int)((seed >> 16) % 10); k >= 0; k--) {
			seed = seed * 1103515245u + 12345u;
			strcat(in, piece[(seed >> 16) % npiece]);
		}
		u_strFromUTF8(src, 128, &n, in, -1, &st);
		m = unorm2_normalize(unorm2_getNFCInstance(&st), src, n, nfc,
		    256, &st);
		want[0] = '"';
		u_strToUTF8(want + 1, (int32_t)sizeof want - 3, &olen, nfc, m,
		    &st);
		ck_assert(U_SUCCESS(st));
		want[olen + 1] = '"';
		want[olen + 2] = '\0';
		v = cJSON_CreateString(in);
		b.len = 0;
		normalised = -1;
		ck_assert_int_eq(canon_encode_append(v, &b, &normalised, &e),
		    CUTRU_OK);
		ck_assert_uint_eq(b.len, strlen(want));
		ck_assert_msg(memcmp(b.p, want, b.len) == 0, "%s", in);
		ck_assert_int_eq(normalised, (size_t)olen != strlen(in) ||
		    memcmp(want + 1, in, strlen(in)) != 0);
		cJSON_Delete(v);
	}
	canon_buf_free(&b);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("canon");
	TCase *tc = tcase_create("canon");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, sorted_nested_no_white_space);
	tcase_add_test(tc, same_object_same_bytes_whatever_the_order);
	tcase_add_test(tc, keys_sorted_by_utf8_bytes);
	tcase_add_test(tc, nfd_becomes_nfc);
	tcase_add_test(tc, duplicate_after_nfc_refused);
	tcase_add_test(tc, duplicate_keys_refused);
	tcase_add_test(tc, escapes_are_minimal);
	tcase_add_test(tc, integers_and_range);
	tcase_add_test(tc, fractions_nan_infinity_refused);
	tcase_add_test(tc, deep_nesting);
	tcase_add_test(tc, megabyte_strings);
	tcase_add_test(tc, invalid_utf8_refused);
	tcase_add_test(tc, nul_bytes_refused);
	tcase_add_test(tc, surrogate_escapes);
	tcase_add_test(tc, syntax_errors);
	tcase_add_test(tc, canonical_required);
	tcase_add_test(tc, limits);
	tcase_add_test(tc, odd_trees_refused);
	tcase_add_test(tc, round_trip_of_mixed_document);
	tcase_add_test(tc, append_joins_encodings);
	tcase_add_test(tc, latin_text_is_nfc_as_icu_says);
	suite_add_tcase(s, tc);
	return s;
}
