#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <check.h>

#include "core/canon.h"
#include "core/event.h"
#include "core/field.h"
#include "core/procedure.h"
#include "tests/unit/tap_main.h"

static const struct cutru_date TODAY = { 2026, 11, 30, CUTRU_DATE_DAY };

/* ---- helpers ---- */

static cJSON *
parse(const char *json)
{
	struct cutru_err e;
	cJSON *t = NULL;

	ck_assert_msg(canon_parse(json, strlen(json), NULL, 0, &t, &e) ==
	    CUTRU_OK, "test JSON does not parse: %s: %s", e.msg, json);
	return t;
}

/* The example request of procedure id, from examples/requests/. */
static cJSON *
example(const char *id)
{
	const char *top = getenv("top_srcdir");
	char path[512], *buf;
	FILE *f;
	long n;
	cJSON *t;

	snprintf(path, sizeof path, "%s/examples/requests/%s.json",
	    top != NULL ? top : ".", id);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	t = parse(buf);
	free(buf);
	return t;
}

/* The object holding the value at path ("a.b[1].c") and the last key. */
static cJSON *
parent_of(cJSON *root, const char *path, char *last, size_t lastsz)
{
	char buf[256], *tok, *save = NULL, *br;
	cJSON *cur = root;
	char *prev = NULL;

	snprintf(buf, sizeof buf, "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok != NULL;
	    tok = strtok_r(NULL, ".", &save)) {
		if (prev != NULL) {
			br = strchr(prev, '[');
			if (br != NULL) {
				*br = '\0';
				cur = cJSON_GetObjectItemCaseSensitive(cur, prev);
				cur = cJSON_GetArrayItem(cur, atoi(br + 1));
			} else
				cur = cJSON_GetObjectItemCaseSensitive(cur, prev);
			ck_assert_msg(cur != NULL, "no %s in %s", prev, path);
		}
		prev = tok;
	}
	snprintf(last, lastsz, "%s", prev);
	return cur;
}

/* Set the value at path to the JSON text json (NULL deletes it). */
static cJSON *
set(cJSON *req, const char *path, const char *json)
{
	char key[64];
	cJSON *p = parent_of(req, path, key, sizeof key);

	cJSON_DeleteItemFromObjectCaseSensitive(p, key);
	if (json != NULL)
		cJSON_AddItemToObject(p, key, parse(json));
	return req;
}

static cJSON *
del(cJSON *req, const char *path)
{
	return set(req, path, NULL);
}

static void
expect_ok_rules(cJSON *req, const struct procedure_rules *rules)
{
	struct cutru_err e;
	int rc = procedure_validate_rules(req, &TODAY, rules, &e);

	ck_assert_msg(rc == CUTRU_OK, "refused: [%s] %s", e.field, e.msg);
	ck_assert_int_eq(e.code, CUTRU_OK);
	cJSON_Delete(req);
}

static void
expect_ok(cJSON *req)
{
	expect_ok_rules(req, NULL);
}

static void
expect_fail_rules(cJSON *req, const struct procedure_rules *rules, int rc,
    const char *field)
{
	struct cutru_err e;
	int got = procedure_validate_rules(req, &TODAY, rules, &e);

	ck_assert_msg(got == rc, "expected %d at %s, got %d: [%s] %s", rc,
	    field, got, e.field, e.msg);
	ck_assert_str_eq(e.field, field);
	ck_assert_str_ne(e.msg, "");
	cJSON_Delete(req);
}

static void
expect_fail(cJSON *req, int rc, const char *field)
{
	expect_fail_rules(req, NULL, rc, field);
}

/* Events of an approved request, approved on TODAY. */
static cJSON *
events(cJSON *req, const char *new_household)
{
	struct procedure_ctx ctx = { &TODAY, new_household, NULL };
	struct cutru_err e;
	cJSON *out = NULL;
	int rc = procedure_events(req, &ctx, &out, &e);

	ck_assert_msg(rc == CUTRU_OK, "events refused: [%s] %s", e.field,
	    e.msg);
	cJSON_Delete(req);
	return out;
}

/* Types of the events, joined by spaces. */
static char *
types(const cJSON *evs, char *buf, size_t size)
{
	const cJSON *ev;
	size_t n = 0;

	buf[0] = '\0';
	cJSON_ArrayForEach(ev, evs) {
		const char *t = cJSON_GetObjectItem(ev, "type")->valuestring;

		n += (size_t)snprintf(buf + n, size - n, "%s%s", n ? " " : "",
		    t);
	}
	return buf;
}

static const char *
data_str(const cJSON *evs, int i, const char *key)
{
	const cJSON *d = cJSON_GetObjectItem(cJSON_GetArrayItem(evs, i),
	    "data");

	return cJSON_GetStringValue(cJSON_GetObjectItem(d, key));
}

/* ---- the table ---- */

START_TEST(table_matches_design)
{
	static const struct {
		const char *id, *code;
		int half_days;
	} want[] = {
		{ "permanent.register", "1.004222", 14 },
		{ "permanent.delete", "1.003197", 10 },
		{ "household.split", "1.010038", 10 },
		{ "residence.adjust", "1.010039", 6 },
		{ "temporary.register", "1.004194", 6 },
		{ "temporary.extend", "1.002755", 6 },
		{ "temporary.delete", "1.010028", 4 },
		{ "residence.declare", "1.010040", 10 },
		{ "stay.notify", "2.001159", 0 },
		{ "absence.declare", "1.003677", 2 },
		{ "residence.confirm", "1.010041", 1 },
	};
	const struct field *pf = field_find(procedure_common_fields,
	    "procedure");
	const struct field *f;
	size_t i;

	ck_assert_uint_eq(procedure_count(), 11);
	for (i = 0; i < 11; i++) {
		const struct procedure *p = &procedures[i];

		ck_assert_str_eq(p->id, want[i].id);
		ck_assert_str_eq(p->code, want[i].code);
		ck_assert_int_eq(p->deadline_half_days, want[i].half_days);
		ck_assert_ptr_eq(procedure_find(want[i].id), p);
		ck_assert_ptr_nonnull(p->name_vi);
		ck_assert_ptr_nonnull(p->title);
		/* The enumeration of the "procedure" key lists the same. */
		ck_assert_str_eq(pf->choices[i].id, p->id);
		for (f = p->fields; f->key != NULL; f++) {
			ck_assert_ptr_nonnull(f->label);
			if (f->type == FIELD_ENUM)
				ck_assert_ptr_nonnull(f->choices);
			if (f->type == FIELD_OBJECT ||
			    f->type == FIELD_TABLE)
				ck_assert_ptr_nonnull(f->sub);
		}
	}
	ck_assert_ptr_null(pf->choices[11].id);
	ck_assert_str_eq(procedures[9].form, "CT03");
	ck_assert_ptr_null(procedures[8].form);
	ck_assert_ptr_null(procedure_find("permanent.registered"));
	ck_assert_ptr_null(procedure_find(NULL));
	ck_assert_str_eq(procedure_relationships[0], "Chủ hộ");
}
END_TEST

START_TEST(closed_lists)
{
	static const char *const perm[] = { "death", "emigrated", "cancelled",
	    "absent", "nationality_lost", "housing_ended", "premises_gone" };
	static const char *const temp[] = { "death", "cancelled", "absent",
	    "nationality_lost", "registered_permanent", "rental_ended",
	    "ownership_transferred", "premises_gone" };
	static const char *const cases[] = { "accused_or_sentenced",
	    "administrative_measure", "military_age", "long_absence" };
	size_t i;

	for (i = 0; i < 7; i++) {
		ck_assert_str_eq(event_grounds_permanent[i].id, perm[i]);
		ck_assert_ptr_nonnull(event_grounds_permanent[i].label_vi);
		ck_assert_ptr_nonnull(strstr(event_grounds_permanent[i].law,
		    "Điều 24"));
	}
	ck_assert_ptr_null(event_grounds_permanent[7].id);
	for (i = 0; i < 8; i++) {
		ck_assert_str_eq(event_grounds_temporary[i].id, temp[i]);
		ck_assert_ptr_nonnull(strstr(event_grounds_temporary[i].law,
		    "Điều 29"));
	}
	ck_assert_ptr_null(event_grounds_temporary[8].id);
	for (i = 0; i < 4; i++)
		ck_assert_str_eq(event_absence_cases[i].id, cases[i]);
	ck_assert_ptr_null(event_absence_cases[4].id);
	ck_assert_int_eq(field_choice_find(event_grounds_permanent,
	    "absent")->min_months, 12);
	ck_assert_int_eq(field_choice_find(event_grounds_temporary,
	    "absent")->min_months, 6);
	ck_assert_ptr_null(field_choice_find(NULL, "x"));
	ck_assert_ptr_null(field_choice_find(event_absence_cases, NULL));
	ck_assert_ptr_null(field_find(NULL, "x"));
}
END_TEST

