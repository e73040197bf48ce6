#include "config.h"

/*
 * syncfill: fill a console's outbox with many approved registrations, fast,
 * for the sync tests and the sync benchmark.
 *
 *   syncfill STORE COUNT FIRST POPCSV
 *
 * STORE is a store made by "cutru init" (as tests/sh/cli_lib.sh makes it:
 * officer "lan", supervisor "minh"), already enrolled, so that every
 * approval is sealed into STORE/outbox/new at once.  The passphrases come
 * from the environment, SYNCFILL_LAN_PW and SYNCFILL_SUP_PW (the
 * supervisor's login is SYNCFILL_SUP, default "minh"), so that they never
 * show in a process list.
 *
 * COUNT temporary registrations (the shape of
 * examples/requests/temporary.register.json, dated today in Vietnam) are
 * received by lan in one session, then approved by the supervisor in a
 * second one through outbox_approve(), exactly as "cutru queue approve"
 * does, one transaction and one sealed file each.  Person i (FIRST <= i <
 * FIRST + COUNT) has a made-up identity derived from i alone: ID number
 * 001 C YY NNNNNN with NNNNNN = i, so runs with disjoint ranges never
 * collide.  The identities are appended to POPCSV (a header line first if
 * the file is empty), ready for "cutru-registryd population import", so the
 * registry accepts every one.
 *
 * Prints "approved N sealed N" on success.  Exit 1 on any failure, with the
 * step and the library's message on stderr.  A test tool: it exits on
 * failure.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/date.h"
#include "core/err.h"
#include "localdb/dossier.h"
#include "localdb/session.h"
#include "sync/outbox.h"

static const char *const family[] = {
	"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi",
	"Đỗ", "Hồ", "Ngô", "Dương",
};
static const char *const given[] = {
	"An", "Bình", "Cường", "Dũng", "Hà", "Hoa", "Lan", "Mai", "Nam",
	"Quân", "Sơn", "Tâm", "Thu", "Trang", "Việt", "Yến", "Hòa", "Đức",
};
#define NFAMILY (sizeof family / sizeof family[0])
#define NGIVEN (sizeof given / sizeof given[0])

static void die(const char *what, const struct cutru_err *e)
    __attribute__((noreturn));

static void
die(const char *what, const struct cutru_err *e)
{
	if (e != NULL)
		fprintf(stderr, "syncfill: %s: %s%s%s\n", what, e->msg,
		    e->field[0] != '\0' ? " @ " : "", e->field);
	else
		fprintf(stderr, "syncfill: %s\n", what);
	exit(1);
}

static const char *
env_or_die(const char *name)
{
	const char *v = getenv(name);

	if (v == NULL || v[0] == '\0') {
		fprintf(stderr, "syncfill: %s is not set\n", name);
		exit(1);
	}
	return v;
}

struct person {
	char id[13];
	char name[64];
	char dob[16];
	const char *sex;
};

/* Person i: born 1980..1999, women for odd i. */
static void
person_make(unsigned long i, struct person *p)
{
	unsigned female = (unsigned)(i % 2);
	unsigned year = 1980 + (unsigned)(i % 20);
	unsigned month = 1 + (unsigned)(i % 12);
	unsigned day = 1 + (unsigned)((i / 12) % 28);

	snprintf(p->id, sizeof p->id, "001%u%02u%06lu", female, year % 100,
	    i % 1000000);
	snprintf(p->name, sizeof p->name, "%s %s %s",
	    family[i % NFAMILY], female ? "Thị" : "Văn",
	    given[(i / NFAMILY) % NGIVEN]);
	snprintf(p->dob, sizeof p->dob, "%04u-%02u-%02u", year, month, day);
	p->sex = female ? "female" : "male";
}

