#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <unicode/ubrk.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utext.h>
#include <unicode/utf16.h>

#include "core/err.h"
#include "core/i18n.h"
#include "core/utf8.h"

/* Decode one sequence from p[0..n), n >= 1, strictly.  On success stores the
 * code point and its length; on a fault stores how many bytes to skip (1). */
static enum utf8_fault
decode_one(const unsigned char *p, size_t n, uint32_t *cp, size_t *adv)
{
	unsigned char b = p[0];
	unsigned char lo = 0x80, hi = 0xBF;
	size_t need, i;
	uint32_t c;

	*adv = 1;
	*cp = 0;
	if (b < 0x80) {
		*cp = b;
		return UTF8_VALID;
	}
	if (b < 0xC0)
		return UTF8_EBADBYTE;
	if (b < 0xC2)
		return UTF8_EOVERLONG;
	if (b < 0xE0) {
		need = 1;
		c = b & 0x1F;
	} else if (b < 0xF0) {
		need = 2;
		c = b & 0x0F;
		if (b == 0xE0)
			lo = 0xA0;
		else if (b == 0xED)
			hi = 0x9F;
	} else if (b < 0xF5) {
		need = 3;
		c = b & 0x07;
		if (b == 0xF0)
			lo = 0x90;
		else if (b == 0xF4)
			hi = 0x8F;
	} else if (b < 0xF8) {
		return UTF8_ETOOLARGE;
	} else {
		return UTF8_EBADBYTE;
	}
	/* The second byte carries the overlong / surrogate / range limits. */
	if (n < 2)
		return UTF8_ETRUNCATED;
	if (p[1] < 0x80 || p[1] > 0xBF)
		return UTF8_ECONTINUATION;
	if (p[1] < lo)
		return UTF8_EOVERLONG;
	if (p[1] > hi)
		return b == 0xED ? UTF8_ESURROGATE : UTF8_ETOOLARGE;
	for (i = 1; i <= need; i++) {
		if (i >= n)
			return UTF8_ETRUNCATED;
		if ((p[i] & 0xC0) != 0x80)
			return UTF8_ECONTINUATION;
		c = (c << 6) | (p[i] & 0x3F);
	}
	*cp = c;
	*adv = need + 1;
	return UTF8_VALID;
}

/* Is cp a control character that a field with these flags refuses? */
static int
refused_control(uint32_t cp, unsigned flags)
{
	if (cp == 0x09)
		return !(flags & UTF8_ALLOW_TAB);
	if (cp == 0x0A || cp == 0x0D || cp == 0x2028 || cp == 0x2029)
		return !(flags & UTF8_ALLOW_NEWLINE);
	if (flags & UTF8_ALLOW_CONTROLS)
		return 0;
	return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) ||
	    (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

enum utf8_fault
utf8_check(const char *s, size_t len, unsigned flags, struct utf8_fault_at *at)
{
	const unsigned char *p = (const unsigned char *)s;
	enum utf8_fault f = UTF8_VALID;
	size_t i = 0, index = 0, adv;
	uint32_t cp = 0;

	if (len == UTF8_NTS)
		len = s != NULL ? strlen(s) : 0;
	while (i < len) {
		if (p[i] >= 0x20 && p[i] < 0x7F) {
			/* Printable ASCII: the common case, one byte each. */
			i++;
			index++;
			continue;
		}
		/* Well-formed two- and three-byte sequences that cannot be a
		 * control character (C2 80..9F are the C1 controls, E2 holds
		 * the line separators and the bidirectional controls): the
		 * letters of Vietnamese text, without decoding them. */
		if (p[i] >= 0xC3 && p[i] <= 0xDF && i + 1 < len &&
		    (p[i + 1] & 0xC0) == 0x80) {
			i += 2;
			index++;
			continue;
		}
		if (p[i] == 0xC2 && i + 1 < len && p[i + 1] >= 0xA0 &&
		    p[i + 1] <= 0xBF) {
			i += 2;
			index++;
			continue;
		}
		if (((p[i] >= 0xE1 && p[i] <= 0xEC && p[i] != 0xE2) ||
		    p[i] == 0xEE || p[i] == 0xEF) && i + 2 < len &&
		    (p[i + 1] & 0xC0) == 0x80 && (p[i + 2] & 0xC0) == 0x80) {
			i += 3;
			index++;
			continue;
		}
		f = decode_one(p + i, len - i, &cp, &adv);
		if (f != UTF8_VALID)
			break;
		if (cp == 0) {
			f = UTF8_ENUL;
			break;
		}
		if (refused_control(cp, flags)) {
			f = UTF8_ECONTROL;
			break;
		}
		i += adv;
		index++;
	}
	if (at != NULL) {
		at->fault = f;
		at->offset = f == UTF8_VALID ? len : i;
		at->index = index;
		at->cp = (f == UTF8_ECONTROL || f == UTF8_ENUL) ? cp : 0;
	}
	return f;
}

/* The officer's message for a fault; returns CUTRU_EINVAL. */
static int
fault_error(const struct utf8_fault_at *at, const char *field,
    struct cutru_err *e)
{
	switch (at->fault) {
	case UTF8_ENUL:
		return cutru_err_set(e, CUTRU_EINVAL, field,
		    _("The text contains a NUL character (character %zu): "
		    "retype it instead of pasting it."), at->index + 1);
	case UTF8_ECONTROL:
		return cutru_err_set(e, CUTRU_EINVAL, field,
		    _("The text contains an invisible control character "
		    "U+%04X (character %zu): retype it instead of pasting it."),
		    (unsigned)at->cp, at->index + 1);
	default:
		return cutru_err_set(e, CUTRU_EINVAL, field,
		    _("The text contains bytes that are not valid UTF-8 "
		    "(at byte %zu): retype it instead of pasting it."),
		    at->offset + 1);
	}
}

int
utf8_validate(const char *s, size_t len, unsigned flags, const char *field,
    struct cutru_err *e)
{
	struct utf8_fault_at at;

	if (utf8_check(s, len, flags, &at) == UTF8_VALID)
		return CUTRU_OK;
	return fault_error(&at, field, e);
}

int32_t
utf8_decode(const char *s, size_t len, size_t *pos)
{
	uint32_t cp;
	size_t adv;

	if (decode_one((const unsigned char *)s + *pos, len - *pos, &cp,
	    &adv) != UTF8_VALID) {
		*pos += 1;
		return -1;
	}
	*pos += adv;
	return (int32_t)cp;
}

size_t
utf8_encode(uint32_t cp, char *out)
{
	unsigned char *o = (unsigned char *)out;

	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xC0 | (cp >> 6));
		o[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp >= 0xD800 && cp <= 0xDFFF)
		return 0;
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xE0 | (cp >> 12));
		o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	if (cp <= 0x10FFFF) {
		o[0] = (unsigned char)(0xF0 | (cp >> 18));
		o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
		o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		o[3] = (unsigned char)(0x80 | (cp & 0x3F));
		return 4;
	}
	return 0;
}