/* ---- examples: each valid, each yields valid events ---- */

START_TEST(every_example_is_valid)
{
	const struct procedure *p;
	struct cutru_err e;
	cJSON *req, *evs;

	for (p = procedures; p->id != NULL; p++) {
		req = example(p->id);
		ck_assert_str_eq(cJSON_GetObjectItem(req, "procedure")
		    ->valuestring, p->id);
		ck_assert_msg(procedure_validate(req, &TODAY, &e) == CUTRU_OK,
		    "%s: [%s] %s", p->id, e.field, e.msg);
		evs = events(req, "HN-NEW-0001");
		ck_assert_int_gt(cJSON_GetArraySize(evs), 0);
		ck_assert_int_eq(event_validate_list(evs, &e), CUTRU_OK);
		cJSON_Delete(evs);
	}
}
END_TEST

START_TEST(required_fields_per_procedure)
{
	const struct procedure *p;
	const struct field *lists[2], *f;
	size_t k;

	for (p = procedures; p->id != NULL; p++) {
		lists[0] = procedure_common_fields;
		lists[1] = p->fields;
		for (k = 0; k < 2; k++)
			for (f = lists[k]; f->key != NULL; f++) {
				if (!(f->flags & FIELD_REQUIRED))
					continue;
				expect_fail(del(example(p->id), f->key),
				    CUTRU_EINVAL, f->key);
			}
		/* And inside the applicant (or person, when ex officio). */
		if (field_find(p->fields, "applicant") != NULL) {
			expect_fail(del(example(p->id), "applicant.name"),
			    CUTRU_EINVAL, "applicant.name");
			expect_fail(del(example(p->id), "applicant.dob"),
			    CUTRU_EINVAL, "applicant.dob");
		}
	}
}
END_TEST

START_TEST(structure_refusals)
{
	struct cutru_err e;
	cJSON *req;

	expect_fail(set(example("stay.notify"), "recieved", "\"2026-11-27\""),
	    CUTRU_EINVAL, "recieved");
	expect_fail(set(example("stay.notify"), "applicant.nick", "\"An\""),
	    CUTRU_EINVAL, "applicant.nick");
	expect_fail(set(example("stay.notify"), "applicant.phone", "null"),
	    CUTRU_EINVAL, "applicant.phone");
	expect_fail(set(example("stay.notify"), "procedure", "\"stay\""),
	    CUTRU_EINVAL, "procedure");
	expect_fail(del(example("stay.notify"), "procedure"), CUTRU_EINVAL,
	    "procedure");
	expect_fail(set(example("stay.notify"), "procedure", "7"),
	    CUTRU_EINVAL, "procedure");
	/* A key of another procedure is refused. */
	expect_fail(set(example("stay.notify"), "basis", "\"owned\""),
	    CUTRU_EINVAL, "basis");
	/* What cannot be signed is refused before anything else. */
	req = example("stay.notify");
	cJSON_AddNumberToObject(req, "x", 1.5);
	expect_fail(req, CUTRU_EINVAL, "x");
	req = parse("[1]");
	ck_assert_int_eq(procedure_validate(req, &TODAY, &e), CUTRU_EINVAL);
	cJSON_Delete(req);
	req = example("stay.notify");
	ck_assert_int_eq(procedure_validate(req, NULL, &e), CUTRU_EINVAL);
	cJSON_Delete(req);
}
END_TEST

/* ---- field types ---- */

START_TEST(person_values)
{
	/* The ID number's century/sex digit against sex and date of birth. */
	expect_fail(set(example("residence.confirm"), "applicant.sex",
	    "\"female\""), CUTRU_ECONFLICT, "applicant.sex");
	expect_fail(set(example("residence.confirm"), "applicant.dob",
	    "\"1991-05-01\""), CUTRU_ECONFLICT, "applicant.dob");
	expect_fail(set(example("permanent.register"), "members[1].dob",
	    "\"2017\""), CUTRU_ECONFLICT, "members[1].dob");
	expect_ok(set(example("residence.confirm"), "applicant.dob",
	    "\"1990\""));
	expect_ok(set(example("residence.confirm"), "applicant.dob",
	    "\"1990-05\""));
	expect_fail(set(example("residence.confirm"), "applicant.id_number",
	    "\"00109001234\""), CUTRU_EINVAL, "applicant.id_number");
	expect_fail(set(example("residence.confirm"), "applicant.id_number",
	    "\" 001090012345\""), CUTRU_EINVAL, "applicant.id_number");
	expect_fail(set(example("residence.confirm"), "applicant.id_number",
	    "\"123456789\""), CUTRU_EINVAL, "applicant.id_number");
	/* Born "in 2030" per the number (century digit 2, year 30). */
	expect_fail(set(set(example("residence.confirm"),
	    "applicant.id_number", "\"001230012345\""), "applicant.dob",
	    "\"2030\""), CUTRU_ERANGE, "applicant.id_number");
	expect_fail(set(example("residence.confirm"), "applicant.name",
	    "\"Nguyễn Văn 2\""), CUTRU_EINVAL, "applicant.name");
	expect_fail(set(example("residence.confirm"), "applicant.sex",
	    "\"Nam\""), CUTRU_EINVAL, "applicant.sex");
	expect_fail(set(example("residence.confirm"), "applicant.phone",
	    "\"091 234 5678\""), CUTRU_EINVAL, "applicant.phone");
	expect_fail(set(example("residence.confirm"), "applicant.phone",
	    "\"+0912345678\""), CUTRU_EINVAL, "applicant.phone");
	expect_ok(set(example("residence.confirm"), "applicant.phone",
	    "\"02437654321\""));
	expect_fail(set(example("residence.confirm"), "applicant.email",
	    "\"an@localhost\""), CUTRU_EINVAL, "applicant.email");
	expect_fail(set(example("residence.confirm"), "applicant.email",
	    "\"a n@x.vn\""), CUTRU_EINVAL, "applicant.email");
	expect_fail(set(example("residence.confirm"), "applicant.email",
	    "\"a@@x.vn\""), CUTRU_EINVAL, "applicant.email");
	expect_ok(set(example("residence.confirm"), "applicant.email",
	    "\"an.nguyen@cand.gov.vn\""));
	/* An NFD name with extra spaces is accepted in a request. */
	expect_ok(set(example("residence.confirm"), "applicant.name",
	    "\"  Nguye\\u0302\\u0303n   Va\\u0306n An \""));
}
END_TEST

START_TEST(date_values)
{
	expect_fail(set(example("residence.confirm"), "received",
	    "\"27/11/2026\""), CUTRU_EINVAL, "received");
	expect_fail(set(example("residence.confirm"), "received",
	    "\"2026-11\""), CUTRU_EINVAL, "received");
	expect_fail(set(example("residence.confirm"), "received",
	    "\"2026-11-31\""), CUTRU_EINVAL, "received");
	expect_fail(set(example("residence.confirm"), "received",
	    "\"2026-12-01\""), CUTRU_ERANGE, "received");
	expect_ok(set(example("residence.confirm"), "received",
	    "\"2026-11-30\""));
	expect_fail(set(example("residence.confirm"), "applicant.dob",
	    "\"1990-5-1\""), CUTRU_EINVAL, "applicant.dob");
	expect_fail(set(example("residence.confirm"), "applicant.dob",
	    "\"1990-02-30\""), CUTRU_EINVAL, "applicant.dob");
	expect_fail(set(example("residence.confirm"), "applicant.dob",
	    "\"\""), CUTRU_EINVAL, "applicant.dob");
	/* A date of birth after today. */
	expect_fail(set(set(example("residence.confirm"),
	    "applicant.id_number", "\"001226012345\""), "applicant.dob",
	    "\"2026-12-24\""), CUTRU_ERANGE, "applicant.dob");
}
END_TEST

