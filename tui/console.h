/* The console: the interactive, full-screen side of the cutru program
 * (`cutru` on a terminal, or `cutru console`).  struct console is what
 * every screen shares: the screen manager, the store's folder, the
 * officer's session once logged in.  The screens (tui/screen_NAME.c) are
 * listed in console_screens; each is reached through the struct below.
 * See tui/console.c. */
#ifndef CUTRU_CONSOLE_H
#define CUTRU_CONSOLE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/date.h"
#include "core/err.h"
#include "core/types.h"
#include "localdb/search.h"
#include "localdb/session.h"
#include "tui/cli.h"
#include "tui/conf.h"
#include "tui/print.h"
#include "tui/ui_screen.h"

struct console {
	struct ui_mgr ui;
	char store[CLI_PATH_MAX];   /* the store's folder */
	char login[CLI_LOGIN_MAX];  /* the officer proposed at login */
	struct session *s;          /* NULL until logged in */
	struct conf conf;           /* cutru.conf (tui/conf.h), read at start */
};

/* The screens, one per file. */
extern const struct ui_screen screen_login;
extern const struct ui_screen screen_home;
extern const struct ui_screen screen_search;
extern const struct ui_screen screen_person;
extern const struct ui_screen screen_form;
extern const struct ui_screen screen_queue;
extern const struct ui_screen screen_drafts;
extern const struct ui_screen screen_household;
extern const struct ui_screen screen_audit;
extern const struct ui_screen screen_reports;
extern const struct ui_screen screen_officers;
extern const struct ui_screen screen_sync;

/* Every screen, NULL-ended: a new screen is a new file and a line here. */
extern const struct ui_screen *const console_screens[];

/* What screen_form's open() takes: the procedure, and a person to fill in
 * as the applicant (or NULL); or a draft to resume (localdb/draft.h), which
 * then gives the procedure and every value. */
struct console_form_arg {
	const char *procedure;              /* an id of core/procedure.h */
	const struct search_result *person; /* copied by open() */
	long long draft;                    /* a draft's id, or 0 */
};

/* What screen_household's open() takes: a household number, or (when it
 * is NULL or "") the ID number of a person whose household to show. */
struct console_household_arg {
	const char *household;
	const char *id_number;
};

/* Write a printable document (tui/print.h) of kind for key (a dossier
 * number for PRINT_RECEIPT, else an ID number) into the export folder
 * (export_dir of cutru.conf, else <store>/export) and say on the status
 * line where it went, or why it could not be written. */
void console_print(struct console *c, enum print_kind kind, const char *key);
/* The same, quietly on success: CUTRU_OK with the text file's path in
 * path[0..pathsz) (the .html beside it), or an error already shown. */
int console_print_to(struct console *c, enum print_kind kind, const char *key,
    char *path, size_t pathsz);

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

/* A Unix time as DD/MM/YYYY HH:MM in Vietnam, or "never" when t <= 0. */
void console_time(int64_t t, char *buf, size_t size);

/* A dossier's state (localdb/dossier.h) for people, translated. */
const char *console_dossier_state(const char *state);

/* The title of a procedure by id (translated), or the id itself. */
const char *console_procedure_title(const char *id);

/* The title line for the officer logged in ("" when none); again after
 * the language changed (tui/screen_login.c). */
void console_title(struct console *c);

/* The idle lock (struct ui_mgr's lock): close every screen (a form keeps
 * its draft), close the session, and show the login screen for the same
 * officer saying why (tui/screen_login.c); with nobody logged in, wipe a
 * passphrase half-typed on the login screen and say so. */
void console_lock(struct console *c);

/* Show a library error on the status line. */
void console_error(struct console *c, const struct cutru_err *e);

#endif
