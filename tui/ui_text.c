#include "config.h"

/* A one-line text field; see tui/ui_text.h.
 *
 * Invariants after every public call: buf[len] == '\0'; buf[0..len) is
 * well-formed UTF-8 without control characters; cursor and scroll are
 * grapheme boundaries of it with scroll <= cursor (scroll is moved on
 * draw); g points at buf[0..len). */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>

#include "core/utf8.h"
#include "tui/ui_term.h"
#include "tui/ui_text.h"

static void
retext(struct ui_text *t)
{
	t->buf[t->len] = '\0';
	(void)utf8_graphemes_set_text(t->g, t->buf, t->len, NULL);
	if (t->cursor > t->len)
		t->cursor = t->len;
	if (!utf8_graphemes_is_boundary(t->g, t->cursor))
		t->cursor = utf8_graphemes_next(t->g, t->cursor);
	if (t->scroll > t->cursor ||
	    !utf8_graphemes_is_boundary(t->g, t->scroll))
		t->scroll = 0;
}

int
ui_text_init(struct ui_text *t, size_t max_bytes, int secret,
    struct cutru_err *e)
{
	memset(t, 0, sizeof *t);
	t->cap = max_bytes + 1;
	t->secret = secret;
	t->buf = secret ? sodium_malloc(t->cap) : malloc(t->cap);
	if (t->buf == NULL)
		return cutru_err_set(e, CUTRU_ENOMEM, NULL, "%s",
		    "out of memory");
	t->buf[0] = '\0';
	if (utf8_graphemes_open(&t->g, t->buf, 0, e) != CUTRU_OK) {
		ui_text_free(t);
		return e != NULL ? e->code : CUTRU_EINTERNAL;
	}
	return CUTRU_OK;
}

void
ui_text_free(struct ui_text *t)
{
	if (t == NULL)
		return;
	utf8_graphemes_close(t->g);
	if (t->buf != NULL) {
		if (t->secret)
			sodium_free(t->buf);
		else
			free(t->buf);
	}
	memset(t, 0, sizeof *t);
}

void
ui_text_clear(struct ui_text *t)
{
	if (t->buf == NULL)
		return;
	sodium_memzero(t->buf, t->cap);
	t->len = t->cursor = t->scroll = 0;
	retext(t);
}

const char *
ui_text_value(const struct ui_text *t)
{
	return t->buf != NULL ? t->buf : "";
}

/* Compose buf to NFC, keeping the cursor after the same number of grapheme
 * clusters.  Left as it was if ICU fails or the result does not fit. */
static void
compose(struct ui_text *t)
{
	const UNormalizer2 *nfc;
	UErrorCode st = U_ZERO_ERROR;
	UChar *u = NULL, *n = NULL;
	char *out = NULL;
	int32_t ulen, nlen, olen;
	size_t clusters = 0, pos, i;

	nfc = unorm2_getNFCInstance(&st);
	if (U_FAILURE(st))
		return;
	u = malloc((t->len + 1) * sizeof *u);
	n = malloc((2 * t->len + 4) * sizeof *n);
	out = t->secret ? sodium_malloc(t->cap) : malloc(t->cap);
	if (u == NULL || n == NULL || out == NULL)
		goto done;
	u_strFromUTF8(u, (int32_t)t->len + 1, &ulen, t->buf, (int32_t)t->len,
	    &st);
	if (U_FAILURE(st))
		goto done;
	nlen = unorm2_normalize(nfc, u, ulen, n, (int32_t)(2 * t->len + 4),
	    &st);
	if (U_FAILURE(st))
		goto done;
	u_strToUTF8(out, (int32_t)t->cap, &olen, n, nlen, &st);
	if (U_FAILURE(st) || (size_t)olen >= t->cap)
		goto done;
	for (pos = 0; pos < t->cursor; clusters++)
		pos = utf8_graphemes_next(t->g, pos);
	memcpy(t->buf, out, (size_t)olen);
	if ((size_t)olen < t->len)
		memset(t->buf + olen, 0, t->len - (size_t)olen);
	t->len = (size_t)olen;
	t->buf[t->len] = '\0';
	(void)utf8_graphemes_set_text(t->g, t->buf, t->len, NULL);
	for (pos = 0, i = 0; i < clusters && pos < t->len; i++)
		pos = utf8_graphemes_next(t->g, pos);
	t->cursor = pos;
	t->scroll = 0;
done:
	if (out != NULL) {
		if (t->secret)
			sodium_free(out);
		else
			free(out);
	}
	if (u != NULL) {
		sodium_memzero(u, (t->len + 1) * sizeof *u);
		free(u);
	}
	if (n != NULL) {
		sodium_memzero(n, (2 * t->len + 4) * sizeof *n);
		free(n);
	}
}

/* Insert one code point's bytes at the cursor; 0 if it does not fit. */
static int
insert_cp(struct ui_text *t, uint32_t cp)
{
	char enc[4];
	size_t n;

	n = utf8_encode(cp, enc);
	if (n == 0 || t->len + n >= t->cap)
		return 0;
	memmove(t->buf + t->cursor + n, t->buf + t->cursor,
	    t->len - t->cursor);
	memcpy(t->buf + t->cursor, enc, n);
	t->len += n;
	t->cursor += n;
	t->buf[t->len] = '\0';
	return 1;
}

