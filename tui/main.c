#include "config.h"

/* The cutru program: global options, then one subcommand from the table in
 * tui/cmd.c, or on a terminal without a command the console
 * (tui/console.c).  Only this file decides to exit.  cutru(1) is the
 * manual. */

#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libintl.h>
#include <sodium.h>
#include <sqlite3.h>

#include "core/err.h"
#include "core/i18n.h"
#include "tui/cli.h"
#include "tui/cmd.h"

static void
print_main_usage(FILE *f)
{
	const struct cmd *const *cmd, *const *sub;

	fprintf(f, "%s", _("Usage: cutru [GLOBAL OPTIONS] COMMAND [ARGUMENTS]\n"
	    "\n"
	    "Global options:\n"
	    "  -s, --store DIR        the store directory (default $CUTRU_STORE,\n"
	    "                         else $XDG_DATA_HOME/cutru)\n"
	    "  -u, --login NAME       the officer (default $CUTRU_LOGIN, else your\n"
	    "                         user name)\n"
	    "      --passphrase-fd N  read passphrases from file descriptor N, one\n"
	    "                         line each\n"
	    "      --json             print results as one JSON document\n"
	    "      --version          print the version\n"
	    "      --help             print this help\n"
	    "\n"
	    "Commands:\n"));
	for (cmd = cmd_table; *cmd != NULL; cmd++) {
		if ((*cmd)->subs == NULL) {
			fprintf(f, "  %s%s%s\n      %s\n", (*cmd)->name,
			    (*cmd)->args[0] != '\0' ? " " : "",
			    cli_text((*cmd)->args), cli_text((*cmd)->summary));
			continue;
		}
		for (sub = (*cmd)->subs; *sub != NULL; sub++)
			fprintf(f, "  %s %s%s%s\n      %s\n", (*cmd)->name,
			    (*sub)->name, (*sub)->args[0] != '\0' ? " " : "",
			    cli_text((*sub)->args),
			    cli_text((*sub)->summary));
	}
	fprintf(f, "%s", _("\nSee cutru(1) for the details, exit statuses and "
	    "the JSON output.\n"));
}

/* Flush stdout and report a failed write (a full disk, a closed pipe). */
static int
close_stdout(int status)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, _("cutru: could not write the output: %s\n"),
		    strerror(errno));
		return status == CLI_EXIT_OK ? CLI_EXIT_STORE : status;
	}
	return status;
}

static int
run(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_GLOBAL_LONG,
		{ "version", no_argument, NULL, CLI_OPT_VERSION },
		{ NULL, 0, NULL, 0 }
	};
	struct cli c;
	const struct cmd *cmd;
	int opt, st;

	memset(&c, 0, sizeof c);
	c.passphrase_fd = -1;
	/* '+': the first operand is the command; what follows is its own. */
	while ((opt = getopt_long(argc, argv, "+:" CLI_GLOBAL_SHORT, longopts,
	    NULL)) != -1) {
		switch (opt) {
		case CLI_OPT_HELP:
			print_main_usage(stdout);
			return CLI_EXIT_OK;
		case CLI_OPT_VERSION:
			printf("cutru %s\n", PACKAGE_VERSION);
			return CLI_EXIT_OK;
		case '?':
			if (optopt != 0 && optopt < 0x100)
				return cli_usage_error(&c,
				    _("Unknown option '-%c'."), optopt);
			return cli_usage_error(&c, _("Unknown option '%s'."),
			    argv[optind - 1]);
		case ':':
			return cli_usage_error(&c,
			    _("The option '%s' needs a value."),
			    argv[optind - 1]);
		default:
			st = cli_global_option(&c, opt, optarg);
			if (st != CLI_EXIT_OK)
				return st;
		}
	}
	if (optind >= argc) {
		/* No command on a terminal: the console (tui/console.c). */
		static char console_word[] = "console";
		char *console_argv[] = { console_word, NULL };

		if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
			return cli_usage_error(&c,
			    _("Say which command to run."));
		c.cmd = &cmd_console;
		snprintf(c.cmd_path, sizeof c.cmd_path, "%s", "console");
		optind = 0;
		return cmd_console.exec(&c, 1, console_argv);
	}
	argc -= optind;
	argv += optind;
	cmd = cmd_find(cmd_table, argv[0]);
	if (cmd == NULL)
		return cli_usage_error(&c, _("There is no command '%s'."),
		    argv[0]);
	c.cmd = cmd;
	snprintf(c.cmd_path, sizeof c.cmd_path, "%s", cmd->name);
	if (cmd->subs != NULL) {
		const struct cmd *sub;

		if (argc < 2 || strcmp(argv[1], "--help") == 0) {
			if (argc < 2) {
				st = cli_usage_error(&c,
				    _("Say what '%s' should do."), cmd->name);
				return st;
			}
			cli_print_usage(&c, stdout);
			return CLI_EXIT_OK;
		}
		sub = cmd_find(cmd->subs, argv[1]);
		if (sub == NULL)
			return cli_usage_error(&c,
			    _("'%s' has no subcommand '%s'."), cmd->name,
			    argv[1]);
		snprintf(c.cmd_path, sizeof c.cmd_path, "%s %s", cmd->name,
		    sub->name);
		c.cmd = sub;
		cmd = sub;
		argc--;
		argv++;
	}
	/* Each command parses its own options from a fresh start. */
	optind = 0;
	return cmd->exec(&c, argc, argv);
}

int
main(int argc, char **argv)
{
	const char *localedir;

	setlocale(LC_ALL, "");
	/* CUTRU_LOCALEDIR: for tests and development, catalogues compiled in
	 * the build tree (cutru(1), ENVIRONMENT). */
	localedir = getenv("CUTRU_LOCALEDIR");
	if (localedir == NULL || localedir[0] == '\0')
		localedir = LOCALEDIR;
	bindtextdomain(PACKAGE, localedir);
	textdomain(PACKAGE);
	/* SQLite's memory statistics take a mutex on every allocation and
	 * nothing here reads them: off before SQLite starts (some 4 % of a
	 * large import, bench/RESULTS.md). */
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	/* Passphrases live in sodium_malloc memory from the first one read. */
	if (sodium_init() < 0) {
		fprintf(stderr, "%s", _("cutru: the cryptographic library "
		    "could not start.\n"));
		return CLI_EXIT_INTERNAL;
	}
	return close_stdout(run(argc, argv));
}
