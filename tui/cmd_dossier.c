#include "config.h"

/* cutru dossier list|show: every dossier, whatever its state. */

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/i18n.h"
#include "localdb/dossier.h"
#include "localdb/session.h"
#include "tui/cli.h"
#include "tui/format.h"

enum {
	OPT_STATE = CLI_OPT_FIRST_FREE
};

static int
list_exec(struct cli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "state", required_argument, NULL, OPT_STATE },
		CLI_GLOBAL_LONG,
		{ NULL, 0, NULL, 0 }
	};
	const char *state = NULL;
	struct dossier *list = NULL;
	struct session *s = NULL;
	struct cutru_err e;
	size_t n = 0;
	int opt, status = CLI_EXIT_OK;

	cutru_err_clear(&e);
	while ((opt = cli_getopt(c, argc, argv, CLI_GLOBAL_SHORT, longopts,
	    &status)) != -1) {
		if (opt == -2)
			return status;
		if (opt == OPT_STATE)
			state = optarg;
	}
	if (optind != argc)
		return cli_usage_error(c, _("'dossier list' takes no "
		    "operands."));
	if (cli_open(c, &s, NULL, &e) != CUTRU_OK ||
	    dossier_list(s, state, &list, &n, &e) != CUTRU_OK) {
		session_close(s);
		return cli_fail(c, &e);
	}
	session_close(s);
	status = format_print_dossiers(c, list, n);
	dossier_list_free(list, n);
	return status;
}

static int
show_exec(struct cli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_GLOBAL_LONG,
		{ NULL, 0, NULL, 0 }
	};
	struct session *s = NULL;
	struct dossier d;
	struct cutru_err e;
	int opt, status = CLI_EXIT_OK;

	cutru_err_clear(&e);
	memset(&d, 0, sizeof d);
	while ((opt = cli_getopt(c, argc, argv, CLI_GLOBAL_SHORT, longopts,
	    &status)) != -1)
		if (opt == -2)
			return status;
	if (optind + 1 != argc)
		return cli_usage_error(c, _("Give the number of one dossier."));
	if (cli_open(c, &s, NULL, &e) != CUTRU_OK ||
	    dossier_show(s, argv[optind], time(NULL), &d, &e) != CUTRU_OK) {
		session_close(s);
		return cli_fail(c, &e);
	}
	session_close(s);
	if (c->json)
		status = cli_json_print(c, format_dossier_json(&d, 1));
	else
		format_dossier_text(stdout, &d, 1);
	dossier_free(&d);
	return status;
}

static const struct cmd dossier_list_cmd = {
	"list", N_("[--state STATE]"),
	N_("List the dossiers, soonest due first."), list_exec, NULL
};

static const struct cmd dossier_show_cmd = {
	"show", N_("NUMBER"),
	N_("Show a dossier: its request, its events and its decision."),
	show_exec, NULL
};

static const struct cmd *const dossier_subs[] = {
	&dossier_list_cmd, &dossier_show_cmd, NULL
};

const struct cmd cmd_dossier = {
	"dossier", "", N_("Dossiers in any state."), NULL, dossier_subs
};
