/* UTF-8 text as the console, the store and the registry accept it: strict
 * validation, code point iteration, normalisation of one-line fields, display
 * width and grapheme-cluster boundaries.
 *
 * Strings are (pointer, length in bytes) pairs.  A length of UTF8_NTS means
 * "NUL-terminated": the length is then strlen(s).  With an explicit length a
 * NUL byte inside the string is an error (UTF8_ENUL), never a terminator: a
 * name "An\0Bình" must not be stored as "An" by one layer and shown as
 * "An Bình" by another.
 *
 * Strict means RFC 3629 / Unicode 15 §3.9 "well-formed": no overlong forms
 * ("C0 AF" is not '/'), no surrogates U+D800..U+DFFF (CESU-8 or WTF-8 from
 * Windows tools), nothing above U+10FFFF, no sequence cut short.
 *
 * A text field additionally refuses control characters: C0 (U+0000..U+001F),
 * DEL (U+007F), C1 (U+0080..U+009F), and the bidirectional embedding,
 * override and isolate controls (U+202A..U+202E, U+2066..U+2069) that can make
 * an address display in a different order from the one stored.  TAB and line
 * breaks are allowed only when the caller's flags say so; a "line break" is
 * LF, CR, U+2028 or U+2029.  Zero-width joiners, left-to-right / right-to-left
 * marks and other format characters are valid text here; the name rules in
 * core/name.h refuse them in a name.  Noncharacters (U+FFFE, U+FDD0..) and
 * private-use characters are accepted.
 *
 * Display width follows wcwidth(3) but takes its data from ICU, so that it
 * does not depend on the C library's locale tables: see utf8_cp_width().
 * Grapheme clusters are ICU's extended grapheme clusters (UAX #29), the unit
 * in which the console's text field moves the cursor and deletes. */
#ifndef CUTRU_UTF8_H
#define CUTRU_UTF8_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* Length value meaning "s is NUL-terminated". */
#define UTF8_NTS ((size_t)-1)

/* Flags for utf8_check() and friends.  0 is a one-line text field. */
enum utf8_flag {
	UTF8_ALLOW_TAB = 1u << 0,       /* U+0009 is text */
	UTF8_ALLOW_NEWLINE = 1u << 1,   /* LF, CR, U+2028, U+2029 are text */
	/* Allow the other controls: an encoding check.  NUL is still
	 * refused; TAB and line breaks follow their own flags. */
	UTF8_ALLOW_CONTROLS = 1u << 2
};

/* What is wrong with a byte string, from utf8_check(). */
enum utf8_fault {
	UTF8_VALID = 0,
	UTF8_EBADBYTE,      /* 80..BF where a character starts; F8..FF */
	UTF8_ETRUNCATED,    /* a sequence cut short by the end of the input */
	UTF8_ECONTINUATION, /* a lead byte without its 80..BF bytes after it */
	UTF8_EOVERLONG,     /* too long a form: C0, C1, E0 80..9F, F0 80..8F */
	UTF8_ESURROGATE,    /* ED A0..BF: U+D800..U+DFFF */
	UTF8_ETOOLARGE,     /* F4 90.. and F5..F7: above U+10FFFF */
	UTF8_ENUL,          /* U+0000 inside a counted string */
	UTF8_ECONTROL       /* a control character the flags do not allow */
};

/* Where utf8_check() stopped. */
struct utf8_fault_at {
	enum utf8_fault fault;
	size_t offset;      /* byte offset of the offending sequence */
	size_t index;       /* well-formed code points before it (0-based) */
	uint32_t cp;        /* refused code point (ENUL, ECONTROL), else 0 */
};

/* Check s[0..len) against the flags.  Returns UTF8_VALID or the first fault;
 * *at (may be NULL) tells where.  s may be NULL only when len is 0.  Linear,
 * no allocation. */
enum utf8_fault utf8_check(const char *s, size_t len, unsigned flags,
    struct utf8_fault_at *at);

/* utf8_check() with a message for the officer: on a fault fills *e (field
 * names the form field, e.g. "address") and returns CUTRU_EINVAL; else
 * CUTRU_OK. */
int utf8_validate(const char *s, size_t len, unsigned flags,
    const char *field, struct cutru_err *e);

/* Decode the code point at s[*pos] (requires *pos < len) and advance *pos past
 * it.  Returns the code point, or -1 for an ill-formed sequence, in which case
 * *pos advances by one byte (so a loop always terminates and shows one
 * U+FFFD per bad byte).  Does not judge control characters. */
int32_t utf8_decode(const char *s, size_t len, size_t *pos);

/* Encode cp into out (at least 4 bytes, not NUL-terminated).  Returns the
 * number of bytes written (1..4), or 0 for a surrogate or cp > U+10FFFF. */
