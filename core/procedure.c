/* The procedures as data (the tables below), their rules, and the events an
 * approved request produces.  The request format is documented in
 * procedure.h; the event vocabulary in event.h.
 *
 * Each procedure has three parts: its row in procedures[] (what a form or a
 * man page needs), its request schema (checked by core/field.c), and two
 * functions in impls[], at the same index: the rules between fields that a
 * schema cannot say, and the builder of its events.  A rule that events
 * must keep as well (the temporary term, the length of a stay, the guests'
 * identity) lives in core/event.c and is called from both sides. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/canon.h"
#include "core/date.h"
#include "core/event.h"
#include "core/i18n.h"
#include "core/procedure.h"

#define CHOICE_END { NULL, NULL, NULL, NULL, 0, 0, 0 }
#define FIELD_END { NULL, NULL, 0, 0, NULL, NULL, 0 }

/* The age of majority and full legal capacity (Bộ luật Dân sự 2015). */
#define ADULT_YEARS 18
/* An extension is filed within this many days before the term ends. */
#define EXTEND_WINDOW_DAYS 15

static const struct field_choice procedure_ids[] = {
	{ "permanent.register", N_("Permanent registration"),
	  "Đăng ký thường trú", NULL, 0, 0, 0 },
	{ "permanent.delete", N_("Deletion of permanent residence"),
	  "Xóa đăng ký thường trú", NULL, 0, 0, 0 },
	{ "household.split", N_("Household split"), "Tách hộ", NULL, 0, 0, 0 },
	{ "residence.adjust", N_("Adjustment of residence information"),
	  "Điều chỉnh thông tin về cư trú", NULL, 0, 0, 0 },
	{ "temporary.register", N_("Temporary registration"),
	  "Đăng ký tạm trú", NULL, 0, 0, 0 },
	{ "temporary.extend", N_("Extension of temporary residence"),
	  "Gia hạn tạm trú", NULL, 0, 0, 0 },
	{ "temporary.delete", N_("Deletion of temporary residence"),
	  "Xóa đăng ký tạm trú", NULL, 0, 0, 0 },
	{ "residence.declare", N_("Declaration of residence information"),
	  "Khai báo thông tin về cư trú", NULL, 0, 0, 0 },
	{ "stay.notify", N_("Notice of stay"), "Thông báo lưu trú", NULL,
	  0, 0, 0 },
	{ "absence.declare", N_("Declaration of absence"), "Khai báo tạm vắng",
	  NULL, 0, 0, 0 },
	{ "residence.confirm", N_("Confirmation of residence information"),
	  "Xác nhận thông tin về cư trú", NULL, 0, 0, 0 },
	CHOICE_END
};

static const struct field_choice sexes[] = {
	{ "male", N_("Male"), "Nam", NULL, 0, 0, 0 },
	{ "female", N_("Female"), "Nữ", NULL, 0, 0, 0 },
	CHOICE_END
};

static const struct field_choice household_modes[] = {
	{ "new", N_("Start a new household"), "Lập hộ mới", NULL, 0, 0, 0 },
	{ "join", N_("Join an existing household"), "Nhập vào hộ đã có",
	  NULL, 0, 0, 0 },
	CHOICE_END
};

/* The legal basis of the residence (Luật Cư trú 2020, Điều 20). */
static const struct field_choice bases[] = {
	{ "owned", N_("Owned by the applicant"), "Chỗ ở hợp pháp thuộc quyền "
	  "sở hữu của mình", NULL, 0, 0, 0 },
	{ "relative", N_("A relative's home, with consent"), "Về ở với người "
	  "thân, được chủ hộ và chủ sở hữu đồng ý", NULL, 0, 0, 0 },
	{ "rented", N_("Rented"), "Thuê", NULL, 0, 0, 0 },
	{ "borrowed", N_("Borrowed or staying with someone"), "Mượn, ở nhờ",
	  NULL, 0, 0, 0 },
	{ "religious", N_("Religious establishment"), "Cơ sở tín ngưỡng, cơ sở "
	  "tôn giáo", NULL, 0, 0, 0 },
	{ "care_facility", N_("Social care facility"), "Cơ sở trợ giúp xã hội",
	  NULL, 0, 0, 0 },
	{ "vessel", N_("Boat or other vessel"), "Phương tiện", NULL, 0, 0, 0 },
	CHOICE_END
};

static const struct field_choice consent_methods[] = {
	{ "signature", N_("Signed on the form"), "Ký trên tờ khai", NULL,
	  0, 0, 0 },
	{ "vneid", N_("Confirmed in VNeID"), "Xác nhận qua VNeID", NULL,
	  0, 0, 0 },
	{ "letter", N_("Separate written consent"), "Văn bản đồng ý riêng",
	  NULL, 0, 0, 0 },
	CHOICE_END
};

static const struct field_choice changes[] = {
	{ "head", N_("Change of head of household"), "Thay đổi chủ hộ", NULL,
	  0, 0, 0 },
	{ "identity", N_("Change of civil-status data"), "Thay đổi thông tin "
	  "hộ tịch", NULL, 0, 0, 0 },
	CHOICE_END
};

/* Luật Cư trú 2020, Điều 24 khoản 1: an absence in these situations is not
 * a ground for deletion. */
static const struct field_choice absence_exceptions[] = {
	{ "abroad", N_("Abroad, but not to settle"), "Xuất cảnh ra nước ngoài "
	  "nhưng không phải để định cư", NULL, 0, 0, 0 },
	{ "prison", N_("Serving a prison sentence"), "Đang chấp hành án phạt "
	  "tù", NULL, 0, 0, 0 },
	{ "compulsory_facility", N_("In a compulsory education or "
	  "rehabilitation facility or a reform school"), "Đang ở cơ sở giáo "
	  "dục bắt buộc, cơ sở cai nghiện bắt buộc, trường giáo dưỡng", NULL,
	  0, 0, 0 },
	CHOICE_END
};

const char *const procedure_relationships[] = {
	"Chủ hộ", "Vợ", "Chồng", "Con", "Cha", "Mẹ", "Anh ruột", "Chị ruột",
	"Em ruột", "Cháu ruột", "Ông nội", "Bà nội", "Ông ngoại", "Bà ngoại",
	"Bác ruột", "Chú ruột", "Cậu ruột", "Cô ruột", "Dì ruột", "Cụ nội",
	"Cụ ngoại", "Người giám hộ", "Khác", NULL
};

const struct field procedure_common_fields[] = {
	{ "procedure", N_("Procedure"), FIELD_ENUM, FIELD_REQUIRED,
	  procedure_ids, NULL, 0 },
	{ "received", N_("Date received"), FIELD_DATE,
	  FIELD_REQUIRED | FIELD_NOT_FUTURE, NULL, NULL, 0 },
	FIELD_END
};

static const struct field person_fields[] = {
	{ "id_number", N_("ID number"), FIELD_ID_NUMBER, FIELD_REQUIRED,
	  NULL, NULL, 0 },
	{ "name", N_("Full name"), FIELD_NAME, FIELD_REQUIRED, NULL, NULL, 0 },
	{ "dob", N_("Date of birth"), FIELD_PARTIAL_DATE,
	  FIELD_REQUIRED | FIELD_NOT_FUTURE, NULL, NULL, 0 },
	{ "sex", N_("Sex"), FIELD_SEX, FIELD_REQUIRED, sexes, NULL, 0 },
	{ "phone", N_("Phone"), FIELD_PHONE, 0, NULL, NULL, 0 },
	{ "email", N_("E-mail"), FIELD_EMAIL, 0, NULL, NULL, 0 },
	FIELD_END
};

