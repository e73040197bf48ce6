#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/ucol.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>
#include <unicode/uvernum.h>

#include "core/err.h"
#include "core/i18n.h"
#include "core/name.h"
#include "core/utf8.h"

/* Raw input beyond this many bytes is refused before any work: NAME_MAX_CHARS
 * Vietnamese letters in NFD take at most ~900 bytes, and no honest name needs
 * hundreds of spaces.  Keeps a pasted megabyte cheap to refuse. */
#define NAME_INPUT_MAX 2048

/* Combining marks allowed on one letter.  Vietnamese needs two (ệ = e + ̂ +
 * ̣), and NFC composes those; more than three is "Zalgo" text that overflows
 * the rows of a list. */
#define NAME_MAX_MARKS 3

static int
buffer_too_small(char *out, size_t outsz, struct cutru_err *e,
    const char *field)
{
	if (outsz > 0)
		out[0] = '\0';
	return cutru_err_set(e, CUTRU_ERANGE, field,
	    _("The result does not fit in the space given for it."));
}

/* Append cp to out[0..outsz) at *o, keeping room for the NUL. */
static int
put_cp(char *out, size_t outsz, size_t *o, uint32_t cp)
{
	char enc[4];
	size_t k = utf8_encode(cp, enc);

	if (*o + k >= outsz)
		return -1;
	memcpy(out + *o, enc, k);
	*o += k;
	return 0;
}

/* The typed-in look-alikes of '-' and '\''. */
static uint32_t
map_lookalike(uint32_t cp)
{
	if (cp == 0x2010 || cp == 0x2011)
		return '-';
	if (cp == 0x2019 || cp == 0x02BC)
		return '\'';
	return cp;
}

static int
is_letter_type(int8_t t)
{
	return t >= U_UPPERCASE_LETTER && t <= U_OTHER_LETTER;
}

static int
is_mark_type(int8_t t)
{
	return t == U_NON_SPACING_MARK || t == U_ENCLOSING_MARK ||
	    t == U_COMBINING_SPACING_MARK;
}

static int
is_digit_type(int8_t t)
{
	return t == U_DECIMAL_DIGIT_NUMBER || t == U_LETTER_NUMBER ||
	    t == U_OTHER_NUMBER;
}

/* Check a cleaned (NFC, single-spaced, trimmed) name and copy it to out with
 * the look-alike hyphens and apostrophes mapped. */
