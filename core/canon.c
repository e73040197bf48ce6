/* Canonical JSON: encoder and strict parser.  The format and its rules are
 * written down in canon.h; this file keeps to them.
 *
 * Two invariants hold the design together:
 *   1. canon_encode() is a pure function of the tree's meaning: member order,
 *      the Unicode normalisation form of the text and the way cJSON stored a
 *      number do not change its output.
 *   2. canon_parse() never returns a tree that canon_encode() would refuse:
 *      it finishes every parse by encoding the tree, which both validates the
 *      parts a grammar cannot see (duplicate keys after NFC) and gives the
 *      bytes a CANON_REQUIRE_CANONICAL caller compares with its input.
 * Text is NFC-normalised with ICU; ICU works on UTF-16, so a string goes
 * through UTF-16 only when it holds a byte above 0x7F (pure ASCII is NFC). */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/unorm2.h>
#include <unicode/ustring.h>

#include "core/canon.h"
#include "core/i18n.h"
#include "core/utf8.h"

static int
cbuf_reserve(struct canon_buf *b, size_t n)
{
	size_t want;
	char *np;

	if (n <= b->cap - b->len)
		return CUTRU_OK;
	want = b->cap != 0 ? b->cap : 256;
	while (want - b->len < n) {
		if (want > SIZE_MAX / 2)
			return CUTRU_ENOMEM;
		want *= 2;
	}
	np = realloc(b->p, want);
	if (np == NULL)
		return CUTRU_ENOMEM;
	b->p = np;
	b->cap = want;
	return CUTRU_OK;
}

int
canon_buf_put(struct canon_buf *b, const void *s, size_t n)
{
	if (n == 0)
		return CUTRU_OK;
	if (cbuf_reserve(b, n) != CUTRU_OK)
		return CUTRU_ENOMEM;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	return CUTRU_OK;
}

int
canon_buf_putc(struct canon_buf *b, char c)
{
	return canon_buf_put(b, &c, 1);
}

/* Offset of the first byte of s[0..len) that does not start a well-formed
 * UTF-8 sequence (core/utf8.h owns the definition), or len if all of it is
 * well formed.  Control characters are text here; NUL cannot occur in a C
 * string. */
static size_t
utf8_bad_offset(const char *s, size_t len)
{
	struct utf8_fault_at at;

	if (utf8_check(s, len, UTF8_ALLOW_TAB | UTF8_ALLOW_NEWLINE |
	    UTF8_ALLOW_CONTROLS, &at) == UTF8_VALID)
		return len;
	return at.offset;
}

/* If the well-formed UTF-8 string s (len bytes) is not in NFC, set *out to
 * a malloc'd NUL-terminated NFC copy and *outlen to its length; if it is,
 * set *out to NULL.  Returns CUTRU_OK, CUTRU_ENOMEM, CUTRU_ERANGE (too long
 * for ICU's 32-bit lengths) or CUTRU_EINTERNAL (ICU refused). */
