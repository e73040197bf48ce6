/* The event vocabulary (documented in event.h) and its validator.  The
 * tables here are the single statement of the closed lists of the law:
 * grounds for deleting a residence and cases of absence declaration. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/canon.h"
#include "core/date.h"
#include "core/event.h"
#include "core/i18n.h"
#include "core/idnum.h"

#define CHOICE_END { NULL, NULL, NULL, NULL, 0, 0, 0 }
#define FIELD_END { NULL, NULL, 0, 0, NULL, NULL, 0 }

const struct field_choice event_residence_kinds[] = {
	{ "permanent", N_("Permanent residence"), "Thường trú", NULL,
	  0, 0, 0 },
	{ "temporary", N_("Temporary residence"), "Tạm trú", NULL, 0, 0, 0 },
	{ "current", N_("Current place of living (declared)"),
	  "Nơi ở hiện tại", "Luật Cư trú 2020, Điều 19", 0, 0, 0 },
	CHOICE_END
};

/* Luật Cư trú 2020, Điều 24 khoản 1, as listed in notes/domain.md. */
const struct field_choice event_grounds_permanent[] = {
	{ "death", N_("Died, or declared missing or dead by a court"),
	  "Chết; có quyết định của Tòa án tuyên bố mất tích hoặc đã chết",
	  "Luật Cư trú 2020, Điều 24 khoản 1", 0, 0,
	  FIELD_CHOICE_NEEDS_DOCUMENT },
	{ "emigrated", N_("Emigrated to settle abroad"),
	  "Ra nước ngoài để định cư",
	  "Luật Cư trú 2020, Điều 24 khoản 1", 0, 0, 0 },
	{ "cancelled", N_("Registration cancelled by a decision (Article 35)"),
	  "Đã có quyết định hủy bỏ đăng ký thường trú theo Điều 35",
	  "Luật Cư trú 2020, Điều 24 khoản 1", 0, 0,
	  FIELD_CHOICE_NEEDS_DOCUMENT },
	{ "absent", N_("Absent for 12 months or more without temporary "
	  "registration elsewhere or an absence declaration"),
	  "Vắng mặt liên tục tại nơi thường trú từ 12 tháng trở lên mà không "
	  "đăng ký tạm trú tại chỗ ở khác hoặc không khai báo tạm vắng",
	  "Luật Cư trú 2020, Điều 24 khoản 1", 0, 12, 0 },
	{ "nationality_lost", N_("Lost Vietnamese nationality"),
	  "Được thôi, bị tước quốc tịch Việt Nam hoặc bị hủy bỏ quyết định "
	  "cho nhập quốc tịch Việt Nam",
	  "Luật Cư trú 2020, Điều 24 khoản 1", 0, 0,
	  FIELD_CHOICE_NEEDS_DOCUMENT },
	{ "housing_ended", N_("Rental or loan ended, or ownership transferred, "
	  "and no new registration within 12 months"),
	  "Đã chấm dứt thuê, mượn, ở nhờ hoặc đã chuyển quyền sở hữu chỗ ở mà "
	  "sau 12 tháng chưa đăng ký thường trú tại chỗ ở mới",
	  "Luật Cư trú 2020, Điều 24 khoản 1", 0, 12, 0 },
	{ "premises_gone", N_("Premises demolished or confiscated"),
	  "Chỗ ở đã bị phá dỡ, tịch thu theo quyết định của cơ quan nhà nước "
	  "có thẩm quyền",
	  "Luật Cư trú 2020, Điều 24 khoản 1", 0, 0,
	  FIELD_CHOICE_NEEDS_DOCUMENT },
	CHOICE_END
};