START_TEST(other_values)
{
	char big[700];

	expect_fail(set(example("residence.declare"), "address.commune",
	    "\"0070\""), CUTRU_EINVAL, "address.commune");
	expect_fail(set(example("residence.declare"), "address.commune",
	    "\"00000\""), CUTRU_EINVAL, "address.commune");
	expect_fail(set(example("residence.declare"), "address.detail",
	    "\"   \""), CUTRU_EINVAL, "address.detail");
	expect_fail(set(example("residence.declare"), "address.detail",
	    "\"line\\nbreak\\u0007\""), CUTRU_EINVAL, "address.detail");
	expect_fail(set(example("residence.declare"), "address", "\"Hà Nội\""),
	    CUTRU_EINVAL, "address");
	expect_fail(set(example("residence.declare"), "in_national_db", "1"),
	    CUTRU_EINVAL, "in_national_db");
	expect_fail(set(example("residence.adjust"), "household", "\"-12\""),
	    CUTRU_EINVAL, "household");
	expect_fail(set(example("residence.adjust"), "household",
	    "\"HN 12\""), CUTRU_EINVAL, "household");
	expect_fail(set(example("residence.adjust"), "household",
	    "\"123456789012345678901234567890123\""), CUTRU_EINVAL,
	    "household");
	expect_fail(set(example("residence.adjust"), "change", "\"address\""),
	    CUTRU_EINVAL, "change");
	expect_fail(set(example("permanent.register"), "members", "{}"),
	    CUTRU_EINVAL, "members");
	expect_fail(set(example("permanent.register"), "members[0].nick",
	    "\"x\""), CUTRU_EINVAL, "members[0].nick");
	expect_fail(set(example("permanent.register"), "consents.owner.method",
	    "\"phone\""), CUTRU_EINVAL, "consents.owner.method");
	expect_fail(set(example("stay.notify"), "guests[1].passport",
	    "\"m123\""), CUTRU_EINVAL, "guests[1].passport");
	expect_fail(set(example("stay.notify"), "guests[1].nationality",
	    "\"Korea\""), CUTRU_EINVAL, "guests[1].nationality");
	memset(big, 'a', sizeof big - 1);
	big[0] = '"';
	big[sizeof big - 2] = '"';
	big[sizeof big - 1] = '\0';
	expect_fail(set(example("residence.confirm"), "content", big),
	    CUTRU_ERANGE, "content");
	expect_fail(set(example("permanent.register"), "household_mode",
	    "\"merge\""), CUTRU_EINVAL, "household_mode");
}
END_TEST

START_TEST(table_rows_capped)
{
	cJSON *req = example("stay.notify"), *guests, *row;
	int i;

	guests = cJSON_GetObjectItem(req, "guests");
	row = cJSON_GetArrayItem(guests, 0);
	for (i = 0; i < FIELD_TABLE_MAX; i++)
		cJSON_AddItemToArray(guests, cJSON_Duplicate(row, 1));
	expect_fail(req, CUTRU_ERANGE, "guests");
}
END_TEST

/* ---- rules ---- */

START_TEST(permanent_register_rules)
{
	struct procedure_rules r;
	const char *rented = "\"rented\"";

	expect_fail(del(example("permanent.register"), "household"),
	    CUTRU_EINVAL, "household");
	expect_fail(del(example("permanent.register"), "relationship"),
	    CUTRU_EINVAL, "relationship");
	expect_fail(del(example("permanent.register"), "consents.head"),
	    CUTRU_EINVAL, "consents.head");
	expect_fail(set(example("permanent.register"), "household_mode",
	    "\"new\""), CUTRU_EINVAL, "household");
	expect_fail(del(set(example("permanent.register"), "household_mode",
	    "\"new\""), "household"), CUTRU_EINVAL, "relationship");
	expect_ok(del(del(del(set(example("permanent.register"),
	    "household_mode", "\"new\""), "household"), "relationship"),
	    "consents.head"));
	/* Not one's own home: the owner consents. */
	expect_fail(del(example("permanent.register"), "consents.owner"),
	    CUTRU_EINVAL, "consents.owner");
	expect_ok(del(set(example("permanent.register"), "basis", "\"owned\""),
	    "consents.owner"));
	expect_fail(set(example("permanent.register"), "contract_ref",
	    "\"HĐ 1\""), CUTRU_EINVAL, "contract_ref");
	expect_fail(set(example("permanent.register"), "occupants", "3"),
	    CUTRU_EINVAL, "occupants");
	/* Rented: contract, area, occupants, and enough area. */
	expect_fail(set(example("permanent.register"), "basis", rented),
	    CUTRU_EINVAL, "contract_ref");
	expect_fail(set(set(example("permanent.register"), "basis", rented),
	    "contract_ref", "\"HĐ 1\""), CUTRU_EINVAL, "floor_area_m2");
	expect_fail(set(set(set(example("permanent.register"), "basis",
	    rented), "contract_ref", "\"HĐ 1\""), "floor_area_m2", "40"),
	    CUTRU_EINVAL, "occupants");
	expect_fail(set(set(set(set(example("permanent.register"), "basis",
	    rented), "contract_ref", "\"HĐ 1\""), "floor_area_m2", "40"),
	    "occupants", "2"), CUTRU_EINVAL, "occupants");
	expect_ok(set(set(set(set(example("permanent.register"), "basis",
	    rented), "contract_ref", "\"HĐ 1\""), "floor_area_m2", "40"),
	    "occupants", "5"));
	expect_fail(set(set(set(set(example("permanent.register"), "basis",
	    rented), "contract_ref", "\"HĐ 1\""), "floor_area_m2", "39"),
	    "occupants", "5"), CUTRU_ERANGE, "floor_area_m2");
	/* A province that asks for more. */
	procedure_rules_default(&r);
	r.min_floor_m2_per_person = 10;
	expect_fail_rules(set(set(set(set(example("permanent.register"),
	    "basis", rented), "contract_ref", "\"HĐ 1\""), "floor_area_m2",
	    "40"), "occupants", "5"), &r, CUTRU_ERANGE, "floor_area_m2");
	expect_fail(set(example("permanent.register"), "floor_area_m2", "0"),
	    CUTRU_EINVAL, "floor_area_m2");
	/* Nobody twice. */
	expect_fail(set(example("permanent.register"), "members",
	    "[{\"id_number\":\"001192004567\",\"name\":\"Trần Thị Bình\","
	    "\"dob\":\"1992-08-15\",\"sex\":\"female\",\"relationship\":"
	    "\"Con dâu\"},{\"id_number\":\"001192004567\",\"name\":"
	    "\"Trần Thị Bình\",\"dob\":\"1992\",\"sex\":\"female\","
	    "\"relationship\":\"Con\"}]"), CUTRU_EINVAL, "members[1]");
	expect_fail(set(set(set(set(example("permanent.register"),
	    "members[0].id_number", "\"001090012345\""), "members[0].sex",
	    "\"male\""), "members[0].dob", "\"1990-05-01\""),
	    "members[0].name", "\"Nguyễn Văn An\""), CUTRU_EINVAL, "members[0]");
}
END_TEST

START_TEST(minor_needs_guardian)
{
	const char *minor = "{\"id_number\":\"001210012345\",\"name\":"
	    "\"Nguyễn Văn Nhỏ\",\"dob\":\"2010-12-01\",\"sex\":\"male\"}";
	const char *guardian = "{\"name\":\"Nguyễn Văn An\",\"id_number\":"
	    "\"001090012345\",\"method\":\"signature\"}";

	expect_fail(set(example("permanent.register"), "applicant", minor),
	    CUTRU_EINVAL, "consents.guardian");
	expect_ok(set(set(example("permanent.register"), "applicant", minor),
	    "consents.guardian", guardian));
	/* Age counts on the day the dossier was received (2026-11-27):
	 * 18 that day exactly, and 18 only three days later. */
	expect_ok(set(set(set(example("permanent.register"), "applicant",
	    minor), "applicant.id_number", "\"001208012345\""),
	    "applicant.dob", "\"2008-11-27\""));
	expect_fail(set(set(set(example("permanent.register"), "applicant",
	    minor), "applicant.id_number", "\"001208012345\""),
	    "applicant.dob", "\"2008-11-30\""), CUTRU_EINVAL,
	    "consents.guardian");
	expect_fail(set(set(set(example("permanent.register"), "applicant",
	    minor), "applicant.id_number", "\"001208012345\""),
	    "applicant.dob", "\"2008-12-01\""), CUTRU_EINVAL,
	    "consents.guardian");
	/* Born in 2008, month unknown: cannot tell. */
	expect_fail(set(set(set(example("permanent.register"), "applicant",
	    minor), "applicant.id_number", "\"001208012345\""),
	    "applicant.dob", "\"2008\""), CUTRU_EINVAL, "applicant.dob");
	expect_fail(set(example("temporary.register"), "applicant", minor),
	    CUTRU_EINVAL, "consents.guardian");
}
END_TEST