static int
check_name(const char *clean, size_t clen, char *out, size_t outsz,
    size_t *outlen, struct cutru_err *e)
{
	enum { START, LETTER, JOINER, SPACE } prev = START;
	size_t pos = 0, o = 0, chars = 0, marks = 0;
	unsigned words = 0;
	char shown[5];
	uint32_t cp;
	int8_t t;

	while (pos < clen) {
		/* An ASCII letter, the commonest character of a name: a
		 * letter, its own NFKC form, no look-alike - what the ICU
		 * look-ups below would find, without them. */
		cp = (unsigned char)clean[pos];
		if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z')) {
			pos++;
			chars++;
			if (prev != LETTER && prev != JOINER)
				words++;
			prev = LETTER;
			marks = 0;
			if (o + 1 >= outsz)
				return buffer_too_small(out, outsz, e, "name");
			out[o++] = (char)cp;
			continue;
		}
		cp = map_lookalike((uint32_t)utf8_decode(clean, clen, &pos));
		chars++;
		shown[utf8_encode(cp, shown)] = '\0';
		t = u_charType((UChar32)cp);
		if ((is_letter_type(t) || is_mark_type(t)) &&
		    u_getIntPropertyValue((UChar32)cp,
		    UCHAR_NFKC_QUICK_CHECK) == UNORM_NO)
			return cutru_err_set(e, CUTRU_EINVAL, "name",
			    _("The name contains '%s', a compatibility form "
			    "of a letter (full-width, ligature or "
			    "superscript): type the plain letter."), shown);
		if (cp == ' ') {
			if (prev == JOINER)
				goto joiner;
			prev = SPACE;
		} else if (cp == '-' || cp == '\'') {
			if (prev != LETTER)
				goto joiner;
			prev = JOINER;
		} else if (is_letter_type(t)) {
			if (prev != LETTER && prev != JOINER)
				words++;
			prev = LETTER;
			marks = 0;
		} else if (is_mark_type(t)) {
			if (prev != LETTER)
				return cutru_err_set(e, CUTRU_EINVAL, "name",
				    _("The name has an accent mark (U+%04X) "
				    "that does not follow a letter: retype "
				    "that word."), (unsigned)cp);
			if (++marks > NAME_MAX_MARKS)
				return cutru_err_set(e, CUTRU_EINVAL, "name",
				    _("The name has more than %d accent marks "
				    "on one letter: retype that word."),
				    NAME_MAX_MARKS);
		} else if (is_digit_type(t)) {
			return cutru_err_set(e, CUTRU_EINVAL, "name",
			    _("The name contains a digit '%s': names hold "
			    "letters only."), shown);
		} else if (t == U_FORMAT_CHAR) {
			return cutru_err_set(e, CUTRU_EINVAL, "name",
			    _("The name contains an invisible character "
			    "U+%04X: retype the name instead of pasting it."),
			    (unsigned)cp);
		} else {
			return cutru_err_set(e, CUTRU_EINVAL, "name",
			    _("The name contains '%s', which a name cannot "
			    "hold: use letters, spaces, hyphens and "
			    "apostrophes only."), shown);
		}
		if (put_cp(out, outsz, &o, cp) != 0)
			return buffer_too_small(out, outsz, e, "name");
	}
	if (prev == JOINER)
		goto joiner;
	if (chars == 0)
		return cutru_err_set(e, CUTRU_EINVAL, "name",
		    _("The name is empty."));
	if (chars > NAME_MAX_CHARS)
		return cutru_err_set(e, CUTRU_EINVAL, "name",
		    _("The name is too long (%zu characters, at most %d)."),
		    chars, NAME_MAX_CHARS);
	if (words > NAME_MAX_WORDS)
		return cutru_err_set(e, CUTRU_EINVAL, "name",
		    _("The name has too many words (%u, at most %d)."),
		    words, NAME_MAX_WORDS);
	out[o] = '\0';
	if (outlen != NULL)
		*outlen = o;
	return CUTRU_OK;
joiner:
	return cutru_err_set(e, CUTRU_EINVAL, "name",
	    _("A hyphen or an apostrophe in a name must stand between two "
	    "letters, as in \"Y-Moan\" or \"H'Hen\"."));
}

int
name_normalise(const char *s, size_t len, char *out, size_t outsz,
    size_t *outlen, struct cutru_err *e)
{
	char clean[NAME_INPUT_MAX * 2 + 1];
	struct utf8_fault_at at;
	size_t clen;
	int rc;

	if (outlen != NULL)
		*outlen = 0;
	if (outsz == 0)
		return buffer_too_small(out, outsz, e, "name");
	out[0] = '\0';
	if (len == UTF8_NTS)
		len = s != NULL ? strlen(s) : 0;
	if (len > NAME_INPUT_MAX)
		return cutru_err_set(e, CUTRU_EINVAL, "name",
		    _("The name is too long (%zu characters, at most %d)."),
		    utf8_count(s, len), NAME_MAX_CHARS);
	switch (utf8_check(s, len, UTF8_ALLOW_TAB | UTF8_ALLOW_NEWLINE, &at)) {
	case UTF8_VALID:
		break;
	case UTF8_ENUL:
	case UTF8_ECONTROL:
		return cutru_err_set(e, CUTRU_EINVAL, "name",
		    _("The name contains an invisible control character "
		    "U+%04X: retype the name instead of pasting it."),
		    (unsigned)at.cp);
	default:
		return cutru_err_set(e, CUTRU_EINVAL, "name",
		    _("The name contains bytes that are not valid UTF-8 text: "
		    "retype the name instead of pasting it."));
	}
	rc = utf8_clean_line(s, len, clean, sizeof clean, &clen, "name", e);
	if (rc == CUTRU_ERANGE)
		return cutru_err_set(e, CUTRU_EINVAL, "name",
		    _("The name is too long (%zu characters, at most %d)."),
		    utf8_count(s, len), NAME_MAX_CHARS);
	if (rc != CUTRU_OK)
		return rc;
	rc = check_name(clean, clen, out, outsz, outlen, e);
	if (rc != CUTRU_OK)
		out[0] = '\0';
	return rc;
}

