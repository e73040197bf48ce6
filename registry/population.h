/* National population records: importing them (`cutru-registryd population
 * import FILE`) and comparing a change set's identity data with them.  The
 * file formats are in registry/population.c and cutru-registryd(8). */
#ifndef CUTRU_REGISTRY_POPULATION_H
#define CUTRU_REGISTRY_POPULATION_H

#include <stddef.h>

#include "core/err.h"
#include "core/types.h"
#include "registry/regstore.h"

/* Largest file population_import() reads in one go. */
#define POPULATION_FILE_MAX (512u * 1024 * 1024)

/* Make a record from the values as a file gives them (id_number, name,
 * dob "YYYY" / "YYYY-MM" / "YYYY-MM-DD", sex "male" / "female" or "Nam" /
 * "Nữ"): the name normalised and folded (core/name.h), the ID number
 * checked (core/idnum.h) and against sex and year of birth.  CUTRU_EINVAL
 * or CUTRU_ECONFLICT naming the field. */
int population_record(const char *id_number, const char *name,
    const char *dob, const char *sex, struct reg_person *out,
    struct cutru_err *e);

/* Parse text[0..len) - CSV with a header line naming the columns
 * id_number, name, dob, sex (in any order), or JSON lines, one object with
 * exactly those members per line (told apart by the first character that
 * is not white space: '{' means JSON lines) - and add or replace every
 * record, all in one transaction: a file with one bad line changes
 * nothing, and the error names the line.  *count is the number of
 * records. */
int population_import(struct regstore *st, const char *text, size_t len,
    size_t *count, struct cutru_err *e);

/* Compare identity data from a change set (an event's name, dob, sex in
 * stored form) with the population record rec: the folded names must be
 * equal, the sexes equal, and the dates of birth agree on the precision
 * both have ("1990" agrees with "1990-05-01").  CUTRU_ECONFLICT with field
 * "name", "dob" or "sex" and a message that names the field, not the
 * values (it goes into a receipt). */
int population_match(const struct reg_person *rec, const char *name,
    const char *dob, enum cutru_sex sex, struct cutru_err *e);

#endif
