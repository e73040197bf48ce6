#include "config.h"

/* cutru-registryd: the reference central registry.  Global options, then
 * one subcommand from the table below; only this file decides to exit.
 * cutru-registryd(8) is the manual. */

#include <errno.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libintl.h>
#include <sys/stat.h>
#include <sodium.h>

#include "core/i18n.h"
#include "registry/cmd.h"

static const struct regcmd *const table[] = {
	&regcmd_init,
	&regcmd_token,
	&regcmd_device,
	&regcmd_officer,
	&regcmd_population,
	&regcmd_import,
	&regcmd_serve,
	NULL
};

static void
usage(FILE *f)
{
	const struct regcmd *const *cmd, *const *sub;

	fprintf(f, "%s", _("Usage: cutru-registryd [-c CONFIG] COMMAND [ARGUMENTS]\n"
	    "\n"
	    "  -c, --config FILE   the configuration file (default\n"
	    "                      $CUTRU_REGISTRYD_CONFIG, else "
	    REG_DEFAULT_CONFIG ")\n"
	    "      --version       print the version\n"
	    "      --help          print this help\n"
	    "\n"
	    "Commands:\n"));
	for (cmd = table; *cmd != NULL; cmd++) {
		if ((*cmd)->subs == NULL) {
			fprintf(f, "  %s %s\n      %s\n", (*cmd)->name,
			    _((*cmd)->args), _((*cmd)->summary));
			continue;
		}
		for (sub = (*cmd)->subs; *sub != NULL; sub++)
			fprintf(f, "  %s %s %s\n      %s\n", (*cmd)->name,
			    (*sub)->name, _((*sub)->args),
			    _((*sub)->summary));
	}
	fprintf(f, "%s", _("\nSee cutru-registryd(8).\n"));
}

static const struct regcmd *
find(const struct regcmd *const *t, const char *name)
{
	for (; *t != NULL; t++)
		if (strcmp((*t)->name, name) == 0)
			return *t;
	return NULL;
}

int
regcli_usage(const struct regcli *c, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "cutru-registryd: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (c != NULL && c->cmd_path != NULL)
		fprintf(stderr, _(" (see 'cutru-registryd %s --help')\n"),
		    c->cmd_path);
	else
		fprintf(stderr, "%s", _(" (see 'cutru-registryd --help')\n"));
	return REG_EXIT_USAGE;
}

int
regcli_fail(const struct regcli *c, const struct cutru_err *e)
{
	(void)c;
	if (e->field[0] != '\0')
		fprintf(stderr, "cutru-registryd: %s: %s\n", e->field, e->msg);
	else
		fprintf(stderr, "cutru-registryd: %s\n", e->msg);
	switch (e->code) {
	case CUTRU_OK:
		return REG_EXIT_OK;
	case CUTRU_EINVAL:
	case CUTRU_ERANGE:
		return REG_EXIT_INVALID;
	case CUTRU_EPERM:
	case CUTRU_ECRYPTO:
		return REG_EXIT_PERMISSION;
	case CUTRU_ENOTFOUND:
		return REG_EXIT_NOTFOUND;
	case CUTRU_ECONFLICT:
		return REG_EXIT_CONFLICT;
	case CUTRU_EIO:
		return REG_EXIT_STORE;
	default:
		return REG_EXIT_INTERNAL;
	}
}

int
regcli_load(struct regcli *c)
{
	struct cutru_err e;

	if (regconf_load(c->config, &c->conf, &e) != CUTRU_OK)
		return regcli_fail(c, &e);
	return REG_EXIT_OK;
}

int
regcli_open(struct regcli *c, int create, struct regstore **out)
{
	char path[REGCONF_PATH_MAX + 32];
	struct cutru_err e;

	if (regconf_data_path(&c->conf, "registry.db", path, sizeof path,
	    &e) != CUTRU_OK ||
	    regstore_sqlite_open(path, (create ? REGSTORE_CREATE : 0) |
	    (c->conf.sync_full ? 0 : REGSTORE_SYNC_NORMAL), out, &e) !=
	    CUTRU_OK)
		return regcli_fail(c, &e);
	return REG_EXIT_OK;
}

