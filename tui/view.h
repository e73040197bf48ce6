/* Read-only views of the register that the batch commands need and for
 * which the store has no query of its own yet: they walk the register's
 * JSON export (export_json(), localdb/import.h), one person at a time,
 * through a stream that never touches the disk.  What "active residence"
 * and "current household" mean stays the store's: the views only select
 * from what it exports.  See tui/view.c. */
#ifndef CUTRU_VIEW_H
#define CUTRU_VIEW_H

#include <sqlite3.h>

#include <cjson/cJSON.h>

#include "core/err.h"

/* Call each() with every person of the register, as an element of the
 * JSON export (canonical keys: name, id_number, cmnd, dob, sex, household
 * {number, relationship, address}, residences [{kind, address, from,
 * to}]), in the export's order (by household, head first).  each() keeps
 * nothing it is given; it returns 0, or CUTRU_ENOMEM to stop the walk
 * (then returned, with its message).
 * CUTRU_EIO, CUTRU_ENOMEM and the errors of export_json(). */
int view_persons(sqlite3 *db, int (*each)(const cJSON *person, void *arg),
    void *arg, struct cutru_err *e);

#endif