static int
nfc_utf8(const char *s, size_t len, char **out, size_t *outlen)
{
	const UNormalizer2 *nfc;
	UErrorCode st = U_ZERO_ERROR;
	UChar ushort[256], *u = NULL, *n = NULL;
	int32_t ulen = 0, nlen = 0, olen = 0;
	char *o = NULL;
	size_t i;
	int rc;

	*out = NULL;
	*outlen = 0;
	/* Text made only of characters below U+0300 and of U+1E00..U+1EFF
	 * (Vietnamese letters, precomposed) is NFC as it stands: each has
	 * NFC quick check Yes and combining class 0 (core/utf8.c says the
	 * same of utf8_clean_line()).  Only well-formed sequences count. */
	for (i = 0; i < len;) {
		const unsigned char *q = (const unsigned char *)s + i;

		if (q[0] < 0x80)
			i++;
		else if (q[0] >= 0xC2 && q[0] < 0xCC && i + 1 < len &&
		    (q[1] & 0xC0) == 0x80)
			i += 2;
		else if (q[0] == 0xE1 && i + 2 < len && q[1] >= 0xB8 &&
		    q[1] <= 0xBB && (q[2] & 0xC0) == 0x80)
			i += 3;
		else
			break;
	}
	if (i == len)
		return CUTRU_OK;
	if (len >= INT32_MAX / 4)
		return CUTRU_ERANGE;
	nfc = unorm2_getNFCInstance(&st);
	if (U_FAILURE(st))
		return CUTRU_EINTERNAL;
	/* A UTF-16 string is never longer, in units, than the UTF-8 bytes;
	 * short ones (names, addresses: nearly all) stay on the stack. */
	if (len < sizeof ushort / sizeof ushort[0])
		u = ushort;
	else if ((u = malloc(((size_t)len + 1) * sizeof *u)) == NULL)
		return CUTRU_ENOMEM;
	u_strFromUTF8(u, (int32_t)len + 1, &ulen, s, (int32_t)len, &st);
	if (U_FAILURE(st)) {
		rc = CUTRU_EINTERNAL;
		goto done;
	}
	if (unorm2_isNormalized(nfc, u, ulen, &st) && U_SUCCESS(st)) {
		rc = CUTRU_OK;
		goto done;
	}
	if (U_FAILURE(st)) {
		rc = CUTRU_EINTERNAL;
		goto done;
	}
	nlen = unorm2_normalize(nfc, u, ulen, NULL, 0, &st);
	if (st != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(st)) {
		rc = CUTRU_EINTERNAL;
		goto done;
	}
	st = U_ZERO_ERROR;
	n = malloc(((size_t)nlen + 1) * sizeof *n);
	if (n == NULL) {
		rc = CUTRU_ENOMEM;
		goto done;
	}
	unorm2_normalize(nfc, u, ulen, n, nlen + 1, &st);
	if (U_FAILURE(st)) {
		rc = CUTRU_EINTERNAL;
		goto done;
	}
	u_strToUTF8(NULL, 0, &olen, n, nlen, &st);
	if (st != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(st)) {
		rc = CUTRU_EINTERNAL;
		goto done;
	}
	st = U_ZERO_ERROR;
	o = malloc((size_t)olen + 1);
	if (o == NULL) {
		rc = CUTRU_ENOMEM;
		goto done;
	}
	u_strToUTF8(o, olen + 1, NULL, n, nlen, &st);
	if (U_FAILURE(st)) {
		free(o);
		o = NULL;
		rc = CUTRU_EINTERNAL;
		goto done;
	}
	o[olen] = '\0';
	*out = o;
	*outlen = (size_t)olen;
	rc = CUTRU_OK;
done:
	if (u != ushort)
		free(u);
	free(n);
	return rc;
}

/* ---- Encoder ---- */

/* Where the encoder is: one frame per container entered, a member's key
 * or an element's index.  The path string ("members[2].dob") is only
 * written when something fails (enc_fail()): formatting it for every value
 * cost more than the encoding itself. */
struct enc_frame {
	const char *key;    /* NULL: an array element */
	int index;
};

struct enc {
	struct canon_buf b;
	struct enc_frame frame[CANON_MAX_DEPTH + 2];
	int nframes;
	int normalised;     /* a text was not in NFC (canon_encode_append) */
	struct cutru_err *e;
};

static void
enc_path_push(struct enc *st, const char *key, int index)
{
	/* Containers nest at most CANON_MAX_DEPTH deep (enc_value() checks
	 * before it enters one), so the frames cannot run out. */
	st->frame[st->nframes].key = key;
	st->frame[st->nframes].index = index;
	st->nframes++;
}

static void
enc_path_pop(struct enc *st)
{
	st->nframes--;
}

/* The path of the value being encoded, into buf (size bytes): a segment
 * too long for what is left of the buffer is left out; the path is only
 * for messages. */
static void
enc_path(const struct enc *st, char *buf, size_t size)
{
	size_t len = 0, room;
	int i, n;

	buf[0] = '\0';
	for (i = 0; i < st->nframes; i++) {
		room = size - len;
		if (st->frame[i].key != NULL)
			n = snprintf(buf + len, room, "%s%s",
			    len != 0 ? "." : "", st->frame[i].key);
		else
			n = snprintf(buf + len, room, "[%d]",
			    st->frame[i].index);
		if (n < 0 || (size_t)n >= room) {
			buf[len] = '\0';
			continue;
		}
		len += (size_t)n;
	}
}

static int
enc_fail(struct enc *st, int code, const char *what)
{
	char path[128];

	enc_path(st, path, sizeof path);
	if (code == CUTRU_ENOMEM)
		return cutru_err_set(st->e, code, path,
		    _("Out of memory while encoding a document."));
	if (code == CUTRU_EINTERNAL)
		return cutru_err_set(st->e, code, path,
		    _("The Unicode library could not normalise a text."));
	return cutru_err_set(st->e, code, path, "%s", what);
}