int
regcli_keys(struct regcli *c, struct regkeys **out)
{
	struct cutru_err e;

	if (regkeys_load(c->conf.data_dir, out, &e) != CUTRU_OK)
		return regcli_fail(c, &e);
	return REG_EXIT_OK;
}

int
regcli_ward(const struct regcli *c, const char *ward)
{
	size_t i;

	if (ward == NULL || strlen(ward) != REG_WARD_LEN)
		goto bad;
	for (i = 0; i < REG_WARD_LEN; i++)
		if (ward[i] < '0' || ward[i] > '9')
			goto bad;
	return REG_EXIT_OK;
bad:
	fprintf(stderr, "%s", _("cutru-registryd: a ward code is 5 digits (the commune-level unit code).\n"));
	(void)c;
	return REG_EXIT_INVALID;
}

static int
run(int argc, char **argv)
{
	struct regcli c;
	const struct regcmd *cmd, *sub;
	const char *env;
	char path[64];
	int i = 1;

	memset(&c, 0, sizeof c);
	env = getenv("CUTRU_REGISTRYD_CONFIG");
	snprintf(c.config, sizeof c.config, "%s",
	    env != NULL && env[0] != '\0' ? env : REG_DEFAULT_CONFIG);
	/* Global options come before the command. */
	while (i < argc && argv[i][0] == '-') {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return REG_EXIT_OK;
		}
		if (strcmp(argv[i], "--version") == 0) {
			printf("cutru-registryd %s\n", PACKAGE_VERSION);
			return REG_EXIT_OK;
		}
		if (strcmp(argv[i], "-c") == 0 ||
		    strcmp(argv[i], "--config") == 0) {
			if (i + 1 >= argc)
				return regcli_usage(NULL,
				    _("The option '%s' needs a value."),
				    argv[i]);
			if (strlen(argv[i + 1]) >= sizeof c.config)
				return regcli_usage(NULL, "%s",
				    _("The configuration file's path is too long."));
			snprintf(c.config, sizeof c.config, "%s", argv[i + 1]);
			i += 2;
			continue;
		}
		if (strncmp(argv[i], "--config=", 9) == 0) {
			snprintf(c.config, sizeof c.config, "%s", argv[i] + 9);
			i++;
			continue;
		}
		return regcli_usage(NULL, _("Unknown option '%s'."), argv[i]);
	}
	if (i >= argc)
		return regcli_usage(NULL, "%s", _("Say which command to run."));
	if ((cmd = find(table, argv[i])) == NULL)
		return regcli_usage(NULL, _("There is no command '%s'."),
		    argv[i]);
	c.cmd_path = cmd->name;
	if (cmd->subs != NULL) {
		if (i + 1 >= argc)
			return regcli_usage(NULL, _("Say what '%s' should do."),
			    cmd->name);
		if ((sub = find(cmd->subs, argv[i + 1])) == NULL)
			return regcli_usage(NULL,
			    _("'%s' has no subcommand '%s'."), cmd->name,
			    argv[i + 1]);
		snprintf(path, sizeof path, "%s %s", cmd->name, sub->name);
		c.cmd_path = path;
		cmd = sub;
		i++;
	}
	return cmd->exec(&c, argc - i, argv + i);
}

int
main(int argc, char **argv)
{
	const char *localedir;
	int st;

	/* The database holds personal data, the secret key file secrets:
	 * nothing this program creates is for others (the public key file
	 * is made 0644 explicitly). */
	umask(077);
	setlocale(LC_ALL, "");
	localedir = getenv("CUTRU_LOCALEDIR");
	if (localedir == NULL || localedir[0] == '\0')
		localedir = LOCALEDIR;
	bindtextdomain(PACKAGE, localedir);
	textdomain(PACKAGE);
	if (sodium_init() < 0) {
		fprintf(stderr, "%s", _("cutru-registryd: the cryptographic library could not start.\n"));
		return REG_EXIT_INTERNAL;
	}
	st = run(argc, argv);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, _("cutru-registryd: could not write the output: %s\n"),
		    strerror(errno));
		if (st == REG_EXIT_OK)
			st = REG_EXIT_STORE;
	}
	return st;
}