static const struct field member_fields[] = {
	{ "id_number", N_("ID number"), FIELD_ID_NUMBER, FIELD_REQUIRED,
	  NULL, NULL, 0 },
	{ "name", N_("Full name"), FIELD_NAME, FIELD_REQUIRED, NULL, NULL, 0 },
	{ "dob", N_("Date of birth"), FIELD_PARTIAL_DATE,
	  FIELD_REQUIRED | FIELD_NOT_FUTURE, NULL, NULL, 0 },
	{ "sex", N_("Sex"), FIELD_SEX, FIELD_REQUIRED, sexes, NULL, 0 },
	{ "relationship", N_("Relationship to the head of household"),
	  FIELD_TEXT, FIELD_REQUIRED, NULL, NULL, 40 },
	FIELD_END
};

static const struct field person_ref_fields[] = {
	{ "name", N_("Full name"), FIELD_NAME, FIELD_REQUIRED, NULL, NULL, 0 },
	{ "id_number", N_("ID number"), FIELD_ID_NUMBER, FIELD_REQUIRED,
	  NULL, NULL, 0 },
	FIELD_END
};

static const struct field consent_fields[] = {
	{ "name", N_("Full name"), FIELD_NAME, FIELD_REQUIRED, NULL, NULL, 0 },
	{ "id_number", N_("ID number"), FIELD_ID_NUMBER, FIELD_REQUIRED,
	  NULL, NULL, 0 },
	{ "method", N_("How consent was given"), FIELD_ENUM, FIELD_REQUIRED,
	  consent_methods, NULL, 0 },
	FIELD_END
};

static const struct field consents_fields[] = {
	{ "head", N_("Consent of the head of household"), FIELD_OBJECT, 0,
	  NULL, consent_fields, 0 },
	{ "owner", N_("Consent of the owner of the residence"), FIELD_OBJECT,
	  0, NULL, consent_fields, 0 },
	{ "guardian", N_("Consent of the parent or guardian"), FIELD_OBJECT,
	  0, NULL, consent_fields, 0 },
	FIELD_END
};

static const struct field corrected_fields[] = {
	{ "name", N_("Full name"), FIELD_NAME, 0, NULL, NULL, 0 },
	{ "dob", N_("Date of birth"), FIELD_PARTIAL_DATE, FIELD_NOT_FUTURE,
	  NULL, NULL, 0 },
	{ "sex", N_("Sex"), FIELD_SEX, 0, sexes, NULL, 0 },
	{ "id_number", N_("ID number"), FIELD_ID_NUMBER, 0, NULL, NULL, 0 },
	FIELD_END
};

#define APPLICANT(flags) { "applicant", N_("Applicant"), FIELD_OBJECT, \
	flags, NULL, person_fields, 0 }
#define MEMBERS { "members", N_("Members changing residence together"), \
	FIELD_TABLE, 0, NULL, member_fields, 0 }
#define ADDRESS(label) { "address", label, FIELD_OBJECT, FIELD_REQUIRED, \
	NULL, event_schema_address, 0 }
#define DATE(key, label, flags) { key, label, FIELD_DATE, flags, \
	NULL, NULL, 0 }
#define TEXT(key, label, flags, max) { key, label, FIELD_TEXT, flags, \
	NULL, NULL, max }
#define BOOL(key, label) { key, label, FIELD_BOOL, 0, NULL, NULL, 0 }
#define CONSENTS { "consents", N_("Consents"), FIELD_OBJECT, 0, NULL, \
	consents_fields, 0 }
#define HOUSEHOLD(flags) { "household", N_("Household number"), \
	FIELD_HOUSEHOLD, flags, NULL, NULL, 0 }
#define BASIS { "basis", N_("Legal basis of the residence"), FIELD_ENUM, \
	FIELD_REQUIRED, bases, NULL, 0 }

static const struct field permanent_register_fields[] = {
	APPLICANT(FIELD_REQUIRED),
	MEMBERS,
	ADDRESS(N_("Address of the permanent residence")),
	{ "household_mode", N_("Household"), FIELD_ENUM, FIELD_REQUIRED,
	  household_modes, NULL, 0 },
	HOUSEHOLD(FIELD_CONDITIONAL),
	TEXT("relationship", N_("Relationship to the head of household"),
	    FIELD_CONDITIONAL, 40),
	BASIS,
	TEXT("contract_ref", N_("Rental or loan contract"), FIELD_CONDITIONAL,
	    80),
	{ "floor_area_m2", N_("Floor area (m²)"), FIELD_COUNT,
	  FIELD_CONDITIONAL, NULL, NULL, 100000 },
	{ "occupants", N_("People living there"), FIELD_COUNT,
	  FIELD_CONDITIONAL, NULL, NULL, 10000 },
	CONSENTS,
	FIELD_END
};

#define DELETE_COMMON(grounds) \
	BOOL("ex_officio", N_("Deletion ex officio")), \
	APPLICANT(FIELD_CONDITIONAL), \
	{ "person", N_("Person whose residence is deleted"), FIELD_OBJECT, \
	  FIELD_REQUIRED, NULL, person_fields, 0 }, \
	{ "ground", N_("Ground for deletion"), FIELD_ENUM, FIELD_REQUIRED, \
	  grounds, NULL, 0 }, \
	DATE("event_date", N_("Date of the event"), \
	    FIELD_REQUIRED | FIELD_NOT_FUTURE), \
	TEXT("document_ref", N_("Document number"), FIELD_CONDITIONAL, 80)

static const struct field permanent_delete_fields[] = {
	DELETE_COMMON(event_grounds_permanent),
	{ "absence_exception", N_("Exception to the absence ground"),
	  FIELD_ENUM, 0, absence_exceptions, NULL, 0 },
	FIELD_END
};

static const struct field temporary_delete_fields[] = {
	DELETE_COMMON(event_grounds_temporary),
	BOOL("new_owner_agrees", N_("The new owner agrees to the stay")),
	FIELD_END
};

static const struct field household_split_fields[] = {
	APPLICANT(FIELD_REQUIRED),
	HOUSEHOLD(FIELD_REQUIRED),
	ADDRESS(N_("Address of the residence")),
	MEMBERS,
	BOOL("divorced_spouse", N_("Divorced spouse entitled to live there")),
	CONSENTS,
	FIELD_END
};

static const struct field residence_adjust_fields[] = {
	APPLICANT(FIELD_REQUIRED),
	HOUSEHOLD(FIELD_REQUIRED),
	{ "change", N_("What changes"), FIELD_ENUM, FIELD_REQUIRED, changes,
	  NULL, 0 },
	{ "new_head", N_("New head of household"), FIELD_OBJECT,
	  FIELD_CONDITIONAL, NULL, person_ref_fields, 0 },
	{ "person", N_("Person whose data is corrected"), FIELD_OBJECT,
	  FIELD_CONDITIONAL, NULL, person_ref_fields, 0 },
	{ "corrected", N_("Corrected data"), FIELD_OBJECT, FIELD_CONDITIONAL,
	  NULL, corrected_fields, 0 },
	TEXT("document_ref", N_("Civil-status document"), FIELD_CONDITIONAL,
	    80),
	FIELD_END
};

