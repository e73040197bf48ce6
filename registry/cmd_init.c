#include "config.h"

/* cutru-registryd init: the registry's data directory, keys and database. */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core/i18n.h"
#include "registry/cmd.h"
#include "sync/envelope.h"

static int
exec_init(struct regcli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct regkeys *k = NULL;
	struct regstore *st = NULL;
	struct cutru_err e;
	char path[REGCONF_PATH_MAX + 32], sid[ENVELOPE_KEY_ID_HEX + 1],
	    bid[ENVELOPE_KEY_ID_HEX + 1];
	const char *name = NULL;
	int opt, status;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "+n:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			name = optarg;
			break;
		case 'h':
			printf("%s", _("Usage: cutru-registryd init [--name NAME]\n"
			    "Make the registry's keys and database in its data directory.\n"));
			return REG_EXIT_OK;
		default:
			return regcli_usage(c, "%s", _("Unknown option."));
		}
	}
	if (optind != argc)
		return regcli_usage(c, "%s", _("init takes no operands."));
	if ((status = regcli_load(c)) != REG_EXIT_OK)
		return status;
	if (mkdir(c->conf.data_dir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, _("cutru-registryd: could not make %s: %s\n"),
		    c->conf.data_dir, strerror(errno));
		return REG_EXIT_STORE;
	}
	if (regkeys_create(c->conf.data_dir, name != NULL ? name :
	    c->conf.name, &k, &e) != CUTRU_OK)
		return regcli_fail(c, &e);
	if ((status = regcli_open(c, 1, &st)) != REG_EXIT_OK) {
		regkeys_free(k);
		return status;
	}
	regstore_close(st);
	regconf_data_path(&c->conf, REGKEYS_PUBLIC_FILE, path, sizeof path,
	    &e);
	envelope_key_id(k->pub.sign_pk, sid, NULL);
	envelope_key_id(k->pub.box_pk, bid, NULL);
	printf(_("Registry keys made: signing key %s, sealing key %s.\n"
	    "Give consoles the public key file %s to pin.\n"), sid, bid, path);
	regkeys_free(k);
	return REG_EXIT_OK;
}

const struct regcmd regcmd_init = {
	"init", N_("[--name NAME]"),
	N_("make the registry's keys and database"), exec_init, NULL
};