START_TEST(deletion_grounds_permanent)
{
	const struct field_choice *g;
	cJSON *req;

	for (g = event_grounds_permanent; g->id != NULL; g++) {
		char ground[64];

		snprintf(ground, sizeof ground, "\"%s\"", g->id);
		req = set(example("permanent.delete"), "ground", ground);
		if (g->min_months > 0)
			set(req, "event_date", "\"2025-11-27\"");
		expect_ok(req);
		if (g->min_months > 0)
			expect_fail(set(set(example("permanent.delete"),
			    "ground", ground), "event_date", "\"2025-11-28\""),
			    CUTRU_ERANGE, "event_date");
		if (g->flags & FIELD_CHOICE_NEEDS_DOCUMENT)
			expect_fail(del(set(example("permanent.delete"),
			    "ground", ground), "document_ref"), CUTRU_EINVAL,
			    "document_ref");
	}
	expect_fail(set(example("permanent.delete"), "ground", "\"moved\""),
	    CUTRU_EINVAL, "ground");
	expect_fail(set(example("permanent.delete"), "ground",
	    "\"registered_permanent\""), CUTRU_EINVAL, "ground");
	expect_ok(del(set(example("permanent.delete"), "ground",
	    "\"emigrated\""), "document_ref"));
	expect_fail(set(example("permanent.delete"), "event_date",
	    "\"2026-11-28\""), CUTRU_EINVAL, "event_date");
	expect_fail(set(example("permanent.delete"), "event_date",
	    "\"2026-12-01\""), CUTRU_ERANGE, "event_date");
	/* The exceptions to the absence ground. */
	expect_fail(set(set(set(example("permanent.delete"), "ground",
	    "\"absent\""), "event_date", "\"2025-01-01\""),
	    "absence_exception", "\"prison\""), CUTRU_EINVAL, "ground");
	expect_fail(set(example("permanent.delete"), "absence_exception",
	    "\"abroad\""), CUTRU_EINVAL, "absence_exception");
	expect_fail(set(example("permanent.delete"), "absence_exception",
	    "\"hospital\""), CUTRU_EINVAL, "absence_exception");
}
END_TEST

START_TEST(deletion_grounds_temporary)
{
	const struct field_choice *g;
	cJSON *req;

	for (g = event_grounds_temporary; g->id != NULL; g++) {
		char ground[64];

		snprintf(ground, sizeof ground, "\"%s\"", g->id);
		req = set(set(example("temporary.delete"), "ground", ground),
		    "document_ref", "\"QĐ 9/2026\"");
		if (g->min_months > 0)
			set(req, "event_date", "\"2026-05-27\"");
		expect_ok(req);
		if (g->min_months > 0)
			expect_fail(set(set(example("temporary.delete"),
			    "ground", ground), "event_date", "\"2026-05-28\""),
			    CUTRU_ERANGE, "event_date");
		if (g->flags & FIELD_CHOICE_NEEDS_DOCUMENT)
			expect_fail(set(example("temporary.delete"), "ground",
			    ground), CUTRU_EINVAL, "document_ref");
	}
	expect_fail(set(example("temporary.delete"), "ground",
	    "\"emigrated\""), CUTRU_EINVAL, "ground");
	expect_fail(set(example("temporary.delete"), "ground", "\"\""),
	    CUTRU_EINVAL, "ground");
	/* The new owner lets the stay go on. */
	expect_fail(set(set(example("temporary.delete"), "ground",
	    "\"ownership_transferred\""), "new_owner_agrees", "true"),
	    CUTRU_EINVAL, "ground");
	expect_ok(set(set(example("temporary.delete"), "ground",
	    "\"ownership_transferred\""), "new_owner_agrees", "false"));
	expect_fail(set(example("temporary.delete"), "new_owner_agrees",
	    "false"), CUTRU_EINVAL, "new_owner_agrees");
	expect_fail(set(example("temporary.delete"), "absence_exception",
	    "\"prison\""), CUTRU_EINVAL, "absence_exception");
}
END_TEST

START_TEST(ex_officio_deletion)
{
	cJSON *evs;

	expect_ok(set(del(example("permanent.delete"), "applicant"),
	    "ex_officio", "true"));
	expect_fail(del(example("permanent.delete"), "applicant"),
	    CUTRU_EINVAL, "applicant");
	expect_fail(del(set(example("temporary.delete"), "ex_officio",
	    "false"), "applicant"), CUTRU_EINVAL, "applicant");
	expect_fail(set(example("permanent.delete"), "ex_officio", "true"),
	    CUTRU_EINVAL, "applicant");
	evs = events(set(del(example("temporary.delete"), "applicant"),
	    "ex_officio", "true"), NULL);
	ck_assert_str_eq(data_str(evs, 0, "kind"), "temporary");
	ck_assert_str_eq(data_str(evs, 0, "ground"), "rental_ended");
	ck_assert_str_eq(data_str(evs, 0, "date"), "2026-11-30");
	ck_assert_str_eq(data_str(evs, 0, "event_date"), "2026-11-15");
	cJSON_Delete(evs);
}
END_TEST

START_TEST(household_split_rules)
{
	const char *minor = "{\"id_number\":\"001210012345\",\"name\":"
	    "\"Nguyễn Văn Nhỏ\",\"dob\":\"2010-12-01\",\"sex\":\"male\"}";

	expect_fail(set(example("household.split"), "applicant", minor),
	    CUTRU_EINVAL, "applicant.dob");
	expect_fail(set(set(set(example("household.split"), "applicant",
	    minor), "applicant.id_number", "\"001208012345\""),
	    "applicant.dob", "\"2008\""), CUTRU_EINVAL, "applicant.dob");
	expect_fail(del(example("household.split"), "consents.head"),
	    CUTRU_EINVAL, "consents.head");
	expect_fail(del(example("household.split"), "consents.owner"),
	    CUTRU_EINVAL, "consents.owner");
	expect_ok(set(del(example("household.split"), "consents"),
	    "divorced_spouse", "true"));
	expect_fail(set(del(example("household.split"), "consents"),
	    "divorced_spouse", "false"), CUTRU_EINVAL, "consents.head");
	expect_fail(set(example("household.split"), "members[0].id_number",
	    "\"001090012345\""), CUTRU_ECONFLICT, "members[0].sex");
}
END_TEST

START_TEST(residence_adjust_rules)
{
	const char *head = "{\"name\":\"Trần Thị Bình\",\"id_number\":"
	    "\"001192004567\"}";

	expect_fail(del(example("residence.adjust"), "document_ref"),
	    CUTRU_EINVAL, "document_ref");
	expect_fail(del(example("residence.adjust"), "corrected"),
	    CUTRU_EINVAL, "corrected");
	expect_fail(del(example("residence.adjust"), "person"),
	    CUTRU_EINVAL, "person");
	expect_fail(set(example("residence.adjust"), "corrected", "{}"),
	    CUTRU_EINVAL, "corrected");
	expect_fail(set(example("residence.adjust"), "new_head", head),
	    CUTRU_EINVAL, "new_head");
	expect_ok(set(example("residence.adjust"), "corrected.sex",
	    "\"female\""));
	/* Corrected items are checked against each other. */
	expect_fail(set(set(example("residence.adjust"), "corrected.sex",
	    "\"female\""), "corrected.id_number", "\"001090012399\""),
	    CUTRU_ECONFLICT, "corrected.sex");
}
END_TEST

