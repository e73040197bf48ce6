#include "config.h"

/* cutru-registryd population import FILE. */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/i18n.h"
#include "registry/cmd.h"
#include "registry/population.h"

/* The whole of f, at most POPULATION_FILE_MAX bytes. */
static int
slurp(FILE *f, char **out, size_t *len)
{
	size_t cap = 1 << 16, n = 0, r;
	char *buf = malloc(cap), *nb;

	if (buf == NULL)
		return -1;
	for (;;) {
		if (n == cap) {
			if (cap >= POPULATION_FILE_MAX) {
				free(buf);
				errno = EFBIG;
				return -1;
			}
			cap *= 2;
			if ((nb = realloc(buf, cap)) == NULL) {
				free(buf);
				return -1;
			}
			buf = nb;
		}
		r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		return -1;
	}
	*out = buf;
	*len = n;
	return 0;
}

static int
exec_import(struct regcli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct regstore *st = NULL;
	struct cutru_err e;
	char *text = NULL;
	size_t len = 0, count = 0;
	FILE *f;
	int opt, status;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		if (opt == 'h') {
			printf("%s", _("Usage: cutru-registryd population import FILE\n"
			    "Add or replace national population records from a CSV file (header:\n"
			    "id_number,name,dob,sex) or JSON lines; '-' reads standard input.\n"));
			return REG_EXIT_OK;
		}
		return regcli_usage(c, "%s", _("Unknown option."));
	}
	if (optind + 1 != argc)
		return regcli_usage(c, "%s", _("Name the file to import."));
	if ((status = regcli_load(c)) != REG_EXIT_OK)
		return status;
	f = strcmp(argv[optind], "-") == 0 ? stdin : fopen(argv[optind], "rb");
	if (f == NULL) {
		fprintf(stderr, _("cutru-registryd: could not open %s: %s\n"),
		    argv[optind], strerror(errno));
		return errno == ENOENT ? REG_EXIT_NOTFOUND : REG_EXIT_STORE;
	}
	if (slurp(f, &text, &len) != 0) {
		fprintf(stderr, _("cutru-registryd: could not read %s: %s\n"),
		    argv[optind], strerror(errno));
		if (f != stdin)
			fclose(f);
		return REG_EXIT_STORE;
	}
	if (f != stdin)
		fclose(f);
	if ((status = regcli_open(c, 0, &st)) != REG_EXIT_OK) {
		free(text);
		return status;
	}
	if (population_import(st, text, len, &count, &e) != CUTRU_OK) {
		free(text);
		regstore_close(st);
		return regcli_fail(c, &e);
	}
	free(text);
	regstore_close(st);
	printf(_("%zu population records imported.\n"), count);
	return REG_EXIT_OK;
}

static const struct regcmd cmd_import_ = {
	"import", N_("FILE"), N_("import national population records"),
	exec_import, NULL
};
static const struct regcmd *const subs[] = { &cmd_import_, NULL };

const struct regcmd regcmd_population = { "population", "", "", NULL, subs };