static const struct field temporary_register_fields[] = {
	APPLICANT(FIELD_REQUIRED),
	MEMBERS,
	ADDRESS(N_("Address of the temporary residence")),
	DATE("from", N_("From"), FIELD_REQUIRED),
	DATE("to", N_("Until"), FIELD_REQUIRED),
	BASIS,
	TEXT("contract_ref", N_("Rental or loan contract"), FIELD_CONDITIONAL,
	    80),
	CONSENTS,
	{ "permanent_address", N_("Address of the permanent residence"),
	  FIELD_OBJECT, 0, NULL, event_schema_address, 0 },
	FIELD_END
};

static const struct field temporary_extend_fields[] = {
	APPLICANT(FIELD_REQUIRED),
	MEMBERS,
	ADDRESS(N_("Address of the temporary residence")),
	DATE("current_to", N_("Present end of the term"), FIELD_REQUIRED),
	DATE("to", N_("New end of the term"), FIELD_REQUIRED),
	FIELD_END
};

static const struct field residence_declare_fields[] = {
	APPLICANT(FIELD_REQUIRED),
	MEMBERS,
	ADDRESS(N_("Where the person lives now")),
	{ "in_national_db", N_("The person is in the national population "
	  "database"), FIELD_BOOL, FIELD_REQUIRED, NULL, NULL, 0 },
	FIELD_END
};

static const struct field stay_notify_fields[] = {
	APPLICANT(FIELD_REQUIRED),
	ADDRESS(N_("Address of the stay")),
	DATE("from", N_("From"), FIELD_REQUIRED),
	DATE("to", N_("Until"), FIELD_REQUIRED),
	{ "guests", N_("Guests"), FIELD_TABLE, FIELD_REQUIRED, NULL,
	  event_schema_guest, 0 },
	FIELD_END
};

static const struct field absence_declare_fields[] = {
	APPLICANT(FIELD_REQUIRED),
	{ "case", N_("Case of absence"), FIELD_ENUM, FIELD_REQUIRED,
	  event_absence_cases, NULL, 0 },
	DATE("from", N_("Absent from"), FIELD_REQUIRED),
	DATE("to", N_("Absent until"), FIELD_REQUIRED),
	TEXT("destination", N_("Destination"), FIELD_REQUIRED, 0),
	TEXT("reason", N_("Reason"), FIELD_REQUIRED, 0),
	{ "address", N_("Where the person lives"), FIELD_OBJECT, 0, NULL,
	  event_schema_address, 0 },
	BOOL("complex", N_("Complex case")),
	FIELD_END
};

static const struct field residence_confirm_fields[] = {
	APPLICANT(FIELD_REQUIRED),
	{ "person", N_("Person whose residence is confirmed"), FIELD_OBJECT,
	  0, NULL, person_fields, 0 },
	{ "in_national_db", N_("The data is in the national population "
	  "database"), FIELD_BOOL, FIELD_REQUIRED, NULL, NULL, 0 },
	TEXT("content", N_("Content to confirm"), 0, 500),
	FIELD_END
};

const struct procedure procedures[] = {
	{ "permanent.register", "Đăng ký thường trú",
	  N_("Permanent registration"), "1.004222", 14, -1, NULL, 0,
	  "CT01", NULL, permanent_register_fields },
	{ "permanent.delete", "Xóa đăng ký thường trú",
	  N_("Deletion of permanent residence"), "1.003197", 10, -1, NULL, 0,
	  "CT01", NULL, permanent_delete_fields },
	{ "household.split", "Tách hộ", N_("Household split"), "1.010038",
	  10, -1, NULL, 0, "CT01", NULL, household_split_fields },
	{ "residence.adjust", "Điều chỉnh thông tin về cư trú",
	  N_("Adjustment of residence information"), "1.010039", 6, -1, NULL,
	  0, "CT01", NULL, residence_adjust_fields },
	{ "temporary.register", "Đăng ký tạm trú",
	  N_("Temporary registration"), "1.004194", 6, -1, NULL, 0, "CT01",
	  NULL, temporary_register_fields },
	{ "temporary.extend", "Gia hạn tạm trú",
	  N_("Extension of temporary residence"), "1.002755", 6, -1, NULL, 0,
	  "CT01", NULL, temporary_extend_fields },
	{ "temporary.delete", "Xóa đăng ký tạm trú",
	  N_("Deletion of temporary residence"), "1.010028", 4, -1, NULL, 0,
	  "CT01", NULL, temporary_delete_fields },
	{ "residence.declare", "Khai báo thông tin về cư trú",
	  N_("Declaration of residence information"), "1.010040", 10, 60,
	  "in_national_db", 0, "CT01", "CT08, CT07",
	  residence_declare_fields },
	{ "stay.notify", "Thông báo lưu trú", N_("Notice of stay"),
	  "2.001159", 0, -1, NULL, 0, NULL, NULL, stay_notify_fields },
	{ "absence.declare", "Khai báo tạm vắng", N_("Declaration of absence"),
	  "1.003677", 2, 4, "complex", 1, "CT03", NULL,
	  absence_declare_fields },
	{ "residence.confirm", "Xác nhận thông tin về cư trú",
	  N_("Confirmation of residence information"), "1.010041", 1, 6,
	  "in_national_db", 0, "CT07", "CT07", residence_confirm_fields },
	{ NULL, NULL, NULL, NULL, 0, 0, NULL, 0, NULL, NULL, NULL }
};

void
procedure_rules_default(struct procedure_rules *r)
{
	r->min_floor_m2_per_person = 8;
	r->confirmation_valid_days = 30;
	r->military_absence_months = 3;
}

const struct procedure *
procedure_find(const char *id)
{
	const struct procedure *p;

	if (id == NULL)
		return NULL;
	for (p = procedures; p->id != NULL; p++)
		if (strcmp(p->id, id) == 0)
			return p;
	return NULL;
}

size_t
procedure_count(void)
{
	return sizeof procedures / sizeof procedures[0] - 1;
}

/* ---- Rules ---- */

struct rule_ctx {
	const struct cutru_date *today;
	struct cutru_date received;
	const struct procedure_rules *rules;
};

static const cJSON *
get(const cJSON *obj, const char *key)
{
	return cJSON_IsObject(obj) ?
	    cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
}

static int
has(const cJSON *obj, const char *key)
{
	return get(obj, key) != NULL;
}

static int
is(const cJSON *obj, const char *key, const char *value)
{
	const char *s = field_get_string(obj, key);

	return s != NULL && strcmp(s, value) == 0;
}

/* Refuse key when present, with the reason why it does not apply. */
static int
refuse_key(const cJSON *req, const char *key, const char *why,
    struct cutru_err *e)
{
	if (has(req, key))
		return cutru_err_set(e, CUTRU_EINVAL, key, "%s", why);
	return CUTRU_OK;
}

/* 1: someone born on dob is at least years old on today; 0: certainly
 * not; -1: a partial date of birth cannot tell. */
