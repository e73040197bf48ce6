#include "config.h"

/* The console's terminal: see tui/ui_term.h for what is promised. */

#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curses.h>

#include "core/i18n.h"
#include "core/utf8.h"
#include "tui/ui_term.h"

static volatile sig_atomic_t term_active;
static int term_atexit_done;
static int term_colour;
static int colour_off;      /* ui_term_colour_off() */
static int role_attr[UI_ROLE_COUNT];
/* One grapheme iterator for all drawing: ICU break iterators are costly
 * to open and cheap to point at a new text. */
static struct utf8_graphemes *draw_g;

static const int restore_signals[] = {
	SIGINT, SIGTERM, SIGHUP, SIGQUIT,
	SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT
};

static void
term_signal(int sig)
{
	if (term_active) {
		term_active = 0;
		endwin();
	}
	/* SA_RESETHAND gave the default action back: the signal raised now
	 * is delivered when this handler returns (a crash signal also comes
	 * back by itself when the faulting instruction runs again). */
	raise(sig);
}

static void
term_atexit(void)
{
	ui_term_stop();
	utf8_graphemes_close(draw_g);
	draw_g = NULL;
}

static void
setup_roles(void)
{
	const char *nc = getenv("NO_COLOR");

	term_colour = !colour_off && has_colors() &&
	    (nc == NULL || nc[0] == '\0');
	if (term_colour && start_color() == OK) {
		use_default_colors();
		init_pair(1, COLOR_WHITE, COLOR_BLUE);
		init_pair(2, COLOR_BLACK, COLOR_CYAN);
		init_pair(3, COLOR_RED, -1);
		init_pair(4, COLOR_GREEN, -1);
		init_pair(5, COLOR_CYAN, -1);
		init_pair(6, COLOR_WHITE, COLOR_RED);
		init_pair(7, COLOR_BLACK, COLOR_WHITE);
		role_attr[UI_NORMAL] = A_NORMAL;
		role_attr[UI_TITLE] = COLOR_PAIR(1) | A_BOLD;
		role_attr[UI_BAR_KEY] = A_BOLD;
		role_attr[UI_BAR_LABEL] = COLOR_PAIR(2);
		role_attr[UI_SELECTED] = COLOR_PAIR(2);
		role_attr[UI_FIELD] = A_UNDERLINE;
		role_attr[UI_FIELD_FOCUS] = COLOR_PAIR(7);
		role_attr[UI_ERROR] = COLOR_PAIR(3) | A_BOLD;
		role_attr[UI_GOOD] = COLOR_PAIR(4);
		role_attr[UI_HEADING] = COLOR_PAIR(5) | A_BOLD;
		role_attr[UI_DIM] = A_DIM;
		role_attr[UI_STATUS_ERROR] = COLOR_PAIR(6) | A_BOLD;
		return;
	}
	term_colour = 0;
	role_attr[UI_NORMAL] = A_NORMAL;
	role_attr[UI_TITLE] = A_REVERSE | A_BOLD;
	role_attr[UI_BAR_KEY] = A_BOLD;
	role_attr[UI_BAR_LABEL] = A_REVERSE;
	role_attr[UI_SELECTED] = A_REVERSE;
	role_attr[UI_FIELD] = A_UNDERLINE;
	role_attr[UI_FIELD_FOCUS] = A_REVERSE;
	role_attr[UI_ERROR] = A_BOLD;
	role_attr[UI_GOOD] = A_NORMAL;
	role_attr[UI_HEADING] = A_BOLD;
	role_attr[UI_DIM] = A_NORMAL;
	role_attr[UI_STATUS_ERROR] = A_REVERSE | A_BOLD;
}

