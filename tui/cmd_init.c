#include "config.h"

/* cutru init: create a store for a ward with its first officer, an
 * administrator, and show the recovery code once. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "core/i18n.h"
#include "localdb/keyring.h"
#include "localdb/session.h"
#include "tui/cli.h"
#include "tui/passphrase.h"

enum {
	OPT_WARD = CLI_OPT_FIRST_FREE,
	OPT_WARD_NAME,
	OPT_ADMIN,
	OPT_ADMIN_NAME,
	OPT_KDF_OPS,
	OPT_KDF_MEM
};

static int
init_exec(struct cli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "ward", required_argument, NULL, OPT_WARD },
		{ "ward-name", required_argument, NULL, OPT_WARD_NAME },
		{ "admin", required_argument, NULL, OPT_ADMIN },
		{ "admin-name", required_argument, NULL, OPT_ADMIN_NAME },
		{ "kdf-opslimit", required_argument, NULL, OPT_KDF_OPS },
		{ "kdf-memlimit", required_argument, NULL, OPT_KDF_MEM },
		CLI_GLOBAL_LONG,
		{ NULL, 0, NULL, 0 }
	};
	const char *ward = NULL, *ward_name = NULL, *admin = NULL;
	const char *admin_name = NULL, *dir;
	struct keyring_kdf kdf, moderate;
	struct cutru_err e;
	char prompt[160], *pass = NULL, *code = NULL;
	long long v;
	int opt, status = CLI_EXIT_OK, kdf_set = 0, rc;

	cutru_err_clear(&e);
	keyring_kdf_default(&kdf);
	moderate = kdf;
	while ((opt = cli_getopt(c, argc, argv, CLI_GLOBAL_SHORT, longopts,
	    &status)) != -1) {
		switch (opt) {
		case -2:
			return status;
		case OPT_WARD:
			ward = optarg;
			break;
		case OPT_WARD_NAME:
			ward_name = optarg;
			break;
		case OPT_ADMIN:
			admin = optarg;
			break;
		case OPT_ADMIN_NAME:
			admin_name = optarg;
			break;
		case OPT_KDF_OPS:
		case OPT_KDF_MEM:
			v = cli_parse_count(optarg, 1LL << 40);
			if (v < 0)
				return cli_usage_error(c,
				    _("'%s' is not a whole number."), optarg);
			if (opt == OPT_KDF_OPS)
				kdf.opslimit = (unsigned long long)v;
			else
				kdf.memlimit = (unsigned long long)v;
			kdf_set = 1;
			break;
		}
	}
	if (optind != argc)
		return cli_usage_error(c, _("'init' takes no operands."));
	if (ward == NULL || ward_name == NULL || admin_name == NULL)
		return cli_usage_error(c, _("Give --ward, --ward-name and "
		    "--admin-name."));
	if (admin == NULL) {
		/* The administrator defaults to the login cutru runs as. */
		if ((rc = cli_login(c, &admin, &e)) != CUTRU_OK)
			return cli_fail(c, &e);
	}
	if (kdf_set && (rc = keyring_kdf_check(&kdf, &e)) != CUTRU_OK)
		return cli_fail(c, &e);
	if ((rc = cli_store_path(c, &dir, &e)) != CUTRU_OK)
		return cli_fail(c, &e);
	snprintf(prompt, sizeof prompt, _("New passphrase for %s: "), admin);
	if ((rc = cli_new_passphrase(c, c->passphrase_fd, prompt, &pass,
	    &e)) != CUTRU_OK)
		return cli_fail(c, &e);
	if ((code = sodium_malloc(KEYRING_RECOVERY_CODE_SIZE)) == NULL) {
		passphrase_free(pass);
		cutru_err_set(&e, CUTRU_ENOMEM, NULL,
		    _("Out of memory while creating the store."));
		return cli_fail(c, &e);
	}
	rc = session_init_store(dir, ward, ward_name, admin, admin_name, pass,
	    kdf_set ? &kdf : NULL, time(NULL), code, NULL, &e);
	passphrase_free(pass);
	if (rc != CUTRU_OK) {
		sodium_free(code);
		return cli_fail(c, &e);
	}
	if (kdf.opslimit < moderate.opslimit ||
	    kdf.memlimit < moderate.memlimit)
		fprintf(stderr, "%s", _("cutru: warning: this store's "
		    "passphrases use a lower Argon2id cost than the default; "
		    "a stolen copy is easier to attack. Use such a store for "
		    "tests only.\n"));
	if (c->json) {
		cJSON *doc = cJSON_CreateObject(), *w;

		if (doc == NULL ||
		    cJSON_AddStringToObject(doc, "store", dir) == NULL ||
		    (w = cJSON_AddObjectToObject(doc, "ward")) == NULL ||
		    cJSON_AddStringToObject(w, "code", ward) == NULL ||
		    cJSON_AddStringToObject(w, "name", ward_name) == NULL ||
		    cJSON_AddStringToObject(doc, "admin", admin) == NULL ||
		    cJSON_AddStringToObject(doc, "recovery_code",
		    code) == NULL) {
			cJSON_Delete(doc);
			doc = NULL;
		}
		status = cli_json_print(c, doc);
	} else {
		printf(_("Store created in %s for ward %s (%s); its "
		    "administrator is %s.\n"), dir, ward, ward_name, admin);
		printf("\n%s\n\n    %s\n\n%s\n",
		    _("Recovery code (shown this once only):"), code,
		    _("Write it down and keep it locked away: with it anyone "
		    "can open the store, and without it a forgotten passphrase "
		    "cannot be replaced."));
	}
	sodium_free(code);
	return status;
}

const struct cmd cmd_init = {
	"init",
	N_("--ward CODE --ward-name NAME [--admin LOGIN] --admin-name NAME"),
	N_("Create a store for a ward and its first officer, an "
	"administrator."),
	init_exec, NULL
};
