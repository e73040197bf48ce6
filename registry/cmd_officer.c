#include "config.h"

/* cutru-registryd officer add | disable | list: the officers whose
 * approvals the registry accepts. */

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/i18n.h"
#include "core/utf8.h"
#include "registry/cmd.h"
#include "sync/envelope.h"

struct officer_args {
	const char *ward, *login, *name, *key, *role;
};

static int
parse(struct regcli *c, int argc, char **argv, struct officer_args *a,
    const char *help)
{
	static const struct option longopts[] = {
		{ "ward", required_argument, NULL, 'w' },
		{ "login", required_argument, NULL, 'l' },
		{ "name", required_argument, NULL, 'n' },
		{ "key", required_argument, NULL, 'k' },
		{ "role", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int opt;

	memset(a, 0, sizeof *a);
	optind = 0;
	while ((opt = getopt_long(argc, argv, "+w:l:n:k:r:h", longopts,
	    NULL)) != -1) {
		switch (opt) {
		case 'w': a->ward = optarg; break;
		case 'l': a->login = optarg; break;
		case 'n': a->name = optarg; break;
		case 'k': a->key = optarg; break;
		case 'r': a->role = optarg; break;
		case 'h':
			printf("%s", help);
			return -1;
		default:
			return regcli_usage(c, "%s", _("Unknown option."));
		}
	}
	if (optind != argc)
		return regcli_usage(c, "%s", _("This command takes options only."));
	return REG_EXIT_OK;
}

static int
check_login(const char *login)
{
	size_t i, n = login != NULL ? strlen(login) : 0;

	if (n == 0 || n > REG_LOGIN_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((login[i] >= 'a' && login[i] <= 'z') ||
		    (login[i] >= '0' && login[i] <= '9') || login[i] == '.' ||
		    login[i] == '_' || login[i] == '-'))
			return 0;
	return 1;
}

static int
exec_add(struct regcli *c, int argc, char **argv)
{
	struct officer_args a;
	struct reg_officer o;
	struct regstore *st = NULL;
	struct cutru_err e;
	int status;

	status = parse(c, argc, argv, &a, _("Usage: cutru-registryd officer add --ward CODE --login LOGIN --name NAME\n"
	    "         --key BASE64 [--role supervisor|officer]\n"
	    "Register an officer's Ed25519 public key (as the console shows it) for a ward.\n"
	    "Only an active supervisor's approvals are accepted.\n"));
	if (status != REG_EXIT_OK)
		return status < 0 ? REG_EXIT_OK : status;
	if (a.ward == NULL || a.login == NULL || a.name == NULL || a.key == NULL)
		return regcli_usage(c, "%s", _("officer add needs --ward, --login, --name and --key."));
	if ((status = regcli_ward(c, a.ward)) != REG_EXIT_OK)
		return status;
	memset(&o, 0, sizeof o);
	if (!check_login(a.login)) {
		fprintf(stderr, "%s", _("cutru-registryd: a login is 1 to 32 of a-z, 0-9, '.', '_', '-'.\n"));
		return REG_EXIT_INVALID;
	}
	if (strlen(a.name) == 0 || strlen(a.name) > REG_OFFICER_NAME_MAX ||
	    utf8_validate(a.name, UTF8_NTS, 0, "name", &e) != CUTRU_OK ||
	    strpbrk(a.name, "\r\n\t") != NULL) {
		fprintf(stderr, "%s", _("cutru-registryd: the name must be one line of valid UTF-8.\n"));
		return REG_EXIT_INVALID;
	}
	if (a.role == NULL)
		a.role = "supervisor";
	if (strcmp(a.role, "supervisor") != 0 && strcmp(a.role, "officer") != 0)
		return regcli_usage(c, "%s", _("--role is 'supervisor' or 'officer'."));
	if (envelope_b64_decode_fixed(a.key, o.sign_pk, REG_KEY_BYTES, "key",
	    &e) != CUTRU_OK)
		return regcli_fail(c, &e);
	snprintf(o.ward, sizeof o.ward, "%s", a.ward);
	snprintf(o.login, sizeof o.login, "%s", a.login);
	snprintf(o.name, sizeof o.name, "%s", a.name);
	snprintf(o.role, sizeof o.role, "%s", a.role);
	envelope_key_id(o.sign_pk, o.key_id, NULL);
	o.active = 1;
	o.added = (int64_t)time(NULL);
	if ((status = regcli_load(c)) != REG_EXIT_OK ||
	    (status = regcli_open(c, 0, &st)) != REG_EXIT_OK)
		return status;
	if (st->ops->officer_add(st, &o, &e) != CUTRU_OK) {
		regstore_close(st);
		return regcli_fail(c, &e);
	}
	regstore_close(st);
	printf(_("Officer %s of ward %s (%s) registered with key %s.\n"),
	    o.login, o.ward, o.role, o.key_id);
	return REG_EXIT_OK;
}

struct find_arg {
	const char *ward, *login;
	struct reg_officer found;
	int n;
};

static int
find_officer(void *arg, const struct reg_officer *o)
{
	struct find_arg *f = arg;

	if (strcmp(o->ward, f->ward) == 0 && strcmp(o->login, f->login) == 0) {
		f->found = *o;
		f->n = 1;
	}
	return 0;
}

static int
exec_disable(struct regcli *c, int argc, char **argv)
{
	struct officer_args a;
	struct find_arg f;
	struct regstore *st = NULL;
	struct cutru_err e;
	int status;

	status = parse(c, argc, argv, &a, _("Usage: cutru-registryd officer disable --ward CODE --login LOGIN\n"
	    "Stop accepting this officer's approvals.\n"));
	if (status != REG_EXIT_OK)
		return status < 0 ? REG_EXIT_OK : status;
	if (a.ward == NULL || a.login == NULL)
		return regcli_usage(c, "%s", _("officer disable needs --ward and --login."));
	if ((status = regcli_load(c)) != REG_EXIT_OK ||
	    (status = regcli_open(c, 0, &st)) != REG_EXIT_OK)
		return status;
	memset(&f, 0, sizeof f);
	f.ward = a.ward;
	f.login = a.login;
	if (st->ops->officer_list(st, find_officer, &f, &e) != CUTRU_OK)
		goto fail;
	if (f.n == 0) {
		cutru_err_set(&e, CUTRU_ENOTFOUND, "login",
		    _("No officer '%s' is registered for ward %s."), a.login,
		    a.ward);
		goto fail;
	}
	f.found.active = 0;
	if (st->ops->officer_add(st, &f.found, &e) != CUTRU_OK)
		goto fail;
	regstore_close(st);
	printf(_("Officer %s of ward %s is disabled.\n"), a.login, a.ward);
	return REG_EXIT_OK;
fail:
	regstore_close(st);
	return regcli_fail(c, &e);
}

static int
print_officer(void *arg, const struct reg_officer *o)
{
	(void)arg;
	printf("%-5s  %-16s  %-10s  %-8s  %s  %s\n", o->ward, o->login,
	    o->role, o->active ? "active" : "disabled", o->key_id, o->name);
	return 0;
}

static int
exec_list(struct regcli *c, int argc, char **argv)
{
	struct officer_args a;
	struct regstore *st = NULL;
	struct cutru_err e;
	int status;

	status = parse(c, argc, argv, &a, _("Usage: cutru-registryd officer list\n"));
	if (status != REG_EXIT_OK)
		return status < 0 ? REG_EXIT_OK : status;
	if ((status = regcli_load(c)) != REG_EXIT_OK ||
	    (status = regcli_open(c, 0, &st)) != REG_EXIT_OK)
		return status;
	if (st->ops->officer_list(st, print_officer, NULL, &e) != CUTRU_OK) {
		regstore_close(st);
		return regcli_fail(c, &e);
	}
	regstore_close(st);
	return REG_EXIT_OK;
}

static const struct regcmd officer_add = {
	"add", N_("--ward CODE --login LOGIN --name NAME --key BASE64 [--role ROLE]"),
	N_("register an officer's public key"), exec_add, NULL
};
static const struct regcmd officer_disable = {
	"disable", N_("--ward CODE --login LOGIN"),
	N_("stop accepting an officer's approvals"), exec_disable, NULL
};
static const struct regcmd officer_list = {
	"list", "", N_("list the registered officers"), exec_list, NULL
};
static const struct regcmd *const subs[] = { &officer_add, &officer_disable,
	&officer_list, NULL };

const struct regcmd regcmd_officer = { "officer", "", "", NULL, subs };
