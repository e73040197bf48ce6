#include "config.h"

/* cutru import FILE.csv and cutru export --format csv|json: legacy
 * household books in, the register out (localdb/import.h owns the format
 * and the rules; localdb/register.h's session entry points decide who
 * may). */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/i18n.h"
#include "localdb/import.h"
#include "localdb/register.h"
#include "localdb/session.h"
#include "tui/cli.h"

enum {
	OPT_QUARANTINE = CLI_OPT_FIRST_FREE,
	OPT_DRY_RUN,
	OPT_FORMAT,
	OPT_OUTPUT,
	OPT_BOM,
	OPT_FORCE
};

/* Open path for writing a file of personal data: created 0600 (umask
 * cannot widen it), refused if it exists unless force. */
static FILE *
open_private(const char *path, int force, struct cutru_err *e)
{
	FILE *f;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC |
	    (force ? O_TRUNC : O_EXCL), 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			cutru_err_set(e, CUTRU_ECONFLICT, "output",
			    _("%s already exists; choose another name, or "
			    "give --force to replace it."), path);
		else
			cutru_err_set(e, CUTRU_EIO, "output",
			    _("Cannot create %s: %s."), path,
			    strerror(errno));
		return NULL;
	}
	(void)fchmod(fd, 0600);
	if ((f = fdopen(fd, "wb")) == NULL) {
		close(fd);
		cutru_err_set(e, CUTRU_ENOMEM, NULL,
		    _("Out of memory while opening %s."), path);
	}
	return f;
}

/* Close a file written by open_private(), making sure it reached the
 * disk. */
static int
close_private(FILE *f, const char *path, struct cutru_err *e)
{
	int bad = fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0;

	if (fclose(f) != 0)
		bad = 1;
	if (bad)
		return cutru_err_set(e, CUTRU_EIO, "output",
		    _("Could not write %s: %s."), path, strerror(errno));
	return CUTRU_OK;
}

static cJSON *
report_json(const struct import_report *r, int dry_run)
{
	cJSON *doc = cJSON_CreateObject(), *arr, *o;
	size_t i;

	if (doc == NULL ||
	    cJSON_AddBoolToObject(doc, "dry_run", dry_run) == NULL ||
	    cJSON_AddNumberToObject(doc, "rows", (double)r->rows) == NULL ||
	    cJSON_AddNumberToObject(doc, "rows_imported",
	    (double)r->rows_imported) == NULL ||
	    cJSON_AddNumberToObject(doc, "rows_rejected",
	    (double)r->rows_rejected) == NULL ||
	    cJSON_AddNumberToObject(doc, "rows_unchanged",
	    (double)r->rows_unchanged) == NULL ||
	    cJSON_AddNumberToObject(doc, "persons_added",
	    (double)r->persons_added) == NULL ||
	    cJSON_AddNumberToObject(doc, "households_added",
	    (double)r->households_added) == NULL ||
	    cJSON_AddNumberToObject(doc, "members_added",
	    (double)r->members_added) == NULL ||
	    cJSON_AddNumberToObject(doc, "residences_added",
	    (double)r->residences_added) == NULL ||
	    cJSON_AddNumberToObject(doc, "journal_entries",
	    (double)r->journal_entries) == NULL ||
	    (arr = cJSON_AddArrayToObject(doc, "errors")) == NULL)
		goto fail;
	for (i = 0; i < r->n_errors; i++) {
		if ((o = cJSON_CreateObject()) == NULL ||
		    !cJSON_AddItemToArray(arr, o) ||
		    cJSON_AddNumberToObject(o, "line",
		    (double)r->errors[i].line) == NULL ||
		    cJSON_AddStringToObject(o, "field",
		    r->errors[i].field) == NULL ||
		    cJSON_AddStringToObject(o, "message",
		    r->errors[i].msg) == NULL)
			goto fail;
	}
	return doc;
fail:
	cJSON_Delete(doc);
	return NULL;
}

