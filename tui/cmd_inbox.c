#include "config.h"

/* cutru inbox import DIR: the registry's receipts and feed page carried
 * back on removable media (sync/inbox.h). */

#include <stdio.h>
#include <time.h>

#include "core/i18n.h"
#include "sync/inbox.h"
#include "tui/cli.h"

static int
import_exec(struct cli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_GLOBAL_LONG,
		{ NULL, 0, NULL, 0 }
	};
	struct inbox_report r;
	struct session *s = NULL;
	struct cutru_err e;
	size_t copied = 0;
	int opt, status = CLI_EXIT_OK;
	cJSON *doc;

	cutru_err_clear(&e);
	while ((opt = cli_getopt(c, argc, argv, CLI_GLOBAL_SHORT, longopts,
	    &status)) != -1)
		if (opt == -2)
			return status;
	if (optind + 1 != argc)
		return cli_usage_error(c, _("Name the folder to import from "
		    "(on the removable disk)."));
	if (cli_open(c, &s, NULL, &e) != CUTRU_OK ||
	    inbox_import(s, argv[optind], time(NULL), &copied, &r, &e) !=
	    CUTRU_OK) {
		session_close(s);
		return cli_fail(c, &e);
	}
	session_close(s);
	if (c->json) {
		doc = cJSON_CreateObject();
		if (doc != NULL) {
			cJSON_AddNumberToObject(doc, "copied", (double)copied);
			cJSON_AddNumberToObject(doc, "accepted",
			    (double)r.accepted);
			cJSON_AddNumberToObject(doc, "rejected",
			    (double)r.rejected);
			cJSON_AddNumberToObject(doc, "held", (double)r.held);
			cJSON_AddNumberToObject(doc, "duplicates",
			    (double)r.duplicates);
			cJSON_AddNumberToObject(doc, "feed_pages",
			    (double)r.pages);
			cJSON_AddNumberToObject(doc, "feed_changes",
			    (double)r.items);
			cJSON_AddNumberToObject(doc, "refused",
			    (double)r.refused);
		}
		return cli_json_print(c, doc);
	}
	printf(_("%zu files copied from %s: %zu change sets accepted, %zu "
	    "rejected, %zu held; %zu feed pages applied (%zu changes).\n"),
	    copied, argv[optind], r.accepted, r.rejected, r.held, r.pages,
	    r.items);
	if (r.rejected > 0)
		printf("%s\n", _("Rejected change sets need attention: see "
		    "'cutru outbox status'."));
	if (r.refused > 0)
		fprintf(stderr, _("cutru: %zu files were refused: %s\n"),
		    r.refused, r.problem.msg);
	return CLI_EXIT_OK;
}

static const struct cmd cmd_inbox_import = {
	"import", N_("DIR"),
	N_("Apply the receipts and the feed the registry wrote to removable "
	"media."), import_exec, NULL
};

static const struct cmd *const inbox_subs[] = {
	&cmd_inbox_import, NULL
};

const struct cmd cmd_inbox = {
	"inbox", "", N_("Answers from the registry."), NULL, inbox_subs
};