START_TEST(residence_adjust_head)
{
	const char *head = "{\"name\":\"Trần Thị Bình\",\"id_number\":"
	    "\"001192004567\"}";
	cJSON *base, *evs;

	base = del(del(del(set(example("residence.adjust"), "change",
	    "\"head\""), "person"), "corrected"), "document_ref");
	expect_fail(cJSON_Duplicate(base, 1), CUTRU_EINVAL, "new_head");
	expect_fail(set(set(cJSON_Duplicate(base, 1), "new_head", head),
	    "document_ref", "\"x\""), CUTRU_EINVAL, "document_ref");
	expect_fail(set(cJSON_Duplicate(base, 1), "new_head",
	    "{\"name\":\"Trần Thị Bình\"}"), CUTRU_EINVAL, "new_head.id_number");
	evs = events(set(base, "new_head", head), NULL);
	ck_assert_int_eq(cJSON_GetArraySize(evs), 1);
	ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(evs, 0),
	    "type")->valuestring, "household.head_changed");
	ck_assert_str_eq(data_str(evs, 0, "head"), "001192004567");
	ck_assert_str_eq(data_str(evs, 0, "household"), "HN-0000123");
	cJSON_Delete(evs);
}
END_TEST

START_TEST(temporary_register_rules)
{
	expect_fail(set(example("temporary.register"), "to", "\"2028-12-02\""),
	    CUTRU_ERANGE, "to");
	expect_ok(set(example("temporary.register"), "to", "\"2028-12-01\""));
	expect_fail(set(example("temporary.register"), "to", "\"2026-12-01\""),
	    CUTRU_EINVAL, "to");
	expect_fail(set(set(example("temporary.register"), "from",
	    "\"2026-10-01\""), "to", "\"2026-11-27\""), CUTRU_EINVAL, "to");
	expect_ok(set(set(example("temporary.register"), "from",
	    "\"2026-10-01\""), "to", "\"2026-11-28\""));
	expect_fail(set(example("temporary.register"),
	    "permanent_address.commune", "\"00070\""), CUTRU_EINVAL,
	    "address.commune");
	expect_fail(del(example("temporary.register"), "consents"),
	    CUTRU_EINVAL, "consents.owner");
	expect_fail(del(example("temporary.register"), "contract_ref"),
	    CUTRU_EINVAL, "contract_ref");
	expect_ok(del(del(set(example("temporary.register"), "basis",
	    "\"owned\""), "consents"), "contract_ref"));
	expect_ok(del(example("temporary.register"), "permanent_address"));
}
END_TEST

START_TEST(temporary_extend_rules)
{
	/* received 2026-11-27: 15 days before 2026-12-12 is the earliest. */
	expect_ok(set(set(example("temporary.extend"), "current_to",
	    "\"2026-12-12\""), "to", "\"2027-12-12\""));
	expect_fail(set(set(example("temporary.extend"), "current_to",
	    "\"2026-12-13\""), "to", "\"2027-12-13\""), CUTRU_EINVAL,
	    "received");
	expect_ok(set(set(example("temporary.extend"), "current_to",
	    "\"2026-11-27\""), "to", "\"2027-11-27\""));
	expect_fail(set(example("temporary.extend"), "current_to",
	    "\"2026-11-26\""), CUTRU_EINVAL, "current_to");
	expect_fail(set(example("temporary.extend"), "to", "\"2028-12-06\""),
	    CUTRU_ERANGE, "to");
	expect_fail(set(example("temporary.extend"), "to", "\"2026-12-05\""),
	    CUTRU_EINVAL, "to");
}
END_TEST

START_TEST(stay_notify_rules)
{
	expect_ok(set(example("stay.notify"), "to", "\"2026-12-26\""));
	expect_fail(set(example("stay.notify"), "to", "\"2026-12-27\""),
	    CUTRU_ERANGE, "to");
	expect_ok(set(example("stay.notify"), "to", "\"2026-11-27\""));
	expect_fail(set(example("stay.notify"), "to", "\"2026-11-26\""),
	    CUTRU_EINVAL, "to");
	expect_fail(set(example("stay.notify"), "guests[0].passport",
	    "\"B1234567\""), CUTRU_EINVAL, "guests[0]");
	expect_fail(del(example("stay.notify"), "guests[1].nationality"),
	    CUTRU_EINVAL, "guests[1]");
	expect_fail(set(example("stay.notify"), "guests", "[]"),
	    CUTRU_EINVAL, "guests");
}
END_TEST

START_TEST(absence_cases)
{
	static const struct {
		const char *id, *ok_to, *short_to;
	} c[] = {
		{ "accused_or_sentenced", "2026-12-02", "2026-12-01" },
		{ "administrative_measure", "2026-12-02", "2026-12-01" },
		{ "military_age", "2027-03-01", "2027-02-28" },
		{ "long_absence", "2027-12-01", "2027-11-30" },
	};
	struct procedure_rules r;
	char v[64], ok[32], sh[32];
	size_t i;

	for (i = 0; i < 4; i++) {
		snprintf(v, sizeof v, "\"%s\"", c[i].id);
		snprintf(ok, sizeof ok, "\"%s\"", c[i].ok_to);
		snprintf(sh, sizeof sh, "\"%s\"", c[i].short_to);
		expect_ok(set(set(example("absence.declare"), "case", v), "to",
		    ok));
		expect_fail(set(set(example("absence.declare"), "case", v),
		    "to", sh), CUTRU_EINVAL, "to");
	}
	expect_fail(set(example("absence.declare"), "case", "\"travel\""),
	    CUTRU_EINVAL, "case");
	/* Case (c) is configurable. */
	procedure_rules_default(&r);
	r.military_absence_months = 6;
	expect_fail_rules(set(set(example("absence.declare"), "case",
	    "\"military_age\""), "to", "\"2027-03-01\""), &r, CUTRU_EINVAL,
	    "to");
	expect_ok_rules(set(set(example("absence.declare"), "case",
	    "\"military_age\""), "to", "\"2027-06-01\""), &r);
}
END_TEST

START_TEST(an_absence_too_short_names_its_least_end_day_first)
{
	struct procedure_rules r;
	struct cutru_err e;
	cJSON *req;

	/* Officers read dates as DD/MM/YYYY, the way the forms write them. */
	procedure_rules_default(&r);
	r.military_absence_months = 6;
	req = set(set(example("absence.declare"), "case",
	    "\"military_age\""), "to", "\"2027-03-01\"");
	ck_assert_int_eq(procedure_validate_rules(req, &TODAY, &r, &e),
	    CUTRU_EINVAL);
	ck_assert_msg(strstr(e.msg, "until 01/06/2027 at least") != NULL,
	    "message: %s", e.msg);
	cJSON_Delete(req);
}
END_TEST

START_TEST(nobody_twice_in_any_procedure)
{
	const struct procedure *p;
	cJSON *req, *m;

	for (p = procedures; p->id != NULL; p++) {
		if (field_find(p->fields, "members") == NULL)
			continue;
		req = example(p->id);
		m = cJSON_Duplicate(cJSON_GetObjectItem(req, "applicant"), 1);
		cJSON_DeleteItemFromObject(m, "phone");
		cJSON_DeleteItemFromObject(m, "email");
		cJSON_AddStringToObject(m, "relationship", "Con");
		cJSON_DeleteItemFromObject(req, "members");
		cJSON_AddItemToObject(req, "members", cJSON_CreateArray());
		cJSON_AddItemToArray(cJSON_GetObjectItem(req, "members"), m);
		expect_fail(req, CUTRU_EINVAL, "members[0]");
	}
}
END_TEST

START_TEST(shared_rules_need_full_dates)
{
	struct cutru_date year = { 2026, 0, 0, CUTRU_DATE_YEAR };
	struct cutru_err e;

	ck_assert_int_eq(event_check_term(&year, &TODAY, "to", &e),
	    CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "to");
	ck_assert_int_eq(event_check_stay(&TODAY, &year, "to", &e),
	    CUTRU_EINVAL);
	/* An absence that would end beyond the supported dates. */
	expect_fail(set(set(set(example("absence.declare"), "received",
	    "\"2026-11-27\""), "from", "\"2200-06-01\""), "to",
	    "\"2200-12-31\""), CUTRU_ERANGE, "from");
}
END_TEST

/* ---- deadlines ---- */