int
ui_term_start(struct cutru_err *e)
{
	struct sigaction sa;
	const char *cs;
	size_t i;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("The console needs a terminal; for scripts use the "
		    "batch commands (cutru --help)."));
	cs = nl_langinfo(CODESET);
	if (cs == NULL || strcmp(cs, "UTF-8") != 0) {
		/* A "C" or "POSIX" locale: the text is Vietnamese, so take
		 * UTF-8 for the characters if the system has it. */
		if (setlocale(LC_CTYPE, "C.UTF-8") == NULL ||
		    strcmp(nl_langinfo(CODESET), "UTF-8") != 0)
			return cutru_err_set(e, CUTRU_EINVAL, NULL,
			    _("The console needs a UTF-8 locale; set LANG, "
			    "for example LANG=vi_VN.UTF-8."));
	}
	if (draw_g == NULL &&
	    utf8_graphemes_open(&draw_g, "", 0, e) != CUTRU_OK)
		return e != NULL ? e->code : CUTRU_EINTERNAL;
	/* Handlers first: ncurses then leaves these signals to us. */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = term_signal;
	sa.sa_flags = SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof restore_signals / sizeof restore_signals[0];
	    i++)
		sigaction(restore_signals[i], &sa, NULL);
	if (!term_atexit_done) {
		atexit(term_atexit);
		term_atexit_done = 1;
	}
	/* Esc alone is "back": wait only briefly for the rest of a key's
	 * escape sequence. */
	set_escdelay(25);
	if (initscr() == NULL)
		return cutru_err_set(e, CUTRU_EIO, NULL,
		    _("The terminal could not be started; check TERM."));
	term_active = 1;
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	meta(stdscr, TRUE);
	setup_roles();
	return CUTRU_OK;
}

void
ui_term_colour_off(void)
{
	colour_off = 1;
}

void
ui_term_stop(void)
{
	if (term_active) {
		term_active = 0;
		endwin();
	}
}

int
ui_term_has_colour(void)
{
	return term_colour;
}

int
ui_attr(enum ui_role role)
{
	if ((int)role < 0 || role >= UI_ROLE_COUNT)
		return A_NORMAL;
	return role_attr[role];
}

static int
map_keycode(int k)
{
	switch (k) {
	case KEY_UP: return UI_KEY_UP;
	case KEY_DOWN: return UI_KEY_DOWN;
	case KEY_LEFT: return UI_KEY_LEFT;
	case KEY_RIGHT: return UI_KEY_RIGHT;
	case KEY_HOME: return UI_KEY_HOME;
	case KEY_END: return UI_KEY_END;
	case KEY_PPAGE: return UI_KEY_PGUP;
	case KEY_NPAGE: return UI_KEY_PGDN;
	case KEY_BTAB: return UI_KEY_BTAB;
	case KEY_ENTER: return UI_KEY_ENTER;
	case KEY_BACKSPACE: return UI_KEY_BACKSPACE;
	case KEY_DC: return UI_KEY_DELETE;
	case KEY_RESIZE: return UI_KEY_RESIZE;
	default:
		break;
	}
	if (k >= KEY_F(1) && k <= KEY_F(12))
		return UI_KEY_F(k - KEY_F(0));
	return UI_KEY_IDLE; /* a key the console has no use for */
}

static int
map_char(wint_t c)
{
	switch (c) {
	case '\t': return UI_KEY_TAB;
	case '\r': case '\n': return UI_KEY_ENTER;
	case 8: case 127: return UI_KEY_BACKSPACE;
	case UI_KEY_CTRL('s'): return UI_KEY_F(2);
	case UI_KEY_CTRL('f'): return UI_KEY_F(3);
	case UI_KEY_CTRL('q'): return UI_KEY_F(10);
	default:
		break;
	}
	if (c > 0x10ffff || (c >= 0x80 && c < 0xa0))
		return UI_KEY_IDLE;
	return (int)c;
}

/* The rest of an escape sequence that the terminal description did not
 * know (a terminal emulator sending another terminal's keys: "ESC [ 1 ~"
 * for Home where terminfo says "ESC O H").  The common keys are decoded;
 * any other sequence is read to its end and ignored, so that none of its
 * bytes is taken as typed text. */
static int
escape_sequence(int intro)
{
	wint_t c;
	int param = 0, n = 0, r;

	for (;;) {
		wtimeout(stdscr, 10);
		r = wget_wch(stdscr, &c);
		if (r == ERR || r == KEY_CODE_YES || ++n > 16)
			return UI_KEY_IDLE;
		if (c >= '0' && c <= '9') {
			if (param < 1000)
				param = param * 10 + (int)(c - '0');
			continue;
		}
		if (c < 0x40 || c > 0x7e) {
			if (c == ';')
				param = 0; /* modifiers: keep the key */
			if (c >= 0x20 && c < 0x40)
				continue;
			return UI_KEY_IDLE;
		}
		break;
	}
	switch (c) {
	case 'A': return UI_KEY_UP;
	case 'B': return UI_KEY_DOWN;
	case 'C': return UI_KEY_RIGHT;
	case 'D': return UI_KEY_LEFT;
	case 'H': return UI_KEY_HOME;
	case 'F': return UI_KEY_END;
	case 'Z': return UI_KEY_BTAB;
	case 'P': case 'Q': case 'R': case 'S':
		return intro == 'O' ? UI_KEY_F((int)(c - 'P') + 1) :
		    UI_KEY_IDLE;
	case '~':
		switch (param) {
		case 1: case 7: return UI_KEY_HOME;
		case 4: case 8: return UI_KEY_END;
		case 3: return UI_KEY_DELETE;
		case 5: return UI_KEY_PGUP;
		case 6: return UI_KEY_PGDN;
		default: return UI_KEY_IDLE;
		}
	default:
		return UI_KEY_IDLE;
	}
}

