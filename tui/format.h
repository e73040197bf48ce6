/* How the batch commands show the library's records: as text for people
 * and as JSON objects for --json (cutru(1), JSON OUTPUT).  One function per
 * record kind, so that every command shows a dossier or a person the same
 * way and the JSON keys are written in one place, in a fixed order. */
#ifndef CUTRU_FORMAT_H
#define CUTRU_FORMAT_H

#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "core/types.h"
#include "localdb/dossier.h"
#include "localdb/officer.h"
#include "localdb/register.h"
#include "localdb/search.h"

/* "YYYY", "YYYY-MM", "YYYY-MM-DD", or "" for an unknown date, into
 * buf[DATE_FMT_MAX]. */
/* A Unix time as "YYYY-MM-DDTHH:MM:SSZ" (UTC) into buf, or "-" for 0. */
void format_utc_stamp(int64_t t, char *buf, size_t len);

void format_date(const struct cutru_date *d, char *buf);

/* "male", "female", or "" when unknown. */
const char *format_sex(enum cutru_sex sex);

/* "permanent", "temporary", "current", "none". */
const char *format_state(enum search_state state);

/* A dossier as a JSON object; full adds the request, the events and the
 * signature (dossier_show()).  NULL when out of memory. */
cJSON *format_dossier_json(const struct dossier *d, int full);

/* A dossier as text: one line (list) or a block with the request and the
 * events (full). */
void format_dossier_text(FILE *f, const struct dossier *d, int full);

/* Print a list of dossiers: one line each, or {"dossiers": [...]} with
 * --json.  Returns the exit status. */
struct cli;
int format_print_dossiers(struct cli *c, struct dossier *list, size_t n);

/* A person found by search_persons(). */
cJSON *format_person_json(const struct search_result *r);
void format_person_text(FILE *f, const struct search_result *r, int full);

/* A person with their history (register_person_show()): the PERSON
 * object of a search, followed by the history's keys (cutru(1), JSON
 * OUTPUT); as text, the person's block and then the history. */
cJSON *format_register_person_json(const struct register_person *p);
void format_register_person_text(FILE *f, const struct register_person *p);

/* A household (register_household_show()). */
cJSON *format_household_json(const struct register_household *h);
void format_household_text(FILE *f, const struct register_household *h);

/* An officer account. */
cJSON *format_officer_json(const struct officer_info *o);
void format_officer_text(FILE *f, const struct officer_info *o);

#endif
