/* The console: the interactive, full-screen side of the cutru program
 * (`cutru` on a terminal, or `cutru console`).  struct console is what
 * every screen shares: the screen manager, the store's folder, the
 * officer's session once logged in.  The screens (tui/screen_NAME.c) are
 * listed in console_screens; each is reached through the struct below.
 * See tui/console.c. */
#ifndef CUTRU_CONSOLE_H
#define CUTRU_CONSOLE_H

#include <stddef.h>
#include <time.h>

#include "core/date.h"
#include "core/err.h"
#include "core/types.h"
#include "localdb/search.h"
#include "localdb/session.h"
#include "tui/cli.h"
#include "tui/ui_screen.h"

struct console {
	struct ui_mgr ui;
	char store[CLI_PATH_MAX];   /* the store's folder */
	char login[CLI_LOGIN_MAX];  /* the officer proposed at login */
	struct session *s;          /* NULL until logged in */
};

/* The screens, one per file. */
extern const struct ui_screen screen_login;
extern const struct ui_screen screen_home;
extern const struct ui_screen screen_search;
extern const struct ui_screen screen_person;
extern const struct ui_screen screen_form;
extern const struct ui_screen screen_queue;

/* Every screen, NULL-ended: a new screen is a new file and a line here. */
extern const struct ui_screen *const console_screens[];

/* What screen_form's open() takes: the procedure, and a person to fill in
 * as the applicant (or NULL). */
struct console_form_arg {
	const char *procedure;              /* an id of core/procedure.h */
	const struct search_result *person; /* copied by open() */
};

/* Now, and today in Vietnam.  CUTRU_OK or the error of session_today(). */
time_t console_now(void);
int console_today(struct cutru_date *today, struct cutru_err *e);

/* Text for people: a date as DD/MM/YYYY (partial dates shorter, "" when
 * unknown) into buf[DATE_FMT_MAX]; a sex; a residence state; an ISO date
 * string ("YYYY-MM-DD") as DD/MM/YYYY into buf (the input if it is not
 * one). */
void console_date(const struct cutru_date *d, char *buf);
const char *console_sex(enum cutru_sex sex);
const char *console_state(enum search_state state);
void console_iso_date(const char *iso, char *buf, size_t size);

/* The title of a procedure by id (translated), or the id itself. */
const char *console_procedure_title(const char *id);

/* Show a library error on the status line. */
void console_error(struct console *c, const struct cutru_err *e);

#endif