/* Luật Cư trú 2020, Điều 29 khoản 1, as listed in notes/domain.md. */
const struct field_choice event_grounds_temporary[] = {
	{ "death", N_("Died, or declared missing or dead by a court"),
	  "Chết; có quyết định của Tòa án tuyên bố mất tích hoặc đã chết",
	  "Luật Cư trú 2020, Điều 29 khoản 1", 0, 0,
	  FIELD_CHOICE_NEEDS_DOCUMENT },
	{ "cancelled", N_("Registration cancelled by a decision (Article 35)"),
	  "Đã có quyết định hủy bỏ đăng ký tạm trú theo Điều 35",
	  "Luật Cư trú 2020, Điều 29 khoản 1", 0, 0,
	  FIELD_CHOICE_NEEDS_DOCUMENT },
	{ "absent", N_("Absent for 6 months or more without registering "
	  "elsewhere"),
	  "Vắng mặt liên tục tại nơi tạm trú từ 06 tháng trở lên mà không "
	  "đăng ký tạm trú tại chỗ ở khác",
	  "Luật Cư trú 2020, Điều 29 khoản 1", 0, 6, 0 },
	{ "nationality_lost", N_("Lost Vietnamese nationality"),
	  "Được thôi, bị tước quốc tịch Việt Nam hoặc bị hủy bỏ quyết định "
	  "cho nhập quốc tịch Việt Nam",
	  "Luật Cư trú 2020, Điều 29 khoản 1", 0, 0,
	  FIELD_CHOICE_NEEDS_DOCUMENT },
	{ "registered_permanent", N_("Registered permanent residence at the "
	  "same address"),
	  "Đã được đăng ký thường trú tại chính nơi tạm trú",
	  "Luật Cư trú 2020, Điều 29 khoản 1", 0, 0, 0 },
	{ "rental_ended", N_("Rental or loan ended without registering "
	  "elsewhere"),
	  "Đã chấm dứt việc thuê, mượn, ở nhờ mà không đăng ký tạm trú tại "
	  "chỗ ở khác",
	  "Luật Cư trú 2020, Điều 29 khoản 1", 0, 0, 0 },
	{ "ownership_transferred", N_("Ownership of the premises transferred "
	  "(unless the new owner agrees to the stay)"),
	  "Chỗ ở đã chuyển quyền sở hữu cho người khác, trừ trường hợp được "
	  "chủ sở hữu mới đồng ý cho tiếp tục ở",
	  "Luật Cư trú 2020, Điều 29 khoản 1", 0, 0, 0 },
	{ "premises_gone", N_("Premises demolished or confiscated"),
	  "Chỗ ở đã bị phá dỡ, tịch thu theo quyết định của cơ quan nhà nước "
	  "có thẩm quyền",
	  "Luật Cư trú 2020, Điều 29 khoản 1", 0, 0,
	  FIELD_CHOICE_NEEDS_DOCUMENT },
	CHOICE_END
};

/* Luật Cư trú 2020, Điều 31 khoản 1.  The minimum of case (c) is the
 * default of a configurable rule (struct procedure_rules): the law speaks
 * of leaving the "district", and districts no longer exist. */
const struct field_choice event_absence_cases[] = {
	{ "accused_or_sentenced", N_("Accused person, or person with a "
	  "suspended, deferred or non-custodial sentence, leaving the commune "
	  "for 1 day or more"),
	  "Bị can, bị cáo đang tại ngoại; người bị kết án phạt tù chưa chấp "
	  "hành, được hoãn hoặc tạm đình chỉ chấp hành án; người được hưởng án "
	  "treo, cải tạo không giam giữ, quản chế, tha tù trước thời hạn có "
	  "điều kiện đi khỏi phạm vi cấp xã từ 01 ngày trở lên",
	  "Luật Cư trú 2020, Điều 31 khoản 1 điểm a", 1, 0, 0 },
	{ "administrative_measure", N_("Person under an administrative "
	  "measure, leaving the commune for 1 day or more"),
	  "Người đang chấp hành biện pháp giáo dục tại xã, phường, người được "
	  "hoãn hoặc tạm đình chỉ biện pháp xử lý hành chính, người đang bị "
	  "quản lý trong thời gian làm thủ tục áp dụng biện pháp xử lý hành "
	  "chính đi khỏi phạm vi cấp xã từ 01 ngày trở lên",
	  "Luật Cư trú 2020, Điều 31 khoản 1 điểm b", 1, 0, 0 },
	{ "military_age", N_("Person of military service age leaving for 3 "
	  "consecutive months or more"),
	  "Người trong độ tuổi thực hiện nghĩa vụ quân sự, dự bị động viên đi "
	  "khỏi nơi cư trú từ 03 tháng liên tục trở lên",
	  "Luật Cư trú 2020, Điều 31 khoản 1 điểm c", 0, 3, 0 },
	{ "long_absence", N_("Other person leaving the province for 12 "
	  "consecutive months or more"),
	  "Người không thuộc các trường hợp trên đi khỏi phạm vi cấp tỉnh nơi "
	  "thường trú từ 12 tháng liên tục trở lên",
	  "Luật Cư trú 2020, Điều 31 khoản 1 điểm d", 0, 12, 0 },
	CHOICE_END
};