static int
age_at_least(const struct cutru_date *dob, const struct cutru_date *today,
    int years)
{
	struct cutru_date first, last, a;

	if (date_span(dob, &first, &last) != CUTRU_OK)
		return -1;
	if (date_add_years(&last, years, &a) == CUTRU_OK &&
	    date_compare(&a, today) <= 0)
		return 1;
	if (date_add_years(&first, years, &a) == CUTRU_OK &&
	    date_compare(&a, today) > 0)
		return 0;
	return -1;
}

/* No person twice among the applicant, the person and the members. */
static int
rule_distinct(const cJSON *req, struct cutru_err *e)
{
	const cJSON *members = get(req, "members"), *m, *n;
	const char *app = field_get_string(get(req, "applicant"), "id_number");
	char path[FIELD_PATH_MAX];
	const char *a, *b;
	int i, j;

	for (i = 0, m = members != NULL ? members->child : NULL; m != NULL;
	    m = m->next, i++) {
		a = field_get_string(m, "id_number");
		field_path_index(path, sizeof path, "members", i);
		if (app != NULL && a != NULL && strcmp(a, app) == 0)
			return cutru_err_set(e, CUTRU_EINVAL, path,
			    _("Member %d is the applicant: list the applicant "
			    "only once."), i + 1);
		for (j = 0, n = members->child; n != m; n = n->next, j++) {
			b = field_get_string(n, "id_number");
			if (a != NULL && b != NULL && strcmp(a, b) == 0)
				return cutru_err_set(e, CUTRU_EINVAL, path,
				    _("Members %d and %d have the same ID "
				    "number %s."), j + 1, i + 1, a);
		}
	}
	return CUTRU_OK;
}

static int
need_consent(const cJSON *req, const char *who, const char *why,
    struct cutru_err *e)
{
	char path[FIELD_PATH_MAX];

	if (has(get(req, "consents"), who))
		return CUTRU_OK;
	field_path_key(path, sizeof path, "consents", who);
	return cutru_err_set(e, CUTRU_EINVAL, path, "%s", why);
}

/* A minor applicant needs the consent of a parent or guardian. */
static int
rule_guardian(const cJSON *req, const struct rule_ctx *rc,
    struct cutru_err *e)
{
	struct cutru_date dob;
	int adult;

	if (field_get_date(get(req, "applicant"), "dob", &dob) != CUTRU_OK)
		return CUTRU_OK;
	adult = age_at_least(&dob, &rc->received, ADULT_YEARS);
	if (adult == 1)
		return CUTRU_OK;
	if (adult == -1)
		return cutru_err_set(e, CUTRU_EINVAL, "applicant.dob",
		    _("Only part of the applicant's date of birth is known, "
		    "so it is not clear whether the applicant is under %d: "
		    "enter the full date of birth."), ADULT_YEARS);
	return need_consent(req, "guardian",
	    _("The applicant is under 18: the consent of a parent or "
	    "guardian is required."), e);
}

static int
rule_basis(const cJSON *req, struct cutru_err *e)
{
	int rented = is(req, "basis", "rented") || is(req, "basis", "borrowed");
	int rc;

	if (!is(req, "basis", "owned")) {
		rc = need_consent(req, "owner",
		    _("The residence is not the applicant's own: the consent "
		    "of its owner is required."), e);
		if (rc != CUTRU_OK)
			return rc;
	}
	if (rented && !has(req, "contract_ref"))
		return cutru_err_set(e, CUTRU_EINVAL, "contract_ref",
		    _("Rented or borrowed housing needs the rental or loan "
		    "contract: enter its number."));
	if (!rented)
		return refuse_key(req, "contract_ref",
		    _("A rental or loan contract applies only to rented or "
		    "borrowed housing."), e);
	return CUTRU_OK;
}

static int
rules_permanent_register(const cJSON *req, const struct rule_ctx *rc,
    struct cutru_err *e)
{
	static const char *const area_keys[] = { "floor_area_m2", "occupants" };
	int join = is(req, "household_mode", "join");
	int rented = is(req, "basis", "rented") || is(req, "basis", "borrowed");
	long area, occupants, people;
	size_t i;
	int r;

	if ((r = rule_distinct(req, e)) != CUTRU_OK)
		return r;
	if (join) {
		if (!has(req, "household"))
			return cutru_err_set(e, CUTRU_EINVAL, "household",
			    _("Joining a household needs its household "
			    "number."));
		if (!has(req, "relationship"))
			return cutru_err_set(e, CUTRU_EINVAL, "relationship",
			    _("Joining a household needs the applicant's "
			    "relationship to its head."));
		r = need_consent(req, "head",
		    _("Joining a household needs the consent of its head."),
		    e);
		if (r != CUTRU_OK)
			return r;
	} else {
		if ((r = refuse_key(req, "household",
		    _("A new household has no number yet: leave the household "
		    "number out, or choose to join a household."), e)) !=
		    CUTRU_OK)
			return r;
		if ((r = refuse_key(req, "relationship",
		    _("The applicant heads a new household: leave the "
		    "relationship out."), e)) != CUTRU_OK)
			return r;
	}
	if ((r = rule_basis(req, e)) != CUTRU_OK)
		return r;
	for (i = 0; i < 2; i++) {
		if (rented && !has(req, area_keys[i]))
			return cutru_err_set(e, CUTRU_EINVAL, area_keys[i],
			    _("Rented or borrowed housing needs the floor area "
			    "and the number of people living there."));
		if (!rented && (r = refuse_key(req, area_keys[i],
		    _("Floor area and occupants apply only to rented or "
		    "borrowed housing."), e)) != CUTRU_OK)
			return r;
	}
	if (rented) {
		area = field_get_count(req, "floor_area_m2");
		occupants = field_get_count(req, "occupants");
		people = 1 + cJSON_GetArraySize(get(req, "members"));
		if (occupants < people)
			return cutru_err_set(e, CUTRU_EINVAL, "occupants",
			    _("%ld people will live there, but %ld are "
			    "registering: count everyone."), occupants, people);
		if (area < occupants * rc->rules->min_floor_m2_per_person)
			return cutru_err_set(e, CUTRU_ERANGE, "floor_area_m2",
			    _("%ld m² for %ld people is less than the minimum "
			    "of %d m² per person."), area, occupants,
			    rc->rules->min_floor_m2_per_person);
	}
	return rule_guardian(req, rc, e);
}

static int
rules_delete(const cJSON *req, const struct rule_ctx *rc,
    const struct field_choice *grounds, struct cutru_err *e)
{
	const struct field_choice *g;
	struct cutru_date ev, earliest;
	int ex_officio = field_get_bool(req, "ex_officio", 0);
	int r;

	if (!ex_officio && !has(req, "applicant"))
		return cutru_err_set(e, CUTRU_EINVAL, "applicant",
		    _("The applicant is required, unless the deletion is made "
		    "ex officio."));
	if (ex_officio && (r = refuse_key(req, "applicant",
	    _("A deletion ex officio has no applicant."), e)) != CUTRU_OK)
		return r;
	g = field_choice_find(grounds, field_get_string(req, "ground"));
	field_get_date(req, "event_date", &ev);
	if (date_compare(&ev, &rc->received) > 0)
		return cutru_err_set(e, CUTRU_EINVAL, "event_date",
		    _("The date of the event comes after the date the dossier "
		    "was received."));
	if (g->min_months > 0) {
		if (date_add_months(&ev, g->min_months, &earliest) !=
		    CUTRU_OK || date_compare(&earliest, &rc->received) > 0)
			return cutru_err_set(e, CUTRU_ERANGE, "event_date",
			    _("This ground applies only %d months after the "
			    "event, from %04d-%02d-%02d."), g->min_months,
			    earliest.year, earliest.month, earliest.day);
	}
	if ((g->flags & FIELD_CHOICE_NEEDS_DOCUMENT) &&
	    !has(req, "document_ref"))
		return cutru_err_set(e, CUTRU_EINVAL, "document_ref",
		    _("This ground needs the number of the certificate or "
		    "decision that proves it."));
	return CUTRU_OK;
}

