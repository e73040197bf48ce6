/* Vietnamese personal names: the stored form, its parts, the search form and
 * the sort key.
 *
 * Stored form (name_normalise).  A name is stored as typed, but canonical:
 * valid UTF-8, NFC, one ASCII space between words, no space at either end.
 * Input methods on Windows and phones send NFD ("Nguyễn Văn Đức" as 19 code
 * points instead of 14), scanners and spreadsheets bring NBSP and tabs: all of
 * these give byte-identical stored names.  Capitalisation is kept as typed
 * (some ethnic-minority names are capitalised unusually); name_titlecase()
 * offers the usual form and the console may propose it.
 *
 * What a name may hold: letters of any script (general category L*), with
 * combining marks (M*) after a letter; a space between words; a hyphen
 * ("Y-Moan") or an apostrophe ("H'Hen Niê", "N'Trang Lơng") between two
 * letters.  The look-alikes U+2010/U+2011 (hyphens) become '-', and
 * U+2019/U+02BC (typographic and modifier apostrophes) become '\'', so that
 * the same name typed on two keyboards is one name.  Everything else is
 * refused with a message naming it: digits, other punctuation and symbols,
 * control characters, invisible format characters (ZWJ, ZWSP, LRM/RLM,
 * BOM), which a pasted name can carry without the officer seeing them, and
 * compatibility forms of letters (full-width "Ｎ", ligatures "ﬀ", "ǆ",
 * superscripts, U+FDFA): look-alikes of plain letters whose collation
 * weights can be dozens of bytes each, which would break the bound on the
 * sort key.
 * At most NAME_MAX_CHARS code points (after NFC) and NAME_MAX_WORDS words;
 * the longest real names are far shorter, so longer input is a mistake or an
 * attack, not a name.
 *
 * Parts (name_split).  First word = family name (họ), last word = given name
 * (tên), the words between = middle name (tên đệm).  A one-word name is a
 * given name only.  Two-word names have no middle name.  Compound family names
 * ("Tôn Nữ", "Âu Dương") cannot be told apart from a middle name by rule; the
 * split is for sorting and display, never for identity.
 *
 * Search form (name_fold).  Lowercase, without tone marks or other
 * diacritics, đ/Đ and the look-alike Ð/ð mapped to d (Unicode gives them no
 * decomposition, so removing marks alone leaves "đặng" as "đang"), white space
 * collapsed: "Đặng Thị Hoà" and "ĐẶNG THỊ HÒA" both fold to "dang thi hoa".
 * For a Vietnamese name the result is plain ASCII.  Letters of other scripts
 * keep their base letter (lowercased).  Hyphens and apostrophes are kept.
 * The fold runs for every name of a bulk import, so it works code point by
 * code point with a table for Latin (U+0000..U+024F, U+1E00..U+1EFF) and asks
 * ICU only for other scripts.
 *
 * Sort key (name_sort_key).  People are listed the Vietnamese way: by given
 * name, then middle name, then family name, compared with CLDR's "vi"
 * collation (a < ă < â, d < đ, e < ê, o < ô < ơ, u < ư; tone marks at the
 * secondary level, so they only decide between names otherwise equal).
 * The key is an ICU binary sort key: memcmp() order is the list order, so it
 * can be a SQLite BLOB column with an index.  Keys depend on the ICU
 * collation version: a store keeps name_collation_version() beside its keys
 * and rebuilds them when it changes.
 *
 * Threads.  ICU collators must not be used by two threads at once.  One "vi"
 * collator is opened per process on first use and each thread that calls
 * name_sort_key() gets its own clone (kept in thread-specific storage and
 * closed when the thread exits).  Every function here is therefore safe to
 * call from any thread with no set-up.  The main thread's clone lives until
 * the process ends.
 *
 * Buffers.  Outputs go to caller buffers with explicit sizes; results are
 * NUL-terminated.  A buffer too small gives CUTRU_ERANGE and "" in it.
 * NAME_BUF_SIZE is always enough for a normalised name and for its fold. */
#ifndef CUTRU_NAME_H
#define CUTRU_NAME_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define NAME_MAX_CHARS 100  /* code points in a normalised name */
#define NAME_MAX_WORDS 10
#define NAME_BUF_SIZE 512   /* bytes: NAME_MAX_CHARS * 4 + NUL, rounded up */
/* Bytes enough for the sort key of any name name_normalise() accepts, with
 * a wide margin: the largest measured (ICU 72, 100 of the heaviest letters
 * and marks) is under 850 bytes.  A caller still handles CUTRU_ERANGE. */
