#include "config.h"

/* cutru search QUERY, cutru show ID-NUMBER and cutru household show
 * NUMBER: finding persons and households in the register
 * (localdb/search.h reads the query: names folded, card scans, ID and CMND
 * numbers; localdb/register.h reads a person's or a household's record). */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/i18n.h"
#include "localdb/register.h"
#include "localdb/search.h"
#include "localdb/session.h"
#include "tui/cli.h"
#include "tui/format.h"

enum {
	OPT_BIRTH_YEAR = CLI_OPT_FIRST_FREE,
	OPT_COMMUNE,
	OPT_ADDRESS,
	OPT_STATE,
	OPT_LIMIT
};

#define DEFAULT_LIMIT 50

static int
parse_state(const char *s, enum search_state *out)
{
	static const struct {
		const char *id;
		enum search_state state;
	} states[] = {
		{ "permanent", SEARCH_STATE_PERMANENT },
		{ "temporary", SEARCH_STATE_TEMPORARY },
		{ "current", SEARCH_STATE_CURRENT },
		{ "none", SEARCH_STATE_NONE },
	};
	size_t i;

	for (i = 0; i < sizeof states / sizeof states[0]; i++)
		if (strcmp(s, states[i].id) == 0) {
			*out = states[i].state;
			return 0;
		}
	return -1;
}

/* The operands joined by spaces: "ng v a" may be typed unquoted. */
static char *
join_words(int argc, char **argv)
{
	size_t len = 1;
	char *q;
	int i;

	for (i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	if ((q = malloc(len)) == NULL)
		return NULL;
	q[0] = '\0';
	for (i = 0; i < argc; i++) {
		if (i > 0)
			strcat(q, " ");
		strcat(q, argv[i]);
	}
	return q;
}

static int
print_results(struct cli *c, const struct search_result *r, size_t n,
    const char *query)
{
	size_t i;

	if (c->json) {
		cJSON *doc = cJSON_CreateObject(), *arr = NULL, *o;

		if (doc != NULL &&
		    cJSON_AddStringToObject(doc, "query", query) != NULL)
			arr = cJSON_AddArrayToObject(doc, "persons");
		for (i = 0; arr != NULL && i < n; i++) {
			if ((o = format_person_json(&r[i])) == NULL ||
			    !cJSON_AddItemToArray(arr, o)) {
				cJSON_Delete(o);
				arr = NULL;
			}
		}
		if (arr == NULL) {
			cJSON_Delete(doc);
			doc = NULL;
		}
		return cli_json_print(c, doc);
	}
	for (i = 0; i < n; i++)
		format_person_text(stdout, &r[i], 0);
	return CLI_EXIT_OK;
}

static int
search_exec(struct cli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "birth-year", required_argument, NULL, OPT_BIRTH_YEAR },
		{ "commune", required_argument, NULL, OPT_COMMUNE },
		{ "address", required_argument, NULL, OPT_ADDRESS },
		{ "state", required_argument, NULL, OPT_STATE },
		{ "limit", required_argument, NULL, OPT_LIMIT },
		CLI_GLOBAL_LONG,
		{ NULL, 0, NULL, 0 }
	};
	struct search_filter f;
	struct search_result *r = NULL;
	struct session *s = NULL;
	struct cutru_err e;
	char *query = NULL;
	long long v, limit = DEFAULT_LIMIT;
	size_t n = 0;
	int opt, status = CLI_EXIT_OK;

	cutru_err_clear(&e);
	memset(&f, 0, sizeof f);
	while ((opt = cli_getopt(c, argc, argv, CLI_GLOBAL_SHORT, longopts,
	    &status)) != -1) {
		switch (opt) {
		case -2:
			return status;
		case OPT_BIRTH_YEAR:
			if ((v = cli_parse_count(optarg, 9999)) < 1)
				return cli_usage_error(c,
				    _("--birth-year needs a year, not '%s'."),
				    optarg);
			f.birth_year = (int)v;
			break;
		case OPT_COMMUNE:
			f.commune_code = optarg;
			break;
		case OPT_ADDRESS:
			f.address = optarg;
			break;
		case OPT_STATE:
			if (parse_state(optarg, &f.state) != 0)
				return cli_usage_error(c,
				    _("--state is one of permanent, temporary, "
				    "current or none, not '%s'."), optarg);
			break;
		case OPT_LIMIT:
			if ((limit = cli_parse_count(optarg,
			    SEARCH_LIMIT_MAX)) < 1)
				return cli_usage_error(c,
				    _("--limit needs a number from 1 to %d, "
				    "not '%s'."), SEARCH_LIMIT_MAX, optarg);
			break;
		}
	}
	if ((query = join_words(argc - optind, argv + optind)) == NULL ||
	    (r = calloc((size_t)limit, sizeof *r)) == NULL) {
		free(query);
		cutru_err_set(&e, CUTRU_ENOMEM, NULL,
		    _("Out of memory while searching."));
		return cli_fail(c, &e);
	}
	if (cli_open(c, &s, NULL, &e) != CUTRU_OK ||
	    search_persons(session_db(s), query, &f, (size_t)limit, r, &n,
	    &e) != CUTRU_OK) {
		status = cli_fail(c, &e);
		goto done;
	}
	status = print_results(c, r, n, query);
