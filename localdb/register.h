/* Reading the ward register: one person with their whole history, one
 * household with its members past and present, the temporary residences
 * about to end, and the counts of a report; and the entry points through
 * which an officer's session imports and exports the register, so that the
 * library, not the screen, decides who may (localdb/import.h does the
 * work).  The batch CLI and the console show the same records from the
 * same queries.  See localdb/register.c for what each record holds and
 * which index answers each query. */
#ifndef CUTRU_REGISTER_H
#define CUTRU_REGISTER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <sqlite3.h>

#include "core/date.h"
#include "core/err.h"
#include "core/types.h"
#include "localdb/import.h"
#include "localdb/session.h"

#define REGISTER_ID_SIZE 13        /* 12 digits and the NUL */
#define REGISTER_CMND_SIZE 10      /* 9 digits and the NUL */
#define REGISTER_HOUSEHOLD_SIZE 33 /* a household number, 1..32 characters */
#define REGISTER_DOSSIER_SIZE 24   /* a dossier number, "17/2026/PTN" */
#define REGISTER_ID_WORD_SIZE 32   /* an id of a closed list: a residence
                                    * kind, a ground, an absence case */

/* Strings in the records below are "" when there is nothing to say and,
 * for the pointers, NULL; every string belongs to the record and lives
 * until its free function.  Dates are ISO text ("YYYY-MM-DD"), as stored. */

struct register_address {
	char commune[6];           /* 5-digit commune code */
	const char *detail;        /* house, street, hamlet */
};

/* One residence of a person, active or ended. */
struct register_residence {
	char kind[REGISTER_ID_WORD_SIZE];  /* permanent, temporary, current
	                                    * (event_residence_kinds) */
	char state[12];            /* active; replaced (by a later residence
	                            * of the same kind); closed (deleted) */
	char from[DATE_FMT_MAX];
	char to[DATE_FMT_MAX];     /* temporary: the end of the term */
	char ended[DATE_FMT_MAX];  /* replaced or closed: the day it ended */
	char ground[REGISTER_ID_WORD_SIZE]; /* closed: the ground's id
	                            * (event_grounds_permanent or
	                            * event_grounds_temporary, by kind) */
	char event_date[DATE_FMT_MAX]; /* closed: when the ground arose */
	const char *document_ref;  /* closed: the document, or NULL */
	struct register_address address;
	char household[REGISTER_HOUSEHOLD_SIZE]; /* recorded with a
	                            * permanent residence, or "" */
	char dossier[REGISTER_DOSSIER_SIZE];    /* that opened it ("" for an
	                            * import or the registry's feed) */
	char closed_dossier[REGISTER_DOSSIER_SIZE]; /* that closed it */
};

/* A period of membership of a household. */
struct register_membership {
	char household[REGISTER_HOUSEHOLD_SIZE];
	const char *relationship;  /* to the head; "head" for the head
	                            * themself; NULL when not known (a former
	                            * head, until it is restated) */
	char since[DATE_FMT_MAX];
	char until[DATE_FMT_MAX];  /* "" while it lasts */
	struct register_address address;     /* the household's */
	char head_id[REGISTER_ID_SIZE];      /* the household's head today, */
	const char *head_name;               /* or at its dissolution */
};

/* A guest of a notice of stay: a citizen (id_number) or a foreigner
 * (passport and nationality). */
struct register_guest {
	const char *name;
	char dob[DATE_FMT_MAX];    /* possibly partial */
	enum cutru_sex sex;
	char id_number[REGISTER_ID_SIZE];
	char passport[24];
	char nationality[3];
};

/* A notice of stay the person gave as host. */
struct register_stay {
	struct register_address address;
	char from[DATE_FMT_MAX];
	char to[DATE_FMT_MAX];
	char dossier[REGISTER_DOSSIER_SIZE];
	struct register_guest *guests;
	size_t n_guests;
};

/* A declaration of absence (form CT03). */
struct register_absence {
	char from[DATE_FMT_MAX];
	char to[DATE_FMT_MAX];
	char case_id[REGISTER_ID_WORD_SIZE]; /* event_absence_cases */
	const char *destination;
	const char *reason;
	char dossier[REGISTER_DOSSIER_SIZE];
};