int
name_titlecase(const char *name, size_t len, char *out, size_t outsz,
    size_t *outlen, struct cutru_err *e)
{
	size_t pos = 0, o = 0;
	int word_start = 1;
	int8_t t;
	UChar32 c;

	if (outlen != NULL)
		*outlen = 0;
	if (outsz == 0)
		return buffer_too_small(out, outsz, e, "name");
	out[0] = '\0';
	if (len == UTF8_NTS)
		len = name != NULL ? strlen(name) : 0;
	if (utf8_check(name, len, UTF8_ALLOW_TAB | UTF8_ALLOW_NEWLINE |
	    UTF8_ALLOW_CONTROLS, NULL) != UTF8_VALID)
		return cutru_err_set(e, CUTRU_EINVAL, "name",
		    _("The name contains bytes that are not valid UTF-8 text: "
		    "retype the name instead of pasting it."));
	while (pos < len) {
		c = utf8_decode(name, len, &pos);
		t = u_charType(c);
		if (is_letter_type(t)) {
			c = word_start ? u_totitle(c) : u_tolower(c);
			word_start = 0;
		} else if (!is_mark_type(t)) {
			word_start = 1;
		}
		if (put_cp(out, outsz, &o, (uint32_t)c) != 0)
			return buffer_too_small(out, outsz, e, "name");
	}
	out[o] = '\0';
	if (outlen != NULL)
		*outlen = o;
	return CUTRU_OK;
}

void
name_split(const char *name, size_t len, struct name_parts *p)
{
	size_t i = 0, start, end;
	size_t first_end = 0, second_start = 0, prev_end = 0;
	size_t last_start = 0, last_end = 0;

	memset(p, 0, sizeof *p);
	if (len == UTF8_NTS)
		len = name != NULL ? strlen(name) : 0;
	for (;;) {
		while (i < len && name[i] == ' ')
			i++;
		if (i >= len)
			break;
		start = i;
		while (i < len && name[i] != ' ')
			i++;
		end = i;
		p->words++;
		if (p->words == 1) {
			first_end = end;
			p->family.off = start;
		} else if (p->words == 2) {
			second_start = start;
		}
		prev_end = last_end;
		last_start = start;
		last_end = end;
	}
	if (p->words == 0)
		return;
	p->given.off = last_start;
	p->given.len = last_end - last_start;
	if (p->words == 1) {
		p->family.off = 0;
		return;
	}
	p->family.len = first_end - p->family.off;
	if (p->words >= 3) {
		p->middle.off = second_start;
		p->middle.len = prev_end - second_start;
	}
}

/* Folding.  fold_cp() maps one code point to its search form: a code point,
 * FOLD_DROP (marks and invisible format characters vanish) or FOLD_SPACE
 * (white space and controls separate words).  The Latin blocks, where every
 * Vietnamese letter lives, come from a table built once from the slow path,
 * so the two can never disagree. */
#define FOLD_DROP 0u
#define FOLD_SPACE 0xFFFFu
#define FOLD_LO_END 0x250u       /* U+0000..U+024F: Latin-1, Extended-A/B */
#define FOLD_HI_START 0x1E00u    /* U+1E00..U+1EFF: Latin Extended Additional */
#define FOLD_HI_END 0x1F00u

