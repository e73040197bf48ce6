/* Helpers shared by the session, officer and dossier tests: scratch
 * stores made with the cheapest Argon2id limits, a ward with its officers,
 * Vietnamese clock times, and one-value queries.  Failures abort the
 * current Check test. */
#ifndef CUTRU_TESTS_SESSIONTEST_H
#define CUTRU_TESTS_SESSIONTEST_H

#include <stddef.h>
#include <time.h>
#include <sqlite3.h>

#include "localdb/session.h"

/* The test ward and its people. */
#define WS_WARD "00070"
#define WS_WARD_NAME "Phường Hoàn Kiếm"
extern const char ws_pass_admin[];  /* "admin", administrator */
extern const char ws_pass_lan[];    /* "lan", officer */
extern const char ws_pass_minh[];   /* "minh", supervisor */
extern const char ws_pass_hung[];   /* "hung", supervisor */

/* A new scratch directory (mkdtemp); the store goes in DIR/store.  The
 * caller frees both strings and removes dir with ws_rmdir(). */
void ws_scratch(char **dir, char **store);
void ws_rmdir(const char *dir);

/* Seconds since the epoch at this date and time of day in Vietnam. */
time_t ws_vn(int year, int month, int day, int hour, int minute);

/* Create the ward's store at path (recovery code into code, may be NULL)
 * and return the administrator's session. */
struct session *ws_init(const char *path, char *code);

/* ws_init() plus officer "lan", supervisors "minh" and "hung"; returns the
 * administrator's session. */
struct session *ws_ward(const char *path, char *code);

/* Open a session, asserting success. */
struct session *ws_login(const char *path, const char *login,
    const char *pass);

/* First column of the first row of sql, as an integer or as a malloc'd
 * string (NULL for SQL NULL); asserts a row. */
long long ws_q_int(sqlite3 *db, const char *sql);
char *ws_q_text(sqlite3 *db, const char *sql);

/* The whole file; *len its size; asserts it exists. */
char *ws_read(const char *path, size_t *len);

#endif