START_TEST(deadlines)
{
	struct cutru_err e;
	struct holiday_due due;
	int hd;
	cJSON *req;

	req = example("residence.declare");
	ck_assert_int_eq(procedure_deadline(req, &hd, &e), CUTRU_OK);
	ck_assert_int_eq(hd, 10);
	set(req, "in_national_db", "false");
	ck_assert_int_eq(procedure_deadline(req, &hd, &e), CUTRU_OK);
	ck_assert_int_eq(hd, 60);
	cJSON_Delete(req);
	req = example("residence.confirm");
	ck_assert_int_eq(procedure_deadline(req, &hd, &e), CUTRU_OK);
	ck_assert_int_eq(hd, 1);
	set(req, "in_national_db", "false");
	ck_assert_int_eq(procedure_deadline(req, &hd, &e), CUTRU_OK);
	ck_assert_int_eq(hd, 6);
	cJSON_Delete(req);
	req = example("absence.declare");
	ck_assert_int_eq(procedure_deadline(req, &hd, &e), CUTRU_OK);
	ck_assert_int_eq(hd, 2);
	set(req, "complex", "true");
	ck_assert_int_eq(procedure_deadline(req, &hd, &e), CUTRU_OK);
	ck_assert_int_eq(hd, 4);
	cJSON_Delete(req);
	/* Received Monday 2026-02-02 in the morning, 3 days: Thursday
	 * morning (core/holiday.h). */
	req = set(example("temporary.register"), "received", "\"2026-02-02\"");
	ck_assert_int_eq(procedure_due_date(req, NULL, HOLIDAY_MORNING, &due,
	    &e), CUTRU_OK);
	ck_assert_int_eq(due.date.year, 2026);
	ck_assert_int_eq(due.date.month, 2);
	ck_assert_int_eq(due.date.day, 5);
	ck_assert_int_eq(due.session, HOLIDAY_MORNING);
	set(req, "received", "\"23/11/2026\"");
	ck_assert_int_eq(procedure_due_date(req, NULL, HOLIDAY_MORNING, &due,
	    &e), CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "received");
	set(req, "procedure", "\"x\"");
	ck_assert_int_eq(procedure_due_date(req, NULL, HOLIDAY_MORNING, &due,
	    &e), CUTRU_EINVAL);
	ck_assert_int_eq(procedure_deadline(req, &hd, &e), CUTRU_EINVAL);
	ck_assert_int_eq(hd, 0);
	cJSON_Delete(req);
	/* A stay notice is due at once. */
	req = example("stay.notify");
	ck_assert_int_eq(procedure_due_date(req, NULL, HOLIDAY_AFTERNOON,
	    &due, &e), CUTRU_OK);
	ck_assert_int_eq(due.date.day, 27);
	cJSON_Delete(req);
}
END_TEST

/* ---- events ---- */

START_TEST(events_of_permanent_register)
{
	char buf[512];
	cJSON *evs;
	struct procedure_ctx ctx = { &TODAY, NULL, NULL };
	struct cutru_err e;
	cJSON *req, *out = (cJSON *)NULL;

	evs = events(example("permanent.register"), NULL);
	ck_assert_str_eq(types(evs, buf, sizeof buf),
	    "person.upserted person.upserted person.upserted "
	    "household.member_added household.member_added "
	    "household.member_added residence.opened residence.opened "
	    "residence.opened");
	ck_assert_str_eq(data_str(evs, 3, "relationship"), "Con");
	ck_assert_str_eq(data_str(evs, 4, "relationship"), "Con dâu");
	ck_assert_str_eq(data_str(evs, 3, "household"), "HN-0000123");
	ck_assert_str_eq(data_str(evs, 6, "from"), "2026-11-30");
	ck_assert_str_eq(data_str(evs, 6, "kind"), "permanent");
	ck_assert_str_eq(data_str(evs, 0, "phone"), "0912345678");
	cJSON_Delete(evs);
	/* A new household needs its number from the store. */
	req = del(del(del(set(example("permanent.register"), "household_mode",
	    "\"new\""), "household"), "relationship"), "consents.head");
	ck_assert_int_eq(procedure_events(req, &ctx, &out, &e), CUTRU_EINVAL);
	ck_assert_ptr_null(out);
	ck_assert_str_eq(e.field, "household");
	evs = events(req, "HN-0000999");
	ck_assert_str_eq(types(evs, buf, sizeof buf),
	    "person.upserted person.upserted person.upserted "
	    "household.created household.member_added "
	    "household.member_added residence.opened residence.opened "
	    "residence.opened");
	ck_assert_str_eq(data_str(evs, 3, "head"), "001090012345");
	ck_assert_str_eq(data_str(evs, 3, "household"), "HN-0000999");
	cJSON_Delete(evs);
}
END_TEST

START_TEST(events_are_in_stored_form)
{
	cJSON *req, *evs, *d;

	req = set(set(example("residence.declare"), "applicant.name",
	    "\" \\u0110a\\u0306\\u0323ng  Va\\u0306n Hu\\u0300ng \""),
	    "address.detail", "\"  Nhà tạm   cạnh chợ \"");
	evs = events(req, NULL);
	d = cJSON_GetObjectItem(cJSON_GetArrayItem(evs, 0), "data");
	ck_assert_str_eq(cJSON_GetObjectItem(d, "name")->valuestring,
	    "Đặng Văn Hùng");
	ck_assert_str_eq(cJSON_GetObjectItem(d, "dob")->valuestring, "1985");
	d = cJSON_GetObjectItem(cJSON_GetArrayItem(evs, 1), "data");
	ck_assert_str_eq(cJSON_GetObjectItem(d, "kind")->valuestring,
	    "current");
	ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(d,
	    "address"), "detail")->valuestring, "Nhà tạm cạnh chợ");
	cJSON_Delete(evs);
}
END_TEST

START_TEST(events_of_each_procedure)
{
	static cJSON sentinel;
	struct procedure_rules r;
	struct procedure_ctx ctx = { &TODAY, "HN-0000123", NULL };
	struct cutru_err e;
	char buf[512];
	cJSON *evs, *req;

	evs = events(example("permanent.delete"), NULL);
	ck_assert_str_eq(types(evs, buf, sizeof buf), "residence.closed");
	ck_assert_str_eq(data_str(evs, 0, "person"), "001040001111");
	ck_assert_str_eq(data_str(evs, 0, "document_ref"),
	    "Trích lục khai tử số 123/TLKT-BS");
	cJSON_Delete(evs);

	evs = events(example("household.split"), "HN-0000124");
	ck_assert_str_eq(types(evs, buf, sizeof buf),
	    "person.upserted person.upserted household.member_removed "
	    "household.member_removed household.created "
	    "household.member_added");
	ck_assert_str_eq(data_str(evs, 2, "household"), "HN-0000123");
	ck_assert_str_eq(data_str(evs, 5, "household"), "HN-0000124");
	ck_assert_str_eq(data_str(evs, 5, "relationship"), "Vợ");
	cJSON_Delete(evs);
	/* The new household cannot have the old number. */
	req = example("household.split");
	ck_assert_int_eq(procedure_events(req, &ctx, &evs, &e), CUTRU_EINVAL);
	ctx.new_household = NULL;
	ck_assert_int_eq(procedure_events(req, &ctx, &evs, &e), CUTRU_EINVAL);
	cJSON_Delete(req);

	evs = events(example("residence.adjust"), NULL);
	ck_assert_str_eq(types(evs, buf, sizeof buf), "identity.corrected");
	ck_assert_str_eq(data_str(evs, 0, "name"), "Nguyễn Văn Ân");
	ck_assert_str_eq(data_str(evs, 0, "person"), "001090012345");
	cJSON_Delete(evs);

	evs = events(example("temporary.register"), NULL);
	ck_assert_str_eq(types(evs, buf, sizeof buf),
	    "person.upserted residence.opened");
	ck_assert_str_eq(data_str(evs, 1, "from"), "2026-12-01");
	ck_assert_str_eq(data_str(evs, 1, "to"), "2027-11-30");
	cJSON_Delete(evs);

	evs = events(example("temporary.extend"), NULL);
	ck_assert_str_eq(types(evs, buf, sizeof buf), "residence.extended");
	ck_assert_str_eq(data_str(evs, 0, "to"), "2028-12-05");
	cJSON_Delete(evs);

	evs = events(example("stay.notify"), NULL);
	ck_assert_str_eq(types(evs, buf, sizeof buf), "stay.recorded");
	ck_assert_str_eq(data_str(evs, 0, "host"), "001075009876");
	cJSON_Delete(evs);

	evs = events(example("absence.declare"), NULL);
	ck_assert_str_eq(types(evs, buf, sizeof buf), "absence.recorded");
	ck_assert_str_eq(data_str(evs, 0, "case"), "long_absence");
	cJSON_Delete(evs);

	evs = events(example("residence.confirm"), NULL);
	ck_assert_str_eq(types(evs, buf, sizeof buf), "confirmation.issued");
	ck_assert_str_eq(data_str(evs, 0, "valid_until"), "2026-12-30");
	ck_assert_str_eq(data_str(evs, 0, "requester"), "001090012345");
	cJSON_Delete(evs);
	/* Another person's confirmation, valid for a year by a later rule. */
	procedure_rules_default(&r);
	r.confirmation_valid_days = 365;
	ctx.rules = &r;
	req = set(example("residence.confirm"), "person",
	    "{\"id_number\":\"001192004567\",\"name\":\"Trần Thị Bình\","
	    "\"dob\":\"1992-08-15\",\"sex\":\"female\"}");
	ck_assert_int_eq(procedure_events(req, &ctx, &evs, &e), CUTRU_OK);
	ck_assert_str_eq(data_str(evs, 0, "valid_until"), "2027-11-30");
	ck_assert_str_eq(data_str(evs, 0, "person"), "001192004567");
	cJSON_Delete(evs);
	/* A refused request gives no events. */
	set(req, "in_national_db", "\"yes\"");
	evs = &sentinel;
	ck_assert_int_eq(procedure_events(req, &ctx, &evs, &e), CUTRU_EINVAL);
	ck_assert_ptr_null(evs);
	ck_assert_int_eq(procedure_events(req, NULL, &evs, &e), CUTRU_EINVAL);
	cJSON_Delete(req);
}
END_TEST