size_t utf8_encode(uint32_t cp, char *out);

/* Number of code points in s[0..len) (len may be UTF8_NTS); each byte of an
 * ill-formed sequence counts as one. */
size_t utf8_count(const char *s, size_t len);

/* Display width of one code point in terminal columns, like wcwidth(3):
 *  -1  controls (C0, DEL, C1), surrogates, values above U+10FFFF;
 *   0  U+0000, nonspacing and enclosing marks (Mn, Me), format characters
 *      (Cf: ZWJ, ZWSP, LRM/RLM, BOM) except SOFT HYPHEN, and the Hangul
 *      medial vowels and final consonants U+1160..U+11FF;
 *   2  East Asian Width Wide or Fullwidth (CJK, Hangul syllables, most emoji);
 *   1  everything else, including East Asian Ambiguous (the console assumes a
 *      non-CJK terminal) and unassigned code points outside the wide blocks. */
int utf8_cp_width(uint32_t cp);

/* Display width of s[0..len) in columns: the sum of utf8_cp_width() over its
 * code points, where each ill-formed byte and each control character counts
 * 1 (the console draws either as one replacement glyph).  This is what a
 * wcwidth-based terminal advances; emoji ZWJ sequences and flags may be drawn
 * narrower by some terminals. */
size_t utf8_width(const char *s, size_t len);

/* Clean one line of text typed, pasted or scanned into a field: check it (as
 * a text field; TAB and line breaks are taken as white space), convert to
 * NFC, replace each run of white space (any Unicode White_Space: TAB, LF, CR,
 * NBSP, U+2000..U+200A, U+3000, ...) with one ASCII space, and trim both ends.
 * Writes a NUL-terminated result to out[0..outsz) and its length without the
 * NUL to *outlen (may be NULL).  Errors: CUTRU_EINVAL for ill-formed input or
 * control characters, CUTRU_ERANGE when out is too small (the result can be
 * longer than the input only for rare characters whose NFC form is longer),
 * CUTRU_ENOMEM, CUTRU_EINTERNAL on an ICU failure; on error out is "" when
 * outsz > 0.  field names the form field in *e (may be NULL). */
int utf8_clean_line(const char *s, size_t len, char *out, size_t outsz,
    size_t *outlen, const char *field, struct cutru_err *e);

/* A grapheme-cluster break iterator over one text, for the console's text
 * field.  Opaque; one per thread (ICU break iterators are not thread-safe).
 * The iterator does not copy the text: the caller keeps s[0..len) alive and
 * unchanged until the next utf8_graphemes_set_text() or _close(). */
struct utf8_graphemes;

/* Open an iterator on s[0..len) (len may be UTF8_NTS; s may be NULL when
 * len is 0).  Ill-formed bytes are taken as U+FFFD clusters.  *out is owned
 * by the caller, released with utf8_graphemes_close(); NULL on failure
 * (CUTRU_ENOMEM or CUTRU_EINTERNAL, with *e filled). */
int utf8_graphemes_open(struct utf8_graphemes **out, const char *s,
    size_t len, struct cutru_err *e);

/* Point the iterator at a new text (the field's buffer after an edit).
 * Cheaper than close + open.  Same rules for s and len as _open(). */
int utf8_graphemes_set_text(struct utf8_graphemes *g, const char *s,
    size_t len, struct cutru_err *e);

/* Byte offset of the first grapheme boundary after pos, or the text length
 * when pos is at or past the end. */
size_t utf8_graphemes_next(struct utf8_graphemes *g, size_t pos);

/* Byte offset of the last grapheme boundary before pos, or 0 when pos is 0.
 * A pos past the end is taken as the end. */
size_t utf8_graphemes_prev(struct utf8_graphemes *g, size_t pos);

/* 1 if pos is a grapheme boundary (0 and the text length are), else 0. */
int utf8_graphemes_is_boundary(struct utf8_graphemes *g, size_t pos);

/* The end of the longest run of whole grapheme clusters starting at the
 * boundary from whose display width is at most cols: a byte offset >= from
 * (from past the end is taken as the end).
 * *width (may be NULL) receives that run's width.  Used to draw the visible
 * part of a field and to move the cursor by screen columns. */
size_t utf8_graphemes_fit(struct utf8_graphemes *g, size_t from, size_t cols,
    size_t *width);

/* Release g (NULL is allowed). */
void utf8_graphemes_close(struct utf8_graphemes *g);

/* Number of grapheme clusters in s[0..len) into *count.  Opens and closes
 * its own iterator: for one-off use, not per keystroke in a loop. */
int utf8_grapheme_count(const char *s, size_t len, size_t *count,
    struct cutru_err *e);

#endif
