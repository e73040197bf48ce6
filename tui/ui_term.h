/* The console's terminal: starting and always restoring it, colours with a
 * monochrome fallback, keys read as one vocabulary, and drawing UTF-8 text
 * by display width.
 *
 * Restoring.  Once ui_term_start() has succeeded the terminal is put back
 * (endwin()) by ui_term_stop(), by an atexit() handler, and by handlers of
 * SIGINT, SIGTERM, SIGHUP, SIGQUIT and of the crash signals (SIGSEGV,
 * SIGBUS, SIGFPE, SIGILL, SIGABRT), which then let the signal take its
 * default course (the process ends as the signal says; a crash still
 * dumps core).  endwin() is not async-signal-safe: in a handler it is a
 * last effort, chosen because a terminal left in raw mode without echo is
 * what an officer cannot recover from.  Window size changes arrive as
 * UI_KEY_RESIZE (ncurses' own SIGWINCH handling).
 *
 * Colours.  Used when the terminal has them, NO_COLOR
 * (https://no-color.org) is unset or empty, and ui_term_colour_off() was
 * not called (cutru.conf's color = never); otherwise every role is drawn
 * with reverse video, bold and underline only.
 *
 * Keys.  ui_term_key() returns one int: a Unicode code point for text
 * (U+0020 and above, never a control), a control code 1..31 for Ctrl+letter
 * keys not named below, or one of UI_KEY_*.  Terminals without function
 * keys have equivalents: Esc then a digit, or Alt+digit, is that function
 * key (0 for F10); Ctrl+S is F2, Ctrl+F is F3, Ctrl+Q is F10. */
#ifndef CUTRU_UI_TERM_H
#define CUTRU_UI_TERM_H

#include <stddef.h>

#include <curses.h>

#include "core/err.h"

enum {
	UI_KEY_NAMED = 0x110000,
	UI_KEY_UP = UI_KEY_NAMED,
	UI_KEY_DOWN,
	UI_KEY_LEFT,
	UI_KEY_RIGHT,
	UI_KEY_HOME,
	UI_KEY_END,
	UI_KEY_PGUP,
	UI_KEY_PGDN,
	UI_KEY_TAB,
	UI_KEY_BTAB,        /* Shift+Tab */
	UI_KEY_ENTER,
	UI_KEY_BACKSPACE,
	UI_KEY_DELETE,
	UI_KEY_ESC,
	UI_KEY_RESIZE,
	UI_KEY_IDLE,        /* no key for a while (ui_term_key's timeout) */
	UI_KEY_F0 = UI_KEY_NAMED + 0x100, /* UI_KEY_F(n) is Fn */
	UI_KEY_ALT = 0x200000 /* | code point: Alt+key */
};
#define UI_KEY_F(n) (UI_KEY_F0 + (n))
#define UI_KEY_CTRL(c) ((c) & 0x1f)

/* What is drawn, not how: ui_attr() gives the attributes. */
enum ui_role {
	UI_NORMAL = 0,
	UI_TITLE,        /* the top line */
	UI_BAR_KEY,      /* "F1" in the function-key bar */
	UI_BAR_LABEL,    /* "Help" */
	UI_SELECTED,     /* the selected row of a list */
	UI_FIELD,        /* an input field */
	UI_FIELD_FOCUS,  /* the field with the cursor */
	UI_ERROR,        /* a message about what is wrong */
	UI_GOOD,         /* a success */
	UI_HEADING,      /* a section heading */
	UI_DIM,          /* hints */
	UI_STATUS_ERROR, /* the status line showing an error */
	UI_ROLE_COUNT
};

/* Start the terminal for the console (raw input, no echo, keypad, colours
 * unless NO_COLOR).  Needs a UTF-8 locale (LC_CTYPE) and a terminal on
 * stdin and stdout: CUTRU_EINVAL with a message otherwise. */
int ui_term_start(struct cutru_err *e);

/* Draw without colours even where the terminal has them; call before
 * ui_term_start(). */
void ui_term_colour_off(void);

/* Restore the terminal (idempotent; also done at exit and on signals). */
void ui_term_stop(void);

/* 1 when colours are in use. */
int ui_term_has_colour(void);

/* The attributes of a role. */
int ui_attr(enum ui_role role);

/* Wait for a key, at most timeout_ms (negative: forever); UI_KEY_IDLE when
 * none came. */
int ui_term_key(int timeout_ms);

/* 1 if key is text to insert (a printable code point). */
int ui_key_is_text(int key);

/* Draw s[0..len) (UTF-8; len may be UTF8_NTS) at (y, x) on w, whole
 * grapheme clusters only, at most cols columns, in the current attributes.
 * Control characters and ill-formed bytes are drawn as '?'.  Returns the
 * columns used. */
int ui_put(WINDOW *w, int y, int x, const char *s, size_t len, int cols);

/* As ui_put(), then blanks up to cols columns. */
void ui_put_pad(WINDOW *w, int y, int x, const char *s, int cols);

/* The display width of s (NUL-terminated). */
int ui_width(const char *s);

/* Byte length of the longest prefix of s made of whole grapheme clusters
 * that fits in cols columns (for wrapping text). */
size_t ui_fit(const char *s, size_t len, int cols, int *width);

#endif
