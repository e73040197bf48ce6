#include "config.h"

/* cutru enroll --request FILE | --answer FILE: enrollment of a console
 * that has no connection, in two steps carried on removable media.  The
 * sealed request (cutru-protocol(7), ENROLLMENT) is posted to the
 * registry's /v1/enroll by whoever has a link; the signed answer comes
 * back and is checked against the registry key file before the keys are
 * pinned (device_enrolled(), sync/device.h).  With --registry URL and
 * --token (and neither file) the request goes over the network in one
 * step (client_enroll(), sync/client.h); the registry's TLS key is pinned
 * in the store folder's registry file for the sync client, from
 * --registry-cert or, without it, as presented by the registry during
 * this enrollment whose signed answer verified.  Administrators only:
 * enrolling decides where the ward's work goes. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/i18n.h"
#include "localdb/storedir.h"
#include "sync/client.h"
#include "sync/device.h"
#include "sync/enroll.h"
#include "sync/outbox.h"
#include "sync/spool.h"
#include "tui/cli.h"

enum {
	OPT_REQUEST = CLI_OPT_FIRST_FREE,
	OPT_ANSWER,
	OPT_TOKEN,
	OPT_KEY,
	OPT_LABEL,
	OPT_URL,
	OPT_CERT
};

/* The registry key file into k. */
static int
read_key(const char *path, struct registry_keys *k, struct cutru_err *e)
{
	unsigned char *text = NULL;
	size_t len = 0;
	char dir[STOREDIR_PATH_MAX];
	const char *slash = strrchr(path, '/');
	int rc;

	if (slash == NULL)
		snprintf(dir, sizeof dir, ".");
	else
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - path + 1),
		    path);
	rc = spool_read_file(dir, slash != NULL ? slash + 1 : path, 4096,
	    &text, &len, e);
	if (rc == CUTRU_OK)
		rc = registry_keys_parse((const char *)text, len, k, e);
	free(text);
	return rc;
}

/* Enrollment over the network, in one step. */
static int
enroll_network(struct cli *c, const char *url, const char *token,
    const char *keyfile, const char *cert, const char *label)
{
	struct registry_keys k;
	struct client_registry reg;
	struct outbox_repair_report rr;
	struct session *s = NULL;
	struct device *d = NULL;
	struct cutru_err e;
	unsigned char *req = NULL, *ans = NULL;
	size_t reqlen = 0, anslen = 0;
	const char *dir = NULL;
	char pin[CLIENT_PIN_SIZE];

	cutru_err_clear(&e);
	if (keyfile == NULL)
		return cli_usage_error(c, _("Give the registry's key file with "
		    "--registry-key FILE."));
	if (read_key(keyfile, &k, &e) != CUTRU_OK ||
	    cli_store_path(c, &dir, &e) != CUTRU_OK ||
	    cli_open(c, &s, NULL, &e) != CUTRU_OK)
		goto fail;
	if (session_role(s) != SESSION_ROLE_ADMIN) {
		cutru_err_set(&e, CUTRU_EPERM, "login",
		    _("Only an administrator can enroll the console; officer "
		    "'%s' is not one."), session_login(s));
		goto fail;
	}
	if (device_load_or_create(session_db(s), session_ward_code(s), &d,
	    &e) != CUTRU_OK ||
	    device_enroll_request(d, &k, token, label, time(NULL), &req,
	    &reqlen, &e) != CUTRU_OK ||
	    client_global_init(&e) != CUTRU_OK ||
	    client_enroll(url, cert, NULL, req, reqlen, &ans, &anslen, pin,
	    &e) != CUTRU_OK ||
	    device_enrolled(session_db(s), d, &k, url, ans, anslen, &e) !=
	    CUTRU_OK)
		goto fail;
	memset(&reg, 0, sizeof reg);
	snprintf(reg.url, sizeof reg.url, "%s", url);
	snprintf(reg.device, sizeof reg.device, "%s", d->id);
	snprintf(reg.ward, sizeof reg.ward, "%s", d->ward);
	memcpy(reg.sign_pk, k.sign_pk, sizeof reg.sign_pk);
	snprintf(reg.tls_pin, sizeof reg.tls_pin, "%s", pin);
	if (client_registry_save(dir, &reg, &e) != CUTRU_OK)
		goto fail;
	/* Approvals made before enrollment are sealed now, so the next
	 * cutru sync finds them in the outbox. */
	if (outbox_repair(s, time(NULL), &rr, &e) != CUTRU_OK)
		goto fail;
	printf(_("Device %s is enrolled with %s for ward %s; its TLS key is "
	    "pinned (%s).\n"), d->id, k.name, d->ward, pin);
	if (rr.sealed > 0)
		printf(_("%zu earlier approvals were sealed for the "
		    "registry.\n"), rr.sealed);
	free(req);
	free(ans);
	device_free(d);
	session_close(s);
	return CLI_EXIT_OK;
fail:
	free(req);
	free(ans);
	device_free(d);
	session_close(s);
	return cli_fail(c, &e);
}