int
main(int argc, char **argv)
{
	struct session *s = NULL;
	struct cutru_err e;
	struct cutru_date today, to;
	char received[DATE_FMT_MAX], until[DATE_FMT_MAX];
	char (*numbers)[DOSSIER_NUMBER_MAX];
	const char *lan_pw, *sup_pw, *sup;
	struct outbox_approval oa;
	long count, first, i, sealed = 0;
	char *end;
	time_t now = time(NULL);
	FILE *pop;

	if (argc != 5) {
		fprintf(stderr, "usage: syncfill STORE COUNT FIRST POPCSV\n");
		return 2;
	}
	count = strtol(argv[2], &end, 10);
	if (*end != '\0' || count < 1 || count > 100000)
		die("COUNT must be 1 to 100000", NULL);
	first = strtol(argv[3], &end, 10);
	if (*end != '\0' || first < 0 || first + count > 1000000)
		die("FIRST + COUNT must stay below 1000000", NULL);
	lan_pw = env_or_die("SYNCFILL_LAN_PW");
	sup_pw = env_or_die("SYNCFILL_SUP_PW");
	sup = getenv("SYNCFILL_SUP") != NULL ? getenv("SYNCFILL_SUP") : "minh";
	if (date_local_vn(now, &today, NULL) != CUTRU_OK ||
	    date_add_days(&today, 300, &to) != CUTRU_OK ||
	    date_format_iso(&today, received, sizeof received) != CUTRU_OK ||
	    date_format_iso(&to, until, sizeof until) != CUTRU_OK)
		die("the clock is out of range", NULL);
	numbers = calloc((size_t)count, sizeof *numbers);
	if (numbers == NULL)
		die("out of memory", NULL);
	pop = fopen(argv[4], "a");
	if (pop == NULL)
		die("cannot open POPCSV", NULL);
	if (ftell(pop) == 0)
		fprintf(pop, "id_number,name,dob,sex\n");

	if (session_open(argv[1], "lan", lan_pw, now, &s, &e) != CUTRU_OK)
		die("login lan", &e);
	for (i = 0; i < count; i++) {
		struct person p;
		char json[1024];
		int n;

		person_make((unsigned long)(first + i), &p);
		n = snprintf(json, sizeof json,
		    "{\"procedure\":\"temporary.register\","
		    "\"received\":\"%s\","
		    "\"applicant\":{\"id_number\":\"%s\",\"name\":\"%s\","
		    "\"dob\":\"%s\",\"sex\":\"%s\"},"
		    "\"address\":{\"commune\":\"%s\","
		    "\"detail\":\"Phòng %ld, số 8 phố Hàng Gai\"},"
		    "\"from\":\"%s\",\"to\":\"%s\",\"basis\":\"rented\","
		    "\"contract_ref\":\"Hợp đồng thuê nhà số %ld/2026/HĐTN\","
		    "\"consents\":{\"owner\":{\"name\":\"Phạm Quốc Tuấn\","
		    "\"id_number\":\"001075009876\",\"method\":\"letter\"}},"
		    "\"permanent_address\":{\"commune\":\"26734\","
		    "\"detail\":\"Ấp 3\"}}",
		    received, p.id, p.name, p.dob, p.sex,
		    session_ward_code(s), 100 + (first + i) % 900, received,
		    until, 1 + (first + i) % 999);
		if (n < 0 || (size_t)n >= sizeof json)
			die("request too long", NULL);
		if (dossier_receive(s, json, (size_t)n, now, numbers[i], &e) !=
		    CUTRU_OK)
			die("receive", &e);
		fprintf(pop, "%s,%s,%s,%s\n", p.id, p.name, p.dob, p.sex);
	}
	session_close(s);
	if (fclose(pop) != 0)
		die("cannot write POPCSV", NULL);

	if (session_open(argv[1], sup, sup_pw, now, &s, &e) != CUTRU_OK)
		die("login supervisor", &e);
	for (i = 0; i < count; i++) {
		if (outbox_approve(s, numbers[i], sup_pw, now, &oa, &e) !=
		    CUTRU_OK)
			die("approve", &e);
		if (oa.sealed && oa.file_written)
			sealed++;
	}
	session_close(s);
	free(numbers);
	printf("approved %ld sealed %ld\n", count, sealed);
	return 0;
}