size_t
utf8_count(const char *s, size_t len)
{
	size_t pos = 0, n = 0;

	if (len == UTF8_NTS)
		len = s != NULL ? strlen(s) : 0;
	while (pos < len) {
		(void)utf8_decode(s, len, &pos);
		n++;
	}
	return n;
}

int
utf8_cp_width(uint32_t cp)
{
	int8_t type;
	int eaw;

	if (cp >= 0x20 && cp < 0x7F)
		return 1;
	if (cp == 0)
		return 0;
	if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) ||
	    (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
		return -1;
	if (cp == 0xAD)
		return 1;
	if (cp >= 0x1160 && cp <= 0x11FF)
		return 0;
	type = u_charType((UChar32)cp);
	if (type == U_NON_SPACING_MARK || type == U_ENCLOSING_MARK ||
	    type == U_FORMAT_CHAR)
		return 0;
	eaw = u_getIntPropertyValue((UChar32)cp, UCHAR_EAST_ASIAN_WIDTH);
	if (eaw == U_EA_WIDE || eaw == U_EA_FULLWIDTH)
		return 2;
	return 1;
}

size_t
utf8_width(const char *s, size_t len)
{
	size_t pos = 0, w = 0;
	int32_t cp;
	int cw;

	if (len == UTF8_NTS)
		len = s != NULL ? strlen(s) : 0;
	while (pos < len) {
		cp = utf8_decode(s, len, &pos);
		cw = cp < 0 ? 1 : utf8_cp_width((uint32_t)cp);
		w += cw < 0 ? 1 : (size_t)cw;
	}
	return w;
}

/* UTF-16 scratch space: on the stack for the usual short field, on the heap
 * for a pasted megabyte. */
#define STACK_UNITS 512

/* utf8_clean_line() without ICU, for text already known valid (utf8_check)
 * whose every character lies below U+0300 or in Latin Extended Additional
 * (U+1E00..U+1EFF, the precomposed Vietnamese letters): every such
 * character has NFC quick check Yes and combining class 0, so the text is
 * already NFC and only its white space (U+0009..U+000D, U+0020, U+0085,
 * U+00A0 there) is left to collapse.  Nearly every field of a household
 * book, or of an event, is such text; the ICU round trip through UTF-16
 * costs ten times as much.  Returns 0 when the text is not such text
 * (out is then to be written again), else 1 with *rc the result, exactly
 * what the ICU path gives. */
