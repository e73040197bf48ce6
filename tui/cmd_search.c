#include "config.h"

/* cutru search QUERY, cutru show ID-NUMBER and cutru household show
 * NUMBER: finding persons and households in the register
 * (localdb/search.h reads the query: names folded, card scans, ID and CMND
 * numbers). */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/i18n.h"
#include "localdb/search.h"
#include "localdb/session.h"
#include "tui/cli.h"
#include "tui/format.h"
#include "tui/view.h"

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
	struct search_result *r = NULL;
	struct session *s = NULL;
	struct cutru_err e;
	const char *id;
	size_t n = 0;
	int opt, status = CLI_EXIT_OK;

	cutru_err_clear(&e);
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
	if ((r = calloc(2, sizeof *r)) == NULL) {
		cutru_err_set(&e, CUTRU_ENOMEM, NULL,
		    _("Out of memory while searching."));
		return cli_fail(c, &e);
	}
	if (cli_open(c, &s, NULL, &e) != CUTRU_OK ||
	    search_persons(session_db(s), id, NULL, 2, r, &n, &e) !=
	    CUTRU_OK) {
		status = cli_fail(c, &e);
		goto done;
	}
	if (n == 0) {
		cutru_err_set(&e, CUTRU_ENOTFOUND, "id_number",
		    _("Nobody with the number %s is in the register."), id);
		status = cli_fail(c, &e);
		goto done;
	}
	if (c->json)
		status = cli_json_print(c, format_person_json(&r[0]));
	else
		format_person_text(stdout, &r[0], 1);
done:
	session_close(s);
	free(r);
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
	N_("Show a person and their residence in this ward."), show_exec, NULL
};

/* household show: the members of a household, from the register's export
 * (tui/view.h), head first. */
struct household_walk {
	const char *number;
	cJSON *members;     /* array being filled */
	cJSON *address;     /* the household's, from its first member */
};

static const char *
str_of(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const char *
or_empty(const char *s)
{
	return s != NULL ? s : "";
}

static int
household_each(const cJSON *person, void *arg)
{
	struct household_walk *w = arg;
	const cJSON *h = cJSON_GetObjectItemCaseSensitive(person, "household");
	const char *number = str_of(h, "number"), *v;
	static const char *const keys[] = { "id_number", "name", "dob", "sex" };
	cJSON *m;
	size_t i;

	if (number == NULL || strcmp(number, w->number) != 0)
		return CUTRU_OK;
	if (w->address == NULL &&
	    (w->address = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(h,
	    "address"), 1)) == NULL)
		return CUTRU_ENOMEM;
	if ((m = cJSON_CreateObject()) == NULL ||
	    !cJSON_AddItemToArray(w->members, m)) {
		cJSON_Delete(m);
		return CUTRU_ENOMEM;
	}
	for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		v = str_of(person, keys[i]);
		if ((v != NULL ? cJSON_AddStringToObject(m, keys[i], v) :
		    cJSON_AddNullToObject(m, keys[i])) == NULL)
			return CUTRU_ENOMEM;
	}
	v = str_of(h, "relationship");
	if ((v != NULL ? cJSON_AddStringToObject(m, "relationship", v) :
	    cJSON_AddNullToObject(m, "relationship")) == NULL)
		return CUTRU_ENOMEM;
	return CUTRU_OK;
}

static int
household_show_exec(struct cli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_GLOBAL_LONG,
		{ NULL, 0, NULL, 0 }
	};
	struct household_walk w;
	struct session *s = NULL;
	struct cutru_err e;
	cJSON *doc = NULL;
	const cJSON *m, *addr;
	int opt, status = CLI_EXIT_OK;

	cutru_err_clear(&e);
	memset(&w, 0, sizeof w);
	while ((opt = cli_getopt(c, argc, argv, CLI_GLOBAL_SHORT, longopts,
	    &status)) != -1)
		if (opt == -2)
			return status;
	if (optind + 1 != argc)
		return cli_usage_error(c, _("Give one household number."));
	w.number = argv[optind];
	if ((doc = cJSON_CreateObject()) == NULL ||
	    cJSON_AddStringToObject(doc, "number", w.number) == NULL ||
	    (w.members = cJSON_CreateArray()) == NULL) {
		cutru_err_set(&e, CUTRU_ENOMEM, NULL,
		    _("Out of memory while reading the register."));
		goto fail;
	}
	if (cli_open(c, &s, NULL, &e) != CUTRU_OK ||
	    view_persons(session_db(s), household_each, &w, &e) != CUTRU_OK)
		goto fail;
	session_close(s);
	s = NULL;
	if (cJSON_GetArraySize(w.members) == 0) {
		cutru_err_set(&e, CUTRU_ENOTFOUND, "household",
		    _("Household %s is not in the register, or has no members "
		    "any more."), w.number);
		goto fail;
	}
	if (!cJSON_AddItemToObject(doc, "address", w.address)) {
		cJSON_Delete(w.address);
		w.address = NULL;
		cutru_err_set(&e, CUTRU_ENOMEM, NULL,
		    _("Out of memory while reading the register."));
		goto fail;
	}
	w.address = NULL;
	if (!cJSON_AddItemToObject(doc, "members", w.members)) {
		cJSON_Delete(w.members);
		w.members = NULL;
		cutru_err_set(&e, CUTRU_ENOMEM, NULL,
		    _("Out of memory while reading the register."));
		goto fail;
	}
	w.members = NULL;
	if (c->json)
		return cli_json_print(c, doc);
	addr = cJSON_GetObjectItemCaseSensitive(doc, "address");
	printf(_("Household:   %s\n"), w.number);
	printf(_("Address:     %s (commune %s)\n"),
	    or_empty(str_of(addr, "detail")), or_empty(str_of(addr, "commune")));
	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(doc,
	    "members")) {
		const char *rel = str_of(m, "relationship");

		if (rel != NULL && strcmp(rel, "head") == 0)
			rel = _("head of household");
		printf("  %-12s  %s  %s  %s\n", or_empty(str_of(m, "id_number")),
		    or_empty(str_of(m, "name")), str_of(m, "dob") != NULL ?
		    str_of(m, "dob") : "?", or_empty(rel));
	}
	cJSON_Delete(doc);
	return CLI_EXIT_OK;
fail:
	session_close(s);
	cJSON_Delete(w.members);
	cJSON_Delete(w.address);
	cJSON_Delete(doc);
	return cli_fail(c, &e);
}

static const struct cmd cmd_household_show = {
	"show", N_("NUMBER"),
	N_("Show a household: its address and members, head first."),
	household_show_exec, NULL
};

static const struct cmd *const household_subs[] = {
	&cmd_household_show, NULL
};

const struct cmd cmd_household = {
	"household", "", N_("Households of the register."), NULL,
	household_subs
};
