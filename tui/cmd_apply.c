#include "config.h"

/* cutru apply FILE|-: receive a request (cutru-request(5)) as a dossier
 * awaiting approval and print its number.  The request is read before the
 * passphrase is asked, so that a missing file costs no typing; it is
 * checked by the library (dossier_receive()). */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/i18n.h"
#include "localdb/dossier.h"
#include "localdb/session.h"
#include "tui/cli.h"
#include "tui/format.h"

/* Read at most max + 1 bytes of path ("-": stdin), so that the library
 * sees when a request is too long and says so. */
static int
read_request(const char *path, size_t max, char **out, size_t *len,
    struct cutru_err *e)
{
	FILE *f;
	char *buf;
	size_t n;
	int rc = CUTRU_OK;

	*out = NULL;
	*len = 0;
	if (strcmp(path, "-") == 0)
		f = stdin;
	else if ((f = fopen(path, "rb")) == NULL)
		return cutru_err_set(e, errno == ENOENT ? CUTRU_ENOTFOUND :
		    CUTRU_EIO, "file", _("Cannot open the request %s: %s."),
		    path, strerror(errno));
	if ((buf = malloc(max + 2)) == NULL) {
		rc = cutru_err_set(e, CUTRU_ENOMEM, NULL,
		    _("Out of memory while reading the request."));
		goto done;
	}
	n = fread(buf, 1, max + 1, f);
	if (ferror(f)) {
		rc = cutru_err_set(e, CUTRU_EIO, "file",
		    _("Cannot read the request %s: %s."), path,
		    strerror(errno));
		free(buf);
		goto done;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
done:
	if (f != stdin)
		fclose(f);
	return rc;
}

static int
apply_exec(struct cli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_GLOBAL_LONG,
		{ NULL, 0, NULL, 0 }
	};
	char number[DOSSIER_NUMBER_MAX], *json = NULL;
	struct session *s = NULL;
	struct dossier d;
	struct cutru_err e;
	size_t len;
	time_t now;
	int opt, status = CLI_EXIT_OK;

	cutru_err_clear(&e);
	memset(&d, 0, sizeof d);
	while ((opt = cli_getopt(c, argc, argv, CLI_GLOBAL_SHORT, longopts,
	    &status)) != -1)
		if (opt == -2)
			return status;
	if (optind + 1 != argc)
		return cli_usage_error(c, _("Give one request file, or - to "
		    "read it from standard input."));
	if (read_request(argv[optind], DOSSIER_REQUEST_MAX, &json, &len, &e) !=
	    CUTRU_OK)
		return cli_fail(c, &e);
	now = time(NULL);
	if (cli_open(c, &s, NULL, &e) != CUTRU_OK ||
	    dossier_receive(s, json, len, now, number, &e) != CUTRU_OK) {
		free(json);
		session_close(s);
		return cli_fail(c, &e);
	}
	free(json);
	if (!c->json) {
		session_close(s);
		printf("%s\n", number);
		return CLI_EXIT_OK;
	}
	if (dossier_show(s, number, now, &d, &e) != CUTRU_OK) {
		session_close(s);
		return cli_fail(c, &e);
	}
	session_close(s);
	status = cli_json_print(c, format_dossier_json(&d, 0));
	dossier_free(&d);
	return status;
}

const struct cmd cmd_apply = {
	"apply", N_("FILE|-"),
	N_("Receive a request (cutru-request(5)) and print its dossier "
	"number."),
	apply_exec, NULL
};