static uint16_t fold_lo[FOLD_LO_END];
static uint16_t fold_hi[FOLD_HI_END - FOLD_HI_START];
static pthread_once_t fold_once = PTHREAD_ONCE_INIT;

static uint32_t
fold_slow(uint32_t cp)
{
	const UNormalizer2 *nfd;
	UErrorCode st = U_ZERO_ERROR;
	UChar buf[32];
	int32_t n, i, count = 0;
	UChar32 c, d, base = 0;
	int8_t t;

	c = (UChar32)map_lookalike(cp);
	if (u_isUWhiteSpace(c))
		return FOLD_SPACE;
	t = u_charType(c);
	if (t == U_CONTROL_CHAR)
		return FOLD_SPACE;
	if (t == U_NON_SPACING_MARK || t == U_FORMAT_CHAR)
		return FOLD_DROP;
	c = u_tolower(c);
	if (c == 0x0111 || c == 0x00F0)      /* đ, and ð from Ð U+00D0 */
		return 'd';
	nfd = unorm2_getNFDInstance(&st);
	if (U_FAILURE(st))
		return (uint32_t)c;
	n = unorm2_getDecomposition(nfd, c, buf, (int32_t)(sizeof buf /
	    sizeof buf[0]), &st);
	if (U_FAILURE(st) || n <= 0)
		return (uint32_t)c;
	/* Keep the decomposition's one base letter; a decomposition into
	 * several base characters (Hangul syllables) keeps the original. */
	for (i = 0; i < n;) {
		U16_NEXT(buf, i, n, d);
		if (u_charType(d) != U_NON_SPACING_MARK) {
			base = d;
			count++;
		}
	}
	return count == 1 ? (uint32_t)base : (uint32_t)c;
}

static void
fold_init(void)
{
	uint32_t cp;

	for (cp = 0; cp < FOLD_LO_END; cp++)
		fold_lo[cp] = (uint16_t)fold_slow(cp);
	for (cp = FOLD_HI_START; cp < FOLD_HI_END; cp++)
		fold_hi[cp - FOLD_HI_START] = (uint16_t)fold_slow(cp);
}

static uint32_t
fold_cp(uint32_t cp)
{
	if (cp < 0x80) {
		if (cp >= 'A' && cp <= 'Z')
			return cp + ('a' - 'A');
		if (cp <= 0x20 || cp == 0x7F)
			return FOLD_SPACE;
		return cp;
	}
	if (cp < FOLD_LO_END)
		return fold_lo[cp];
	if (cp >= 0x300 && cp < 0x370)  /* Combining Diacritical Marks: Mn */
		return FOLD_DROP;
	if (cp >= FOLD_HI_START && cp < FOLD_HI_END)
		return fold_hi[cp - FOLD_HI_START];
	return fold_slow(cp);
}

/* May a folded code point stay in a search query? */
static int
query_keeps(uint32_t f)
{
	int8_t t;

	if (f < 0x80)
		return (f >= 'a' && f <= 'z') || (f >= '0' && f <= '9') ||
		    f == '-' || f == '\'';
	t = u_charType((UChar32)f);
	return is_letter_type(t) || is_mark_type(t) || is_digit_type(t);
}