/* Escape s (len bytes, well-formed NFC UTF-8) between quotes.  Most text
 * needs no escape: room is made for it and the quotes at once, and the
 * bytes are copied one by one; an escape makes room for itself and the
 * rest. */
static int
enc_escaped(struct canon_buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char c;
	size_t i;
	char *o;

	if (cbuf_reserve(b, len + 2) != CUTRU_OK)
		return CUTRU_ENOMEM;
	o = b->p + b->len;
	*o++ = '"';
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\') {
			*o++ = (char)c;
			continue;
		}
		b->len = (size_t)(o - b->p);
		/* The escape (at most 6 bytes), the rest, the quote. */
		if (cbuf_reserve(b, 6 + (len - i)) != CUTRU_OK)
			return CUTRU_ENOMEM;
		o = b->p + b->len;
		*o++ = '\\';
		switch (c) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '\b': *o++ = 'b'; break;
		case '\t': *o++ = 't'; break;
		case '\n': *o++ = 'n'; break;
		case '\f': *o++ = 'f'; break;
		case '\r': *o++ = 'r'; break;
		default:
			*o++ = 'u';
			*o++ = '0';
			*o++ = '0';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 0xF];
			break;
		}
	}
	*o++ = '"';
	b->len = (size_t)(o - b->p);
	return CUTRU_OK;
}

/* Check s is UTF-8 and give its NFC form: *norm is s itself or a malloc'd
 * copy in *owned (free it after use). */
static int
enc_text(struct enc *st, const char *s, const char **norm, size_t *normlen,
    char **owned, int is_key)
{
	size_t len = strlen(s), bad;
	char msg[CUTRU_ERR_MSG_MAX];
	int rc;

	*owned = NULL;
	/* ASCII (keys, numbers, dates, codes: most values) is well-formed
	 * UTF-8 and NFC as it stands. */
	for (bad = 0; bad < len && (unsigned char)s[bad] < 0x80; bad++)
		;
	if (bad == len) {
		*norm = s;
		*normlen = len;
		return CUTRU_OK;
	}
	bad = utf8_bad_offset(s, len);
	if (bad != len) {
		if (is_key)
			snprintf(msg, sizeof msg,
			    _("A member name contains bytes that are not "
			    "valid UTF-8 (at byte %zu)."), bad);
		else
			snprintf(msg, sizeof msg,
			    _("This text contains bytes that are not valid "
			    "UTF-8 (at byte %zu)."), bad);
		return enc_fail(st, CUTRU_EINVAL, msg);
	}
	rc = nfc_utf8(s, len, owned, normlen);
	if (rc != CUTRU_OK)
		return enc_fail(st, rc,
		    _("This text is too long to be normalised."));
	if (*owned != NULL) {
		*norm = *owned;
		st->normalised = 1;
	} else {
		*norm = s;
		*normlen = len;
	}
	return CUTRU_OK;
}

struct member {
	const char *key;    /* NFC */
	size_t klen;
	char *owned;        /* key's storage when NFC changed it */
	const cJSON *v;
};

static int
member_cmp(const void *pa, const void *pb)
{
	const struct member *a = pa, *b = pb;
	size_t n = a->klen < b->klen ? a->klen : b->klen;
	int c = memcmp(a->key, b->key, n);

	if (c != 0)
		return c;
	return (a->klen > b->klen) - (a->klen < b->klen);
}

static int enc_value(struct enc *st, const cJSON *item, int depth);