static const struct field_choice sexes[] = {
	{ "male", N_("Male"), "Nam", NULL, 0, 0, 0 },
	{ "female", N_("Female"), "Nữ", NULL, 0, 0, 0 },
	CHOICE_END
};

static const struct field_choice closable_kinds[] = {
	{ "permanent", N_("Permanent residence"), "Thường trú", NULL,
	  0, 0, 0 },
	{ "temporary", N_("Temporary residence"), "Tạm trú", NULL, 0, 0, 0 },
	CHOICE_END
};

static const struct field_choice temporary_kind[] = {
	{ "temporary", N_("Temporary residence"), "Tạm trú", NULL, 0, 0, 0 },
	CHOICE_END
};

const struct field event_schema_address[] = {
	{ "commune", N_("Commune"), FIELD_COMMUNE, FIELD_REQUIRED,
	  NULL, NULL, 0 },
	{ "detail", N_("House number, street, hamlet"), FIELD_TEXT,
	  FIELD_REQUIRED, NULL, NULL, 0 },
	FIELD_END
};

const struct field event_schema_guest[] = {
	{ "id_number", N_("ID number"), FIELD_ID_NUMBER, FIELD_CONDITIONAL,
	  NULL, NULL, 0 },
	{ "passport", N_("Passport number"), FIELD_PASSPORT, FIELD_CONDITIONAL,
	  NULL, NULL, 0 },
	{ "nationality", N_("Nationality"), FIELD_NATIONALITY,
	  FIELD_CONDITIONAL, NULL, NULL, 0 },
	{ "name", N_("Full name"), FIELD_NAME, FIELD_REQUIRED, NULL, NULL, 0 },
	{ "dob", N_("Date of birth"), FIELD_PARTIAL_DATE,
	  FIELD_REQUIRED | FIELD_NOT_FUTURE, NULL, NULL, 0 },
	{ "sex", N_("Sex"), FIELD_SEX, FIELD_REQUIRED, sexes, NULL, 0 },
	FIELD_END
};

#define ADDRESS(req) { "address", N_("Address"), FIELD_OBJECT, req, \
	NULL, event_schema_address, 0 }

static const struct field person_upserted[] = {
	{ "id_number", N_("ID number"), FIELD_ID_NUMBER, FIELD_REQUIRED,
	  NULL, NULL, 0 },
	{ "name", N_("Full name"), FIELD_NAME, FIELD_REQUIRED, NULL, NULL, 0 },
	{ "dob", N_("Date of birth"), FIELD_PARTIAL_DATE,
	  FIELD_REQUIRED | FIELD_NOT_FUTURE, NULL, NULL, 0 },
	{ "sex", N_("Sex"), FIELD_SEX, FIELD_REQUIRED, sexes, NULL, 0 },
	{ "phone", N_("Phone"), FIELD_PHONE, 0, NULL, NULL, 0 },
	{ "email", N_("E-mail"), FIELD_EMAIL, 0, NULL, NULL, 0 },
	/* Text of at most 9 code points here; event_rules() holds it to
	 * the 9 digits idnum_parse_cmnd() accepts. */
	{ "cmnd", N_("Old CMND number"), FIELD_TEXT, 0, NULL, NULL,
	  IDNUM_CMND_LEN },
	FIELD_END
};

static const struct field household_created[] = {
	{ "household", N_("Household number"), FIELD_HOUSEHOLD, FIELD_REQUIRED,
	  NULL, NULL, 0 },
	{ "head", N_("Head of household"), FIELD_ID_NUMBER, FIELD_REQUIRED,
	  NULL, NULL, 0 },
	ADDRESS(FIELD_REQUIRED),
	FIELD_END
};