#define NAME_SORT_KEY_SIZE 2048

/* Normalise a name as typed into its stored form (see above).  s[0..len)
 * (len may be UTF8_NTS from core/utf8.h).  On success writes the stored form
 * into out[0..outsz) and its byte length into *outlen (may be NULL).
 * Errors, with field "name" and a message for the officer: CUTRU_EINVAL
 * (empty, too long, too many words, a digit, a refused character, a mark or
 * a hyphen out of place, ill-formed UTF-8), CUTRU_ERANGE (out too small),
 * CUTRU_ENOMEM, CUTRU_EINTERNAL (ICU). */
int name_normalise(const char *s, size_t len, char *out, size_t outsz,
    size_t *outlen, struct cutru_err *e);

/* Capitalise each word the usual way: the first letter of each word, and the
 * first letter after a hyphen or an apostrophe, in title case; the other
 * letters in lower case ("NGUYỄN văn đức" -> "Nguyễn Văn Đức", "y-moan" ->
 * "Y-Moan", "h'hen" -> "H'Hen").  name should be a stored (normalised) name;
 * any valid UTF-8 is accepted.  Output as for name_normalise(); the result
 * can differ in byte length from the input. */
int name_titlecase(const char *name, size_t len, char *out, size_t outsz,
    size_t *outlen, struct cutru_err *e);

/* A part of a name: bytes [off, off + len) of the string given to
 * name_split().  len 0 means the part is absent. */
struct name_span {
	size_t off;
	size_t len;
};

struct name_parts {
	struct name_span family;  /* first word, absent for a one-word name */
	struct name_span middle;  /* words between, with their inner spaces */
	struct name_span given;   /* last word */
	unsigned words;           /* number of words */
};

/* Split a stored name into family / middle / given (see above).  Words are
 * separated by runs of ASCII spaces; leading and trailing spaces are
 * ignored, so an unnormalised string splits sensibly too.  The spans point
 * into name; nothing is allocated.  An empty name gives words == 0 and all
 * spans absent. */
void name_split(const char *name, size_t len, struct name_parts *p);

/* Fold a name for search (see above) into out[0..outsz).  Any well-formed
 * UTF-8 is accepted: control characters separate words like white space,
 * invisible format characters (ZWJ, soft hyphen, BOM) vanish.  Ill-formed
 * input and NUL give CUTRU_EINVAL (field "name").
 * The result has at most as many code points as the input, so NAME_BUF_SIZE
 * bytes suffice for a stored name. */
int name_fold(const char *s, size_t len, char *out, size_t outsz,
    size_t *outlen, struct cutru_err *e);

/* Fold what an officer typed into a search box, so that it can be compared
 * with name_fold() output as word prefixes: like name_fold(), and in
 * addition every character that cannot be part of a name word (punctuation
 * other than hyphen and apostrophe, symbols, control characters) becomes a
 * space; digits are kept (the caller may be searching by ID number).
 * "  Nguyễn,  văn   Đ" -> "nguyen van d".  An empty or all-space query folds
 * to "".  Errors as name_fold() with field "query". */
int name_fold_query(const char *s, size_t len, char *out, size_t outsz,
    size_t *outlen, struct cutru_err *e);

/* The binary sort key of a stored name (see above) into key[0..keysz); its
 * length in *keylen.  memcmp() over the shorter length, then the shorter key
 * first, gives the Vietnamese list order.  If keysz is too small, returns
 * CUTRU_ERANGE and sets *keylen to the size needed.  Ill-formed UTF-8 gives
 * CUTRU_EINVAL; a missing ICU collation gives CUTRU_EINTERNAL. */
int name_sort_key(const char *name, size_t len, uint8_t *key, size_t keysz,
    size_t *keylen, struct cutru_err *e);

/* The version of the collation behind name_sort_key(), as "a.b.c.d", into
 * out[0..outsz) (outsz >= 20 is enough).  Keys made under different versions
 * must not be compared. */
int name_collation_version(char *out, size_t outsz, struct cutru_err *e);

#endif