static int
enc_object(struct enc *st, const cJSON *obj, int depth)
{
	struct member few[16], *m = few;
	const cJSON *c;
	size_t n = 0, i;
	char msg[CUTRU_ERR_MSG_MAX];
	int rc;

	for (c = obj->child; c != NULL; c = c->next)
		n++;
	/* The objects of events and requests have a handful of members. */
	if (n > sizeof few / sizeof few[0]) {
		m = calloc(n, sizeof *m);
		if (m == NULL)
			return enc_fail(st, CUTRU_ENOMEM, NULL);
	} else
		memset(few, 0, n * sizeof few[0]);
	for (i = 0, c = obj->child; c != NULL; c = c->next, i++) {
		m[i].v = c;
		if (c->string == NULL) {
			rc = enc_fail(st, CUTRU_EINVAL,
			    _("An object member has no name."));
			goto done;
		}
		rc = enc_text(st, c->string, &m[i].key, &m[i].klen,
		    &m[i].owned, 1);
		if (rc != CUTRU_OK)
			goto done;
	}
	/* Insertion sort for the small objects of events and requests
	 * (qsort() would allocate); qsort() for large ones, which may come
	 * from outside. */
	if (m != few)
		qsort(m, n, sizeof *m, member_cmp);
	else {
		for (i = 1; i < n; i++) {
			struct member t = m[i];
			size_t j;

			for (j = i; j > 0 && member_cmp(&m[j - 1], &t) > 0;
			    j--)
				m[j] = m[j - 1];
			m[j] = t;
		}
	}
	for (i = 1; i < n; i++) {
		if (member_cmp(&m[i - 1], &m[i]) == 0) {
			snprintf(msg, sizeof msg,
			    _("The name \"%.60s\" appears twice in one object; "
			    "each name may appear only once."), m[i].key);
			rc = enc_fail(st, CUTRU_EINVAL, msg);
			goto done;
		}
	}
	if ((rc = canon_buf_putc(&st->b, '{')) != CUTRU_OK) {
		rc = enc_fail(st, rc, NULL);
		goto done;
	}
	for (i = 0; i < n; i++) {
		if ((i != 0 && canon_buf_putc(&st->b, ',') != CUTRU_OK) ||
		    enc_escaped(&st->b, m[i].key, m[i].klen) != CUTRU_OK ||
		    canon_buf_putc(&st->b, ':') != CUTRU_OK) {
			rc = enc_fail(st, CUTRU_ENOMEM, NULL);
			goto done;
		}
		enc_path_push(st, m[i].key, 0);
		rc = enc_value(st, m[i].v, depth);
		if (rc != CUTRU_OK)
			goto done;
		enc_path_pop(st);
	}
	if ((rc = canon_buf_putc(&st->b, '}')) != CUTRU_OK)
		rc = enc_fail(st, rc, NULL);
done:
	for (i = 0; i < n; i++)
		free(m[i].owned);
	if (m != few)
		free(m);
	return rc;
}

static int
enc_number(struct enc *st, double d)
{
	char num[32];
	int n;

	if (!isfinite(d) || d != floor(d))
		return enc_fail(st, CUTRU_EINVAL,
		    _("Only whole numbers are allowed here, without a "
		    "fraction or exponent."));
	if (d > (double)CANON_INT_MAX || d < (double)CANON_INT_MIN)
		return enc_fail(st, CUTRU_ERANGE,
		    _("This number is too large: whole numbers must lie "
		    "between -9007199254740991 and 9007199254740991."));
	n = snprintf(num, sizeof num, "%lld", (long long)d);
	if (canon_buf_put(&st->b, num, (size_t)n) != CUTRU_OK)
		return enc_fail(st, CUTRU_ENOMEM, NULL);
	return CUTRU_OK;
}

static int
enc_value(struct enc *st, const cJSON *item, int depth)
{
	const cJSON *c;
	const char *norm;
	char *owned = NULL;
	size_t normlen;
	char msg[CUTRU_ERR_MSG_MAX];
	int rc, i;

	if (item == NULL)
		return enc_fail(st, CUTRU_EINVAL, _("A value is missing."));
	switch (item->type & 0xFF) {
	case cJSON_NULL:
		rc = canon_buf_put(&st->b, "null", 4);
		break;
	case cJSON_True:
		rc = canon_buf_put(&st->b, "true", 4);
		break;
	case cJSON_False:
		rc = canon_buf_put(&st->b, "false", 5);
		break;
	case cJSON_Number:
		return enc_number(st, item->valuedouble);
	case cJSON_String:
		if (item->valuestring == NULL)
			return enc_fail(st, CUTRU_EINVAL,
			    _("A text value is missing its text."));
		rc = enc_text(st, item->valuestring, &norm, &normlen, &owned,
		    0);
		if (rc != CUTRU_OK)
			return rc;
		rc = enc_escaped(&st->b, norm, normlen);
		free(owned);
		break;
	case cJSON_Array:
	case cJSON_Object:
		if (depth >= CANON_MAX_DEPTH) {
			snprintf(msg, sizeof msg,
			    _("The document is nested more than %d levels "
			    "deep."), CANON_MAX_DEPTH);
			return enc_fail(st, CUTRU_ERANGE, msg);
		}
		if ((item->type & 0xFF) == cJSON_Object)
			return enc_object(st, item, depth + 1);
		if (canon_buf_putc(&st->b, '[') != CUTRU_OK)
			return enc_fail(st, CUTRU_ENOMEM, NULL);
		for (i = 0, c = item->child; c != NULL; c = c->next, i++) {
			if (i != 0 && canon_buf_putc(&st->b, ',') != CUTRU_OK)
				return enc_fail(st, CUTRU_ENOMEM, NULL);
			enc_path_push(st, NULL, i);
			rc = enc_value(st, c, depth + 1);
			if (rc != CUTRU_OK)
				return rc;
			enc_path_pop(st);
		}
		rc = canon_buf_putc(&st->b, ']');
		break;
	default:
		return enc_fail(st, CUTRU_EINVAL,
		    _("This value is not plain JSON (raw or invalid node)."));
	}
	if (rc != CUTRU_OK)
		return enc_fail(st, rc, NULL);
	return CUTRU_OK;
}

