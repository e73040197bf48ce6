#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "core/date.h"
#include "core/err.h"
#include "core/i18n.h"
#include "localdb/storedir.h"
#include "tui/cli.h"
#include "tui/passphrase.h"
#include "tui/syncui.h"

long long
cli_parse_count(const char *s, long long max)
{
	long long v = 0;

	if (s == NULL || *s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > (max - (*s - '0')) / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

int
cli_parse_fd(struct cli *c, const char *opt, const char *arg, int *fd)
{
	long long v = cli_parse_count(arg, INT_MAX);

	if (v < 0)
		return cli_usage_error(c, _("%s needs a file descriptor number, "
		    "not '%s'."), opt, arg);
	if (fcntl((int)v, F_GETFD) < 0)
		return cli_usage_error(c, _("%s %s: no file is open on that "
		    "descriptor."), opt, arg);
	*fd = (int)v;
	return CLI_EXIT_OK;
}

int
cli_global_option(struct cli *c, int opt, const char *arg)
{
	switch (opt) {
	case 's':
		if (arg[0] == '\0' || strlen(arg) >= sizeof c->store)
			return cli_usage_error(c,
			    _("The store directory given with --store is empty "
			    "or too long."));
		snprintf(c->store, sizeof c->store, "%s", arg);
		return CLI_EXIT_OK;
	case 'u':
		if (arg[0] == '\0' || strlen(arg) >= sizeof c->login)
			return cli_usage_error(c,
			    _("The login given with --login is empty or too "
			    "long."));
		snprintf(c->login, sizeof c->login, "%s", arg);
		return CLI_EXIT_OK;
	case CLI_OPT_PASSPHRASE_FD:
		return cli_parse_fd(c, "--passphrase-fd", arg, &c->passphrase_fd);
	case CLI_OPT_JSON:
		c->json = 1;
		return CLI_EXIT_OK;
	default:
		return -1;
	}
}

int
cli_getopt(struct cli *c, int argc, char **argv, const char *shortopts,
    const struct option *longopts, int *status)
{
	char spec[64];
	int opt, st;

	/* A leading ':' makes getopt report a missing argument as ':' and
	 * keeps it quiet: the messages below are translated. */
	snprintf(spec, sizeof spec, ":%s", shortopts);
	for (;;) {
		opt = getopt_long(argc, argv, spec, longopts, NULL);
		if (opt == -1)
			return -1;
		if (opt == CLI_OPT_HELP) {
			cli_print_usage(c, stdout);
			*status = CLI_EXIT_OK;
			return -2;
		}
		if (opt == '?') {
			if (optopt != 0 && optopt < 0x100)
				*status = cli_usage_error(c,
				    _("Unknown option '-%c'."), optopt);
			else
				*status = cli_usage_error(c,
				    _("Unknown option '%s'."), argv[optind - 1]);
			return -2;
		}
		if (opt == ':') {
			*status = cli_usage_error(c,
			    _("The option '%s' needs a value."),
			    argv[optind - 1]);
			return -2;
		}
		st = cli_global_option(c, opt, optarg);
		if (st == -1)
			return opt;
		if (st != CLI_EXIT_OK) {
			*status = st;
			return -2;
		}
	}
}

int
cli_status(const struct cutru_err *e)
{
	switch (e->code) {
	case CUTRU_OK:
		return CLI_EXIT_OK;
	case CUTRU_EINVAL:
	case CUTRU_ERANGE:
		return CLI_EXIT_INVALID;
	case CUTRU_EPERM:
		return CLI_EXIT_PERMISSION;
	case CUTRU_ECRYPTO:
		/* A passphrase or recovery code that does not open the store
		 * is authentication; a page, a keyring or a journal entry
		 * that fails its check is a damaged store. */
		if (strcmp(e->field, "passphrase") == 0 ||
		    strcmp(e->field, "recovery_code") == 0 ||
		    strcmp(e->field, "signature") == 0)
			return CLI_EXIT_PERMISSION;
		return CLI_EXIT_STORE;
	case CUTRU_ENOTFOUND:
		return CLI_EXIT_NOTFOUND;
	case CUTRU_ECONFLICT:
		return CLI_EXIT_CONFLICT;
	case CUTRU_EIO:
		return CLI_EXIT_STORE;
	case CUTRU_ENOMEM:
	case CUTRU_EINTERNAL:
	default:
		return CLI_EXIT_INTERNAL;
	}
}

/* The word naming an exit status in JSON error documents. */
static const char *
status_word(int status)
{
	switch (status) {
	case CLI_EXIT_USAGE:
		return "usage";
	case CLI_EXIT_INVALID:
		return "invalid";
	case CLI_EXIT_PERMISSION:
		return "permission";
	case CLI_EXIT_NOTFOUND:
		return "not_found";
	case CLI_EXIT_CONFLICT:
		return "conflict";
	case CLI_EXIT_STORE:
		return "store";
	default:
		return "internal";
	}
}

/* The "error" member of a JSON document: {"status", "code", "field",
 * "message"}. */
static int
add_error(cJSON *doc, int status, const char *field, const char *msg)
{
	cJSON *err = cJSON_AddObjectToObject(doc, "error");

	return err != NULL &&
	    cJSON_AddNumberToObject(err, "status", status) != NULL &&
	    cJSON_AddStringToObject(err, "code", status_word(status)) != NULL &&
	    cJSON_AddStringToObject(err, "field", field) != NULL &&
	    cJSON_AddStringToObject(err, "message", msg) != NULL;
}

int
cli_add_error(cJSON *doc, const struct cutru_err *e)
{
	return add_error(doc, cli_status(e), e->field, e->msg) ? 0 : -1;
}

/* The JSON error document {"error": {...}}. */
static void
json_error(int status, const char *field, const char *msg)
{
	cJSON *doc;
	char *text;

	if ((doc = cJSON_CreateObject()) == NULL)
		return;
	if (!add_error(doc, status, field, msg)) {
		cJSON_Delete(doc);
		return;
	}
	text = cJSON_Print(doc);
	if (text != NULL) {
		printf("%s\n", text);
		cJSON_free(text);
	}
	cJSON_Delete(doc);
}

int
cli_fail(struct cli *c, const struct cutru_err *e)
{
	int status = cli_status(e);
	const char *msg = e->msg;

	if (status == CLI_EXIT_OK)
		status = CLI_EXIT_INTERNAL;
	if (msg[0] == '\0')
		msg = _("Something went wrong inside cutru.");
	if (e->field[0] != '\0')
		/* TRANSLATORS: an error message, then the name of the
		 * request field or the setting it is about. */
		fprintf(stderr, _("cutru: %s (field: %s)\n"), msg, e->field);
	else
		fprintf(stderr, _("cutru: %s\n"), msg);
	if (c != NULL && c->json)
		json_error(status, e->field, msg);
	return status;
}

const char *
cli_text(const char *s)
{
	return s == NULL || s[0] == '\0' ? "" : _(s);
}

void
cli_print_usage(const struct cli *c, FILE *f)
{
	const struct cmd *cmd = c->cmd;
	const struct cmd *const *sub;

	if (cmd == NULL) {
		fprintf(f, "%s", _("Try 'cutru --help' for the list of "
		    "commands.\n"));
		return;
	}
	if (cmd->subs == NULL) {
		fprintf(f, _("Usage: cutru [GLOBAL OPTIONS] %s %s\n"),
		    c->cmd_path, cmd->args[0] != '\0' ? cli_text(cmd->args) :
		    "");
		fprintf(f, "  %s\n", cli_text(cmd->summary));
		return;
	}
	for (sub = cmd->subs; *sub != NULL; sub++) {
		fprintf(f, _("Usage: cutru [GLOBAL OPTIONS] %s %s%s%s\n"),
		    c->cmd_path, (*sub)->name,
		    (*sub)->args[0] != '\0' ? " " : "",
		    cli_text((*sub)->args));
		fprintf(f, "  %s\n", cli_text((*sub)->summary));
	}
}

int
cli_usage_error(struct cli *c, const char *fmt, ...)
{
	char msg[CUTRU_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fprintf(stderr, _("cutru: %s\n"), msg);
	cli_print_usage(c, stderr);
	if (c->json)
		json_error(CLI_EXIT_USAGE, "", msg);
	return CLI_EXIT_USAGE;
}

int
cli_json_print(struct cli *c, cJSON *doc)
{
	struct cutru_err e;
	char *text;

	if (doc == NULL) {
		cutru_err_set(&e, CUTRU_ENOMEM, NULL,
		    _("Out of memory while writing the result."));
		return cli_fail(c, &e);
	}
	text = cJSON_Print(doc);
	cJSON_Delete(doc);
	if (text == NULL) {
		cutru_err_set(&e, CUTRU_ENOMEM, NULL,
		    _("Out of memory while writing the result."));
		return cli_fail(c, &e);
	}
	printf("%s\n", text);
	cJSON_free(text);
	return CLI_EXIT_OK;
}

int
cli_store_path(struct cli *c, const char **path, struct cutru_err *e)
{
	const char *env;
	int rc;

	*path = NULL;
	if (c->store[0] == '\0') {
		env = getenv("CUTRU_STORE");
		if (env != NULL && env[0] != '\0') {
			if (strlen(env) >= sizeof c->store)
				return cutru_err_set(e, CUTRU_EINVAL,
				    "CUTRU_STORE",
				    _("The store directory in CUTRU_STORE is "
				    "too long."));
			snprintf(c->store, sizeof c->store, "%s", env);
		} else if ((rc = storedir_default_path(c->store,
		    sizeof c->store, e)) != CUTRU_OK) {
			c->store[0] = '\0';
			return rc;
		}
	}
	*path = c->store;
	return CUTRU_OK;
}

int
cli_login(struct cli *c, const char **login, struct cutru_err *e)
{
	const char *env;
	struct passwd *pw;

	*login = NULL;
	if (c->login[0] == '\0') {
		env = getenv("CUTRU_LOGIN");
		if (env == NULL || env[0] == '\0') {
			pw = getpwuid(getuid());
			env = pw != NULL ? pw->pw_name : NULL;
		}
		if (env == NULL || env[0] == '\0')
			return cutru_err_set(e, CUTRU_EINVAL, "login",
			    _("Say which officer you are with --login NAME "
			    "(or CUTRU_LOGIN)."));
		if (strlen(env) >= sizeof c->login)
			return cutru_err_set(e, CUTRU_EINVAL, "login",
			    _("The login '%.40s...' is too long."), env);
		snprintf(c->login, sizeof c->login, "%s", env);
	}
	*login = c->login;
	return CUTRU_OK;
}

int
cli_passphrase(struct cli *c, const char *prompt, char **out,
    struct cutru_err *e)
{
	if (c->passphrase_fd >= 0)
		return passphrase_read_fd(c->passphrase_fd, out, e);
	return passphrase_read_tty(prompt, out, e);
}

int
cli_new_passphrase(struct cli *c, int fd, const char *prompt, char **out,
    struct cutru_err *e)
{
	char *again = NULL;
	int rc;

	(void)c;
	*out = NULL;
	if (fd >= 0)
		return passphrase_read_fd(fd, out, e);
	if ((rc = passphrase_read_tty(prompt, out, e)) != CUTRU_OK)
		return rc;
	if ((rc = passphrase_read_tty(_("Type it again: "), &again, e)) !=
	    CUTRU_OK)
		goto done;
	if (strlen(*out) != strlen(again) ||
	    sodium_memcmp(*out, again, strlen(again)) != 0)
		rc = cutru_err_set(e, CUTRU_EINVAL, "passphrase",
		    _("The two passphrases typed differ; nothing was "
		    "changed."));
done:
	passphrase_free(again);
	if (rc != CUTRU_OK) {
		passphrase_free(*out);
		*out = NULL;
	}
	return rc;
}

int
cli_open(struct cli *c, struct session **out, char **keep_passphrase,
    struct cutru_err *e)
{
	const char *dir, *login;
	char prompt[160], path[STOREDIR_PATH_MAX], *pass = NULL;
	int rc;

	*out = NULL;
	if (keep_passphrase != NULL)
		*keep_passphrase = NULL;
	if ((rc = cli_store_path(c, &dir, e)) != CUTRU_OK ||
	    (rc = cli_login(c, &login, e)) != CUTRU_OK)
		return rc;
	/* No passphrase is asked for a store that is not there. */
	if ((rc = storedir_check(dir, e)) != CUTRU_OK)
		return rc;
	if (storedir_join(path, sizeof path, dir, STOREDIR_KEYRING, e) !=
	    CUTRU_OK)
		return e->code;
	if (access(path, F_OK) != 0 && errno == ENOENT)
		return cutru_err_set(e, CUTRU_ENOTFOUND, "store",
		    _("There is no store in %s: create one with 'cutru init', "
		    "or restore a backup with 'cutru restore'."), dir);
	snprintf(prompt, sizeof prompt, _("Passphrase for %s: "), login);
	if ((rc = cli_passphrase(c, prompt, &pass, e)) != CUTRU_OK)
		return rc;
	rc = session_open(dir, login, pass, time(NULL), out, e);
	if (rc == CUTRU_OK) {
		/* Sync's part of unlocking (outbox repair, inbox applied);
		 * never a reason to refuse the command. */
		char note[CUTRU_ERR_MSG_MAX + 256];

		if (syncui_unlock(*out, time(NULL), note, sizeof note))
			fprintf(stderr, "cutru: %s\n", note);
	}
	if (rc == CUTRU_OK && keep_passphrase != NULL) {
		*keep_passphrase = pass;
		pass = NULL;
	}
	passphrase_free(pass);
	return rc;
}

int
cli_today(struct cutru_date *today, struct cutru_err *e)
{
	if (date_local_vn(time(NULL), today, NULL) != CUTRU_OK)
		return cutru_err_set(e, CUTRU_EINTERNAL, NULL,
		    _("The computer's clock is set to an impossible date; "
		    "set it right and try again."));
	return CUTRU_OK;
}