static int
fold(const char *s, size_t len, int query, char *out, size_t outsz,
    size_t *outlen, const char *field, struct cutru_err *e)
{
	size_t pos = 0, o = 0;
	int pending_space = 0;
	uint32_t f;

	if (outlen != NULL)
		*outlen = 0;
	if (outsz == 0)
		return buffer_too_small(out, outsz, e, field);
	out[0] = '\0';
	if (len == UTF8_NTS)
		len = s != NULL ? strlen(s) : 0;
	if (utf8_check(s, len, UTF8_ALLOW_TAB | UTF8_ALLOW_NEWLINE |
	    UTF8_ALLOW_CONTROLS, NULL) != UTF8_VALID)
		return cutru_err_set(e, CUTRU_EINVAL, field,
		    _("The text contains bytes that are not valid UTF-8: "
		    "retype it instead of pasting it."));
	pthread_once(&fold_once, fold_init);
	while (pos < len) {
		f = fold_cp((uint32_t)utf8_decode(s, len, &pos));
		if (f == FOLD_DROP)
			continue;
		if (query && f != FOLD_SPACE && !query_keeps(f))
			f = FOLD_SPACE;
		if (f == FOLD_SPACE) {
			pending_space = o > 0;
			continue;
		}
		if ((pending_space && put_cp(out, outsz, &o, ' ') != 0) ||
		    put_cp(out, outsz, &o, f) != 0)
			return buffer_too_small(out, outsz, e, field);
		pending_space = 0;
	}
	out[o] = '\0';
	if (outlen != NULL)
		*outlen = o;
	return CUTRU_OK;
}

int
name_fold(const char *s, size_t len, char *out, size_t outsz,
    size_t *outlen, struct cutru_err *e)
{
	return fold(s, len, 0, out, outsz, outlen, "name", e);
}

int
name_fold_query(const char *s, size_t len, char *out, size_t outsz,
    size_t *outlen, struct cutru_err *e)
{
	return fold(s, len, 1, out, outsz, outlen, "query", e);
}

/* Collation: one "vi" collator per process, one clone per thread. */
static pthread_once_t coll_once = PTHREAD_ONCE_INIT;
static UCollator *coll_proto;
static UErrorCode coll_status = U_ZERO_ERROR;
static pthread_key_t coll_key;

static void
coll_close_clone(void *c)
{
	ucol_close(c);
}

static void
coll_init(void)
{
	UErrorCode st = U_ZERO_ERROR;
	UCollator *c;

	c = ucol_open("vi", &st);
	/* A fallback to the root collation would sort đ with d and ơ with o
	 * without any error: refuse it. */
	if (U_SUCCESS(st) && st == U_USING_DEFAULT_WARNING)
		st = U_MISSING_RESOURCE_ERROR;
	if (U_SUCCESS(st))
		ucol_setAttribute(c, UCOL_NORMALIZATION_MODE, UCOL_ON, &st);
	if (U_SUCCESS(st) && pthread_key_create(&coll_key,
	    coll_close_clone) != 0)
		st = U_MEMORY_ALLOCATION_ERROR;
	if (U_FAILURE(st)) {
		ucol_close(c);
		coll_status = st;
		return;
	}
	coll_proto = c;
}

/* This thread's collator, or NULL with *e filled. */
static UCollator *
thread_collator(struct cutru_err *e, int *rc)
{
	UErrorCode st = U_ZERO_ERROR;
	UCollator *c;

	pthread_once(&coll_once, coll_init);
	if (coll_proto == NULL) {
		st = coll_status;
		goto failed;
	}
	c = pthread_getspecific(coll_key);
	if (c != NULL)
		return c;
#if U_ICU_VERSION_MAJOR_NUM >= 71
	c = ucol_clone(coll_proto, &st);
#else
	c = ucol_safeClone(coll_proto, NULL, NULL, &st);
#endif
	if (U_FAILURE(st))
		goto failed;
	if (pthread_setspecific(coll_key, c) != 0) {
		ucol_close(c);
		st = U_MEMORY_ALLOCATION_ERROR;
		goto failed;
	}
	return c;
failed:
	*rc = cutru_err_set(e, CUTRU_EINTERNAL, "name",
	    _("The Vietnamese sort order is not available (ICU: %s): "
	    "reinstall the ICU data package."), u_errorName(st));
	return NULL;
}

#define STACK_UNITS 256

/* Append name[sp] to the UTF-16 buffer at *n (capacity cap). */
static void
append_span(UChar *buf, int32_t cap, int32_t *n, const char *name,
    struct name_span sp, UErrorCode *st)
{
	int32_t got = 0;