int
canon_encode(const cJSON *item, char **out, size_t *outlen,
    struct cutru_err *e)
{
	struct enc st;
	int rc;

	memset(&st, 0, sizeof st);
	st.e = e;
	*out = NULL;
	*outlen = 0;
	rc = enc_value(&st, item, 0);
	if (rc == CUTRU_OK && canon_buf_putc(&st.b, '\0') != CUTRU_OK)
		rc = enc_fail(&st, CUTRU_ENOMEM, NULL);
	if (rc != CUTRU_OK) {
		free(st.b.p);
		return rc;
	}
	*out = st.b.p;
	*outlen = st.b.len - 1;
	return CUTRU_OK;
}

int
canon_encode_append(const cJSON *item, struct canon_buf *out,
    int *normalised, struct cutru_err *e)
{
	struct enc st;
	size_t len0;
	int rc;

	if (normalised != NULL)
		*normalised = 0;
	if (out == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("Nowhere to write the document."));
	memset(&st, 0, sizeof st);
	st.e = e;
	st.b.p = out->p;
	st.b.len = len0 = out->len;
	st.b.cap = out->cap;
	rc = enc_value(&st, item, 0);
	/* The buffer may have moved while it grew, also on failure. */
	out->p = st.b.p;
	out->cap = st.b.cap;
	out->len = rc == CUTRU_OK ? st.b.len : len0;
	if (rc == CUTRU_OK && normalised != NULL)
		*normalised = st.normalised;
	return rc;
}