int
ui_term_key(int timeout_ms)
{
	wint_t c, c2;
	int r;

	wtimeout(stdscr, timeout_ms);
	r = wget_wch(stdscr, &c);
	if (r == ERR)
		return UI_KEY_IDLE;
	if (r == KEY_CODE_YES)
		return map_keycode((int)c);
	if (c != 27)
		return map_char(c);
	/* Esc: alone it is "back"; followed at once by a key it is Alt+key
	 * (and Esc then a digit is a function key, as in mc). */
	wtimeout(stdscr, 0);
	r = wget_wch(stdscr, &c2);
	if (r == ERR || r == KEY_CODE_YES || c2 == 27)
		return UI_KEY_ESC;
	if (c2 == '[' || c2 == 'O')
		return escape_sequence((int)c2);
	if (c2 >= '1' && c2 <= '9')
		return UI_KEY_F((int)(c2 - '0'));
	if (c2 == '0')
		return UI_KEY_F(10);
	if (c2 < 0x20 || c2 > 0x10ffff)
		return UI_KEY_ESC;
	return UI_KEY_ALT | (int)c2;
}

int
ui_key_is_text(int key)
{
	return key >= 0x20 && key < 0x110000 && key != 0x7f &&
	    !(key >= 0x80 && key < 0xa0);
}

/* s[0..len) with each control character and ill-formed byte replaced by
 * '?', into a malloc'd string (*out, *outlen); NULL when out of memory. */
static char *
sanitise(const char *s, size_t len, size_t *outlen)
{
	char *out;
	size_t pos = 0, start, o = 0;
	int32_t cp;

	out = malloc(len + 1);
	if (out == NULL)
		return NULL;
	while (pos < len) {
		start = pos;
		cp = utf8_decode(s, len, &pos);
		if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) ||
		    (cp >= 0x202a && cp <= 0x202e) ||
		    (cp >= 0x2066 && cp <= 0x2069)) {
			out[o++] = '?';
			continue;
		}
		memcpy(out + o, s + start, pos - start);
		o += pos - start;
	}
	out[o] = '\0';
	*outlen = o;
	return out;
}

size_t
ui_fit(const char *s, size_t len, int cols, int *width)
{
	size_t end, w = 0;

	if (width != NULL)
		*width = 0;
	if (s == NULL || cols <= 0 || draw_g == NULL)
		return 0;
	if (len == UTF8_NTS)
		len = strlen(s);
	if (utf8_graphemes_set_text(draw_g, s, len, NULL) != CUTRU_OK)
		return 0;
	end = utf8_graphemes_fit(draw_g, 0, (size_t)cols, &w);
	if (width != NULL)
		*width = (int)w;
	return end;
}

int
ui_put(WINDOW *w, int y, int x, const char *s, size_t len, int cols)
{
	char *clean;
	size_t clen, end;
	int width = 0;

	if (s == NULL || cols <= 0)
		return 0;
	if (len == UTF8_NTS)
		len = strlen(s);
	clean = sanitise(s, len, &clen);
	if (clean == NULL)
		return 0;
	end = ui_fit(clean, clen, cols, &width);
	if (end > 0)
		mvwaddnstr(w, y, x, clean, (int)end);
	free(clean);
	return width;
}

void
ui_put_pad(WINDOW *w, int y, int x, const char *s, int cols)
{
	int used;

	used = ui_put(w, y, x, s != NULL ? s : "", UTF8_NTS, cols);
	if (used < cols)
		mvwhline(w, y, x + used, ' ' | (chtype)getattrs(w),
		    cols - used);
}

int
ui_width(const char *s)
{
	return s != NULL ? (int)utf8_width(s, strlen(s)) : 0;
}
