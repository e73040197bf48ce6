#include "config.h"

/* cutru rekey: re-encrypt the whole store under a new random store key
 * (store_rekey(): crash-safe, needs the store to itself).  Every officer's
 * passphrase and the recovery code keep working.  Copies of the old files
 * (backups made before included) are not touched: they still open with
 * the keyring they carry. */

#include <stdio.h>
#include <time.h>

#include "core/i18n.h"
#include "localdb/keyring.h"
#include "localdb/session.h"
#include "localdb/store.h"
#include "tui/cli.h"
#include "tui/passphrase.h"

static int
rekey_exec(struct cli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_GLOBAL_LONG,
		{ NULL, 0, NULL, 0 }
	};
	struct session *s = NULL;
	struct cutru_err e;
	unsigned long gen = 0;
	int opt, status = CLI_EXIT_OK, rc;

	cutru_err_clear(&e);
	while ((opt = cli_getopt(c, argc, argv, CLI_GLOBAL_SHORT, longopts,
	    &status)) != -1)
		if (opt == -2)
			return status;
	if (optind != argc)
		return cli_usage_error(c, _("'rekey' takes no operands."));
	if ((rc = cli_open(c, &s, NULL, &e)) != CUTRU_OK ||
	    (rc = session_refresh(s, &e)) != CUTRU_OK)
		goto done;
	rc = store_rekey(session_store(s), &e);
	/* The new key is committed even when reopening the database failed
	 * (store_db() NULL): the store opens with it next time. */
	gen = keyring_generation(store_keyring(session_store(s)));
done:
	session_close(s);
	if (rc != CUTRU_OK)
		return cli_fail(c, &e);
	if (c->json) {
		cJSON *doc = cJSON_CreateObject();

		if (doc != NULL &&
		    cJSON_AddNumberToObject(doc, "generation", gen) == NULL) {
			cJSON_Delete(doc);
			doc = NULL;
		}
		return cli_json_print(c, doc);
	}
	printf(_("The store is re-encrypted under a new key (generation "
	    "%lu).\n"), gen);
	return CLI_EXIT_OK;
}

const struct cmd cmd_rekey = {
	"rekey", "",
	N_("Re-encrypt the store under a new key."), rekey_exec, NULL
};