void
canon_buf_free(struct canon_buf *b)
{
	if (b == NULL)
		return;
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

/* ---- Parser ---- */

struct par {
	const unsigned char *s;
	size_t len;
	size_t pos;
	size_t nodes;
	size_t max_nodes;
	size_t max_string;
	int max_depth;
	struct canon_buf str;    /* decoded string scratch */
	struct cutru_err *e;
};

static int
par_fail(struct par *p, int code, const char *what)
{
	if (code == CUTRU_ENOMEM)
		return cutru_err_set(p->e, code, NULL,
		    _("Out of memory while reading a document."));
	return cutru_err_set(p->e, code, NULL,
	    _("The document is not valid at byte %zu: %s"), p->pos, what);
}

static void
par_ws(struct par *p)
{
	while (p->pos < p->len && (p->s[p->pos] == ' ' ||
	    p->s[p->pos] == '\t' || p->s[p->pos] == '\n' ||
	    p->s[p->pos] == '\r'))
		p->pos++;
}

static int
hex4(const unsigned char *s, unsigned *v)
{
	int i;

	*v = 0;
	for (i = 0; i < 4; i++) {
		unsigned c = s[i], d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		*v = *v << 4 | d;
	}
	return 0;
}

/* Parse the \uXXXX escape (or surrogate pair) at p->pos, just after the
 * backslash and 'u'; on success append its UTF-8 to p->str. */
static int
par_uescape(struct par *p)
{
	unsigned cp, lo;
	char u8[4];
	size_t n;

	if (p->len - p->pos < 4 || hex4(p->s + p->pos, &cp) != 0)
		return par_fail(p, CUTRU_EINVAL,
		    _("\\u must be followed by four hexadecimal digits."));
	p->pos += 4;
	if (cp == 0)
		return par_fail(p, CUTRU_EINVAL,
		    _("the character U+0000 is not allowed."));
	if (cp >= 0xDC00 && cp <= 0xDFFF)
		return par_fail(p, CUTRU_EINVAL,
		    _("a low surrogate escape has no high surrogate before "
		    "it."));
	if (cp >= 0xD800 && cp <= 0xDBFF) {
		if (p->len - p->pos < 6 || p->s[p->pos] != '\\' ||
		    p->s[p->pos + 1] != 'u' ||
		    hex4(p->s + p->pos + 2, &lo) != 0 ||
		    lo < 0xDC00 || lo > 0xDFFF)
			return par_fail(p, CUTRU_EINVAL,
			    _("a high surrogate escape is not followed by a "
			    "low surrogate escape."));
		p->pos += 6;
		cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
	}
	n = utf8_encode(cp, u8);
	if (canon_buf_put(&p->str, u8, n) != CUTRU_OK)
		return par_fail(p, CUTRU_ENOMEM, NULL);
	return CUTRU_OK;
}

/* Parse the string at p->pos (on the opening quote).  On success *out is a
 * malloc'd NUL-terminated NFC string. */
static int
par_string(struct par *p, char **out)
{
	size_t start, n, normlen;
	char *norm = NULL;
	int rc;

	*out = NULL;
	p->str.len = 0;
	p->pos++;
	for (;;) {
		unsigned char c;

		start = p->pos;
		while (p->pos < p->len && p->s[p->pos] >= 0x20 &&
		    p->s[p->pos] < 0x80 && p->s[p->pos] != '"' &&
		    p->s[p->pos] != '\\')
			p->pos++;
		if (canon_buf_put(&p->str, p->s + start, p->pos - start) !=
		    CUTRU_OK)
			return par_fail(p, CUTRU_ENOMEM, NULL);
		if (p->max_string != 0 && p->str.len > p->max_string)
			return par_fail(p, CUTRU_ERANGE,
			    _("a text is longer than allowed."));
		if (p->pos >= p->len)
			return par_fail(p, CUTRU_EINVAL,
			    _("a text has no closing quote."));
		c = p->s[p->pos];
		if (c == '"') {
			p->pos++;
			break;
		}
		if (c < 0x20)
			return par_fail(p, CUTRU_EINVAL,
			    _("a control character inside a text must be "
			    "escaped."));
		if (c >= 0x80) {
			n = p->pos;
			if (utf8_decode((const char *)p->s, p->len, &n) < 0)
				return par_fail(p, CUTRU_EINVAL,
				    _("the bytes here are not valid UTF-8."));
			if (canon_buf_put(&p->str, p->s + p->pos, n - p->pos) !=
			    CUTRU_OK)
				return par_fail(p, CUTRU_ENOMEM, NULL);
			p->pos = n;
			continue;
		}
		/* A backslash. */
		if (p->pos + 1 >= p->len)
			return par_fail(p, CUTRU_EINVAL,
			    _("a text ends inside an escape."));
		p->pos++;
		c = p->s[p->pos++];
		switch (c) {
		case '"': case '\\': case '/':
			rc = canon_buf_putc(&p->str, (char)c);
			break;
		case 'b': rc = canon_buf_putc(&p->str, '\b'); break;
		case 'f': rc = canon_buf_putc(&p->str, '\f'); break;
		case 'n': rc = canon_buf_putc(&p->str, '\n'); break;
		case 'r': rc = canon_buf_putc(&p->str, '\r'); break;
		case 't': rc = canon_buf_putc(&p->str, '\t'); break;
		case 'u':
			rc = par_uescape(p);
			if (rc != CUTRU_OK)
				return rc;
			break;
		default:
			p->pos--;
			return par_fail(p, CUTRU_EINVAL,
			    _("unknown escape sequence."));
		}
		if (rc != CUTRU_OK)
			return par_fail(p, CUTRU_ENOMEM, NULL);
	}
	/* The cap was checked after every run of bytes and escape. */
	rc = nfc_utf8(p->str.p != NULL ? p->str.p : "", p->str.len, &norm,
	    &normlen);
	if (rc == CUTRU_ENOMEM)
		return par_fail(p, rc, NULL);
	if (rc != CUTRU_OK)
		return par_fail(p, rc, _("a text could not be normalised."));
	if (norm != NULL) {
		*out = norm;
		return CUTRU_OK;
	}
	*out = malloc(p->str.len + 1);
	if (*out == NULL)
		return par_fail(p, CUTRU_ENOMEM, NULL);
	if (p->str.len != 0)
		memcpy(*out, p->str.p, p->str.len);
	(*out)[p->str.len] = '\0';
	return CUTRU_OK;
}

static int
par_number(struct par *p, cJSON **out)
{
	int neg = 0;
	long long v = 0;
	unsigned char c;

	if (p->s[p->pos] == '-') {
		neg = 1;
		p->pos++;
	}
	if (p->pos >= p->len || p->s[p->pos] < '0' || p->s[p->pos] > '9')
		return par_fail(p, CUTRU_EINVAL, _("a digit was expected."));
	if (p->s[p->pos] == '0') {
		p->pos++;
		if (p->pos < p->len && p->s[p->pos] >= '0' &&
		    p->s[p->pos] <= '9')
			return par_fail(p, CUTRU_EINVAL,
			    _("a number may not start with 0."));
	} else {
		while (p->pos < p->len && p->s[p->pos] >= '0' &&
		    p->s[p->pos] <= '9') {
			v = v * 10 + (p->s[p->pos] - '0');
			if (v > CANON_INT_MAX)
				return par_fail(p, CUTRU_ERANGE,
				    _("a number is larger than "
				    "9007199254740991."));
			p->pos++;
		}
	}
	if (p->pos < p->len) {
		c = p->s[p->pos];
		if (c == '.' || c == 'e' || c == 'E')
			return par_fail(p, CUTRU_EINVAL,
			    _("only whole numbers are allowed, without a "
			    "fraction or exponent."));
	}
	*out = cJSON_CreateNumber(neg && v != 0 ? -(double)v : (double)v);
	if (*out == NULL)
		return par_fail(p, CUTRU_ENOMEM, NULL);
	return CUTRU_OK;
}

static int par_value(struct par *p, int depth, cJSON **out);

/* Parse the array or object at p->pos; depth is the container's own. */
static int
par_container(struct par *p, int depth, cJSON **out)
{
	int is_obj = p->s[p->pos] == '{';
	char close = is_obj ? '}' : ']';
	char msg[CUTRU_ERR_MSG_MAX];
	cJSON *c = NULL, *v = NULL;
	char *key = NULL;
	int rc;

	*out = NULL;
	if (depth > p->max_depth) {
		snprintf(msg, sizeof msg,
		    _("the document is nested more than %d levels deep."),
		    p->max_depth);
		return par_fail(p, CUTRU_ERANGE, msg);
	}
	c = is_obj ? cJSON_CreateObject() : cJSON_CreateArray();
	if (c == NULL)
		return par_fail(p, CUTRU_ENOMEM, NULL);
	p->pos++;
	par_ws(p);
	if (p->pos < p->len && p->s[p->pos] == close) {
		p->pos++;
		*out = c;
		return CUTRU_OK;
	}
	for (;;) {
		par_ws(p);
		if (is_obj) {
			if (p->pos >= p->len || p->s[p->pos] != '"') {
				rc = par_fail(p, CUTRU_EINVAL,
				    _("a member name in quotes was expected."));
				goto done;
			}
			if ((rc = par_string(p, &key)) != CUTRU_OK)
				goto done;
			par_ws(p);
			if (p->pos >= p->len || p->s[p->pos] != ':') {
				rc = par_fail(p, CUTRU_EINVAL,
				    _("a colon was expected after a member "
				    "name."));
				goto done;
			}
			p->pos++;
		}
		if ((rc = par_value(p, depth, &v)) != CUTRU_OK)
			goto done;
		if (is_obj ? !cJSON_AddItemToObject(c, key, v) :
		    !cJSON_AddItemToArray(c, v)) {
			rc = par_fail(p, CUTRU_ENOMEM, NULL);
			goto done;
		}
		v = NULL;
		free(key);
		key = NULL;
		par_ws(p);
		if (p->pos < p->len && p->s[p->pos] == ',') {
			p->pos++;
			continue;
		}
		if (p->pos < p->len && p->s[p->pos] == close) {
			p->pos++;
			break;
		}
		rc = par_fail(p, CUTRU_EINVAL, is_obj ?
		    _("a comma or a closing brace was expected.") :
		    _("a comma or a closing bracket was expected."));
		goto done;
	}
	*out = c;
	c = NULL;
	rc = CUTRU_OK;
done:
	cJSON_Delete(v);
	cJSON_Delete(c);
	free(key);
	return rc;
}

/* Parse one value at p->pos; depth is that of the enclosing container. */
static int
par_value(struct par *p, int depth, cJSON **out)
{
	static const struct {
		const char *word;
		size_t len;
		int type;
	} lit[] = {
		{ "true", 4, cJSON_True },
		{ "false", 5, cJSON_False },
		{ "null", 4, cJSON_NULL },
	};
	char *s = NULL;
	size_t i;
	unsigned char c;

	*out = NULL;
	par_ws(p);
	if (p->pos >= p->len)
		return par_fail(p, CUTRU_EINVAL, _("a value was expected."));
	if (p->max_nodes != 0 && ++p->nodes > p->max_nodes)
		return par_fail(p, CUTRU_ERANGE,
		    _("the document holds more values than allowed."));
	c = p->s[p->pos];
	if (c == '{' || c == '[')
		return par_container(p, depth + 1, out);
	if (c == '"') {
		int rc = par_string(p, &s);

		if (rc != CUTRU_OK)
			return rc;
		*out = cJSON_CreateString(s);
		free(s);
		if (*out == NULL)
			return par_fail(p, CUTRU_ENOMEM, NULL);
		return CUTRU_OK;
	}
	if (c == '-' || (c >= '0' && c <= '9'))
		return par_number(p, out);
	for (i = 0; i < sizeof lit / sizeof lit[0]; i++) {
		if (p->len - p->pos >= lit[i].len &&
		    memcmp(p->s + p->pos, lit[i].word, lit[i].len) == 0) {
			p->pos += lit[i].len;
			*out = lit[i].type == cJSON_True ? cJSON_CreateTrue() :
			    lit[i].type == cJSON_False ? cJSON_CreateFalse() :
			    cJSON_CreateNull();
			if (*out == NULL)
				return par_fail(p, CUTRU_ENOMEM, NULL);
			return CUTRU_OK;
		}
	}
	return par_fail(p, CUTRU_EINVAL, _("a value was expected."));
}

int
canon_parse(const char *buf, size_t len, const struct canon_limits *lim,
    unsigned flags, cJSON **out, struct cutru_err *e)
{
	struct par p;
	cJSON *tree = NULL;
	char *enc = NULL;
	size_t enclen = 0, i;
	const void *nul;
	int rc;

	if (out != NULL)
		*out = NULL;
	memset(&p, 0, sizeof p);
	p.s = (const unsigned char *)buf;
	p.len = len;
	p.e = e;
	p.max_depth = CANON_MAX_DEPTH;
	if (lim != NULL) {
		p.max_nodes = lim->max_nodes;
		p.max_string = lim->max_string;
		if (lim->max_depth > 0 && lim->max_depth < CANON_MAX_DEPTH)
			p.max_depth = lim->max_depth;
		if (lim->max_bytes != 0 && len > lim->max_bytes)
			return cutru_err_set(e, CUTRU_ERANGE, NULL,
			    _("The document is %zu bytes long; at most %zu "
			    "bytes are accepted."), len, lim->max_bytes);
	}
	if (buf == NULL || len == 0)
		return cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("The document is empty."));
	nul = memchr(buf, '\0', len);
	if (nul != NULL)
		return cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("The document contains a NUL byte at byte %zu."),
		    (size_t)((const char *)nul - buf));
	rc = par_value(&p, 0, &tree);
	if (rc != CUTRU_OK)
		goto done;
	par_ws(&p);
	if (p.pos != p.len) {
		rc = par_fail(&p, CUTRU_EINVAL,
		    _("there is more data after the end of the document."));
		goto done;
	}
	/* Invariant 2: what we return, canon_encode() accepts. */
	rc = canon_encode(tree, &enc, &enclen, e);
	if (rc != CUTRU_OK)
		goto done;
	if ((flags & CANON_REQUIRE_CANONICAL) &&
	    (enclen != len || memcmp(enc, buf, len) != 0)) {
		for (i = 0; i < len && i < enclen && enc[i] == buf[i]; i++)
			;
		rc = cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("The document is valid JSON but not in canonical form "
		    "(first difference at byte %zu), so it cannot be "
		    "accepted as signed."), i);
		goto done;
	}
	if (out != NULL) {
		*out = tree;
		tree = NULL;
	}
	rc = CUTRU_OK;
done:
	free(enc);
	free(p.str.p);
	cJSON_Delete(tree);
	return rc;
}