/* ---- the event validator ---- */

static void
event_ok(const char *json)
{
	struct cutru_err e;
	cJSON *ev = parse(json);

	ck_assert_msg(event_validate(ev, &e) == CUTRU_OK, "[%s] %s: %s",
	    e.field, e.msg, json);
	cJSON_Delete(ev);
}

static void
event_bad(const char *json, int rc, const char *field)
{
	struct cutru_err e;
	cJSON *ev = parse(json);
	int got = event_validate(ev, &e);

	ck_assert_msg(got == rc, "expected %d, got %d [%s] %s: %s", rc, got,
	    e.field, e.msg, json);
	ck_assert_str_eq(e.field, field);
	cJSON_Delete(ev);
}

#define ADDR "\"address\":{\"commune\":\"00070\",\"detail\":\"Số 1\"}"

START_TEST(event_validator)
{
	struct cutru_err e;
	cJSON *list, *ev;

	event_ok("{\"type\":\"household.member_removed\",\"data\":"
	    "{\"household\":\"H1\",\"person\":\"001090012345\"}}");
	event_bad("{\"type\":\"household.member_removed\",\"data\":"
	    "{\"household\":\"H1\",\"person\":\"001090012345\"},\"x\":1}",
	    CUTRU_EINVAL, "x");
	event_bad("{\"type\":\"household.moved\",\"data\":{}}", CUTRU_EINVAL,
	    "type");
	event_bad("{\"type\":1,\"data\":{}}", CUTRU_EINVAL, "type");
	event_bad("{\"type\":\"household.head_changed\"}", CUTRU_EINVAL,
	    "data");
	event_bad("{\"type\":\"household.head_changed\",\"data\":"
	    "{\"household\":\"H1\",\"head\":\"001090012345\",\"by\":\"x\"}}",
	    CUTRU_EINVAL, "data.by");
	event_bad("[]", CUTRU_EINVAL, "");
	/* Stored form only. */
	event_bad("{\"type\":\"person.upserted\",\"data\":{\"id_number\":"
	    "\"001090012345\",\"name\":\"Nguyễn  Văn An\",\"dob\":\"1990\","
	    "\"sex\":\"male\"}}", CUTRU_EINVAL, "data.name");
	/* NFD (built directly: the parser would have normalised it). */
	ev = parse("{\"type\":\"person.upserted\",\"data\":{\"id_number\":"
	    "\"001090012345\",\"name\":\"An\",\"dob\":\"1990\",\"sex\":"
	    "\"male\"}}");
	ck_assert_int_eq(event_validate(ev, &e), CUTRU_OK);
	cJSON_ReplaceItemInObject(cJSON_GetObjectItem(ev, "data"), "name",
	    cJSON_CreateString("Nguye\xCC\x82\xCC\x83n Va\xCC\x86n An"));
	ck_assert_int_eq(event_validate(ev, &e), CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "data.name");
	cJSON_Delete(ev);
	event_bad("{\"type\":\"person.upserted\",\"data\":{\"id_number\":"
	    "\"001090012345\",\"name\":\"Nguyễn Văn An\",\"dob\":\"1990\","
	    "\"sex\":\"female\"}}", CUTRU_ECONFLICT, "data.sex");
	event_bad("{\"type\":\"household.created\",\"data\":{\"household\":"
	    "\"H1\",\"head\":\"001090012345\",\"address\":{\"commune\":"
	    "\"00070\",\"detail\":\" Số 1\"}}}", CUTRU_EINVAL,
	    "data.address.detail");
	/* Residence kinds and terms. */
	event_ok("{\"type\":\"residence.opened\",\"data\":{\"person\":"
	    "\"001090012345\",\"kind\":\"temporary\"," ADDR ",\"from\":"
	    "\"2026-01-01\",\"to\":\"2028-01-01\"}}");
	event_bad("{\"type\":\"residence.opened\",\"data\":{\"person\":"
	    "\"001090012345\",\"kind\":\"temporary\"," ADDR ",\"from\":"
	    "\"2026-01-01\",\"to\":\"2028-01-02\"}}", CUTRU_ERANGE,
	    "data.to");
	event_bad("{\"type\":\"residence.opened\",\"data\":{\"person\":"
	    "\"001090012345\",\"kind\":\"temporary\"," ADDR ",\"from\":"
	    "\"2026-01-01\"}}", CUTRU_EINVAL, "data.to");
	event_bad("{\"type\":\"residence.opened\",\"data\":{\"person\":"
	    "\"001090012345\",\"kind\":\"permanent\"," ADDR ",\"from\":"
	    "\"2026-01-01\",\"to\":\"2027-01-01\"}}", CUTRU_EINVAL, "data.to");
	event_bad("{\"type\":\"residence.extended\",\"data\":{\"person\":"
	    "\"001090012345\",\"kind\":\"permanent\",\"to\":\"2027-01-01\"}}",
	    CUTRU_EINVAL, "data.kind");
	/* Grounds by kind. */
	event_ok("{\"type\":\"residence.closed\",\"data\":{\"person\":"
	    "\"001090012345\",\"kind\":\"temporary\",\"ground\":"
	    "\"registered_permanent\",\"date\":\"2026-02-01\",\"event_date\":"
	    "\"2026-01-01\"}}");
	event_bad("{\"type\":\"residence.closed\",\"data\":{\"person\":"
	    "\"001090012345\",\"kind\":\"permanent\",\"ground\":"
	    "\"registered_permanent\",\"date\":\"2026-02-01\",\"event_date\":"
	    "\"2026-01-01\"}}", CUTRU_EINVAL, "data.ground");
	event_bad("{\"type\":\"residence.closed\",\"data\":{\"person\":"
	    "\"001090012345\",\"kind\":\"permanent\",\"ground\":"
	    "\"emigrated\",\"date\":\"2026-02-01\",\"event_date\":"
	    "\"2026-03-01\"}}", CUTRU_EINVAL, "data.event_date");
	event_bad("{\"type\":\"residence.closed\",\"data\":{\"person\":"
	    "\"001090012345\",\"kind\":\"current\",\"ground\":"
	    "\"emigrated\",\"date\":\"2026-02-01\",\"event_date\":"
	    "\"2026-01-01\"}}", CUTRU_EINVAL, "data.kind");
	/* Stays. */
	event_bad("{\"type\":\"stay.recorded\",\"data\":{\"host\":"
	    "\"001090012345\"," ADDR ",\"from\":\"2026-01-01\",\"to\":"
	    "\"2026-01-31\",\"guests\":[{\"id_number\":\"001192004567\","
	    "\"name\":\"Trần Thị Bình\",\"dob\":\"1992\",\"sex\":\"female\"}]}}",
	    CUTRU_ERANGE, "data.to");
	event_bad("{\"type\":\"stay.recorded\",\"data\":{\"host\":"
	    "\"001090012345\"," ADDR ",\"from\":\"2026-01-01\",\"to\":"
	    "\"2026-01-03\",\"guests\":[{\"name\":\"Trần Thị Bình\",\"dob\":"
	    "\"1992\",\"sex\":\"female\"}]}}", CUTRU_EINVAL, "data.guests[0]");
	/* Absences, confirmations, corrections. */
	event_bad("{\"type\":\"absence.recorded\",\"data\":{\"person\":"
	    "\"001090012345\",\"case\":\"long_absence\",\"from\":\"2026-01-01\","
	    "\"to\":\"2026-01-01\",\"destination\":\"Huế\",\"reason\":\"Học\"}}",
	    CUTRU_EINVAL, "data.to");
	event_bad("{\"type\":\"confirmation.issued\",\"data\":{\"person\":"
	    "\"001090012345\",\"requester\":\"001090012345\",\"issued\":"
	    "\"2026-01-02\",\"valid_until\":\"2026-01-01\"}}", CUTRU_EINVAL,
	    "data.valid_until");
	event_bad("{\"type\":\"identity.corrected\",\"data\":{\"person\":"
	    "\"001090012345\",\"document_ref\":\"QĐ 1\"}}", CUTRU_EINVAL,
	    "data");
	event_ok("{\"type\":\"identity.corrected\",\"data\":{\"person\":"
	    "\"001090012345\",\"sex\":\"female\",\"document_ref\":\"QĐ 1\"}}");
	/* Lists carry the index in the path; fractions are refused. */
	list = parse("[{\"type\":\"household.head_changed\",\"data\":"
	    "{\"household\":\"H1\",\"head\":\"001090012345\"}},"
	    "{\"type\":\"household.head_changed\",\"data\":"
	    "{\"household\":\"H1\",\"head\":\"00109001234\"}}]");
	ck_assert_int_eq(event_validate_list(list, &e), CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "[1].data.head");
	ev = cJSON_GetObjectItem(cJSON_GetArrayItem(list, 1), "data");
	cJSON_ReplaceItemInObject(ev, "head", cJSON_CreateNumber(0.5));
	ck_assert_int_eq(event_validate_list(list, &e), CUTRU_EINVAL);
	ck_assert_str_eq(e.field, "[1].data.head");
	cJSON_Delete(list);
	ck_assert_int_eq(event_validate_list(NULL, &e), CUTRU_EINVAL);
	list = parse("[]");
	ck_assert_int_eq(event_validate_list(list, &e), CUTRU_OK);
	cJSON_Delete(list);
	ck_assert_ptr_null(event_new("x", NULL));
	ck_assert_ptr_null(event_type_find(NULL));
	ck_assert_ptr_nonnull(event_type_find("stay.recorded"));
}
END_TEST