static const struct field member_added[] = {
	{ "household", N_("Household number"), FIELD_HOUSEHOLD, FIELD_REQUIRED,
	  NULL, NULL, 0 },
	{ "person", N_("Person"), FIELD_ID_NUMBER, FIELD_REQUIRED,
	  NULL, NULL, 0 },
	{ "relationship", N_("Relationship to the head of household"),
	  FIELD_TEXT, FIELD_REQUIRED, NULL, NULL, 40 },
	FIELD_END
};

static const struct field member_removed[] = {
	{ "household", N_("Household number"), FIELD_HOUSEHOLD, FIELD_REQUIRED,
	  NULL, NULL, 0 },
	{ "person", N_("Person"), FIELD_ID_NUMBER, FIELD_REQUIRED,
	  NULL, NULL, 0 },
	FIELD_END
};

static const struct field head_changed[] = {
	{ "household", N_("Household number"), FIELD_HOUSEHOLD, FIELD_REQUIRED,
	  NULL, NULL, 0 },
	{ "head", N_("Head of household"), FIELD_ID_NUMBER, FIELD_REQUIRED,
	  NULL, NULL, 0 },
	FIELD_END
};

static const struct field residence_opened[] = {
	{ "person", N_("Person"), FIELD_ID_NUMBER, FIELD_REQUIRED,
	  NULL, NULL, 0 },
	{ "kind", N_("Kind of residence"), FIELD_ENUM, FIELD_REQUIRED,
	  event_residence_kinds, NULL, 0 },
	ADDRESS(FIELD_REQUIRED),
	{ "from", N_("From"), FIELD_DATE, FIELD_REQUIRED, NULL, NULL, 0 },
	{ "to", N_("Until"), FIELD_DATE, FIELD_CONDITIONAL, NULL, NULL, 0 },
	FIELD_END
};

static const struct field residence_extended[] = {
	{ "person", N_("Person"), FIELD_ID_NUMBER, FIELD_REQUIRED,
	  NULL, NULL, 0 },
	{ "kind", N_("Kind of residence"), FIELD_ENUM, FIELD_REQUIRED,
	  temporary_kind, NULL, 0 },
	{ "to", N_("Until"), FIELD_DATE, FIELD_REQUIRED, NULL, NULL, 0 },
	FIELD_END
};

#define CLOSED(grounds) { \
	{ "person", N_("Person"), FIELD_ID_NUMBER, FIELD_REQUIRED, \
	  NULL, NULL, 0 }, \
	{ "kind", N_("Kind of residence"), FIELD_ENUM, FIELD_REQUIRED, \
	  closable_kinds, NULL, 0 }, \
	{ "ground", N_("Ground for deletion"), FIELD_ENUM, FIELD_REQUIRED, \
	  grounds, NULL, 0 }, \
	{ "date", N_("Date of deletion"), FIELD_DATE, FIELD_REQUIRED, \
	  NULL, NULL, 0 }, \
	{ "event_date", N_("Date of the event"), FIELD_DATE, FIELD_REQUIRED, \
	  NULL, NULL, 0 }, \
	{ "document_ref", N_("Document number"), FIELD_TEXT, 0, \
	  NULL, NULL, 80 }, \
	FIELD_END \
}

/* residence.closed has one schema per kind: the ground list depends on it.
 * The table of types lists the permanent one. */
static const struct field closed_permanent[] =
    CLOSED(event_grounds_permanent);
static const struct field closed_temporary[] =
    CLOSED(event_grounds_temporary);

static const struct field stay_recorded[] = {
	{ "host", N_("Person giving notice"), FIELD_ID_NUMBER, FIELD_REQUIRED,
	  NULL, NULL, 0 },
	ADDRESS(FIELD_REQUIRED),
	{ "from", N_("From"), FIELD_DATE, FIELD_REQUIRED, NULL, NULL, 0 },
	{ "to", N_("Until"), FIELD_DATE, FIELD_REQUIRED, NULL, NULL, 0 },
	{ "guests", N_("Guests"), FIELD_TABLE, FIELD_REQUIRED,
	  NULL, event_schema_guest, 0 },
	FIELD_END
};

