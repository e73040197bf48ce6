/* Helpers shared by the tests of sync/: key sets, hand-made supervisor
 * approvals (fast, no store), and a real approval made the console's way
 * (a scratch store, a request received and approved).  Failures abort the
 * current Check test. */
#ifndef CUTRU_TESTS_SYNCTEST_H
#define CUTRU_TESTS_SYNCTEST_H

#include <stddef.h>
#include <time.h>

#include "localdb/session.h"

#define ST_WARD "00070"

/* Every key a console and a registry hold, fresh and random. */
struct st_keys {
	unsigned char dev_pk[32], dev_sk[64];          /* device Ed25519 */
	char dev_id[17];
	unsigned char dev_box_pk[32], dev_box_sk[32];  /* device X25519 */
	unsigned char reg_sign_pk[32], reg_sign_sk[64]; /* registry Ed25519 */
	unsigned char reg_box_pk[32], reg_box_sk[32];  /* registry X25519 */
	unsigned char sup_pk[32], sup_sk[64];          /* supervisor Ed25519 */
	unsigned char other_pk[32], other_sk[64];      /* someone else's */
};

void st_keys_make(struct st_keys *k);

/* The events a console makes for examples/requests/temporary.register.json
 * approved on 30/11/2026 (a JSON array, canonical). */
extern const char st_events_temporary[];

/* A canonical approval object of events_json (any JSON array text) for
 * ward, dossier "1/2026/PTN", procedure, supervisor "minh", decided
 * 2026-11-30, signed by sk.  *canon malloc'd (caller frees). */
void st_approval(const char *events_json, const char *ward,
    const char *procedure, const unsigned char *sk, char **canon,
    size_t *len, unsigned char sig[64]);
void st_approval_n(int n, const char *events_json, const char *ward,
    const char *procedure, const unsigned char *sk, char **canon,
    size_t *len, unsigned char sig[64]);

/* The console's way: a scratch store of ward ST_WARD with officers (see
 * sessiontest.h), examples_dir/PROCEDURE.json received by "lan" on
 * 27/11/2026 and approved by "minh" on 30/11/2026; the approval's bytes,
 * signature and minh's public key.  *dir is the scratch directory (caller
 * removes it with ws_rmdir() and frees it); *admin (may be NULL) gets the
 * administrator's open session, else it is closed. */
void st_real_approval(const char *examples_dir, const char *procedure,
    char **dir, struct session **admin, char **canon, size_t *len,
    unsigned char sig[64], unsigned char pk[32], char *number);

#endif