	if (sp.len == 0)
		return;
	u_strFromUTF8(buf + *n, cap - *n, &got, name + sp.off,
	    (int32_t)sp.len, st);
	*n += got;
}

int
name_sort_key(const char *name, size_t len, uint8_t *key, size_t keysz,
    size_t *keylen, struct cutru_err *e)
{
	UChar stack_buf[STACK_UNITS], *buf = stack_buf;
	UErrorCode st = U_ZERO_ERROR;
	struct name_parts p;
	UCollator *coll;
	int32_t cap = STACK_UNITS, n = 0, need;
	int rc = CUTRU_OK;

	*keylen = 0;
	if (len == UTF8_NTS)
		len = name != NULL ? strlen(name) : 0;
	if (utf8_check(name, len, UTF8_ALLOW_TAB | UTF8_ALLOW_NEWLINE |
	    UTF8_ALLOW_CONTROLS, NULL) != UTF8_VALID)
		return cutru_err_set(e, CUTRU_EINVAL, "name",
		    _("The name contains bytes that are not valid UTF-8 text: "
		    "retype the name instead of pasting it."));
	if (len > INT32_MAX / 4)
		return cutru_err_set(e, CUTRU_EINVAL, "name",
		    _("The name is too long (%zu characters, at most %d)."),
		    utf8_count(name, len), NAME_MAX_CHARS);
	coll = thread_collator(e, &rc);
	if (coll == NULL)
		return rc;
	if (len + 3 > STACK_UNITS) {
		cap = (int32_t)len + 3;
		buf = malloc((size_t)cap * sizeof *buf);
		if (buf == NULL)
			return cutru_err_set(e, CUTRU_ENOMEM, "name",
			    _("Out of memory."));
	}
	/* "given middle family", always with both separators: an absent
	 * middle name then sorts before any middle name, and a one-word name
	 * before any longer name with the same given name.  The space is the
	 * lowest non-ignorable character in the collation, below hyphen,
	 * apostrophe and every letter. */
	name_split(name, len, &p);
	append_span(buf, cap, &n, name, p.given, &st);
	buf[n++] = ' ';
	append_span(buf, cap, &n, name, p.middle, &st);
	buf[n++] = ' ';
	append_span(buf, cap, &n, name, p.family, &st);
	if (U_FAILURE(st)) {
		rc = cutru_err_set(e, CUTRU_EINTERNAL, "name",
		    _("The name could not be converted for sorting (ICU: %s)."),
		    u_errorName(st));
		goto done;
	}
	need = ucol_getSortKey(coll, buf, n, key,
	    keysz > INT32_MAX ? INT32_MAX : (int32_t)keysz);
	if (need <= 0) {
		rc = cutru_err_set(e, CUTRU_EINTERNAL, "name",
		    _("The sort key of the name could not be computed."));
		goto done;
	}
	*keylen = (size_t)need;
	if ((size_t)need > keysz) {
		if (keysz > 0)
			memset(key, 0, keysz);
		rc = cutru_err_set(e, CUTRU_ERANGE, "name",
		    _("The sort key needs %d bytes, more than the %zu given."),
		    need, keysz);
	}
done:
	if (buf != stack_buf)
		free(buf);
	return rc;
}

int
name_collation_version(char *out, size_t outsz, struct cutru_err *e)
{
	char v[U_MAX_VERSION_STRING_LENGTH];
	UVersionInfo info;
	UCollator *coll;
	int rc = CUTRU_OK;

	if (outsz > 0)
		out[0] = '\0';
	coll = thread_collator(e, &rc);
	if (coll == NULL)
		return rc;
	ucol_getVersion(coll, info);
	u_versionToString(info, v);
	if (strlen(v) >= outsz)
		return buffer_too_small(out, outsz, e, "name");
	memcpy(out, v, strlen(v) + 1);
	return CUTRU_OK;
}