static const struct field absence_recorded[] = {
	{ "person", N_("Person"), FIELD_ID_NUMBER, FIELD_REQUIRED,
	  NULL, NULL, 0 },
	{ "case", N_("Case of absence"), FIELD_ENUM, FIELD_REQUIRED,
	  event_absence_cases, NULL, 0 },
	{ "from", N_("From"), FIELD_DATE, FIELD_REQUIRED, NULL, NULL, 0 },
	{ "to", N_("Until"), FIELD_DATE, FIELD_REQUIRED, NULL, NULL, 0 },
	{ "destination", N_("Destination"), FIELD_TEXT, FIELD_REQUIRED,
	  NULL, NULL, 0 },
	{ "reason", N_("Reason"), FIELD_TEXT, FIELD_REQUIRED, NULL, NULL, 0 },
	FIELD_END
};

static const struct field confirmation_issued[] = {
	{ "person", N_("Person"), FIELD_ID_NUMBER, FIELD_REQUIRED,
	  NULL, NULL, 0 },
	{ "requester", N_("Requester"), FIELD_ID_NUMBER, FIELD_REQUIRED,
	  NULL, NULL, 0 },
	{ "issued", N_("Date of issue"), FIELD_DATE, FIELD_REQUIRED,
	  NULL, NULL, 0 },
	{ "valid_until", N_("Valid until"), FIELD_DATE, FIELD_REQUIRED,
	  NULL, NULL, 0 },
	{ "content", N_("Content to confirm"), FIELD_TEXT, 0, NULL, NULL, 500 },
	FIELD_END
};

static const struct field identity_corrected[] = {
	{ "person", N_("Person"), FIELD_ID_NUMBER, FIELD_REQUIRED,
	  NULL, NULL, 0 },
	{ "name", N_("Full name"), FIELD_NAME, 0, NULL, NULL, 0 },
	{ "dob", N_("Date of birth"), FIELD_PARTIAL_DATE, 0, NULL, NULL, 0 },
	{ "sex", N_("Sex"), FIELD_SEX, 0, sexes, NULL, 0 },
	{ "id_number", N_("ID number"), FIELD_ID_NUMBER, 0, NULL, NULL, 0 },
	{ "document_ref", N_("Civil-status document"), FIELD_TEXT,
	  FIELD_REQUIRED, NULL, NULL, 80 },
	FIELD_END
};

const struct event_type event_types[] = {
	{ "person.upserted", N_("Identity data of a citizen"),
	  person_upserted },
	{ "household.created", N_("A new household"), household_created },
	{ "household.member_added", N_("A person joins a household"),
	  member_added },
	{ "household.member_removed", N_("A person leaves a household"),
	  member_removed },
	{ "household.head_changed", N_("A household gets a new head"),
	  head_changed },
	{ "residence.opened", N_("A residence begins"), residence_opened },
	{ "residence.extended", N_("A temporary residence is extended"),
	  residence_extended },
	{ "residence.closed", N_("A residence is deleted"), closed_permanent },
	{ "stay.recorded", N_("A notice of stay"), stay_recorded },
	{ "absence.recorded", N_("A declaration of absence"),
	  absence_recorded },
	{ "confirmation.issued", N_("A residence confirmation"),
	  confirmation_issued },
	{ "identity.corrected", N_("Civil-status data corrected"),
	  identity_corrected },
	{ NULL, NULL, NULL }
};

const struct event_type *
event_type_find(const char *name)
{
	const struct event_type *t;

	if (name == NULL)
		return NULL;
	for (t = event_types; t->name != NULL; t++)
		if (strcmp(t->name, name) == 0)
			return t;
	return NULL;
}

int
event_check_term(const struct cutru_date *from, const struct cutru_date *to,
    const char *field_to, struct cutru_err *e)
{
	struct cutru_date last;
	long days;

	if (date_diff_days(from, to, &days) != CUTRU_OK ||
	    date_add_years(from, EVENT_TEMPORARY_MAX_YEARS, &last) != CUTRU_OK)
		return cutru_err_set(e, CUTRU_EINVAL, field_to,
		    _("The term needs full start and end dates."));
	if (days <= 0)
		return cutru_err_set(e, CUTRU_EINVAL, field_to,
		    _("The end of the term must come after its start."));
	if (date_compare(to, &last) > 0)
		return cutru_err_set(e, CUTRU_ERANGE, field_to,
		    _("A temporary residence term is at most %d years: it can "
		    "end on %04d-%02d-%02d at the latest; it can be extended "
		    "later."), EVENT_TEMPORARY_MAX_YEARS, last.year,
		    last.month, last.day);
	return CUTRU_OK;
}

