/* A one-line text field that edits UTF-8 by grapheme cluster and draws by
 * display width.
 *
 * The buffer always holds well-formed UTF-8 in NFC: text typed in NFD by
 * an input method (a base letter, then its combining marks, one key each)
 * is composed as it arrives, and the cursor stays after the same number of
 * grapheme clusters.  The cursor is a byte offset that always lies on a
 * grapheme boundary; Left, Right, Backspace and Delete move over or remove
 * one whole cluster ("ệ" is one step whether typed as one code point or as
 * three).  When the text is wider than the field it scrolls so that the
 * cursor stays visible.
 *
 * A secret field (a passphrase) keeps its buffer in sodium_malloc memory,
 * draws one '*' per cluster, and is wiped when cleared or freed. */
#ifndef CUTRU_UI_TEXT_H
#define CUTRU_UI_TEXT_H

#include <stddef.h>

#include <curses.h>

#include "core/err.h"

struct utf8_graphemes;

struct ui_text {
	char *buf;         /* NUL-terminated; owned */
	size_t len;        /* bytes */
	size_t cap;        /* bytes available, the NUL included */
	size_t cursor;     /* byte offset, on a grapheme boundary */
	size_t scroll;     /* first byte drawn */
	int secret;
	struct utf8_graphemes *g;
};

/* An empty field holding at most max_bytes bytes of text.  secret: see
 * above.  CUTRU_ENOMEM, CUTRU_EINTERNAL (ICU). */
int ui_text_init(struct ui_text *t, size_t max_bytes, int secret,
    struct cutru_err *e);

/* Wipe and free (t may be zero-filled or NULL). */
void ui_text_free(struct ui_text *t);

/* Replace the text (cut at a character boundary if too long; ill-formed
 * bytes become U+FFFD), cursor at the end.  s NULL is "". */
void ui_text_set(struct ui_text *t, const char *s);

/* Empty the field (wiping what it held). */
void ui_text_clear(struct ui_text *t);

/* The text, NUL-terminated, owned by the field. */
const char *ui_text_value(const struct ui_text *t);

/* Apply a key (tui/ui_term.h): text is inserted at the cursor; Left,
 * Right, Home, End (and Ctrl+A, Ctrl+E) move; Backspace and Delete remove
 * a cluster; Ctrl+U clears to the start, Ctrl+K to the end.  Returns 1 if
 * the text changed, 0 if the key was used without changing it, -1 if the
 * field has no use for it. */
int ui_text_key(struct ui_text *t, int key);

/* Insert UTF-8 text s (NUL-terminated) at the cursor, as if typed. 1 if
 * anything was inserted. */
int ui_text_insert(struct ui_text *t, const char *s);

/* Draw the field in cols columns at (y, x) of w in the current
 * attributes, padded with blanks; *cursor_x (may be NULL) gets the
 * column of the cursor. */
void ui_text_draw(struct ui_text *t, WINDOW *w, int y, int x, int cols,
    int *cursor_x);

#endif
