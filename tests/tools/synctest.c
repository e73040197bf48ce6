#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <check.h>
#include <sodium.h>
#include <cjson/cJSON.h>

#include "core/canon.h"
#include "localdb/dossier.h"
#include "localdb/officer.h"
#include "sync/envelope.h"
#include "tests/tools/sessiontest.h"
#include "tests/tools/synctest.h"

const char st_events_temporary[] =
	"[{\"data\":{\"dob\":\"1995-02-14\",\"email\":\"hoa.le@example.vn\","
	"\"id_number\":\"079195012345\",\"name\":\"Lê Thị Hoa\","
	"\"sex\":\"female\"},\"type\":\"person.upserted\"},"
	"{\"data\":{\"address\":{\"commune\":\"00070\",\"detail\":"
	"\"Phòng 301, số 8 phố Hàng Gai\"},\"from\":\"2026-12-01\","
	"\"kind\":\"temporary\",\"person\":\"079195012345\","
	"\"to\":\"2027-11-30\"},\"type\":\"residence.opened\"}]";

void
st_keys_make(struct st_keys *k)
{
	ck_assert_int_ge(sodium_init(), 0);
	crypto_sign_keypair(k->dev_pk, k->dev_sk);
	envelope_key_id(k->dev_pk, k->dev_id, NULL);
	crypto_box_keypair(k->dev_box_pk, k->dev_box_sk);
	crypto_sign_keypair(k->reg_sign_pk, k->reg_sign_sk);
	crypto_box_keypair(k->reg_box_pk, k->reg_box_sk);
	crypto_sign_keypair(k->sup_pk, k->sup_sk);
	crypto_sign_keypair(k->other_pk, k->other_sk);
}

void
st_approval(const char *events_json, const char *ward,
    const char *procedure, const unsigned char *sk, char **canon,
    size_t *len, unsigned char sig[64])
{
	st_approval_n(1, events_json, ward, procedure, sk, canon, len, sig);
}

void
st_approval_n(int n, const char *events_json, const char *ward,
    const char *procedure, const unsigned char *sk, char **canon,
    size_t *len, unsigned char sig[64])
{
	char number[32];
	cJSON *o = cJSON_CreateObject();
	cJSON *ev = cJSON_Parse(events_json);
	struct cutru_err e;

	ck_assert_ptr_nonnull(o);
	ck_assert_ptr_nonnull(ev);
	cJSON_AddStringToObject(o, "decided", "2026-11-30");
	snprintf(number, sizeof number, "%d/2026/PTN", n);
	cJSON_AddStringToObject(o, "dossier", number);
	cJSON_AddItemToObject(o, "events", ev);
	cJSON_AddStringToObject(o, "kind", DOSSIER_APPROVAL_KIND);
	cJSON_AddStringToObject(o, "procedure", procedure);
	cJSON_AddStringToObject(o, "supervisor", "minh");
	cJSON_AddStringToObject(o, "ward", ward);
	ck_assert_int_eq(canon_encode(o, canon, len, &e), CUTRU_OK);
	cJSON_Delete(o);
	crypto_sign_detached(sig, NULL, (const unsigned char *)*canon, *len,
	    sk);
}

void
st_real_approval(const char *examples_dir, const char *procedure,
    char **dir, struct session **admin, char **canon, size_t *len,
    unsigned char sig[64], unsigned char pk[32], char *number)
{
	struct session *a, *lan, *minh;
	struct officer_info oi;
	struct cutru_err e;
	char path[1024], *store, *json;
	size_t jlen;
	int rc;

	ws_scratch(dir, &store);
	a = ws_ward(store, NULL);
	lan = ws_login(store, "lan", ws_pass_lan);
	minh = ws_login(store, "minh", ws_pass_minh);
	snprintf(path, sizeof path, "%s/%s.json", examples_dir, procedure);
	json = ws_read(path, &jlen);
	rc = dossier_receive(lan, json, jlen, ws_vn(2026, 11, 27, 10, 0),
	    number, &e);
	ck_assert_msg(rc == CUTRU_OK, "receive: %s", e.msg);
	free(json);
	rc = dossier_approve(minh, number, ws_pass_minh,
	    ws_vn(2026, 11, 30, 9, 0), &e);
	ck_assert_msg(rc == CUTRU_OK, "approve: %s", e.msg);
	ck_assert_int_eq(dossier_approval(minh, number, canon, len, sig, &e),
	    CUTRU_OK);
	ck_assert_int_eq(officer_get(a, "minh", &oi, &e), CUTRU_OK);
	ck_assert(oi.has_sign_pk);
	memcpy(pk, oi.sign_pk, 32);
	officer_info_free(&oi);
	session_close(lan);
	session_close(minh);
	if (admin != NULL)
		*admin = a;
	else
		session_close(a);
	free(store);
}
