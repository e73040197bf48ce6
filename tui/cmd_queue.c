#include "config.h"

/* cutru queue list|approve|return|refuse: the supervisor's queue of
 * dossiers awaiting a decision.  Permissions (supervisors only, never
 * one's own dossier) are the library's (localdb/dossier.h). */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/i18n.h"
#include "localdb/dossier.h"
#include "localdb/session.h"
#include "sync/outbox.h"
#include "tui/cli.h"
#include "tui/format.h"
#include "tui/passphrase.h"

enum {
	OPT_REASON = CLI_OPT_FIRST_FREE
};

static int
list_exec(struct cli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_GLOBAL_LONG,
		{ NULL, 0, NULL, 0 }
	};
	struct dossier *list = NULL;
	struct session *s = NULL;
	struct cutru_err e;
	size_t n = 0;
	int opt, status = CLI_EXIT_OK;

	cutru_err_clear(&e);
	while ((opt = cli_getopt(c, argc, argv, CLI_GLOBAL_SHORT, longopts,
	    &status)) != -1)
		if (opt == -2)
			return status;
	if (optind != argc)
		return cli_usage_error(c, _("'queue list' takes no operands."));
	if (cli_open(c, &s, NULL, &e) != CUTRU_OK ||
	    dossier_list(s, "awaiting", &list, &n, &e) != CUTRU_OK) {
		session_close(s);
		return cli_fail(c, &e);
	}
	session_close(s);
	status = format_print_dossiers(c, list, n);
	dossier_list_free(list, n);
	return status;
}

/* The result of a decision: the dossier as it now stands. */
static int
print_decided(struct cli *c, struct session *s, const char *number,
    time_t now)
{
	struct dossier d;
	struct cutru_err e;
	int status;

	memset(&d, 0, sizeof d);
	cutru_err_clear(&e);
	if (dossier_show(s, number, now, &d, &e) != CUTRU_OK)
		return cli_fail(c, &e);
	if (c->json)
		status = cli_json_print(c, format_dossier_json(&d, 0));
	else {
		if (strcmp(d.state, "approved") == 0)
			printf(_("Dossier %s approved and signed; the register "
			    "is updated.\n"), d.number);
		else if (strcmp(d.state, "returned") == 0)
			printf(_("Dossier %s returned for completion (CT05).\n"),
			    d.number);
		else
			printf(_("Dossier %s refused (CT06).\n"), d.number);
		status = CLI_EXIT_OK;
	}
	dossier_free(&d);
	return status;
}

static int
approve_exec(struct cli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_GLOBAL_LONG,
		{ NULL, 0, NULL, 0 }
	};
	struct outbox_approval oa;
	struct session *s = NULL;
	struct cutru_err e;
	char *again = NULL;
	time_t now;
	int opt, status = CLI_EXIT_OK;

	cutru_err_clear(&e);
	while ((opt = cli_getopt(c, argc, argv, CLI_GLOBAL_SHORT, longopts,
	    &status)) != -1)
		if (opt == -2)
			return status;
	if (optind + 1 != argc)
		return cli_usage_error(c, _("Give the number of the dossier "
		    "to approve."));
	if (cli_open(c, &s, NULL, &e) != CUTRU_OK)
		goto fail;
	/* The signature needs the supervisor's passphrase again, typed for
	 * this approval (the second passphrase on --passphrase-fd). */
	if (cli_passphrase(c, _("Your passphrase again, to sign the "
	    "approval: "), &again, &e) != CUTRU_OK)
		goto fail;
	now = time(NULL);
	/* The change set for the registry is sealed in the same step
	 * (sync/outbox.h). */
	if (outbox_approve(s, argv[optind], again, now, &oa, &e) != CUTRU_OK)
		goto fail;
	passphrase_free(again);
	if (oa.sealed && !oa.file_written)
		fprintf(stderr, _("cutru: the change set of dossier %s is "
		    "recorded, but its outbox file could not be written (%s); "
		    "it will be written the next time the store is "
		    "unlocked.\n"), argv[optind], oa.file_err.msg);
	status = print_decided(c, s, argv[optind], now);
	session_close(s);
	return status;
fail:
	passphrase_free(again);
	session_close(s);
	return cli_fail(c, &e);
}

/* queue return and queue refuse. */
static int
decide(struct cli *c, int argc, char **argv, int refuse)
{
	static const struct option longopts[] = {
		{ "reason", required_argument, NULL, OPT_REASON },
		CLI_GLOBAL_LONG,
		{ NULL, 0, NULL, 0 }
	};
	const char *reason = NULL;
	struct session *s = NULL;
	struct cutru_err e;
	time_t now;
	int opt, status = CLI_EXIT_OK, rc;

	cutru_err_clear(&e);
	while ((opt = cli_getopt(c, argc, argv, CLI_GLOBAL_SHORT, longopts,
	    &status)) != -1) {
		if (opt == -2)
			return status;
		if (opt == OPT_REASON)
			reason = optarg;
	}
	if (optind + 1 != argc)
		return cli_usage_error(c, _("Give the number of one dossier."));
	if (reason == NULL)
		return cli_usage_error(c, _("Give the reason the applicant is "
		    "told, with --reason TEXT."));
	if (cli_open(c, &s, NULL, &e) != CUTRU_OK) {
		session_close(s);
		return cli_fail(c, &e);
	}
	now = time(NULL);
	rc = refuse ? dossier_refuse(s, argv[optind], reason, now, &e) :
	    dossier_return(s, argv[optind], reason, now, &e);
	if (rc != CUTRU_OK) {
		session_close(s);
		return cli_fail(c, &e);
	}
	status = print_decided(c, s, argv[optind], now);
	session_close(s);
	return status;
}

static int
return_exec(struct cli *c, int argc, char **argv)
{
	return decide(c, argc, argv, 0);
}

static int
refuse_exec(struct cli *c, int argc, char **argv)
{
	return decide(c, argc, argv, 1);
}

static const struct cmd cmd_queue_list = {
	"list", "", N_("List the dossiers awaiting a decision, soonest due "
	"first."), list_exec, NULL
};

static const struct cmd cmd_queue_approve = {
	"approve", N_("NUMBER"),
	N_("Approve and sign a dossier; the register changes (supervisors)."),
	approve_exec, NULL
};

static const struct cmd cmd_queue_return = {
	"return", N_("NUMBER --reason TEXT"),
	N_("Return a dossier for completion, form CT05 (supervisors)."),
	return_exec, NULL
};

static const struct cmd cmd_queue_refuse = {
	"refuse", N_("NUMBER --reason TEXT"),
	N_("Refuse a dossier, form CT06 (supervisors)."),
	refuse_exec, NULL
};

static const struct cmd *const queue_subs[] = {
	&cmd_queue_list, &cmd_queue_approve, &cmd_queue_return,
	&cmd_queue_refuse, NULL
};

const struct cmd cmd_queue = {
	"queue", "", N_("The supervisor's queue of dossiers."), NULL,
	queue_subs
};