int
event_check_stay(const struct cutru_date *from, const struct cutru_date *to,
    const char *field_to, struct cutru_err *e)
{
	long days;

	if (date_diff_days(from, to, &days) != CUTRU_OK)
		return cutru_err_set(e, CUTRU_EINVAL, field_to,
		    _("The stay needs full start and end dates."));
	if (days < 0)
		return cutru_err_set(e, CUTRU_EINVAL, field_to,
		    _("The end of the stay comes before its start."));
	if (days >= EVENT_STAY_MAX_DAYS)
		return cutru_err_set(e, CUTRU_ERANGE, field_to,
		    _("A stay of %ld days is too long for a notice of stay "
		    "(under %d days): register temporary residence instead."),
		    days, EVENT_STAY_MAX_DAYS);
	return CUTRU_OK;
}

int
event_check_guests(const cJSON *guests, const char *path,
    struct cutru_err *e)
{
	const cJSON *g;
	char sub[FIELD_PATH_MAX];
	int i, has_id, has_pp, has_nat;

	if (cJSON_GetArraySize(guests) < 1)
		return cutru_err_set(e, CUTRU_EINVAL, path,
		    _("A notice of stay names at least one guest."));
	for (i = 0, g = guests->child; g != NULL; g = g->next, i++) {
		field_path_index(sub, sizeof sub, path, i);
		has_id = field_get_string(g, "id_number") != NULL;
		has_pp = field_get_string(g, "passport") != NULL;
		has_nat = field_get_string(g, "nationality") != NULL;
		if (has_id && (has_pp || has_nat))
			return cutru_err_set(e, CUTRU_EINVAL, sub,
			    _("Guest %d has both an ID number and a passport: "
			    "give the ID number for a citizen, the passport "
			    "and nationality for a foreigner."), i + 1);
		if (!has_id && !(has_pp && has_nat))
			return cutru_err_set(e, CUTRU_EINVAL, sub,
			    _("Guest %d needs an ID number, or a passport "
			    "number and a nationality."), i + 1);
	}
	return CUTRU_OK;
}

/* Cross-field rules of one payload (already checked against its schema). */
static int
event_rules(const char *type, const cJSON *data, const char *path,
    struct cutru_err *e)
{
	struct cutru_date a, b;
	const char *kind = field_get_string(data, "kind");
	char sub[FIELD_PATH_MAX];
	int rc;
	int is_temp = kind != NULL && strcmp(kind, "temporary") == 0;

