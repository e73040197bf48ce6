#include "config.h"

/* cutru officer add|list|disable|passwd: officer accounts.  Who may do
 * what is decided by localdb/officer.c. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "core/i18n.h"
#include "localdb/officer.h"
#include "localdb/session.h"
#include "tui/cli.h"
#include "tui/format.h"
#include "tui/passphrase.h"

enum {
	OPT_NAME = CLI_OPT_FIRST_FREE,
	OPT_ROLE,
	OPT_NEW_FD,
	OPT_RECOVERY
};

/* Parse the options of an officer subcommand that has no options of its
 * own; returns -2 with *status to stop. */
static int
no_options(struct cli *c, int argc, char **argv, int *status)
{
	static const struct option longopts[] = {
		CLI_GLOBAL_LONG,
		{ NULL, 0, NULL, 0 }
	};
	int opt;

	while ((opt = cli_getopt(c, argc, argv, CLI_GLOBAL_SHORT, longopts,
	    status)) != -1)
		if (opt == -2)
			return -2;
	return 0;
}

static int
add_exec(struct cli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "name", required_argument, NULL, OPT_NAME },
		{ "role", required_argument, NULL, OPT_ROLE },
		{ "new-passphrase-fd", required_argument, NULL, OPT_NEW_FD },
		CLI_GLOBAL_LONG,
		{ NULL, 0, NULL, 0 }
	};
	const char *name = NULL, *role_id = NULL, *login;
	struct session *s = NULL;
	enum session_role role;
	struct cutru_err e;
	char prompt[160], *pass = NULL;
	int fd = -1;
	int opt, status = CLI_EXIT_OK;

	cutru_err_clear(&e);
	while ((opt = cli_getopt(c, argc, argv, CLI_GLOBAL_SHORT, longopts,
	    &status)) != -1) {
		switch (opt) {
		case -2:
			return status;
		case OPT_NAME:
			name = optarg;
			break;
		case OPT_ROLE:
			role_id = optarg;
			break;
		case OPT_NEW_FD:
			if ((status = cli_parse_fd(c, "--new-passphrase-fd",
			    optarg, &fd)) != CLI_EXIT_OK)
				return status;
			break;
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error(c, _("Give the new officer's login."));
	login = argv[optind];
	if (name == NULL || role_id == NULL)
		return cli_usage_error(c, _("Give --name and --role."));
	if (session_role_parse(role_id, &role, &e) != CUTRU_OK)
		return cli_fail(c, &e);
	if (cli_open(c, &s, NULL, &e) != CUTRU_OK)
		return cli_fail(c, &e);
	snprintf(prompt, sizeof prompt, _("New passphrase for %s: "), login);
	if (cli_new_passphrase(c, fd >= 0 ? fd : c->passphrase_fd,
	    prompt, &pass, &e) != CUTRU_OK)
		goto fail;
	if (officer_add(s, login, name, role, pass, time(NULL), &e) !=
	    CUTRU_OK)
		goto fail;
	passphrase_free(pass);
	session_close(s);
	if (c->json) {
		cJSON *doc = cJSON_CreateObject();

		if (doc != NULL &&
		    (cJSON_AddStringToObject(doc, "login", login) == NULL ||
		    cJSON_AddStringToObject(doc, "role",
		    session_role_id(role)) == NULL)) {
			cJSON_Delete(doc);
			doc = NULL;
		}
		return cli_json_print(c, doc);
	}
	printf(_("Officer %s added with the role %s.\n"), login,
	    session_role_id(role));
	return CLI_EXIT_OK;
fail:
	passphrase_free(pass);
	session_close(s);
	return cli_fail(c, &e);
}

static int
list_exec(struct cli *c, int argc, char **argv)
{
	struct officer_info *list = NULL;
	struct session *s = NULL;
	struct cutru_err e;
	size_t n = 0, i;
	int status = CLI_EXIT_OK;

	cutru_err_clear(&e);
	if (no_options(c, argc, argv, &status) == -2)
		return status;
	if (optind != argc)
		return cli_usage_error(c, _("'officer list' takes no "
		    "operands."));
	if (cli_open(c, &s, NULL, &e) != CUTRU_OK ||
	    officer_list(s, &list, &n, &e) != CUTRU_OK) {
		session_close(s);
		return cli_fail(c, &e);
	}
	session_close(s);
	if (c->json) {
		cJSON *doc = cJSON_CreateObject(), *arr, *o;

		arr = cJSON_AddArrayToObject(doc, "officers");
		for (i = 0; arr != NULL && i < n; i++) {
			if ((o = format_officer_json(&list[i])) == NULL ||
			    !cJSON_AddItemToArray(arr, o)) {
				cJSON_Delete(o);
				arr = NULL;
			}
		}
		if (arr == NULL) {
			cJSON_Delete(doc);
			doc = NULL;
		}
		status = cli_json_print(c, doc);
	} else {
		for (i = 0; i < n; i++)
			format_officer_text(stdout, &list[i]);
	}
	officer_list_free(list, n);
	return status;
}

static int
disable_exec(struct cli *c, int argc, char **argv)
{
	struct session *s = NULL;
	struct cutru_err e;
	int status = CLI_EXIT_OK;

	cutru_err_clear(&e);
	if (no_options(c, argc, argv, &status) == -2)
		return status;
	if (optind + 1 != argc)
		return cli_usage_error(c, _("Give the login of the officer "
		    "to disable."));
	if (cli_open(c, &s, NULL, &e) != CUTRU_OK ||
	    officer_disable(s, argv[optind], time(NULL), &e) != CUTRU_OK) {
		session_close(s);
		return cli_fail(c, &e);
	}
	session_close(s);
	if (c->json) {
		cJSON *doc = cJSON_CreateObject();

		if (doc != NULL &&
		    (cJSON_AddStringToObject(doc, "login",
		    argv[optind]) == NULL ||
		    cJSON_AddBoolToObject(doc, "disabled", 1) == NULL)) {
			cJSON_Delete(doc);
			doc = NULL;
		}
		return cli_json_print(c, doc);
	}
	printf(_("Officer %s can no longer log in.\n"), argv[optind]);
	return CLI_EXIT_OK;
}

/* officer passwd: your own passphrase, proving the old one; or with
 * --recovery, any officer's with the store's recovery code. */
static int
passwd_exec(struct cli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "recovery", no_argument, NULL, OPT_RECOVERY },
		{ "new-passphrase-fd", required_argument, NULL, OPT_NEW_FD },
		CLI_GLOBAL_LONG,
		{ NULL, 0, NULL, 0 }
	};
	struct session *s = NULL;
	struct cutru_err e;
	const char *login, *dir = NULL;
	char prompt[160], *old = NULL, *pass = NULL;
	int fd = -1;
	int opt, status = CLI_EXIT_OK, recovery = 0, rc;

	cutru_err_clear(&e);
	while ((opt = cli_getopt(c, argc, argv, CLI_GLOBAL_SHORT, longopts,
	    &status)) != -1) {
		switch (opt) {
		case -2:
			return status;
		case OPT_RECOVERY:
			recovery = 1;
			break;
		case OPT_NEW_FD:
			if ((status = cli_parse_fd(c, "--new-passphrase-fd",
			    optarg, &fd)) != CLI_EXIT_OK)
				return status;
			break;
		}
	}
	if (optind < argc && !recovery)
		return cli_usage_error(c, _("Only --recovery changes the "
		    "passphrase of another officer; without it, give no "
		    "login."));
	if (optind + 1 < argc)
		return cli_usage_error(c, _("Give at most one login."));
	if (optind < argc)
		snprintf(c->login, sizeof c->login, "%s", argv[optind]);
	if ((rc = cli_login(c, &login, &e)) != CUTRU_OK)
		return cli_fail(c, &e);
	if (recovery) {
		if ((rc = cli_store_path(c, &dir, &e)) != CUTRU_OK ||
		    (rc = cli_passphrase(c, _("Recovery code: "), &old,
		    &e)) != CUTRU_OK)
			goto done;
	} else if ((rc = cli_open(c, &s, &old, &e)) != CUTRU_OK)
		goto done;
	snprintf(prompt, sizeof prompt, _("New passphrase for %s: "), login);
	if ((rc = cli_new_passphrase(c, fd >= 0 ? fd : c->passphrase_fd,
	    prompt, &pass, &e)) != CUTRU_OK)
		goto done;
	if (recovery)
		rc = officer_reset_passphrase(dir, old, login, pass,
		    time(NULL), &e);
	else
		rc = officer_change_passphrase(s, old, pass, time(NULL), &e);
