#include "config.h"

/* cutru audit verify: walk the journal's hash chain (journal_verify()) and
 * name the first entry that is altered, missing or out of place. */

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/hash.h"
#include "core/i18n.h"
#include "localdb/journal.h"
#include "localdb/session.h"
#include "tui/cli.h"

static int
verify_exec(struct cli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_GLOBAL_LONG,
		{ NULL, 0, NULL, 0 }
	};
	struct session *s = NULL;
	struct cutru_err e;
	unsigned char head[HASH_LEN];
	char hex[HASH_HEX_LEN + 1];
	int64_t bad = 0, seq = 0;
	int opt, status = CLI_EXIT_OK, rc;

	cutru_err_clear(&e);
	while ((opt = cli_getopt(c, argc, argv, CLI_GLOBAL_SHORT, longopts,
	    &status)) != -1)
		if (opt == -2)
			return status;
	if (optind != argc)
		return cli_usage_error(c, _("'audit verify' takes no "
		    "operands."));
	if (cli_open(c, &s, NULL, &e) != CUTRU_OK) {
		session_close(s);
		return cli_fail(c, &e);
	}
	rc = journal_verify(session_db(s), &bad, &e);
	if (rc == CUTRU_OK)
		rc = journal_head(session_db(s), &seq, head, &e);
	session_close(s);
	if (rc != CUTRU_OK && bad == 0)
		return cli_fail(c, &e);
	if (c->json) {
		cJSON *doc = cJSON_CreateObject();

		hash_to_hex(head, hex);
		if (doc == NULL ||
		    cJSON_AddBoolToObject(doc, "intact", rc == CUTRU_OK) ==
		    NULL ||
		    (rc == CUTRU_OK ?
		    cJSON_AddNumberToObject(doc, "entries", (double)seq) :
		    cJSON_AddNullToObject(doc, "entries")) == NULL ||
		    (rc == CUTRU_OK ?
		    cJSON_AddStringToObject(doc, "head", hex) :
		    cJSON_AddNullToObject(doc, "head")) == NULL ||
		    (bad != 0 ?
		    cJSON_AddNumberToObject(doc, "first_bad", (double)bad) :
		    cJSON_AddNullToObject(doc, "first_bad")) == NULL ||
		    (rc != CUTRU_OK && cli_add_error(doc, &e) != 0)) {
			cJSON_Delete(doc);
			doc = NULL;
		}
		if (rc != CUTRU_OK) {
			fprintf(stderr, _("cutru: %s\n"), e.msg);
			cli_json_print(c, doc);
			return cli_status(&e);
		}
		return cli_json_print(c, doc);
	}
	if (rc != CUTRU_OK) {
		fprintf(stderr, _("cutru: %s\n"), e.msg);
		return cli_status(&e);
	}
	hash_to_hex(head, hex);
	printf(_("The journal is intact: %lld entries, the last one's hash "
	    "is %s.\n"), (long long)seq, hex);
	return CLI_EXIT_OK;
}

static const struct cmd audit_verify = {
	"verify", "",
	N_("Check the journal's hash chain; name the first broken entry."),
	verify_exec, NULL
};

static const struct cmd *const audit_subs[] = { &audit_verify, NULL };

const struct cmd cmd_audit = {
	"audit", "", N_("Checks of the register's journal."), NULL, audit_subs
};