/* A residence confirmation (form CT07, "Số number/XN" of year). */
struct register_confirmation {
	int year;
	int64_t number;
	char requester[REGISTER_ID_SIZE];
	char issued[DATE_FMT_MAX];
	char valid_until[DATE_FMT_MAX];
	const char *content;       /* or NULL */
	char dossier[REGISTER_DOSSIER_SIZE];
};

/* A correction of civil-status data (residence.adjust): the values it
 * replaced; "" / NULL / -1 for a value it left alone. */
struct register_correction {
	char corrected[DATE_FMT_MAX];
	const char *document_ref;
	char old_id_number[REGISTER_ID_SIZE];
	const char *old_name;
	char old_dob[DATE_FMT_MAX];
	int old_sex;               /* enum cutru_sex, or -1 */
	char dossier[REGISTER_DOSSIER_SIZE];
};

/* Everything the register holds about one person. */
struct register_person {
	int64_t id;                /* persons.id */
	int64_t version;           /* persons.version (localdb/apply.h) */
	char id_number[REGISTER_ID_SIZE];
	char cmnd[REGISTER_CMND_SIZE];   /* legacy CMND, or "" */
	const char *name;
	struct cutru_date dob;     /* possibly partial, or unknown */
	enum cutru_sex sex;
	const char *ethnicity, *religion, *nationality, *home_town;
	const char *phone, *email; /* NULL when not recorded */
	/* Every residence: the active ones first (permanent, temporary,
	 * current), then the ended ones, the latest begun first. */
	struct register_residence *residences;
	size_t n_residences;
	/* The residence a list shows for the person (localdb/search.h): the
	 * active permanent one, else temporary, else current; NULL if none.
	 * It points into residences. */
	const struct register_residence *shown;
	/* Every membership: the current one first, then the ended ones, the
	 * latest begun first.  household points at the current one, or is
	 * NULL. */
	struct register_membership *memberships;
	size_t n_memberships;
	const struct register_membership *household;
	struct register_stay *stays;         /* latest first */
	size_t n_stays;
	struct register_absence *absences;   /* latest first */
	size_t n_absences;
	struct register_confirmation *confirmations; /* latest first */
	size_t n_confirmations;
	struct register_correction *corrections;     /* latest first */
	size_t n_corrections;
	void *priv;                /* the storage behind the strings */
};

/* The person with this ID number (12 digits), with everything above.
 * CUTRU_EINVAL (field "id_number") for anything but 12 digits;
 * CUTRU_ENOTFOUND when nobody has it (the message says to which number
 * it was corrected, when it was); CUTRU_EIO, CUTRU_ENOMEM.  Every query
 * goes through an index on the person (localdb/register.c).  On success
 * *out is filled, free it with register_person_free(); on failure it is
 * zeroed. */
int register_person_show(sqlite3 *db, const char *id_number,
    struct register_person *out, struct cutru_err *e);
void register_person_free(struct register_person *p);

/* One member of a household, in a period of membership. */
struct register_member {
	char id_number[REGISTER_ID_SIZE];
	const char *name;
	struct cutru_date dob;
	enum cutru_sex sex;
	const char *relationship;  /* as in struct register_membership */
	char since[DATE_FMT_MAX];
	char until[DATE_FMT_MAX];  /* "" for a current member */
};

struct register_household {
	char number[REGISTER_HOUSEHOLD_SIZE];
	struct register_address address;
	char head_id[REGISTER_ID_SIZE];  /* the head (at the dissolution, for */
	const char *head_name;           /* a dissolved household) */
	char created[DATE_FMT_MAX];
	char dissolved[DATE_FMT_MAX];    /* "" while it exists */
	/* The current members, the head first, then in the order they
	 * joined. */
	struct register_member *members;
	size_t n_members;
	/* The memberships that ended, the latest ended first: former
	 * members, and the earlier periods of current members (a head who
	 * handed over, a relationship restated). */
	struct register_member *past;
	size_t n_past;
	void *priv;
};

