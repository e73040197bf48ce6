#include "config.h"

/* cutru outbox list|status|export: the change sets on their way to the
 * registry (sync/outbox.h).  The network client is not part of cutru
 * yet; "outbox status" is what "sync --status" will show. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/i18n.h"
#include "sync/outbox.h"
#include "tui/cli.h"
#include "tui/format.h"

static int
no_operands(struct cli *c, int argc, char **argv, int *status)
{
	static const struct option longopts[] = {
		CLI_GLOBAL_LONG,
		{ NULL, 0, NULL, 0 }
	};
	int opt;

	while ((opt = cli_getopt(c, argc, argv, CLI_GLOBAL_SHORT, longopts,
	    status)) != -1)
		if (opt == -2)
			return -1;
	return optind;
}

static cJSON *
item_json(const struct outbox_item *it)
{
	cJSON *o = cJSON_CreateObject(), *rs, *r;
	char hex[HASH_HEX_LEN + 1];
	size_t i;

	if (o == NULL)
		return NULL;
	hash_to_hex(it->hash, hex);
	cJSON_AddNumberToObject(o, "seq", (double)it->seq);
	cJSON_AddStringToObject(o, "hash", hex);
	cJSON_AddStringToObject(o, "file", it->name);
	cJSON_AddStringToObject(o, "dossier", it->dossier);
	cJSON_AddStringToObject(o, "state", outbox_state_name(it->state));
	cJSON_AddNumberToObject(o, "created", (double)it->created);
	cJSON_AddNumberToObject(o, "size", (double)it->size);
	if (it->answered != 0)
		cJSON_AddNumberToObject(o, "answered", (double)it->answered);
	rs = cJSON_AddArrayToObject(o, "reasons");
	for (i = 0; rs != NULL && i < it->nreasons; i++) {
		if ((r = cJSON_CreateObject()) == NULL)
			break;
		cJSON_AddStringToObject(r, "code", it->reasons[i].name);
		if (it->reasons[i].field[0] != '\0')
			cJSON_AddStringToObject(r, "field",
			    it->reasons[i].field);
		cJSON_AddStringToObject(r, "message", it->reasons[i].message);
		cJSON_AddItemToArray(rs, r);
	}
	return o;
}

static void
item_text(const struct outbox_item *it)
{
	char when[32];
	size_t i;

	format_utc_stamp(it->created, when, sizeof when);
	printf("%6lld  %-9s  %-16s  %5zu  %s  %s\n", (long long)it->seq,
	    outbox_state_name(it->state), it->dossier, it->size, when,
	    it->name);
	for (i = 0; i < it->nreasons; i++)
		printf("        %s%s%s: %s\n", it->reasons[i].name,
		    it->reasons[i].field[0] != '\0' ? " " : "",
		    it->reasons[i].field, it->reasons[i].message);
}

static int
print_items(struct cli *c, const struct outbox_item *items, size_t n)
{
	cJSON *doc, *arr;
	size_t i;

	if (c->json) {
		doc = cJSON_CreateObject();
		arr = doc != NULL ? cJSON_AddArrayToObject(doc, "changesets") :
		    NULL;
		for (i = 0; arr != NULL && i < n; i++)
			cJSON_AddItemToArray(arr, item_json(&items[i]));
		return cli_json_print(c, doc);
	}
	for (i = 0; i < n; i++)
		item_text(&items[i]);
	return CLI_EXIT_OK;
}

enum {
	OPT_PENDING = CLI_OPT_FIRST_FREE,
	OPT_ATTENTION
};

static int
list_exec(struct cli *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pending", no_argument, NULL, OPT_PENDING },
		{ "attention", no_argument, NULL, OPT_ATTENTION },
		CLI_GLOBAL_LONG,
		{ NULL, 0, NULL, 0 }
	};
	struct outbox_item *items = NULL;
	struct session *s = NULL;
	struct cutru_err e;
	size_t n = 0;
	int opt, flags = 0, status = CLI_EXIT_OK;

	cutru_err_clear(&e);
	while ((opt = cli_getopt(c, argc, argv, CLI_GLOBAL_SHORT, longopts,
	    &status)) != -1) {
		if (opt == -2)
			return status;
		if (opt == OPT_PENDING)
			flags |= OUTBOX_LIST_PENDING;
		else if (opt == OPT_ATTENTION)
			flags |= OUTBOX_LIST_ATTENTION;
	}
	if (optind != argc)
		return cli_usage_error(c, _("'outbox list' takes no "
		    "operands."));
	if (cli_open(c, &s, NULL, &e) != CUTRU_OK ||
	    outbox_list(s, flags, &items, &n, &e) != CUTRU_OK) {
		session_close(s);
		return cli_fail(c, &e);
	}
	session_close(s);
	status = print_items(c, items, n);
	outbox_list_free(items, n);
	return status;
}

static int
status_exec(struct cli *c, int argc, char **argv)
{
	struct outbox_status st;
	struct outbox_item *items = NULL;
	struct session *s = NULL;
	struct cutru_err e;
	size_t n = 0, pending, i;
	int status = CLI_EXIT_OK, first;
	cJSON *doc, *counts, *arr;

	cutru_err_clear(&e);
	if ((first = no_operands(c, argc, argv, &status)) < 0)
		return status;
	if (first != argc)
		return cli_usage_error(c, _("'outbox status' takes no "
		    "operands."));
	if (cli_open(c, &s, NULL, &e) != CUTRU_OK ||
	    outbox_status(s, &st, &e) != CUTRU_OK ||
	    outbox_list(s, OUTBOX_LIST_ATTENTION, &items, &n, &e) !=
	    CUTRU_OK) {
		session_close(s);
		return cli_fail(c, &e);
	}
	session_close(s);
	pending = st.count[OUTBOX_SEALED] + st.count[OUTBOX_SENT] +
	    st.count[OUTBOX_EXPORTED] + st.count[OUTBOX_HELD];
	if (c->json) {
		doc = cJSON_CreateObject();
		if (doc != NULL) {
			cJSON_AddBoolToObject(doc, "enrolled", st.enrolled);
			cJSON_AddStringToObject(doc, "device", st.device);
			cJSON_AddStringToObject(doc, "registry", st.registry);
			cJSON_AddNumberToObject(doc, "queue", (double)pending);
			cJSON_AddNumberToObject(doc, "unsealed",
			    (double)st.unsealed);
			counts = cJSON_AddObjectToObject(doc, "states");
			for (i = 0; counts != NULL && i < OUTBOX_STATES; i++)
				cJSON_AddNumberToObject(counts,
				    outbox_state_name((enum outbox_state)i),
				    (double)st.count[i]);
			cJSON_AddNumberToObject(doc, "outbox_files",
			    (double)st.outbox_files);
			cJSON_AddNumberToObject(doc, "inbox_waiting",
			    (double)st.inbox_new);
			cJSON_AddNumberToObject(doc, "inbox_refused",
			    (double)st.inbox_refused);
			cJSON_AddStringToObject(doc, "feed_cursor", st.cursor);
			arr = cJSON_AddArrayToObject(doc, "attention");
			for (i = 0; arr != NULL && i < n; i++)
				cJSON_AddItemToArray(arr,
				    item_json(&items[i]));
		}
		status = cli_json_print(c, doc);
		outbox_list_free(items, n);
		return status;
	}
	if (!st.has_device || !st.enrolled)
		printf("%s\n", _("Not enrolled with a registry: approvals wait "
		    "in the store until the console is enrolled (cutru "
		    "enroll)."));
	else
		printf(_("Device %s, enrolled with %s.\n"), st.device,
		    st.registry);
	printf(_("Queue: %zu change sets waiting for the registry (%zu "
	    "sealed, %zu sent, %zu exported, %zu held); %zu approvals not "
	    "sealed yet.\n"), pending, st.count[OUTBOX_SEALED],
	    st.count[OUTBOX_SENT], st.count[OUTBOX_EXPORTED],
	    st.count[OUTBOX_HELD], st.unsealed);
	printf(_("Answered: %zu accepted, %zu rejected.\n"),
	    st.count[OUTBOX_ACCEPTED], st.count[OUTBOX_REJECTED]);
	printf(_("Files: %zu in the outbox, %zu in the inbox waiting, %zu "
	    "refused.\n"), st.outbox_files, st.inbox_new, st.inbox_refused);
	if (n > 0) {
		printf("%s\n", _("Needs attention (rejected by the "
		    "registry):"));
		for (i = 0; i < n; i++)
			item_text(&items[i]);
	}
	outbox_list_free(items, n);
	return CLI_EXIT_OK;
}

static int
export_exec(struct cli *c, int argc, char **argv)
{
	struct outbox_export_report x;
	struct session *s = NULL;
	struct cutru_err e;
	int status = CLI_EXIT_OK, first;
	cJSON *doc;

	cutru_err_clear(&e);
	if ((first = no_operands(c, argc, argv, &status)) < 0)
		return status;
	if (first + 1 != argc)
		return cli_usage_error(c, _("Name the folder to export to "
		    "(on the removable disk)."));
	if (cli_open(c, &s, NULL, &e) != CUTRU_OK ||
	    outbox_export(s, argv[first], time(NULL), &x, &e) != CUTRU_OK) {
		session_close(s);
		return cli_fail(c, &e);
	}
	session_close(s);
	if (c->json) {
		doc = cJSON_CreateObject();
		if (doc != NULL) {
			cJSON_AddNumberToObject(doc, "files", (double)x.files);
			cJSON_AddNumberToObject(doc, "bytes", (double)x.bytes);
			cJSON_AddStringToObject(doc, "manifest", x.manifest);
		}
		return cli_json_print(c, doc);
	}
	printf(_("%zu change sets (%zu bytes) and a feed request written to "
	    "%s; manifest %s.\n"), x.files, x.bytes, argv[first], x.manifest);
	return CLI_EXIT_OK;
}

static const struct cmd cmd_outbox_list = {
	"list", N_("[--pending | --attention]"),
	N_("List the change sets made for the registry and their states."),
	list_exec, NULL
};

static const struct cmd cmd_outbox_status = {
	"status", "",
	N_("Show the queue, the answers and the rejected change sets that "
	"need attention."), status_exec, NULL
};

static const struct cmd cmd_outbox_export = {
	"export", N_("DIR"),
	N_("Write the change sets waiting for the registry and a feed request "
	"to removable media."), export_exec, NULL
};

static const struct cmd *const outbox_subs[] = {
	&cmd_outbox_list, &cmd_outbox_status, &cmd_outbox_export, NULL
};

const struct cmd cmd_outbox = {
	"outbox", "", N_("Change sets on their way to the registry."), NULL,
	outbox_subs
};