static int
rules_permanent_delete(const cJSON *req, const struct rule_ctx *rc,
    struct cutru_err *e)
{
	int r = rules_delete(req, rc, event_grounds_permanent, e);

	if (r != CUTRU_OK || !has(req, "absence_exception"))
		return r;
	if (!is(req, "ground", "absent"))
		return cutru_err_set(e, CUTRU_EINVAL, "absence_exception",
		    _("An exception to the absence ground applies only with "
		    "that ground."));
	return cutru_err_set(e, CUTRU_EINVAL, "ground",
	    _("A person abroad (not to settle), in prison, or in a compulsory "
	    "education or rehabilitation facility or a reform school is not "
	    "deleted for absence."));
}

static int
rules_temporary_delete(const cJSON *req, const struct rule_ctx *rc,
    struct cutru_err *e)
{
	int r = rules_delete(req, rc, event_grounds_temporary, e);

	if (r != CUTRU_OK || !has(req, "new_owner_agrees"))
		return r;
	if (!is(req, "ground", "ownership_transferred"))
		return cutru_err_set(e, CUTRU_EINVAL, "new_owner_agrees",
		    _("The new owner's agreement applies only when ownership "
		    "was transferred."));
	if (field_get_bool(req, "new_owner_agrees", 0))
		return cutru_err_set(e, CUTRU_EINVAL, "ground",
		    _("The new owner agrees to the stay, so the temporary "
		    "residence is not deleted."));
	return CUTRU_OK;
}

static int
rules_household_split(const cJSON *req, const struct rule_ctx *rc,
    struct cutru_err *e)
{
	struct cutru_date dob;
	int r, adult;

	if ((r = rule_distinct(req, e)) != CUTRU_OK)
		return r;
	field_get_date(get(req, "applicant"), "dob", &dob);
	adult = age_at_least(&dob, &rc->received, ADULT_YEARS);
	if (adult == 0)
		return cutru_err_set(e, CUTRU_EINVAL, "applicant.dob",
		    _("Only a member of full legal capacity (18 or older) can "
		    "split off a household."));
	if (adult == -1)
		return cutru_err_set(e, CUTRU_EINVAL, "applicant.dob",
		    _("Only part of the applicant's date of birth is known, "
		    "so it is not clear whether the applicant is 18 or "
		    "older: enter the full date of birth."));
	if (field_get_bool(req, "divorced_spouse", 0))
		return CUTRU_OK;
	r = need_consent(req, "head",
	    _("Splitting a household needs the consent of its head."), e);
	if (r != CUTRU_OK)
		return r;
	return need_consent(req, "owner",
	    _("Splitting a household needs the consent of the owner of the "
	    "residence."), e);
}

static int
rules_residence_adjust(const cJSON *req, const struct rule_ctx *rc,
    struct cutru_err *e)
{
	static const char *const identity_keys[] = {
		"person", "corrected", "document_ref"
	};
	const cJSON *corr;
	size_t i;
	int r;

	(void)rc;
	if (is(req, "change", "head")) {
		if (!has(req, "new_head"))
			return cutru_err_set(e, CUTRU_EINVAL, "new_head",
			    _("A change of head needs the new head."));
		for (i = 0; i < 3; i++)
			if ((r = refuse_key(req, identity_keys[i],
			    _("A change of head does not correct anyone's "
			    "data."), e)) != CUTRU_OK)
				return r;
		return CUTRU_OK;
	}
	if ((r = refuse_key(req, "new_head",
	    _("A correction of data does not change the head."), e)) !=
	    CUTRU_OK)
		return r;
	for (i = 0; i < 3; i++)
		if (!has(req, identity_keys[i]))
			return cutru_err_set(e, CUTRU_EINVAL, identity_keys[i],
			    _("A correction of civil-status data needs the "
			    "person, the corrected data and the civil-status "
			    "document."));
	corr = get(req, "corrected");
	if (corr == NULL || corr->child == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "corrected",
		    _("Enter at least one corrected item: name, date of "
		    "birth, sex or ID number."));
	return CUTRU_OK;
}

static int
rules_temporary_register(const cJSON *req, const struct rule_ctx *rc,
    struct cutru_err *e)
{
	struct cutru_date from, to;
	const char *home, *here;
	int r;

	if ((r = rule_distinct(req, e)) != CUTRU_OK)
		return r;
	field_get_date(req, "from", &from);
	field_get_date(req, "to", &to);
	if ((r = event_check_term(&from, &to, "to", e)) != CUTRU_OK)
		return r;
	if (date_compare(&to, &rc->received) <= 0)
		return cutru_err_set(e, CUTRU_EINVAL, "to",
		    _("The term ends before the dossier was received."));
	if ((r = rule_basis(req, e)) != CUTRU_OK)
		return r;
	home = field_get_string(get(req, "permanent_address"), "commune");
	here = field_get_string(get(req, "address"), "commune");
	if (home != NULL && here != NULL && strcmp(home, here) == 0)
		return cutru_err_set(e, CUTRU_EINVAL, "address.commune",
		    _("The address is in the commune of the applicant's "
		    "permanent residence: no temporary registration is needed "
		    "there."));
	return rule_guardian(req, rc, e);
}

static int
rules_temporary_extend(const cJSON *req, const struct rule_ctx *rc,
    struct cutru_err *e)
{
	struct cutru_date cur, to;
	long days;
	int r;

	if ((r = rule_distinct(req, e)) != CUTRU_OK)
		return r;
	field_get_date(req, "current_to", &cur);
	field_get_date(req, "to", &to);
	date_diff_days(&rc->received, &cur, &days);
	if (days < 0)
		return cutru_err_set(e, CUTRU_EINVAL, "current_to",
		    _("The term ended before the dossier was received: it can "
		    "no longer be extended; register temporary residence "
		    "again."));
	if (days > EXTEND_WINDOW_DAYS)
		return cutru_err_set(e, CUTRU_EINVAL, "received",
		    _("An extension is filed within %d days before the term "
		    "ends; this term ends in %ld days."), EXTEND_WINDOW_DAYS,
		    days);
	return event_check_term(&cur, &to, "to", e);
}

static int
rules_stay_notify(const cJSON *req, const struct rule_ctx *rc,
    struct cutru_err *e)
{
	struct cutru_date from, to;
	int r;

	(void)rc;
	field_get_date(req, "from", &from);
	field_get_date(req, "to", &to);
	if ((r = event_check_stay(&from, &to, "to", e)) != CUTRU_OK)
		return r;
	return event_check_guests(get(req, "guests"), "guests", e);
}