	if (strcmp(type, "person.upserted") == 0) {
		const char *cmnd = field_get_string(data, "cmnd");
		char digits[IDNUM_CMND_LEN + 1];

		if (cmnd == NULL)
			return CUTRU_OK;
		rc = idnum_parse_cmnd(cmnd, digits, e);
		if (rc == CUTRU_OK && strcmp(digits, cmnd) != 0)
			rc = cutru_err_set(e, CUTRU_EINVAL, NULL,
			    _("An old CMND number is stored as its 9 digits, "
			    "without spaces."));
		if (rc != CUTRU_OK) {
			field_path_key(sub, sizeof sub, path, "cmnd");
			field_set_path(e, sub);
		}
		return rc;
	}
	if (strcmp(type, "residence.opened") == 0) {
		/* The path is written only when it is needed. */
		if (!is_temp) {
			if (cJSON_GetObjectItemCaseSensitive(data, "to") ==
			    NULL)
				return CUTRU_OK;
			rc = cutru_err_set(e, CUTRU_EINVAL, NULL,
			    _("Only a temporary residence has an end date."));
		} else if (field_get_date(data, "to", &b) != CUTRU_OK)
			rc = cutru_err_set(e, CUTRU_EINVAL, NULL,
			    _("A temporary residence needs an end date."));
		else {
			field_get_date(data, "from", &a);
			rc = event_check_term(&a, &b, NULL, e);
		}
		if (rc != CUTRU_OK) {
			field_path_key(sub, sizeof sub, path, "to");
			field_set_path(e, sub);
		}
		return rc;
	}
	if (strcmp(type, "residence.closed") == 0) {
		field_get_date(data, "event_date", &a);
		field_get_date(data, "date", &b);
		if (date_compare(&a, &b) > 0) {
			field_path_key(sub, sizeof sub, path, "event_date");
			return cutru_err_set(e, CUTRU_EINVAL, sub,
			    _("The event giving the ground comes after the "
			    "deletion."));
		}
		return CUTRU_OK;
	}
	if (strcmp(type, "stay.recorded") == 0) {
		field_get_date(data, "from", &a);
		field_get_date(data, "to", &b);
		field_path_key(sub, sizeof sub, path, "to");
		rc = event_check_stay(&a, &b, sub, e);
		if (rc != CUTRU_OK)
			return rc;
		field_path_key(sub, sizeof sub, path, "guests");
		return event_check_guests(
		    cJSON_GetObjectItemCaseSensitive(data, "guests"), sub, e);
	}
	if (strcmp(type, "absence.recorded") == 0) {
		field_get_date(data, "from", &a);
		field_get_date(data, "to", &b);
		if (date_compare(&a, &b) >= 0) {
			field_path_key(sub, sizeof sub, path, "to");
			return cutru_err_set(e, CUTRU_EINVAL, sub,
			    _("The end of the absence must come after its "
			    "start."));
		}
		return CUTRU_OK;
	}
	if (strcmp(type, "confirmation.issued") == 0) {
		field_get_date(data, "issued", &a);
		field_get_date(data, "valid_until", &b);
		if (date_compare(&a, &b) > 0) {
			field_path_key(sub, sizeof sub, path, "valid_until");
			return cutru_err_set(e, CUTRU_EINVAL, sub,
			    _("A confirmation cannot expire before it is "
			    "issued."));
		}
		return CUTRU_OK;
	}
	if (strcmp(type, "identity.corrected") == 0) {
		if (!cJSON_HasObjectItem(data, "name") &&
		    !cJSON_HasObjectItem(data, "dob") &&
		    !cJSON_HasObjectItem(data, "sex") &&
		    !cJSON_HasObjectItem(data, "id_number"))
			return cutru_err_set(e, CUTRU_EINVAL, path,
			    _("A correction changes at least one of name, date "
			    "of birth, sex and ID number."));
		return CUTRU_OK;
	}
	return CUTRU_OK;
}

/* The checks of validate_at() after the encoding: members, type, the
 * payload against its schema, the rules. */
static int
check_encoded(const cJSON *ev, const char *path, struct cutru_err *e)
{
	static const struct field_ctx stored = { NULL, FIELD_CHECK_STORED };
	const struct event_type *t;
	const struct field *schema;
	const cJSON *type, *data, *m;
	const char *kind;
	char sub[FIELD_PATH_MAX];
	int rc;

	for (m = ev->child; m != NULL; m = m->next)
		if (m->string == NULL || (strcmp(m->string, "type") != 0 &&
		    strcmp(m->string, "data") != 0)) {
			field_path_key(sub, sizeof sub, path,
			    m->string != NULL ? m->string : "");
			return cutru_err_set(e, CUTRU_EINVAL, sub,
			    _("An event has only \"type\" and \"data\"."));
		}
	type = cJSON_GetObjectItemCaseSensitive(ev, "type");
	if (!cJSON_IsString(type) ||
	    (t = event_type_find(type->valuestring)) == NULL) {
		field_path_key(sub, sizeof sub, path, "type");
		if (!cJSON_IsString(type))
			return cutru_err_set(e, CUTRU_EINVAL, sub,
			    _("An event needs a type."));
		return cutru_err_set(e, CUTRU_EINVAL, sub,
		    _("\"%.60s\" is not a known event type."),
		    type->valuestring);
	}
	data = cJSON_GetObjectItemCaseSensitive(ev, "data");
	/* The common case, an event on its own, needs no formatting. */
	if (path[0] == '\0')
		strcpy(sub, "data");
	else
		field_path_key(sub, sizeof sub, path, "data");
	if (data == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, sub,
		    _("An event needs its data."));
	schema = t->fields;
	kind = field_get_string(data, "kind");
	if (schema == closed_permanent && kind != NULL &&
	    strcmp(kind, "temporary") == 0)
		schema = closed_temporary;
	rc = field_check_object(schema, data, &stored, sub, e);
	if (rc != CUTRU_OK)
		return rc;
	return event_rules(t->name, data, sub, e);
}