/* The household with this number.  A dissolved household is shown too
 * (with no current members).  CUTRU_EINVAL (field "household") for a
 * number that cannot be one; CUTRU_ENOTFOUND; CUTRU_EIO, CUTRU_ENOMEM.
 * Free *out with register_household_free(); zeroed on failure. */
int register_household_show(sqlite3 *db, const char *number,
    struct register_household *out, struct cutru_err *e);
void register_household_free(struct register_household *h);

/* An active temporary residence and whose it is. */
struct register_expiring {
	char id_number[REGISTER_ID_SIZE];
	char *name;
	char from[DATE_FMT_MAX];
	char to[DATE_FMT_MAX];
	long days_left;            /* to - today; negative: the term ended
	                            * while the residence is still registered */
	char commune[6];
	char *detail;
};

/* Longest look-ahead of register_expiring(), in days (ten years). */
#define REGISTER_EXPIRING_DAYS_MAX 3660

/* The active temporary residences whose term ends on or before today +
 * days (0..REGISTER_EXPIRING_DAYS_MAX, CUTRU_ERANGE field "days"
 * otherwise), those already ended included, soonest first (index
 * residences_expiring).  today is a full date (CUTRU_EINVAL, field
 * "today").  *out is an array of *n (NULL and 0 when none), freed with
 * register_expiring_free(). */
int register_expiring(sqlite3 *db, const struct cutru_date *today, int days,
    struct register_expiring **out, size_t *n, struct cutru_err *e);
void register_expiring_free(struct register_expiring *list, size_t n);

/* The states of a dossier (localdb/dossier.h), in the order of its life,
 * and their number. */
#define REGISTER_N_STATES 7
extern const char *const register_dossier_states[REGISTER_N_STATES];

/* How a report groups dossiers by the date they were received. */
enum register_period {
	REGISTER_PERIOD_MONTH = 0, /* "2026-11" */
	REGISTER_PERIOD_YEAR = 1,  /* "2026" */
	REGISTER_PERIOD_DAY = 2    /* "2026-11-27" */
};

struct register_counts {
	char key[32];              /* procedure id, or period */
	size_t total;              /* every dossier, whatever its state */
	size_t state[REGISTER_N_STATES]; /* by register_dossier_states */
};

struct register_report {
	struct register_counts all;
	/* Every procedure of core/procedure.h, in its order, also those
	 * without a dossier. */
	struct register_counts *procedures;
	size_t n_procedures;
	/* The periods that received dossiers, in order. */
	struct register_counts *periods;
	size_t n_periods;
	/* The register today, whatever the period: persons, households not
	 * dissolved, and active residences of each kind. */
	size_t persons;
	size_t households;
	size_t permanent, temporary, current;
};

/* Count the dossiers received from from to to (ISO dates, inclusive;
 * NULL: no bound; CUTRU_EINVAL with field "from" or "to" for anything but
 * a full date, or a from after to) by procedure, by period and by state,
 * and the register's persons, households and active residences.  Free
 * *out with register_report_free(); zeroed on failure. */
int register_report(sqlite3 *db, const char *from, const char *to,
    enum register_period period, struct register_report *out,
    struct cutru_err *e);
void register_report_free(struct register_report *r);

/* Import legacy household books through an officer's session: the
 * session's account must still be active (session_refresh()) and be an
 * officer or a supervisor: digitising books is receiving work, and
 * administrators manage accounts (CUTRU_EPERM, field "login").  opts gives
 * the mode, the flags and the rejects file; its today, at and actor are
 * ignored: the import takes effect today (the date of now in Vietnam), at
 * now, in the session officer's name.  Otherwise as import_csv(). */
int register_import_csv(struct session *s, FILE *in,
    const struct import_opts *opts, time_t now, struct import_report *r,
    struct cutru_err *e);

/* Export the register through a session: any active account may
 * (session_refresh(); CUTRU_EPERM for one disabled since the session
 * opened).  Otherwise as export_csv() and export_json(). */
int register_export_csv(struct session *s, FILE *out, unsigned flags,
    struct cutru_err *e);
int register_export_json(struct session *s, FILE *out,
    struct cutru_err *e);

#endif