done:
	passphrase_free(old);
	passphrase_free(pass);
	session_close(s);
	if (rc != CUTRU_OK)
		return cli_fail(c, &e);
	if (c->json) {
		cJSON *doc = cJSON_CreateObject();

		if (doc != NULL &&
		    (cJSON_AddStringToObject(doc, "login", login) == NULL ||
		    cJSON_AddBoolToObject(doc, "changed", 1) == NULL)) {
			cJSON_Delete(doc);
			doc = NULL;
		}
		return cli_json_print(c, doc);
	}
	printf(_("The passphrase of %s is changed.\n"), login);
	return CLI_EXIT_OK;
}

static const struct cmd cmd_officer_add = {
	"add",
	N_("LOGIN --name NAME --role officer|supervisor|admin "
	"[--new-passphrase-fd N]"),
	N_("Add an officer account (administrators)."),
	add_exec, NULL
};

static const struct cmd cmd_officer_list = {
	"list", "", N_("List the officer accounts."), list_exec, NULL
};

static const struct cmd cmd_officer_disable = {
	"disable", N_("LOGIN"),
	N_("Disable an officer account (administrators)."),
	disable_exec, NULL
};

static const struct cmd cmd_officer_passwd = {
	"passwd", N_("[--recovery [LOGIN]] [--new-passphrase-fd N]"),
	N_("Change your passphrase, or with the recovery code an officer's."),
	passwd_exec, NULL
};

static const struct cmd *const officer_subs[] = {
	&cmd_officer_add, &cmd_officer_list, &cmd_officer_disable,
	&cmd_officer_passwd, NULL
};

const struct cmd cmd_officer = {
	"officer", "", N_("Officer accounts."), NULL, officer_subs
};