static int
clean_latin(const unsigned char *p, size_t len, char *out, size_t outsz,
    size_t *olen, int *rc, const char *field, struct cutru_err *e)
{
	size_t i = 0, o = 0, k;
	int pending_space = 0, space;
	unsigned char b;

	while (i < len) {
		b = p[i];
		if (b < 0x80) {
			k = 1;
			space = (b >= 0x09 && b <= 0x0D) || b == 0x20;
		} else if (b < 0xCC) {
			/* C2..CB: U+0080..U+02FF. */
			k = 2;
			space = (b == 0xC2 && (p[i + 1] == 0x85 ||
			    p[i + 1] == 0xA0));
		} else if (b == 0xE1 && p[i + 1] >= 0xB8 && p[i + 1] <= 0xBB) {
			k = 3;
			space = 0;
		} else
			return 0;
		if (space) {
			pending_space = o > 0;
			i += k;
			continue;
		}
		if (o + (size_t)pending_space + k >= outsz) {
			*rc = cutru_err_set(e, CUTRU_ERANGE, field,
			    _("The text is too long for this field."));
			out[0] = '\0';
			return 1;
		}
		if (pending_space)
			out[o++] = ' ';
		pending_space = 0;
		memcpy(out + o, p + i, k);
		o += k;
		i += k;
	}
	out[o] = '\0';
	*olen = o;
	*rc = CUTRU_OK;
	return 1;
}

int
utf8_clean_line(const char *s, size_t len, char *out, size_t outsz,
    size_t *outlen, const char *field, struct cutru_err *e)
{
	UChar stack_src[STACK_UNITS], stack_nfc[STACK_UNITS];
	UChar *src = stack_src, *nfc = stack_nfc;
	const UNormalizer2 *norm;
	UErrorCode st = U_ZERO_ERROR;
	struct utf8_fault_at at;
	int32_t n = 0, m, i;
	size_t o = 0, k;
	int rc = CUTRU_OK, pending_space = 0;
	UChar32 c;
	char enc[4];

	if (outsz > 0)
		out[0] = '\0';
	if (outlen != NULL)
		*outlen = 0;
	if (outsz == 0)
		return cutru_err_set(e, CUTRU_ERANGE, field,
		    _("The text is too long for this field."));
	if (len == UTF8_NTS)
		len = s != NULL ? strlen(s) : 0;
	if (utf8_check(s, len, UTF8_ALLOW_TAB | UTF8_ALLOW_NEWLINE, &at) !=
	    UTF8_VALID)
		return fault_error(&at, field, e);
	if (len > INT32_MAX / 2)
		return cutru_err_set(e, CUTRU_ERANGE, field,
		    _("The text is too long (%zu bytes)."), len);
	if (clean_latin((const unsigned char *)s, len, out, outsz, &o, &rc,
	    field, e)) {
		if (rc == CUTRU_OK && outlen != NULL)
			*outlen = o;
		return rc;
	}
	if (len > STACK_UNITS) {
		src = malloc(len * sizeof *src);
		if (src == NULL) {
			rc = cutru_err_set(e, CUTRU_ENOMEM, field,
			    _("Out of memory."));
			goto done;
		}
	}
	u_strFromUTF8(src, (int32_t)(len > STACK_UNITS ? len : STACK_UNITS),
	    &n, len > 0 ? s : "", (int32_t)len, &st);
	if (U_FAILURE(st))
		goto icu_failed;

	norm = unorm2_getNFCInstance(&st);
	if (U_FAILURE(st))
		goto icu_failed;
	if (unorm2_quickCheck(norm, src, n, &st) == UNORM_YES &&
	    U_SUCCESS(st)) {
		nfc = src;
		m = n;
	} else {
		int32_t cap = STACK_UNITS;

		st = U_ZERO_ERROR;
		m = unorm2_normalize(norm, src, n, nfc, cap, &st);
		if (st == U_BUFFER_OVERFLOW_ERROR) {
			st = U_ZERO_ERROR;
			nfc = malloc((size_t)m * sizeof *nfc);
			if (nfc == NULL) {
				rc = cutru_err_set(e, CUTRU_ENOMEM, field,
				    _("Out of memory."));
				goto done;
			}
			m = unorm2_normalize(norm, src, n, nfc, m, &st);
		}
		if (U_FAILURE(st))
			goto icu_failed;
	}

	/* Collapse white space, trim, and encode back to UTF-8. */
	for (i = 0; i < m;) {
		U16_NEXT(nfc, i, m, c);
		if (u_isUWhiteSpace(c)) {
			pending_space = o > 0;
			continue;
		}
		k = utf8_encode((uint32_t)c, enc);
		if (o + (size_t)pending_space + k >= outsz) {
			rc = cutru_err_set(e, CUTRU_ERANGE, field,
			    _("The text is too long for this field."));
			goto done;
		}
		if (pending_space)
			out[o++] = ' ';
		pending_space = 0;
		memcpy(out + o, enc, k);
		o += k;
	}
	out[o] = '\0';
	if (outlen != NULL)
		*outlen = o;
	goto done;

icu_failed:
	rc = cutru_err_set(e, CUTRU_EINTERNAL, field,
	    _("Text normalisation failed (ICU: %s)."), u_errorName(st));
done:
	if (rc != CUTRU_OK && outsz > 0)
		out[0] = '\0';
	if (nfc != stack_nfc && nfc != src)
		free(nfc);
	if (src != stack_src)
		free(src);
	return rc;
}