static int
rules_absence_declare(const cJSON *req, const struct rule_ctx *rc,
    struct cutru_err *e)
{
	const struct field_choice *c;
	struct cutru_date from, to, least;
	int months, r;

	c = field_choice_find(event_absence_cases,
	    field_get_string(req, "case"));
	field_get_date(req, "from", &from);
	field_get_date(req, "to", &to);
	months = c->min_months;
	if (strcmp(c->id, "military_age") == 0)
		months = rc->rules->military_absence_months;
	if (months > 0)
		r = date_add_months(&from, months, &least);
	else
		r = date_add_days(&from, c->min_days, &least);
	if (r != CUTRU_OK)
		return cutru_err_set(e, CUTRU_ERANGE, "from",
		    _("The start of the absence is out of range."));
	if (date_compare(&to, &least) < 0)
		return months > 0 ?
		    cutru_err_set(e, CUTRU_EINVAL, "to",
		    _("This case covers absences of %d months or more: the "
		    "absence must last until %02d/%02d/%04d at least."), months,
		    least.day, least.month, least.year) :
		    cutru_err_set(e, CUTRU_EINVAL, "to",
		    _("This case covers absences of %d day or more: the "
		    "absence must last until %02d/%02d/%04d at least."),
		    c->min_days, least.day, least.month, least.year);
	return CUTRU_OK;
}

static int
rules_none(const cJSON *req, const struct rule_ctx *rc, struct cutru_err *e)
{
	(void)rc;
	return rule_distinct(req, e);
}

/* ---- Events ---- */

/* Builds a list of events; the first allocation failure sticks.  The
 * helpers below accept a NULL object (a failed cJSON_CreateObject()) and
 * record it as a failure, so builders need not test each allocation. */
struct ev_list {
	cJSON *arr;
	int oom;
};

static cJSON *
put(cJSON *obj, const char *key, cJSON *v, struct ev_list *l)
{
	if (obj == NULL || v == NULL || !cJSON_AddItemToObject(obj, key, v)) {
		cJSON_Delete(v);
		l->oom = 1;
		return NULL;
	}
	return v;
}

static void
put_str(cJSON *obj, const char *key, const char *s, struct ev_list *l)
{
	put(obj, key, cJSON_CreateString(s), l);
}

/* Copy member key of src (a string) to dst, if present. */
static void
copy_str(cJSON *dst, const cJSON *src, const char *key, struct ev_list *l)
{
	const char *s = field_get_string(src, key);

	if (s != NULL)
		put_str(dst, key, s, l);
}

static void
put_date(cJSON *obj, const char *key, const struct cutru_date *d,
    struct ev_list *l)
{
	char buf[DATE_FMT_MAX];

	if (date_format_iso(d, buf, sizeof buf) != CUTRU_OK) {
		l->oom = 1;
		return;
	}
	put_str(obj, key, buf, l);
}

