/* What every batch subcommand shares: the global options, exit statuses,
 * error and JSON output, passphrases, and today's date.
 *
 * Exit statuses (cutru(1), EXIT STATUS).  A command returns one of the
 * CLI_EXIT_* values below.  Library errors (enum cutru_rc) become an exit
 * status in one place, cli_status(); nothing else maps them.
 *
 * Output.  Results go to stdout: text for people, or with --json exactly
 * one JSON document per command (cutru(1), JSON OUTPUT), also when the
 * command fails ({"error": {...}}).  Messages go to stderr as
 * "cutru: MESSAGE", translated, with the field named when there is one.
 *
 * Passphrases.  With --passphrase-fd N every passphrase a command needs is
 * one line read from N, in the order cutru(1) documents (PASSPHRASES);
 * otherwise each is asked on the terminal without echo, and a new one is
 * asked twice. */
#ifndef CUTRU_CLI_H
#define CUTRU_CLI_H

#include <getopt.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "core/err.h"
#include "core/types.h"
#include "localdb/session.h"
#include "tui/cmd.h"

#define CLI_EXIT_OK 0
#define CLI_EXIT_USAGE 1       /* bad options or operands */
#define CLI_EXIT_INVALID 2     /* input refused (validation) */
#define CLI_EXIT_PERMISSION 3  /* permission or authentication */
#define CLI_EXIT_NOTFOUND 4
#define CLI_EXIT_CONFLICT 5
#define CLI_EXIT_STORE 6       /* the store, a file, the disk */
#define CLI_EXIT_INTERNAL 7

#define CLI_PATH_MAX 4096
#define CLI_LOGIN_MAX 64

struct cli {
	char store[CLI_PATH_MAX];  /* -s; "" until cli_store_path() */
	char login[CLI_LOGIN_MAX]; /* -u; "" until cli_login() */
	int passphrase_fd;         /* --passphrase-fd, -1: the terminal */
	int json;                  /* --json */
	const struct cmd *cmd;     /* the command running, for its usage */
	char cmd_path[64];         /* its words, "queue approve" */
};

/* Long option values of the global options that have no short form. */
enum {
	CLI_OPT_PASSPHRASE_FD = 0x100,
	CLI_OPT_JSON,
	CLI_OPT_HELP,
	CLI_OPT_VERSION,
	CLI_OPT_FIRST_FREE = 0x140 /* commands number their own from here */
};

/* The global options, accepted after a command's name as well: put
 * CLI_GLOBAL_SHORT at the start of a command's short options and
 * CLI_GLOBAL_LONG before the {0} that ends its long options. */
#define CLI_GLOBAL_SHORT "s:u:"
#define CLI_GLOBAL_LONG \
	{ "store", required_argument, NULL, 's' }, \
	{ "login", required_argument, NULL, 'u' }, \
	{ "passphrase-fd", required_argument, NULL, CLI_OPT_PASSPHRASE_FD }, \
	{ "json", no_argument, NULL, CLI_OPT_JSON }, \
	{ "help", no_argument, NULL, CLI_OPT_HELP }

/* Set a global option from its getopt value; CLI_EXIT_USAGE (message
 * printed) for a bad value, -1 if opt is not a global option. */
int cli_global_option(struct cli *c, int opt, const char *arg);

/* getopt_long over a command's arguments (argv[0] is its name), handling
 * the global options itself.  Returns the next command option, -1 at the
 * end (operands start at optind), or -2 when the command must stop with
 * *status: a bad option (usage printed, CLI_EXIT_USAGE) or --help (usage
 * printed to stdout, CLI_EXIT_OK).  Call it in a loop from the start of a
 * command; it resets getopt on its first call for that argv. */
int cli_getopt(struct cli *c, int argc, char **argv, const char *shortopts,
    const struct option *longopts, int *status);

/* The exit status of a library error. */
int cli_status(const struct cutru_err *e);

/* Report e (stderr, and the JSON error document with --json) and return
 * its exit status. */
int cli_fail(struct cli *c, const struct cutru_err *e);

/* Add e as the "error" member of doc, for a command whose document also
 * carries results when it fails (import).  0, or -1 out of memory. */
int cli_add_error(cJSON *doc, const struct cutru_err *e);

/* Report a usage error: the message, then the command's synopsis.
 * Returns CLI_EXIT_USAGE. */
int cli_usage_error(struct cli *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* s translated, or "" for "" (gettext of "" is the catalogue's header). */
const char *cli_text(const char *s);

/* Print the command's usage (synopsis and its subcommands) to f. */
void cli_print_usage(const struct cli *c, FILE *f);

/* Print doc as the command's JSON document and delete it (doc may be NULL:
 * out of memory).  Returns CLI_EXIT_OK or, when doc is NULL or cannot be
 * printed, the status of the failure (reported). */
int cli_json_print(struct cli *c, cJSON *doc);

/* The store directory: -s, else $CUTRU_STORE, else the XDG default. */
int cli_store_path(struct cli *c, const char **path, struct cutru_err *e);

/* The officer: -u, else $CUTRU_LOGIN, else the Unix user name. */
int cli_login(struct cli *c, const char **login, struct cutru_err *e);

/* A passphrase: the next line of --passphrase-fd, or asked on the terminal
 * with prompt.  *out is passphrase_free()'d by the caller. */
int cli_passphrase(struct cli *c, const char *prompt, char **out,
    struct cutru_err *e);

/* A new passphrase: the next line of fd when fd >= 0 (--passphrase-fd or
 * a command's --new-passphrase-fd), else asked twice on the terminal (the
 * two must match). */
int cli_new_passphrase(struct cli *c, int fd, const char *prompt,
    char **out, struct cutru_err *e);

/* Open a session as the officer (cli_login()) on the store
 * (cli_store_path()), reading their passphrase (the first one of the
 * command).  With keep_passphrase non-NULL the passphrase is handed back
 * there (passphrase_free() by the caller) for a command that needs it
 * again; otherwise it is wiped at once. */
int cli_open(struct cli *c, struct session **out, char **keep_passphrase,
    struct cutru_err *e);

/* Today in Vietnam (UTC+7). */
int cli_today(struct cutru_date *today, struct cutru_err *e);

/* The value of a file descriptor option (opt names it in messages): a
 * number on which a file is open.  CLI_EXIT_OK, or CLI_EXIT_USAGE with the
 * message printed. */
int cli_parse_fd(struct cli *c, const char *opt, const char *arg, int *fd);

/* Parse a whole non-negative decimal number (no sign, no blanks) of at
 * most max; -1 when s is not one. */
long long cli_parse_count(const char *s, long long max);

#endif