/* After inserting: text ending in a combining mark may not be NFC, and
 * the cursor may sit inside a cluster the mark joined. */
static void
after_insert(struct ui_text *t, int composed_needed)
{
	if (composed_needed) {
		(void)utf8_graphemes_set_text(t->g, t->buf, t->len, NULL);
		compose(t);
	}
	retext(t);
}

int
ui_text_insert(struct ui_text *t, const char *s)
{
	size_t pos = 0, len;
	int32_t cp;
	int any = 0, marks = 0;

	if (s == NULL || t->buf == NULL)
		return 0;
	len = strlen(s);
	while (pos < len) {
		cp = utf8_decode(s, len, &pos);
		if (cp < 0)
			cp = 0xfffd;
		if (!ui_key_is_text(cp))
			cp = ' ';
		if (!insert_cp(t, (uint32_t)cp))
			break;
		any = 1;
		if (cp >= 0x80)
			marks = 1;
	}
	if (any)
		after_insert(t, marks);
	return any;
}

void
ui_text_set(struct ui_text *t, const char *s)
{
	if (t->buf == NULL)
		return;
	ui_text_clear(t);
	(void)ui_text_insert(t, s);
}

static void
delete_range(struct ui_text *t, size_t from, size_t to)
{
	if (to <= from)
		return;
	memmove(t->buf + from, t->buf + to, t->len - to);
	t->len -= to - from;
	sodium_memzero(t->buf + t->len, to - from);
	if (t->cursor > from)
		t->cursor = t->cursor >= to ? t->cursor - (to - from) : from;
	retext(t);
}

int
ui_text_key(struct ui_text *t, int key)
{
	size_t p;

	if (t->buf == NULL)
		return -1;
	if (ui_key_is_text(key)) {
		if (!insert_cp(t, (uint32_t)key))
			return 0;
		/* Only a mark or another non-ASCII letter can compose with
		 * what stands before it. */
		after_insert(t, key >= 0x300);
		return 1;
	}
	switch (key) {
	case UI_KEY_LEFT:
		t->cursor = utf8_graphemes_prev(t->g, t->cursor);
		return 0;
	case UI_KEY_RIGHT:
		t->cursor = utf8_graphemes_next(t->g, t->cursor);
		return 0;
	case UI_KEY_HOME:
	case UI_KEY_CTRL('a'):
		t->cursor = 0;
		return 0;
	case UI_KEY_END:
	case UI_KEY_CTRL('e'):
		t->cursor = t->len;
		return 0;
	case UI_KEY_BACKSPACE:
		if (t->cursor == 0)
			return 0;
		p = utf8_graphemes_prev(t->g, t->cursor);
		delete_range(t, p, t->cursor);
		return 1;
	case UI_KEY_DELETE:
	case UI_KEY_CTRL('d'):
		if (t->cursor >= t->len)
			return 0;
		delete_range(t, t->cursor,
		    utf8_graphemes_next(t->g, t->cursor));
		return 1;
	case UI_KEY_CTRL('u'):
		if (t->cursor == 0)
			return 0;
		delete_range(t, 0, t->cursor);
		return 1;
	case UI_KEY_CTRL('k'):
		if (t->cursor >= t->len)
			return 0;
		delete_range(t, t->cursor, t->len);
		return 1;
	default:
		return -1;
	}
}

void
ui_text_draw(struct ui_text *t, WINDOW *w, int y, int x, int cols,
    int *cursor_x)
{
	size_t n, pos;
	int cx;

	if (cursor_x != NULL)
		*cursor_x = x;
	if (cols <= 0 || t->buf == NULL)
		return;
	if (t->secret) {
		/* One '*' per cluster; the text itself is never drawn. */
		for (n = 0, pos = 0; pos < t->cursor; n++)
			pos = utf8_graphemes_next(t->g, pos);
		cx = (int)n < cols - 1 ? (int)n : cols - 1;
		for (pos = 0, n = 0; pos < t->len && (int)n < cols; n++) {
			mvwaddch(w, y, x + (int)n, '*');
			pos = utf8_graphemes_next(t->g, pos);
		}
		if ((int)n < cols)
			mvwhline(w, y, x + (int)n, ' ' | (chtype)getattrs(w),
			    cols - (int)n);
		if (cursor_x != NULL)
			*cursor_x = x + cx;
		return;
	}
	/* Keep the cursor inside the field, one column left for it at the
	 * end. */
	if (t->scroll > t->cursor)
		t->scroll = t->cursor;
	while (t->scroll < t->cursor &&
	    (int)utf8_width(t->buf + t->scroll, t->cursor - t->scroll) >
	    cols - 1)
		t->scroll = utf8_graphemes_next(t->g, t->scroll);
	cx = (int)utf8_width(t->buf + t->scroll, t->cursor - t->scroll);
	ui_put_pad(w, y, x, t->buf + t->scroll, cols);
	if (cursor_x != NULL)
		*cursor_x = x + (cx < cols ? cx : cols - 1);
}