/* event_validate() with a path prefix.  With out, the event's canonical
 * encoding is appended to it (on success only) and, when the encoding had
 * to bring a text to NFC, the tree the bytes decode to is what is checked
 * and is returned in *nfc (the caller frees it). */
static int
validate_at(const cJSON *ev, const char *path, struct canon_buf *out,
    cJSON **nfc, struct cutru_err *e)
{
	struct canon_buf scratch = { NULL, 0, 0 }, *buf = out;
	char sub[FIELD_PATH_MAX], inner[CUTRU_ERR_FIELD_MAX];
	cJSON *tree = NULL;
	size_t len0;
	int rc, normalised = 0;

	if (!cJSON_IsObject(ev))
		return cutru_err_set(e, CUTRU_EINVAL, path,
		    _("An event must be a JSON object."));
	/* Canonical-JSON friendly first: no fractions, duplicates, bad text.
	 * The encoding is kept when the caller records it (the journal). */
	if (buf == NULL)
		buf = &scratch;
	len0 = buf->len;
	rc = canon_encode_append(ev, buf, &normalised, e);
	canon_buf_free(&scratch);
	if (rc != CUTRU_OK) {
		if (e != NULL && path[0] != '\0') {
			memcpy(inner, e->field, sizeof inner);
			field_path_key(sub, sizeof sub, path, inner);
			field_set_path(e, sub);
		}
		return rc;
	}
	if (out != NULL && normalised) {
		/* Rare (text typed in NFD): check what the bytes say. */
		rc = canon_parse(out->p + len0, out->len - len0, NULL, 0, &tree,
		    e);
		if (rc == CUTRU_OK)
			rc = check_encoded(tree, path, e);
	} else
		rc = check_encoded(ev, path, e);
	if (rc != CUTRU_OK) {
		cJSON_Delete(tree);
		tree = NULL;
		if (out != NULL)
			out->len = len0;
	}
	if (nfc != NULL)
		*nfc = tree;
	else
		cJSON_Delete(tree);
	return rc;
}

int
event_validate(const cJSON *ev, struct cutru_err *e)
{
	return validate_at(ev, "", NULL, NULL, e);
}

int
event_validate_encode(const cJSON *ev, struct canon_buf *out, cJSON **nfc,
    struct cutru_err *e)
{
	*nfc = NULL;
	if (out == NULL)
		return cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("Nowhere to write the event."));
	return validate_at(ev, "", out, nfc, e);
}

int
event_validate_list(const cJSON *events, struct cutru_err *e)
{
	const cJSON *ev;
	char path[FIELD_PATH_MAX];
	int i, rc;

	if (!cJSON_IsArray(events))
		return cutru_err_set(e, CUTRU_EINVAL, "",
		    _("A list of events must be a JSON array."));
	for (i = 0, ev = events->child; ev != NULL; ev = ev->next, i++) {
		field_path_index(path, sizeof path, "", i);
		rc = validate_at(ev, path, NULL, NULL, e);
		if (rc != CUTRU_OK)
			return rc;
	}
	return CUTRU_OK;
}

cJSON *
event_new(const char *type, cJSON *data)
{
	cJSON *ev, *t;

	if (data == NULL)
		return NULL;
	/* The two keys are literals: kept by reference, not copied. */
	ev = cJSON_CreateObject();
	t = cJSON_CreateString(type);
	if (ev == NULL || t == NULL || !cJSON_AddItemToObjectCS(ev, "type", t)) {
		cJSON_Delete(t);
		cJSON_Delete(ev);
		cJSON_Delete(data);
		return NULL;
	}
	if (!cJSON_AddItemToObjectCS(ev, "data", data)) {
		cJSON_Delete(ev);
		cJSON_Delete(data);
		return NULL;
	}
	return ev;
}