done:
	session_close(s);
	free(query);
	free(r);
	return status;
}

static int
show_exec(struct cli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_GLOBAL_LONG,
		{ NULL, 0, NULL, 0 }
	};
	struct register_person p;
	struct session *s = NULL;
	struct cutru_err e;
	const char *id;
	int opt, status = CLI_EXIT_OK;

	cutru_err_clear(&e);
	memset(&p, 0, sizeof p);
	while ((opt = cli_getopt(c, argc, argv, CLI_GLOBAL_SHORT, longopts,
	    &status)) != -1)
		if (opt == -2)
			return status;
	if (optind + 1 != argc)
		return cli_usage_error(c, _("Give one ID number."));
	id = argv[optind];
	/* An ID number names one person; a name or an old CMND number may
	 * name several: those are for "search". */
	if (strlen(id) != 12 || strspn(id, "0123456789") != 12)
		return cli_usage_error(c, _("'%s' is not an ID number: give "
		    "its 12 digits, or use 'cutru search' for a name or an "
		    "old CMND number."), id);
	if (cli_open(c, &s, NULL, &e) != CUTRU_OK ||
	    register_person_show(session_db(s), id, &p, &e) != CUTRU_OK) {
		status = cli_fail(c, &e);
		goto done;
	}
	if (c->json)
		status = cli_json_print(c, format_register_person_json(&p));
	else
		format_register_person_text(stdout, &p);
done:
	register_person_free(&p);
	session_close(s);
	return status;
}

const struct cmd cmd_search = {
	"search",
	N_("[--birth-year YEAR] [--commune CODE] [--address TEXT] "
	"[--state permanent|temporary|current|none] [--limit N] QUERY..."),
	N_("Find persons by name (tones and case ignored), ID number, CMND "
	"or card scan."),
	search_exec, NULL
};

const struct cmd cmd_show = {
	"show", N_("ID-NUMBER"),
	N_("Show a person and their history in this ward: residences, "
	"households, stays hosted, absences, confirmations."), show_exec, NULL
};

/* household show: a household, its members past and present
 * (register_household_show()). */
static int
household_show_exec(struct cli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_GLOBAL_LONG,
		{ NULL, 0, NULL, 0 }
	};
	struct register_household h;
	struct session *s = NULL;
	struct cutru_err e;
	int opt, status = CLI_EXIT_OK;

	cutru_err_clear(&e);
	memset(&h, 0, sizeof h);
	while ((opt = cli_getopt(c, argc, argv, CLI_GLOBAL_SHORT, longopts,
	    &status)) != -1)
		if (opt == -2)
			return status;
	if (optind + 1 != argc)
		return cli_usage_error(c, _("Give one household number."));
	if (cli_open(c, &s, NULL, &e) != CUTRU_OK ||
	    register_household_show(session_db(s), argv[optind], &h, &e) !=
	    CUTRU_OK) {
		status = cli_fail(c, &e);
		goto done;
	}
	if (c->json)
		status = cli_json_print(c, format_household_json(&h));
	else
		format_household_text(stdout, &h);
done:
	register_household_free(&h);
	session_close(s);
	return status;
}

static const struct cmd cmd_household_show = {
	"show", N_("NUMBER"),
	N_("Show a household: its address and members, head first, and "
	"its former members."),
	household_show_exec, NULL
};

static const struct cmd *const household_subs[] = {
	&cmd_household_show, NULL
};

const struct cmd cmd_household = {
	"household", "", N_("Households of the register."), NULL,
	household_subs
};
