/* Errors: library code returns a status and fills a caller-owned
 * struct cutru_err.  The message is for the person at the desk: it names the
 * thing that is wrong and how to fix it, translated through _().  It never
 * carries a secret; it may carry what the user typed, so it is not for logs. */
#ifndef CUTRU_ERR_H
#define CUTRU_ERR_H

#include <stddef.h>

enum cutru_rc {
	CUTRU_OK = 0,
	CUTRU_EINVAL = 1,   /* input refused: see field and msg */
	CUTRU_ENOMEM = 2,
	CUTRU_ERANGE = 3,   /* a value out of its allowed range */
	CUTRU_EIO = 4,      /* files, database */
	CUTRU_ECRYPTO = 5,  /* authentication failed, bad key, tampering */
	CUTRU_EPERM = 6,    /* not allowed for this officer or state */
	CUTRU_ENOTFOUND = 7,
	CUTRU_ECONFLICT = 8, /* the record changed, or a rule between records */
	CUTRU_EINTERNAL = 9
};

#define CUTRU_ERR_FIELD_MAX 48
#define CUTRU_ERR_MSG_MAX 320

struct cutru_err {
	int code;                          /* enum cutru_rc */
	char field[CUTRU_ERR_FIELD_MAX];   /* offending field ("id_number"), "" if none */
	char msg[CUTRU_ERR_MSG_MAX];       /* translated, user-facing */
};

/* Clear *e (e may be NULL). */
void cutru_err_clear(struct cutru_err *e);

/* Fill *e (e may be NULL) and return code, so callers can write
 *     return cutru_err_set(e, CUTRU_EINVAL, "sex", _(MSG), ...);
 * field may be NULL.  fmt is a printf format; the result is truncated to fit. */
int cutru_err_set(struct cutru_err *e, int code, const char *field,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