static void
report_text(const struct import_report *r, int dry_run, int ok)
{
	size_t i;

	for (i = 0; i < r->n_errors; i++) {
		if (r->errors[i].field[0] != '\0')
			fprintf(stderr, _("cutru: line %lu, column %s: %s\n"),
			    r->errors[i].line, r->errors[i].field,
			    r->errors[i].msg);
		else
			fprintf(stderr, _("cutru: line %lu: %s\n"),
			    r->errors[i].line, r->errors[i].msg);
	}
	if (!ok)
		return;
	printf(dry_run ? _("Checked %zu rows: %zu would be imported, %zu "
	    "not; nothing was changed.\n") : _("Read %zu rows: %zu imported, "
	    "%zu not imported.\n"), r->rows, r->rows_imported,
	    r->rows_rejected);
	printf(_("New: %zu persons, %zu households, %zu members, %zu "
	    "residences; %zu rows were already in the register.\n"),
	    r->persons_added, r->households_added, r->members_added,
	    r->residences_added, r->rows_unchanged);
}

static int
import_exec(struct cli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "quarantine", required_argument, NULL, OPT_QUARANTINE },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "force", no_argument, NULL, OPT_FORCE },
		CLI_GLOBAL_LONG,
		{ NULL, 0, NULL, 0 }
	};
	const char *quarantine = NULL, *path;
	struct import_opts opts;
	struct import_report r;
	struct session *s = NULL;
	struct cutru_err e, ce;
	FILE *in = NULL, *rejects = NULL;
	int opt, status = CLI_EXIT_OK, rc, force = 0, reported = 0;

	cutru_err_clear(&e);
	memset(&opts, 0, sizeof opts);
	memset(&r, 0, sizeof r);
	while ((opt = cli_getopt(c, argc, argv, CLI_GLOBAL_SHORT, longopts,
	    &status)) != -1) {
		switch (opt) {
		case -2:
			return status;
		case OPT_QUARANTINE:
			quarantine = optarg;
			break;
		case OPT_DRY_RUN:
			opts.flags |= IMPORT_DRY_RUN;
			break;
		case OPT_FORCE:
			force = 1;
			break;
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error(c, _("Give one CSV file, or - to read "
		    "it from standard input."));
	path = argv[optind];
	if (strcmp(path, "-") == 0)
		in = stdin;
	else if ((in = fopen(path, "rb")) == NULL) {
		cutru_err_set(&e, errno == ENOENT ? CUTRU_ENOTFOUND : CUTRU_EIO,
		    "file", _("Cannot open %s: %s."), path, strerror(errno));
		return cli_fail(c, &e);
	}
	if ((rc = cli_open(c, &s, NULL, &e)) != CUTRU_OK)
		goto done;
	if (quarantine != NULL) {
		opts.mode = IMPORT_QUARANTINE;
		if ((rejects = open_private(quarantine, force, &e)) == NULL) {
			rc = e.code;
			goto done;
		}
		opts.rejects = rejects;
	}
	/* The library checks the account and its role, and dates the
	 * import. */
	rc = register_import_csv(s, in, &opts, time(NULL), &r, &e);
	if (rejects != NULL) {
		cutru_err_clear(&ce);
		if (close_private(rejects, quarantine, &ce) != CUTRU_OK &&
		    rc == CUTRU_OK) {
			rc = ce.code;
			e = ce;
		}
		rejects = NULL;
		if (r.rows_rejected == 0)
			unlink(quarantine);
	}
	if (c->json && (rc == CUTRU_OK || r.n_errors > 0)) {
		/* The report is the document, also when the file was refused
		 * for its errors; the exit status still says so. */
		cJSON *doc = report_json(&r, (opts.flags & IMPORT_DRY_RUN) != 0);

		if (rc != CUTRU_OK) {
			fprintf(stderr, _("cutru: %s\n"), e.msg);
			status = cli_status(&e);
			if (doc != NULL && cli_add_error(doc, &e) != 0) {
				cJSON_Delete(doc);
				doc = NULL;
			}
			if (cli_json_print(c, doc) != CLI_EXIT_OK)
				status = CLI_EXIT_INTERNAL;
		} else
			status = cli_json_print(c, doc);
		reported = 1;
	} else if (!c->json) {
		report_text(&r, (opts.flags & IMPORT_DRY_RUN) != 0,
		    rc == CUTRU_OK);
	}
done:
	if (rejects != NULL)
		fclose(rejects);
	if (in != NULL && in != stdin)
		fclose(in);
	session_close(s);
	import_report_free(&r);
	if (rc != CUTRU_OK && !reported)
		return cli_fail(c, &e);
	return status;
}

static int
export_exec(struct cli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "output", required_argument, NULL, 'o' },
		{ "bom", no_argument, NULL, OPT_BOM },
		{ "force", no_argument, NULL, OPT_FORCE },
		CLI_GLOBAL_LONG,
		{ NULL, 0, NULL, 0 }
	};
	const char *format = NULL, *output = NULL;
	struct session *s = NULL;
	struct cutru_err e, ce;
	FILE *out = NULL;
	unsigned flags = 0;
	int opt, status = CLI_EXIT_OK, rc, force = 0, csv;

	cutru_err_clear(&e);
	while ((opt = cli_getopt(c, argc, argv, CLI_GLOBAL_SHORT "o:",
	    longopts, &status)) != -1) {
		switch (opt) {
		case -2:
			return status;
		case OPT_FORMAT:
			format = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		case OPT_BOM:
			flags |= EXPORT_CSV_BOM;
			break;
		case OPT_FORCE:
			force = 1;
			break;
		}
	}
	if (optind != argc)
		return cli_usage_error(c, _("'export' takes no operands."));
	if (format == NULL ||
	    (strcmp(format, "csv") != 0 && strcmp(format, "json") != 0))
		return cli_usage_error(c, _("Give --format csv or --format "
		    "json."));
	csv = strcmp(format, "csv") == 0;
	if (c->json && output == NULL && csv)
		return cli_usage_error(c, _("With --json, CSV goes to a file: "
		    "give --output FILE."));
	if ((rc = cli_open(c, &s, NULL, &e)) != CUTRU_OK)
		goto done;
	if (output == NULL)
		out = stdout;
	else if ((out = open_private(output, force, &e)) == NULL) {
		rc = e.code;
		goto done;
	}
	rc = csv ? register_export_csv(s, out, flags, &e) :
	    register_export_json(s, out, &e);
	if (output != NULL) {
		cutru_err_clear(&ce);
		if (close_private(out, output, &ce) != CUTRU_OK &&
		    rc == CUTRU_OK) {
			rc = ce.code;
			e = ce;
		}
		out = NULL;
		if (rc != CUTRU_OK)
			unlink(output);
	}
	if (rc == CUTRU_OK && output != NULL) {
		if (c->json) {
			cJSON *doc = cJSON_CreateObject();

			if (doc != NULL &&
			    (cJSON_AddStringToObject(doc, "output",
			    output) == NULL ||
			    cJSON_AddStringToObject(doc, "format",
			    format) == NULL)) {
				cJSON_Delete(doc);
				doc = NULL;
			}
			status = cli_json_print(c, doc);
		} else
			fprintf(stderr, _("cutru: the register is in %s; it "
			    "holds personal data in the clear: keep it safe "
			    "and delete it when done.\n"), output);
	}
done:
	session_close(s);
	if (rc != CUTRU_OK)
		return cli_fail(c, &e);
	return status;
}

const struct cmd cmd_import = {
	"import", N_("[--quarantine REJECTS.csv] [--dry-run] FILE.csv|-"),
	N_("Import legacy household books from CSV (all or nothing, or "
	"quarantining bad rows)."),
	import_exec, NULL
};

const struct cmd cmd_export = {
	"export", N_("--format csv|json [--output FILE] [--bom]"),
	N_("Export the register as CSV (the import format) or JSON."),
	export_exec, NULL
};