static cJSON *
stored_address(const cJSON *a)
{
	cJSON *o = cJSON_CreateObject(), *d;

	if (o == NULL)
		return NULL;
	d = field_stored_text(field_get_string(a, "detail"));
	if (cJSON_AddStringToObject(o, "commune",
	    field_get_string(a, "commune")) == NULL || d == NULL ||
	    !cJSON_AddItemToObject(o, "detail", d)) {
		cJSON_Delete(d);
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static void
emit(struct ev_list *l, const char *type, cJSON *data)
{
	cJSON *ev;

	if (data == NULL) {
		l->oom = 1;
		return;
	}
	ev = event_new(type, data);
	if (ev == NULL || !cJSON_AddItemToArray(l->arr, ev)) {
		cJSON_Delete(ev);
		l->oom = 1;
	}
}

static void
emit_person(struct ev_list *l, const cJSON *p)
{
	cJSON *d = cJSON_CreateObject();

	copy_str(d, p, "id_number", l);
	put(d, "name", field_stored_name(field_get_string(p, "name")), l);
	copy_str(d, p, "dob", l);
	copy_str(d, p, "sex", l);
	copy_str(d, p, "phone", l);
	copy_str(d, p, "email", l);
	emit(l, "person.upserted", d);
}

/* The applicant and the members, in order: the people a request moves. */
static const cJSON *
mover(const cJSON *req, int i)
{
	const cJSON *members = get(req, "members");

	if (i == 0)
		return get(req, "applicant");
	return cJSON_IsArray(members) ?
	    cJSON_GetArrayItem(members, i - 1) : NULL;
}

static void
emit_member(struct ev_list *l, const char *type, const char *household,
    const cJSON *p, const char *relationship)
{
	cJSON *d = cJSON_CreateObject();

	put_str(d, "household", household, l);
	put_str(d, "person", field_get_string(p, "id_number"), l);
	if (relationship != NULL)
		put(d, "relationship", field_stored_text(relationship), l);
	emit(l, type, d);
}

static void
emit_household(struct ev_list *l, const char *household, const cJSON *head,
    const cJSON *address)
{
	cJSON *d = cJSON_CreateObject();

	put_str(d, "household", household, l);
	put_str(d, "head", field_get_string(head, "id_number"), l);
	put(d, "address", stored_address(address), l);
	emit(l, "household.created", d);
}

static void
emit_opened(struct ev_list *l, const cJSON *p, const char *kind,
    const cJSON *address, const struct cutru_date *from,
    const struct cutru_date *to)
{
	cJSON *d = cJSON_CreateObject();

	put_str(d, "person", field_get_string(p, "id_number"), l);
	put_str(d, "kind", kind, l);
	put(d, "address", stored_address(address), l);
	put_date(d, "from", from, l);
	if (to != NULL)
		put_date(d, "to", to, l);
	emit(l, "residence.opened", d);
}

static int
need_new_household(const struct procedure_ctx *ctx, struct cutru_err *e)
{
	if (ctx->new_household == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "household",
		    _("This request creates a household: it needs a household "
		    "number before it can be approved."));
	return CUTRU_OK;
}

static int
events_permanent_register(const cJSON *req, const struct procedure_ctx *ctx,
    struct ev_list *l, struct cutru_err *e)
{
	const cJSON *addr = get(req, "address"), *p;
	const char *hh;
	int i, r;

	if (is(req, "household_mode", "new")) {
		if ((r = need_new_household(ctx, e)) != CUTRU_OK)
			return r;
		hh = ctx->new_household;
	} else
		hh = field_get_string(req, "household");
	for (i = 0; (p = mover(req, i)) != NULL; i++)
		emit_person(l, p);
	if (is(req, "household_mode", "new"))
		emit_household(l, hh, get(req, "applicant"), addr);
	else
		emit_member(l, "household.member_added", hh,
		    get(req, "applicant"), field_get_string(req,
		    "relationship"));
	for (i = 1; (p = mover(req, i)) != NULL; i++)
		emit_member(l, "household.member_added", hh, p,
		    field_get_string(p, "relationship"));
	for (i = 0; (p = mover(req, i)) != NULL; i++)
		emit_opened(l, p, "permanent", addr, ctx->approved, NULL);
	return CUTRU_OK;
}

static int
events_delete(const cJSON *req, const struct procedure_ctx *ctx,
    struct ev_list *l, const char *kind)
{
	cJSON *d = cJSON_CreateObject();

	put_str(d, "person", field_get_string(get(req, "person"),
	    "id_number"), l);
	put_str(d, "kind", kind, l);
	copy_str(d, req, "ground", l);
	put_date(d, "date", ctx->approved, l);
	copy_str(d, req, "event_date", l);
	if (has(req, "document_ref"))
		put(d, "document_ref", field_stored_text(field_get_string(req,
		    "document_ref")), l);
	emit(l, "residence.closed", d);
	return CUTRU_OK;
}

static int
events_permanent_delete(const cJSON *req, const struct procedure_ctx *ctx,
    struct ev_list *l, struct cutru_err *e)
{
	(void)e;
	return events_delete(req, ctx, l, "permanent");
}

static int
events_temporary_delete(const cJSON *req, const struct procedure_ctx *ctx,
    struct ev_list *l, struct cutru_err *e)
{
	(void)e;
	return events_delete(req, ctx, l, "temporary");
}

static int
events_household_split(const cJSON *req, const struct procedure_ctx *ctx,
    struct ev_list *l, struct cutru_err *e)
{
	const char *old = field_get_string(req, "household");
	const cJSON *p;
	int i, r;

	if ((r = need_new_household(ctx, e)) != CUTRU_OK)
		return r;
	if (strcmp(ctx->new_household, old) == 0)
		return cutru_err_set(e, CUTRU_EINVAL, "household",
		    _("The new household needs a number of its own."));
	for (i = 0; (p = mover(req, i)) != NULL; i++)
		emit_person(l, p);
	for (i = 0; (p = mover(req, i)) != NULL; i++)
		emit_member(l, "household.member_removed", old, p, NULL);
	emit_household(l, ctx->new_household, get(req, "applicant"),
	    get(req, "address"));
	for (i = 1; (p = mover(req, i)) != NULL; i++)
		emit_member(l, "household.member_added", ctx->new_household, p,
		    field_get_string(p, "relationship"));
	return CUTRU_OK;
}

static int
events_residence_adjust(const cJSON *req, const struct procedure_ctx *ctx,
    struct ev_list *l, struct cutru_err *e)
{
	const cJSON *c = get(req, "corrected");
	cJSON *d = cJSON_CreateObject();

	(void)ctx;
	(void)e;
	if (is(req, "change", "head")) {
		copy_str(d, req, "household", l);
		put_str(d, "head", field_get_string(get(req, "new_head"),
		    "id_number"), l);
		emit(l, "household.head_changed", d);
		return CUTRU_OK;
	}
	put_str(d, "person", field_get_string(get(req, "person"),
	    "id_number"), l);
	if (has(c, "name"))
		put(d, "name", field_stored_name(field_get_string(c, "name")),
		    l);
	copy_str(d, c, "dob", l);
	copy_str(d, c, "sex", l);
	copy_str(d, c, "id_number", l);
	put(d, "document_ref", field_stored_text(field_get_string(req,
	    "document_ref")), l);
	emit(l, "identity.corrected", d);
	return CUTRU_OK;
}

static int
events_temporary_register(const cJSON *req, const struct procedure_ctx *ctx,
    struct ev_list *l, struct cutru_err *e)
{
	struct cutru_date from, to;
	const cJSON *p;
	int i;

	(void)ctx;
	(void)e;
	field_get_date(req, "from", &from);
	field_get_date(req, "to", &to);
	for (i = 0; (p = mover(req, i)) != NULL; i++)
		emit_person(l, p);
	for (i = 0; (p = mover(req, i)) != NULL; i++)
		emit_opened(l, p, "temporary", get(req, "address"), &from, &to);
	return CUTRU_OK;
}

static int
events_temporary_extend(const cJSON *req, const struct procedure_ctx *ctx,
    struct ev_list *l, struct cutru_err *e)
{
	const cJSON *p;
	cJSON *d;
	int i;

	(void)ctx;
	(void)e;
	for (i = 0; (p = mover(req, i)) != NULL; i++) {
		d = cJSON_CreateObject();
		put_str(d, "person", field_get_string(p, "id_number"), l);
		put_str(d, "kind", "temporary", l);
		copy_str(d, req, "to", l);
		emit(l, "residence.extended", d);
	}
	return CUTRU_OK;
}

static int
events_residence_declare(const cJSON *req, const struct procedure_ctx *ctx,
    struct ev_list *l, struct cutru_err *e)
{
	const cJSON *p;
	int i;

	(void)e;
	for (i = 0; (p = mover(req, i)) != NULL; i++)
		emit_person(l, p);
	for (i = 0; (p = mover(req, i)) != NULL; i++)
		emit_opened(l, p, "current", get(req, "address"),
		    ctx->approved, NULL);
	return CUTRU_OK;
}

static int
events_stay_notify(const cJSON *req, const struct procedure_ctx *ctx,
    struct ev_list *l, struct cutru_err *e)
{
	static const char *const copied[] = {
		"id_number", "passport", "nationality", "dob", "sex"
	};
	const cJSON *g, *src = get(req, "guests");
	cJSON *d = cJSON_CreateObject(), *guests, *row;
	size_t k;

	(void)ctx;
	(void)e;
	put_str(d, "host", field_get_string(get(req, "applicant"),
	    "id_number"), l);
	put(d, "address", stored_address(get(req, "address")), l);
	copy_str(d, req, "from", l);
	copy_str(d, req, "to", l);
	guests = put(d, "guests", cJSON_CreateArray(), l);
	for (g = guests != NULL && src != NULL ? src->child : NULL; g != NULL;
	    g = g->next) {
		row = cJSON_CreateObject();
		if (row == NULL || !cJSON_AddItemToArray(guests, row)) {
			cJSON_Delete(row);
			l->oom = 1;
			break;
		}
		for (k = 0; k < sizeof copied / sizeof copied[0]; k++)
			copy_str(row, g, copied[k], l);
		put(row, "name", field_stored_name(field_get_string(g, "name")),
		    l);
	}
	emit(l, "stay.recorded", d);
	return CUTRU_OK;
}

static int
events_absence_declare(const cJSON *req, const struct procedure_ctx *ctx,
    struct ev_list *l, struct cutru_err *e)
{
	cJSON *d = cJSON_CreateObject();

	(void)ctx;
	(void)e;
	put_str(d, "person", field_get_string(get(req, "applicant"),
	    "id_number"), l);
	copy_str(d, req, "case", l);
	copy_str(d, req, "from", l);
	copy_str(d, req, "to", l);
	put(d, "destination", field_stored_text(field_get_string(req,
	    "destination")), l);
	put(d, "reason", field_stored_text(field_get_string(req, "reason")),
	    l);
	emit(l, "absence.recorded", d);
	return CUTRU_OK;
}

static int
events_residence_confirm(const cJSON *req, const struct procedure_ctx *ctx,
    struct ev_list *l, struct cutru_err *e)
{
	struct cutru_date until;
	const cJSON *who = has(req, "person") ? get(req, "person") :
	    get(req, "applicant");
	cJSON *d;

	if (date_add_days(ctx->approved, ctx->rules->confirmation_valid_days,
	    &until) != CUTRU_OK)
		return cutru_err_set(e, CUTRU_ERANGE, "",
		    _("The confirmation would be valid beyond the supported "
		    "dates."));
	d = cJSON_CreateObject();
	put_str(d, "person", field_get_string(who, "id_number"), l);
	put_str(d, "requester", field_get_string(get(req, "applicant"),
	    "id_number"), l);
	put_date(d, "issued", ctx->approved, l);
	put_date(d, "valid_until", &until, l);
	if (has(req, "content"))
		put(d, "content", field_stored_text(field_get_string(req,
		    "content")), l);
	emit(l, "confirmation.issued", d);
	return CUTRU_OK;
}

/* Rules and events of procedures[i]. */
static const struct {
	int (*rules)(const cJSON *, const struct rule_ctx *,
	    struct cutru_err *);
	int (*events)(const cJSON *, const struct procedure_ctx *,
	    struct ev_list *, struct cutru_err *);
} impls[] = {
	{ rules_permanent_register, events_permanent_register },
	{ rules_permanent_delete, events_permanent_delete },
	{ rules_household_split, events_household_split },
	{ rules_residence_adjust, events_residence_adjust },
	{ rules_temporary_register, events_temporary_register },
	{ rules_temporary_extend, events_temporary_extend },
	{ rules_temporary_delete, events_temporary_delete },
	{ rules_none, events_residence_declare },
	{ rules_stay_notify, events_stay_notify },
	{ rules_absence_declare, events_absence_declare },
	{ rules_none, events_residence_confirm },
};

/* The procedure a request names, or NULL with e filled. */
static const struct procedure *
request_procedure(const cJSON *request, struct cutru_err *e)
{
	const struct procedure *p;
	const char *id;

	if (!cJSON_IsObject(request)) {
		cutru_err_set(e, CUTRU_EINVAL, "",
		    _("A request must be a JSON object."));
		return NULL;
	}
	id = field_get_string(request, "procedure");
	p = procedure_find(id);
	if (p == NULL)
		cutru_err_set(e, CUTRU_EINVAL, "procedure", id == NULL ?
		    _("The request does not say which procedure it is for.") :
		    _("\"%.60s\" is not a known procedure."), id);
	return p;
}

int
procedure_validate_rules(const cJSON *request,
    const struct cutru_date *today, const struct procedure_rules *rules,
    struct cutru_err *e)
{
	struct procedure_rules defaults;
	struct field_ctx fctx;
	struct rule_ctx rc;
	const struct procedure *p;
	const struct field *f;
	const cJSON *m;
	char *bytes = NULL;
	size_t n;
	int r;

	if (today == NULL || today->prec != CUTRU_DATE_DAY ||
	    !date_valid(today))
		return cutru_err_set(e, CUTRU_EINVAL, "",
		    _("Today's date is needed to check a request."));
	if (rules == NULL) {
		procedure_rules_default(&defaults);
		rules = &defaults;
	}
	p = request_procedure(request, e);
	if (p == NULL)
		return CUTRU_EINVAL;
	/* What cannot be encoded canonically cannot be signed later. */
	r = canon_encode(request, &bytes, &n, e);
	free(bytes);
	if (r != CUTRU_OK)
		return r;
	fctx.today = today;
	fctx.flags = 0;
	for (f = procedure_common_fields; f->key != NULL; f++) {
		m = get(request, f->key);
		if (m == NULL)
			return cutru_err_set(e, CUTRU_EINVAL, f->key,
			    _("%s is required."), _(f->label));
		if ((r = field_check(f, m, &fctx, f->key, e)) != CUTRU_OK)
			return r;
	}
	/* The procedure's keys, and nothing else but the common ones. */
	for (m = request->child; m != NULL; m = m->next)
		if (field_find(procedure_common_fields, m->string) == NULL &&
		    field_find(p->fields, m->string) == NULL)
			return cutru_err_set(e, CUTRU_EINVAL, m->string,
			    _("\"%.40s\" is not part of a %s request; check its "
			    "spelling."), m->string, p->id);
	for (f = p->fields; f->key != NULL; f++) {
		m = get(request, f->key);
		if (m == NULL) {
			if (f->flags & FIELD_REQUIRED)
				return cutru_err_set(e, CUTRU_EINVAL, f->key,
				    _("%s is required."), _(f->label));
			continue;
		}
		if ((r = field_check(f, m, &fctx, f->key, e)) != CUTRU_OK)
			return r;
	}
	rc.today = today;
	rc.rules = rules;
	field_get_date(request, "received", &rc.received);
	r = impls[p - procedures].rules(request, &rc, e);
	if (r == CUTRU_OK)
		cutru_err_clear(e);
	return r;
}

int
procedure_validate(const cJSON *request, const struct cutru_date *today,
    struct cutru_err *e)
{
	return procedure_validate_rules(request, today, NULL, e);
}

int
procedure_deadline(const cJSON *request, int *half_days, struct cutru_err *e)
{
	const struct procedure *p = request_procedure(request, e);

	*half_days = 0;
	if (p == NULL)
		return CUTRU_EINVAL;
	*half_days = p->deadline_half_days;
	if (p->alt_key != NULL &&
	    field_get_bool(request, p->alt_key, !p->alt_when) == p->alt_when)
		*half_days = p->alt_half_days;
	return CUTRU_OK;
}

int
procedure_due_date(const cJSON *request, const struct holiday_table *t,
    enum holiday_session session, struct holiday_due *out,
    struct cutru_err *e)
{
	struct cutru_date received;
	int half_days, r;

	memset(out, 0, sizeof *out);
	r = procedure_deadline(request, &half_days, e);
	if (r != CUTRU_OK)
		return r;
	if (field_get_date(request, "received", &received) != CUTRU_OK ||
	    received.prec != CUTRU_DATE_DAY)
		return cutru_err_set(e, CUTRU_EINVAL, "received",
		    _("The date the dossier was received is missing or not a "
		    "full date."));
	return holiday_due_date(t, &received, session, half_days, out, e);
}

int
procedure_events(const cJSON *request, const struct procedure_ctx *ctx,
    cJSON **out, struct cutru_err *e)
{
	struct procedure_rules defaults;
	struct procedure_ctx c;
	struct ev_list l;
	const struct procedure *p;
	int r;

	*out = NULL;
	if (ctx == NULL || ctx->approved == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, "",
		    _("The date of approval is needed to produce events."));
	c = *ctx;
	if (c.rules == NULL) {
		procedure_rules_default(&defaults);
		c.rules = &defaults;
	}
	r = procedure_validate_rules(request, c.approved, c.rules, e);
	if (r != CUTRU_OK)
		return r;
	p = procedure_find(field_get_string(request, "procedure"));
	l.arr = cJSON_CreateArray();
	l.oom = l.arr == NULL;
	if (l.oom)
		return cutru_err_set(e, CUTRU_ENOMEM, "", _("Out of memory."));
	r = impls[p - procedures].events(request, &c, &l, e);
	if (r == CUTRU_OK && l.oom)
		r = cutru_err_set(e, CUTRU_ENOMEM, "", _("Out of memory."));
	if (r == CUTRU_OK)
		r = event_validate_list(l.arr, e);
	if (r != CUTRU_OK) {
		cJSON_Delete(l.arr);
		return r;
	}
	*out = l.arr;
	return CUTRU_OK;
}