struct utf8_graphemes {
	UBreakIterator *bi;
	UText *ut;
	size_t len;
	const char *s;
};

int
utf8_graphemes_set_text(struct utf8_graphemes *g, const char *s, size_t len,
    struct cutru_err *e)
{
	UErrorCode st = U_ZERO_ERROR;
	UText *ut;

	if (len == UTF8_NTS)
		len = s != NULL ? strlen(s) : 0;
	if (len > INT32_MAX)
		return cutru_err_set(e, CUTRU_ERANGE, NULL,
		    _("The text is too long (%zu bytes)."), len);
	if (s == NULL)
		s = "";
	ut = utext_openUTF8(g->ut, s, (int64_t)len, &st);
	if (U_FAILURE(st))
		goto failed;
	g->ut = ut;
	ubrk_setUText(g->bi, g->ut, &st);
	if (U_FAILURE(st))
		goto failed;
	g->s = s;
	g->len = len;
	return CUTRU_OK;
failed:
	return cutru_err_set(e, CUTRU_EINTERNAL, NULL,
	    _("The grapheme break iterator failed (ICU: %s)."),
	    u_errorName(st));
}

int
utf8_graphemes_open(struct utf8_graphemes **out, const char *s, size_t len,
    struct cutru_err *e)
{
	struct utf8_graphemes *g;
	UErrorCode st = U_ZERO_ERROR;
	int rc;

	*out = NULL;
	g = calloc(1, sizeof *g);
	if (g == NULL)
		return cutru_err_set(e, CUTRU_ENOMEM, NULL,
		    _("Out of memory."));
	g->bi = ubrk_open(UBRK_CHARACTER, "", NULL, 0, &st);
	if (U_FAILURE(st)) {
		rc = cutru_err_set(e, CUTRU_EINTERNAL, NULL,
		    _("The grapheme break iterator failed (ICU: %s)."),
		    u_errorName(st));
		goto fail;
	}
	rc = utf8_graphemes_set_text(g, s, len, e);
	if (rc != CUTRU_OK)
		goto fail;
	*out = g;
	return CUTRU_OK;
fail:
	utf8_graphemes_close(g);
	return rc;
}

size_t
utf8_graphemes_next(struct utf8_graphemes *g, size_t pos)
{
	int32_t b;

	if (pos >= g->len)
		return g->len;
	b = ubrk_following(g->bi, (int32_t)pos);
	return b == UBRK_DONE ? g->len : (size_t)b;
}

size_t
utf8_graphemes_prev(struct utf8_graphemes *g, size_t pos)
{
	int32_t b;

	if (pos > g->len)
		pos = g->len;
	if (pos == 0)
		return 0;
	b = ubrk_preceding(g->bi, (int32_t)pos);
	return b == UBRK_DONE ? 0 : (size_t)b;
}

int
utf8_graphemes_is_boundary(struct utf8_graphemes *g, size_t pos)
{
	if (pos > g->len)
		return 0;
	return ubrk_isBoundary(g->bi, (int32_t)pos) ? 1 : 0;
}

size_t
utf8_graphemes_fit(struct utf8_graphemes *g, size_t from, size_t cols,
    size_t *width)
{
	size_t pos, next, w = 0, cw;

	pos = from < g->len ? from : g->len;
	while (pos < g->len) {
		next = utf8_graphemes_next(g, pos);
		cw = utf8_width(g->s + pos, next - pos);
		if (w + cw > cols)
			break;
		w += cw;
		pos = next;
	}
	if (width != NULL)
		*width = w;
	return pos;
}

void
utf8_graphemes_close(struct utf8_graphemes *g)
{
	if (g == NULL)
		return;
	if (g->bi != NULL)
		ubrk_close(g->bi);
	if (g->ut != NULL)
		utext_close(g->ut);
	free(g);
}

int
utf8_grapheme_count(const char *s, size_t len, size_t *count,
    struct cutru_err *e)
{
	struct utf8_graphemes *g;
	size_t pos = 0, n = 0;
	int rc;

	*count = 0;
	rc = utf8_graphemes_open(&g, s, len, e);
	if (rc != CUTRU_OK)
		return rc;
	while (pos < g->len) {
		pos = utf8_graphemes_next(g, pos);
		n++;
	}
	utf8_graphemes_close(g);
	*count = n;
	return CUTRU_OK;
}