static int
enroll_exec(struct cli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "request", required_argument, NULL, OPT_REQUEST },
		{ "answer", required_argument, NULL, OPT_ANSWER },
		{ "token", required_argument, NULL, OPT_TOKEN },
		{ "registry-key", required_argument, NULL, OPT_KEY },
		{ "label", required_argument, NULL, OPT_LABEL },
		{ "registry", required_argument, NULL, OPT_URL },
		{ "registry-cert", required_argument, NULL, OPT_CERT },
		CLI_GLOBAL_LONG,
		{ NULL, 0, NULL, 0 }
	};
	const char *request = NULL, *answer = NULL, *token = NULL,
	    *keyfile = NULL, *label = NULL, *url = NULL, *cert = NULL;
	struct registry_keys k;
	struct session *s = NULL;
	struct device *d = NULL;
	struct cutru_err e;
	unsigned char *buf = NULL;
	size_t len = 0;
	char dir[STOREDIR_PATH_MAX];
	const char *slash;
	int opt, status = CLI_EXIT_OK;

	cutru_err_clear(&e);
	while ((opt = cli_getopt(c, argc, argv, CLI_GLOBAL_SHORT, longopts,
	    &status)) != -1) {
		if (opt == -2)
			return status;
		switch (opt) {
		case OPT_REQUEST: request = optarg; break;
		case OPT_ANSWER: answer = optarg; break;
		case OPT_TOKEN: token = optarg; break;
		case OPT_KEY: keyfile = optarg; break;
		case OPT_LABEL: label = optarg; break;
		case OPT_URL: url = optarg; break;
		case OPT_CERT: cert = optarg; break;
		default: break;
		}
	}
	if (optind != argc)
		return cli_usage_error(c, _("'enroll' takes no operands."));
	if (request == NULL && answer == NULL && url != NULL && token != NULL)
		return enroll_network(c, url, token, keyfile, cert, label);
	if ((request == NULL) == (answer == NULL))
		return cli_usage_error(c, _("Give either --registry URL with "
		    "--token, or --request FILE (with --token), or --answer "
		    "FILE."));
	if (keyfile == NULL)
		return cli_usage_error(c, _("Give the registry's key file with "
		    "--registry-key FILE."));
	if (request != NULL && token == NULL)
		return cli_usage_error(c, _("Give the enrollment token the "
		    "registry issued with --token."));
	if (read_key(keyfile, &k, &e) != CUTRU_OK ||
	    cli_open(c, &s, NULL, &e) != CUTRU_OK)
		goto fail;
	if (session_role(s) != SESSION_ROLE_ADMIN) {
		cutru_err_set(&e, CUTRU_EPERM, "login",
		    _("Only an administrator can enroll the console; officer "
		    "'%s' is not one."), session_login(s));
		goto fail;
	}
	if (device_load_or_create(session_db(s), session_ward_code(s), &d,
	    &e) != CUTRU_OK)
		goto fail;
	if (request != NULL) {
		if (device_enroll_request(d, &k, token, label, time(NULL), &buf,
		    &len, &e) != CUTRU_OK)
			goto fail;
		slash = strrchr(request, '/');
		if (slash == NULL)
			snprintf(dir, sizeof dir, ".");
		else
			snprintf(dir, sizeof dir, "%.*s",
			    (int)(slash - request + 1), request);
		if (spool_write_file(dir, slash != NULL ? slash + 1 : request,
		    buf, len, &e) != CUTRU_OK)
			goto fail;
		printf(_("Enrollment request of device %s written to %s; send "
		    "it to the registry and bring its answer back "
		    "(cutru enroll --answer).\n"), d->id, request);
	} else {
		slash = strrchr(answer, '/');
		if (slash == NULL)
			snprintf(dir, sizeof dir, ".");
		else
			snprintf(dir, sizeof dir, "%.*s",
			    (int)(slash - answer + 1), answer);
		if (spool_read_file(dir, slash != NULL ? slash + 1 : answer,
		    4096, &buf, &len, &e) != CUTRU_OK ||
		    device_enrolled(session_db(s), d, &k, url, buf, len, &e) !=
		    CUTRU_OK)
			goto fail;
		printf(_("Device %s is enrolled with %s for ward %s.\n"),
		    d->id, k.name, d->ward);
	}
	free(buf);
	device_free(d);
	session_close(s);
	return CLI_EXIT_OK;
fail:
	free(buf);
	device_free(d);
	session_close(s);
	return cli_fail(c, &e);
}

const struct cmd cmd_enroll = {
	"enroll", N_("--registry URL --token TOKEN --registry-key KEYFILE "
	"[--registry-cert CERTFILE] [--label TEXT] | --request FILE --token "
	"TOKEN --registry-key KEYFILE [--label TEXT] | --answer FILE "
	"--registry-key KEYFILE [--registry URL]"),
	N_("Enroll the console with the registry over the network, or through "
	"a file carried on removable media (administrators)."), enroll_exec,
	NULL
};
