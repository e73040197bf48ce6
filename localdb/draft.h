/* Drafts: half-filled procedure forms kept in the encrypted store while
 * they are typed, so that a crash, a power cut or the idle lock loses
 * nothing.  One draft per form the officer opened; each officer sees only
 * their own.  See localdb/draft.c for the table and its rules. */
#ifndef CUTRU_DRAFT_H
#define CUTRU_DRAFT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/err.h"
#include "localdb/session.h"

/* Room for a procedure id and for the focused field's path, with NUL. */
#define DRAFT_PROCEDURE_SIZE 64
#define DRAFT_FOCUS_SIZE 128
/* The largest fields text, in bytes (a form of 20 members' rows is a few
 * KiB). */
#define DRAFT_FIELDS_MAX (256 * 1024)
/* The highest step (the form's own numbering: 0 choosing, 1 editing, ...). */
#define DRAFT_STEP_MAX 15
/* Drafts one officer may keep; a new one beyond is refused. */
#define DRAFT_PER_OFFICER_MAX 100

struct draft {
	int64_t id;                            /* > 0 */
	char procedure[DRAFT_PROCEDURE_SIZE];  /* an id of core/procedure.h */
	int step;
	char focus[DRAFT_FOCUS_SIZE];          /* a field's path, or "" */
	char *fields;      /* a JSON object as text, NUL-terminated; owned */
	size_t fields_len; /* without the NUL */
	time_t created, updated;
};

/* Flags of draft_save(). */
#define DRAFT_FAST 0x1  /* no fsync for this save (see localdb/draft.c) */

/* Save the form: with *id 0 a new draft of the session's officer (its id
 * goes to *id), else the officer's draft *id is replaced.  fields is a
 * JSON object as UTF-8 text (fields[0..len), at most DRAFT_FIELDS_MAX
 * bytes; the library does not look inside beyond checking that); focus a
 * field path or NULL.  One statement, no journal entry: a draft is the
 * officer's scratch, not a change to the register.  With DRAFT_FAST the
 * save survives the program's crash but a power cut only once a later
 * save without it (or any other change) has reached the disk; without
 * it, it is as durable as the store's synchronous setting makes every
 * change.  Errors: CUTRU_EINVAL
 * (unknown procedure, bad step, fields not a JSON object or not UTF-8,
 * focus too long), CUTRU_ERANGE (fields too large; DRAFT_PER_OFFICER_MAX
 * reached), CUTRU_ENOTFOUND (*id is not a draft of this officer: discarded
 * elsewhere), CUTRU_EIO. */
int draft_save(struct session *s, int64_t *id, const char *procedure,
    int step, const char *focus, const char *fields, size_t len, int flags,
    time_t now, struct cutru_err *e);

/* The officer's draft id, whole, into *out (draft_free() it).
 * CUTRU_ENOTFOUND when the officer has no draft id (another officer's
 * drafts are never found). */
int draft_get(struct session *s, int64_t id, struct draft *out,
    struct cutru_err *e);

/* The officer's drafts, most recently saved first, without their fields
 * (fields NULL): *out is an array of *n (draft_list_free() it; NULL when
 * there are none). */
int draft_list(struct session *s, struct draft **out, size_t *n,
    struct cutru_err *e);

/* How many drafts the officer has. */
int draft_count(struct session *s, size_t *n, struct cutru_err *e);

/* Delete the officer's draft id (filed or discarded).  CUTRU_ENOTFOUND
 * when there is none (nothing is deleted: another officer's drafts are
 * out of reach). */
int draft_delete(struct session *s, int64_t id, struct cutru_err *e);

/* Wipe and free what a struct draft owns (d may be NULL); the list. */
void draft_free(struct draft *d);
void draft_list_free(struct draft *list, size_t n);

#endif
