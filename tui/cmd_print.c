#include "config.h"

/* cutru print receipt NUMBER | confirmation ID-NUMBER | absence ID-NUMBER:
 * write a printable document (tui/print.h) as text and HTML into the
 * export folder (export_dir of cutru.conf, by default STORE/export; --dir
 * chooses another) and say where. */

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/i18n.h"
#include "localdb/session.h"
#include "tui/cli.h"
#include "tui/conf.h"
#include "tui/print.h"

enum {
	OPT_DIR = CLI_OPT_FIRST_FREE,
	OPT_CONFIG
};

typedef int print_loader(struct session *s, const char *key, time_t now,
    struct print_doc **out, struct cutru_err *e);

static int
print_exec(struct cli *c, int argc, char **argv, print_loader *load,
    const char *what)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, OPT_DIR },
		{ "config", required_argument, NULL, OPT_CONFIG },
		CLI_GLOBAL_LONG,
		{ NULL, 0, NULL, 0 }
	};
	struct print_doc *d = NULL;
	struct session *s = NULL;
	struct cutru_err e;
	struct conf conf;
	const char *dir = NULL, *config = NULL, *store;
	char dirbuf[CONF_PATH_MAX + 16], txt[PRINT_PATH_MAX];
	char html[PRINT_PATH_MAX];
	int opt, status = CLI_EXIT_OK;

	cutru_err_clear(&e);
	while ((opt = cli_getopt(c, argc, argv, CLI_GLOBAL_SHORT, longopts,
	    &status)) != -1) {
		switch (opt) {
		case -2:
			return status;
		case OPT_DIR:
			dir = optarg;
			break;
		case OPT_CONFIG:
			config = optarg;
			break;
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error(c, _("Give one %s."), what);
	if (dir == NULL) {
		if (conf_load(config, &conf, &e) != CUTRU_OK ||
		    cli_store_path(c, &store, &e) != CUTRU_OK)
			return cli_fail(c, &e);
		if ((dir = conf_export_dir(&conf, store, dirbuf,
		    sizeof dirbuf)) == NULL) {
			cutru_err_set(&e, CUTRU_ERANGE, "export_dir", "%s",
			    _("The folder for printed documents has too long a "
			    "name; set export_dir in cutru.conf."));
			return cli_fail(c, &e);
		}
	}
	if (cli_open(c, &s, NULL, &e) != CUTRU_OK ||
	    load(s, argv[optind], time(NULL), &d, &e) != CUTRU_OK ||
	    print_write(d, dir, txt, html, &e) != CUTRU_OK) {
		status = cli_fail(c, &e);
		goto done;
	}
	if (c->json) {
		cJSON *doc = cJSON_CreateObject();

		if (doc != NULL &&
		    (cJSON_AddStringToObject(doc, "form", d->form) == NULL ||
		    cJSON_AddStringToObject(doc, "text", txt) == NULL ||
		    cJSON_AddStringToObject(doc, "html", html) == NULL)) {
			cJSON_Delete(doc);
			doc = NULL;
		}
		status = cli_json_print(c, doc);
		goto done;
	}
	printf(_("Form %s written to %s and %s.\n"), d->form, txt, html);
done:
	print_doc_free(d);
	session_close(s);
	return status;
}

static int
receipt_exec(struct cli *c, int argc, char **argv)
{
	return print_exec(c, argc, argv, print_receipt_load,
	    _("dossier number"));
}

static int
confirmation_exec(struct cli *c, int argc, char **argv)
{
	return print_exec(c, argc, argv, print_confirmation_load,
	    _("ID number"));
}

static int
absence_exec(struct cli *c, int argc, char **argv)
{
	return print_exec(c, argc, argv, print_absence_load, _("ID number"));
}

static const struct cmd print_receipt = {
	"receipt", N_("NUMBER [--dir DIR]"),
	N_("Write the receipt of a dossier (form CT04) as text and HTML."),
	receipt_exec, NULL
};

static const struct cmd print_confirmation = {
	"confirmation", N_("ID-NUMBER [--dir DIR]"),
	N_("Write a person's latest residence confirmation (form CT07)."),
	confirmation_exec, NULL
};

static const struct cmd print_absence = {
	"absence", N_("ID-NUMBER [--dir DIR]"),
	N_("Write a person's latest absence slip (form CT03)."),
	absence_exec, NULL
};

static const struct cmd *const print_subs[] = {
	&print_receipt, &print_confirmation, &print_absence, NULL
};

const struct cmd cmd_print = {
	"print", "",
	N_("Printable documents, written into the export folder."), NULL,
	print_subs
};