START_TEST(field_helpers)
{
	struct cutru_date d;
	cJSON *o = parse("{\"s\":\"x\",\"b\":true,\"n\":5,\"d\":\"1990-13\","
	    "\"m\":\"male\",\"f\":\"female\",\"neg\":-1}");
	cJSON *v;

	ck_assert_ptr_null(field_get_string(o, "b"));
	ck_assert_ptr_null(field_get_string(NULL, "s"));
	ck_assert_int_eq(field_get_bool(o, "b", 0), 1);
	ck_assert_int_eq(field_get_bool(o, "s", 7), 7);
	ck_assert_int_eq(field_get_count(o, "n"), 5);
	ck_assert_int_eq(field_get_count(o, "neg"), 0);
	ck_assert_int_eq(field_get_count(o, "s"), 0);
	ck_assert_int_eq(field_get_date(o, "d", &d), CUTRU_EINVAL);
	ck_assert_int_eq(field_get_date(o, "zz", &d), CUTRU_ENOTFOUND);
	ck_assert_int_eq(field_get_sex(o, "m"), CUTRU_SEX_MALE);
	ck_assert_int_eq(field_get_sex(o, "f"), CUTRU_SEX_FEMALE);
	ck_assert_int_eq(field_get_sex(o, "s"), CUTRU_SEX_UNKNOWN);
	ck_assert_ptr_null(field_stored_name("R2D2"));
	ck_assert_ptr_null(field_stored_name(NULL));
	ck_assert_ptr_null(field_stored_text("a\x01"));
	v = field_stored_text(" a  b ");
	ck_assert_str_eq(v->valuestring, "a b");
	cJSON_Delete(v);
	cJSON_Delete(o);
}
END_TEST

START_TEST(field_checks_direct)
{
	static const struct field_choice none[] = {
		{ NULL, NULL, NULL, NULL, 0, 0, 0 }
	};
	static const struct field fields[] = {
		{ "t", "Time", FIELD_TIME, 0, NULL, NULL, 0 },
		{ "c", "Count", FIELD_COUNT, 0, NULL, NULL, 3 },
		{ "x", "Broken", (enum field_type)99, 0, NULL, NULL, 0 },
		{ "e", "Enum", FIELD_ENUM, 0, none, NULL, 0 },
		{ NULL, NULL, 0, 0, NULL, NULL, 0 }
	};
	static const struct {
		const char *json;
		int rc;
	} cases[] = {
		{ "{\"t\":\"23:59\"}", CUTRU_OK },
		{ "{\"t\":\"00:00\"}", CUTRU_OK },
		{ "{\"t\":\"24:00\"}", CUTRU_EINVAL },
		{ "{\"t\":\"12:60\"}", CUTRU_EINVAL },
		{ "{\"t\":\"1:30\"}", CUTRU_EINVAL },
		{ "{\"c\":3}", CUTRU_OK },
		{ "{\"c\":4}", CUTRU_EINVAL },
		{ "{\"c\":\"3\"}", CUTRU_EINVAL },
		{ "{\"x\":\"y\"}", CUTRU_EINTERNAL },
		{ "{\"e\":\"y\"}", CUTRU_EINVAL },
		{ "{\"t\":5}", CUTRU_EINVAL },
	};
	struct cutru_err e;
	size_t i;
	cJSON *o;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		o = parse(cases[i].json);
		ck_assert_msg(field_check_object(fields, o, NULL, NULL, &e) ==
		    cases[i].rc, "%s: %s", cases[i].json, e.msg);
		cJSON_Delete(o);
	}
	ck_assert_int_eq(field_check(&fields[0], NULL, NULL, NULL, &e),
	    CUTRU_EINVAL);
}
END_TEST

Suite *
test_suite(void)
{
	Suite *s = suite_create("procedure");
	TCase *tc = tcase_create("procedure");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, table_matches_design);
	tcase_add_test(tc, closed_lists);
	tcase_add_test(tc, every_example_is_valid);
	tcase_add_test(tc, required_fields_per_procedure);
	tcase_add_test(tc, structure_refusals);
	tcase_add_test(tc, person_values);
	tcase_add_test(tc, date_values);
	tcase_add_test(tc, other_values);
	tcase_add_test(tc, table_rows_capped);
	tcase_add_test(tc, permanent_register_rules);
	tcase_add_test(tc, minor_needs_guardian);
	tcase_add_test(tc, deletion_grounds_permanent);
	tcase_add_test(tc, deletion_grounds_temporary);
	tcase_add_test(tc, ex_officio_deletion);
	tcase_add_test(tc, household_split_rules);
	tcase_add_test(tc, residence_adjust_rules);
	tcase_add_test(tc, residence_adjust_head);
	tcase_add_test(tc, temporary_register_rules);
	tcase_add_test(tc, temporary_extend_rules);
	tcase_add_test(tc, stay_notify_rules);
	tcase_add_test(tc, absence_cases);
	tcase_add_test(tc, an_absence_too_short_names_its_least_end_day_first);
	tcase_add_test(tc, nobody_twice_in_any_procedure);
	tcase_add_test(tc, shared_rules_need_full_dates);
	tcase_add_test(tc, deadlines);
	tcase_add_test(tc, events_of_permanent_register);
	tcase_add_test(tc, events_are_in_stored_form);
	tcase_add_test(tc, events_of_each_procedure);
	tcase_add_test(tc, event_validator);
	tcase_add_test(tc, field_helpers);
	tcase_add_test(tc, field_checks_direct);
	suite_add_tcase(s, tc);
	return s;
}
