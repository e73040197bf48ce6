/* Finding persons: the query language, the search index and the order.
 *
 * What an officer types.  The query is folded with name_fold_query()
 * (core/name.h), the one implementation of folding: lower case, no tone
 * marks or other diacritics, đ = d, NFD = NFC, every character that cannot
 * be part of a name word made a space.  The folded query is cut into
 * tokens the way the index's 'ascii' tokenizer cuts names: a token is a run
 * of ASCII letters and digits and non-ASCII bytes; everything else (space,
 * hyphen, apostrophe) separates.  Then:
 *   - a card scan (qr_looks_like_scan(), tested before folding) and a query
 *     of 12 digits (in groups or not) look up persons.id_number, 9 digits
 *     persons.legacy_cmnd;
 *   - letters: each token must be a prefix of a different word of the
 *     folded name, the words in the order of the tokens, other words
 *     allowed between.  Officers type the family name first, or only the
 *     given name, or the first letters of every word; all of these are
 *     in-order prefixes, and "an" alone lists every An, Anh, ... .  Not
 *     "consecutive words": "nguyen an" must find Nguyễn Văn An.  Not "any
 *     order" either: "an nguyen" finding Nguyễn Văn An and An Văn Nguyễn
 *     alike would double the list for the commonest query shape for no gain.
 * Hostile input cannot reach the FTS5 query language: tokens hold only
 * letters, digits and non-ASCII bytes and are written into the MATCH
 * expression inside double quotes, which a token cannot contain, so "AND",
 * "NEAR", '*', '^', ':' and parentheses are either folded to spaces or are
 * plain words.  Every value goes to SQLite as a bound parameter.
 *
 * The index (localdb/search_index.h) is a contentless FTS5 table over
 * the words of persons.folded, each tagged with its place in the name,
 * whose rowid is the person's rank in the Vietnamese list order.  FTS5
 * returns matches in rowid order, so a search reads matches already in
 * the order it shows them, checks the word order and the filters on each,
 * and stops at the limit.  The MATCH expression says at which places each
 * word typed can lie (the first typed word is not the given name, and so
 * on), so that FTS5 hands out few candidates that the exact check then
 * refuses.  The cost of a query is the number of candidates it reads
 * before it has `limit` of them: about `limit` for most queries, a few
 * hundred to a few thousand when two words typed can begin the same second
 * or later middle name ("n ngo n" and Nguyễn Bảo Ngọc An) or when the
 * filters are strict.
 *
 * Filters.  Birth year is tested by SQLite; the residence conditions (kind,
 * commune) by a join with residences and addresses; the address words by
 * folding the address here, since SQLite cannot fold.  A query with no
 * tokens but with filters walks persons in sort-key order instead (index
 * persons_sort), which is exact and stops at the limit.
 *
 * What can go wrong.  The index out of step with persons (a row written
 * while the triggers were missing): matches without a person are dropped by
 * the join, persons missing from the index are not found; search_rebuild()
 * is the cure.  A deferred index (an import, or a label gap used up) makes
 * name searches wait for search_rebuild(); the second kind is rebuilt by
 * the next search outside a transaction. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/i18n.h"
#include "core/name.h"
#include "core/qr.h"
#include "core/utf8.h"
#include "localdb/search.h"
#include "localdb/search_index.h"

#define RANK_ID_BITS SEARCH_RANK_ID_BITS
#define RANK_ID_MASK ((INT64_C(1) << RANK_ID_BITS) - 1)

/* Folding may lengthen a character (U+023A, 2 bytes, folds to U+2C65, 3);
 * never by more than half. */
#define FOLD_BUF_SIZE (SEARCH_QUERY_MAX * 2 + 1)

struct tokens {
	size_t n;
	const char *s[NAME_MAX_WORDS];
	size_t len[NAME_MAX_WORDS];
	int too_many;   /* more tokens than a name can have words */
	size_t total;   /* tokens, including those beyond NAME_MAX_WORDS */
	size_t digits;  /* tokens made only of ASCII digits */
	size_t mixed;   /* tokens with digits and other characters */
};

/* The persons found, in the list order. */
struct found {
	int64_t *id;
	int64_t *res_id;  /* residence to show: > 0 that one, -1 none, 0 the
	                   * best active one */
	size_t n, cap;
};

/* What search_persons() decided to do with a query. */
struct plan {
	enum { PLAN_NAME, PLAN_LIST, PLAN_ID, PLAN_CMND } kind;
	struct tokens tok;
	char number[13];              /* PLAN_ID, PLAN_CMND */
	int birth_year;
	char commune[6];
	char address[FOLD_BUF_SIZE];  /* folded, "" if none */
	enum search_state state;
	int res_filter;               /* a residence condition is set */
};

static int
word_byte(unsigned char c)
{
	return c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

static int
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static void
tokenize(const char *s, struct tokens *t)
{
	size_t pos = 0, start, dig;

	memset(t, 0, sizeof *t);
	for (;;) {
		while (s[pos] != '\0' && !word_byte((unsigned char)s[pos]))
			pos++;
		if (s[pos] == '\0')
			break;
		start = pos;
		dig = 0;
		while (word_byte((unsigned char)s[pos])) {
			dig += is_digit((unsigned char)s[pos]);
			pos++;
		}
		if (dig == pos - start)
			t->digits++;
		else if (dig > 0)
			t->mixed++;
		t->total++;
		if (t->n == NAME_MAX_WORDS) {
			t->too_many = 1;
			continue;
		}
		t->s[t->n] = s + start;
		t->len[t->n] = pos - start;
		t->n++;
	}
}

/* Whether each token begins a different word of name[0..len), in order.
 * Taking for each token the first word it fits is never worse than any
 * other choice, so one pass decides. */
static int
tokens_in_order(const struct tokens *t, const char *name, size_t len)
{
	size_t pos = 0, start, i = 0;

	while (i < t->n) {
		while (pos < len && !word_byte((unsigned char)name[pos]))
			pos++;
		if (pos == len)
			return 0;
		start = pos;
		while (pos < len && word_byte((unsigned char)name[pos]))
			pos++;
		if (pos - start >= t->len[i] &&
		    memcmp(name + start, t->s[i], t->len[i]) == 0)
			i++;
	}
	return 1;
}

/* Whether one of two tokens begins the other: then one word of a name
 * can begin with both. */
static int
tokens_related(const struct tokens *t, size_t i, size_t j)
{
	size_t n = t->len[i] < t->len[j] ? t->len[i] : t->len[j];

	return memcmp(t->s[i], t->s[j], n) == 0;
}

/* Append ("pw"* OR "qw"* ...) for token i at the places listed. */
static void
put_places(const struct tokens *t, size_t i, const char *places, char *s,
    size_t *o)
{
	size_t j;

	s[(*o)++] = '(';
	for (j = 0; places[j] != '\0'; j++) {
		if (j > 0) {
			memcpy(s + *o, " OR ", 4);
			*o += 4;
		}
		s[(*o)++] = '"';
		s[(*o)++] = places[j];
		memcpy(s + *o, t->s[i], t->len[i]);
		*o += t->len[i];
		s[(*o)++] = '"';
		s[(*o)++] = '*';
	}
	s[(*o)++] = ')';
}

/* Append the words typed from the third on: at r, the last also at l. */
static void
put_rest(const struct tokens *t, char *s, size_t *o)
{
	size_t i;

	for (i = 2; i < t->n; i++) {
		memcpy(s + *o, " AND ", 5);
		*o += 5;
		put_places(t, i, i + 1 == t->n ? "rl" : "r", s, o);
	}
}

/* The FTS5 MATCH expression: for each word typed, the places it can take
 * (localdb/search_index.h), as prefix terms with the place letter:
 *     ("fn"* OR "mn"* OR "rn"*) AND ("mh"* OR "rh"*) AND ("rn"* OR "ln"*)
 * Only the first two words typed can both lie at m, the name's one second
 * word; when one of them begins the other ("thuy thuy", "n ngo"), one
 * second word would do for both and every Thùy or Ngọc in the ward would
 * be a candidate, so the expression then says that they do not share it:
 *     (("fn"*) AND ("mngo"* OR "rngo"*) AND ...)
 *     OR (("mn"* OR "rn"*) AND ("rngo"*) AND ...)
 * A single expression per word (not one per way of placing all of them)
 * keeps FTS5 fast: it merges an OR of whole AND groups slowly.
 * Tokens hold no '"'. */
static int
match_expr(const struct tokens *t, char **out, struct cutru_err *e)
{
	size_t i, cap = 1, o = 0;
	char *s;
	int split;

	for (i = 0; i < t->n; i++)
		cap += 2 * (4 * (t->len[i] + 8) + 8);
	s = malloc(cap + 16);
	if (s == NULL)
		return cutru_err_set(e, CUTRU_ENOMEM, NULL, _("Out of memory."));
	if (t->n == 1) {
		put_places(t, 0, "fmrl", s, &o);
		s[o] = '\0';
		*out = s;
		return CUTRU_OK;
	}
	split = tokens_related(t, 0, 1);
	if (split)
		s[o++] = '(';
	put_places(t, 0, split ? "f" : "fmr", s, &o);
	memcpy(s + o, " AND ", 5);
	o += 5;
	put_places(t, 1, t->n == 2 ? "mrl" : "mr", s, &o);
	put_rest(t, s, &o);
	if (split) {
		memcpy(s + o, ") OR (", 6);
		o += 6;
		put_places(t, 0, "mr", s, &o);
		memcpy(s + o, " AND ", 5);
		o += 5;
		put_places(t, 1, t->n == 2 ? "rl" : "r", s, &o);
		put_rest(t, s, &o);
		s[o++] = ')';
	}
	s[o] = '\0';
	*out = s;
	return CUTRU_OK;
}

/* The indexed text of a folded name, as SEARCH_PLACES() makes it in SQL
 * (localdb/search_index.h), byte for byte: the rebuild writes rows that
 * the triggers later delete, and a 'delete' must repeat what was inserted.
 * out needs 2 * len + 8 bytes; returns the length written. */
static size_t
place_text(const char *folded, size_t len, char *s, char *out)
{
	size_t i, o = 0, first = len, last = len, p, r0, rs, t0, t1;

	/* S, with its first and last spaces. */
	for (i = 0; i < len; i++) {
		s[i] = folded[i] == '-' || folded[i] == '\'' ? ' ' : folded[i];
		if (s[i] == ' ') {
			if (first == len)
				first = i;
			last = i;
		}
	}
	p = last == len ? 0 : last + 1;           /* length of P */
	r0 = first == len ? p : first + 1;        /* R = S[r0, p) */
	/* first */
	if (first != len) {
		out[o++] = 'f';
		memcpy(out + o, s, first);
		o += first;
	}
	out[o++] = ' ';
	/* mid1: R before its first space, unless R is empty or begins
	 * with a space. */
	for (rs = r0; rs < p && s[rs] != ' '; rs++)
		;
	if (r0 < p && rs > r0) {
		out[o++] = 'm';
		memcpy(out + o, s + r0, rs - r0);
		o += rs - r0;
	}
	out[o++] = ' ';
	/* midrest: R after its first space, trailing spaces dropped, "r"
	 * before each word. */
	t0 = r0 < p ? rs + 1 : p;
	for (t1 = p; t1 > t0 && s[t1 - 1] == ' '; t1--)
		;
	if (t1 > t0) {
		out[o++] = 'r';
		for (i = t0; i < t1; i++) {
			out[o++] = s[i];
			if (s[i] == ' ')
				out[o++] = 'r';
		}
	}
	out[o++] = ' ';
	/* last: S after P. */
	if (len > p) {
		out[o++] = 'l';
		memcpy(out + o, s + p, len - p);
		o += len - p;
	}
	out[o] = '\0';
	return o;
}

/* Copy a column's text into out[0..size), cut at a character boundary. */
static void
copy_text(char *out, size_t size, const unsigned char *s, int len)
{
	size_t n = s != NULL && len > 0 ? (size_t)len : 0;

	if (n >= size) {
		n = size - 1;
		while (n > 0 && (s[n] & 0xC0) == 0x80)
			n--;
	}
	if (n > 0)
		memcpy(out, s, n);
	out[n] = '\0';
}

static enum search_state
state_of_kind(const unsigned char *kind)
{
	if (kind == NULL)
		return SEARCH_STATE_NONE;
	if (strcmp((const char *)kind, "permanent") == 0)
		return SEARCH_STATE_PERMANENT;
	if (strcmp((const char *)kind, "temporary") == 0)
		return SEARCH_STATE_TEMPORARY;
	return SEARCH_STATE_CURRENT;
}

static int
db_error(sqlite3 *db, struct cutru_err *e)
{
	return cutru_err_set(e, CUTRU_EIO, NULL,
	    _("Searching the register failed: %s."), sqlite3_errmsg(db));
}

/* Read the query and the filter into *p. */
static int
plan_query(const char *query, const struct search_filter *f, struct plan *p,
    char *folded, struct cutru_err *e)
{
	size_t len, i, o;
	int rc;

	memset(p, 0, sizeof *p);
	if (query == NULL)
		query = "";
	len = strnlen(query, SEARCH_QUERY_MAX + 1);
	if (len > SEARCH_QUERY_MAX)
		return cutru_err_set(e, CUTRU_EINVAL, "query",
		    _("The search text is too long (more than %d bytes): type part of a name or an ID number."),
		    SEARCH_QUERY_MAX);

	if (f != NULL) {
		if (f->birth_year != 0 && (f->birth_year < DATE_YEAR_MIN ||
		    f->birth_year > DATE_YEAR_MAX))
			return cutru_err_set(e, CUTRU_EINVAL, "birth_year",
			    _("The birth year %d is not a year between %d and %d."),
			    f->birth_year, DATE_YEAR_MIN, DATE_YEAR_MAX);
		p->birth_year = f->birth_year;
		if (f->commune_code != NULL && f->commune_code[0] != '\0') {
			for (i = 0; i < 6 && is_digit((unsigned char)f->commune_code[i]); i++)
				;
			if (i != 5 || f->commune_code[5] != '\0')
				return cutru_err_set(e, CUTRU_EINVAL, "commune_code",
				    _("A commune code has 5 digits, such as 00004."));
			memcpy(p->commune, f->commune_code, 6);
		}
		if (f->address != NULL && f->address[0] != '\0') {
			len = strnlen(f->address, SEARCH_QUERY_MAX + 1);
			if (len > SEARCH_QUERY_MAX)
				return cutru_err_set(e, CUTRU_EINVAL, "address",
				    _("The address to look for is too long (more than %d bytes)."),
				    SEARCH_QUERY_MAX);
			rc = name_fold_query(f->address, len, p->address,
			    sizeof p->address, NULL, e);
			if (rc != CUTRU_OK) {
				if (e != NULL)
					snprintf(e->field, sizeof e->field, "address");
				return rc;
			}
		}
		if ((unsigned)f->state > SEARCH_STATE_NONE)
			return cutru_err_set(e, CUTRU_EINVAL, "state",
			    _("Unknown residence state %d."), (int)f->state);
		p->state = f->state;
		if (p->state == SEARCH_STATE_NONE &&
		    (p->commune[0] != '\0' || p->address[0] != '\0'))
			return cutru_err_set(e, CUTRU_EINVAL, "state",
			    _("A person without an active residence has no address: drop the address or commune condition, or choose another residence state."));
		p->res_filter = p->state != SEARCH_STATE_ANY ||
		    p->commune[0] != '\0' || p->address[0] != '\0';
	}

	len = strlen(query);
	if (qr_looks_like_scan(query, len)) {
		p->kind = PLAN_ID;
		memcpy(p->number, query, 12);
		p->number[12] = '\0';
		return CUTRU_OK;
	}
	rc = name_fold_query(query, len, folded, FOLD_BUF_SIZE, NULL, e);
	if (rc != CUTRU_OK)
		return rc;
	tokenize(folded, &p->tok);
	if (p->tok.n == 0) {
		if (p->birth_year == 0 && !p->res_filter)
			return cutru_err_set(e, CUTRU_EINVAL, "query",
			    _("Type part of a name, or an ID number, to search for."));
		p->kind = PLAN_LIST;
		return CUTRU_OK;
	}
	if (p->tok.mixed > 0 || (p->tok.digits > 0 && p->tok.digits < p->tok.total))
		return cutru_err_set(e, CUTRU_EINVAL, "query",
		    _("Names have no digits: type a name, or an ID number (12 digits) alone."));
	if (p->tok.digits > 0) {
		o = 0;
		for (i = 0; i < p->tok.n && o <= 12; i++) {
			if (o + p->tok.len[i] > 12) {
				o = 13;
				break;
			}
			memcpy(p->number + o, p->tok.s[i], p->tok.len[i]);
			o += p->tok.len[i];
		}
		if (p->tok.too_many || (o != 12 && o != 9))
			return cutru_err_set(e, CUTRU_EINVAL, "query",
			    _("An ID number has 12 digits (an old CMND number 9): check the number typed."));
		p->number[o] = '\0';
		p->kind = o == 12 ? PLAN_ID : PLAN_CMND;
		return CUTRU_OK;
	}
	p->kind = PLAN_NAME;
	return CUTRU_OK;
}

/* The statements that stream candidates, each in the list order.
 * Columns: 0 person id, 1 folded name, 2 residence id, 3 its kind, 4 its
 * address detail.  Parameters: ?1 MATCH or number, ?2 birth year, ?3 kind,
 * ?4 commune.  A residence condition joins residences: then a person has a
 * row per active residence, adjacent, since persons are the outer loop
 * (FTS5's rowid order, or persons_sort; CROSS JOIN keeps SQLite from
 * scanning every residence and sorting instead, which for a ward's own
 * commune would be all of them). */
enum stream { STREAM_FTS, STREAM_LIST, STREAM_NUMBER };

static void
stream_sql(const struct plan *p, enum stream kind, char *sql, size_t size)
{
	const char *res_cols = ", NULL, NULL, NULL";
	const char *join = "";
	char where[256] = "";

	sql[0] = '\0';
	if (p->res_filter && p->state == SEARCH_STATE_NONE) {
		res_cols = ", -1, NULL, NULL";
		join = " LEFT JOIN residences r ON r.person_id = p.id"
		    " AND r.state = 'active'";
	} else if (p->res_filter) {
		res_cols = ", r.id, r.kind, a.detail";
		join = " CROSS JOIN residences r ON r.person_id = p.id"
		    " AND r.state = 'active' AND (?3 IS NULL OR r.kind = ?3)"
		    " CROSS JOIN addresses a ON a.id = r.address_id"
		    " AND (?4 IS NULL OR a.commune_code = ?4)";
	}
	if (p->birth_year != 0)
		strcat(where, " AND p.birth_year = ?2");
	if (p->res_filter && p->state == SEARCH_STATE_NONE)
		strcat(where, " AND r.id IS NULL");

	switch (kind) {
	case STREAM_FTS:
		snprintf(sql, size,
		    "SELECT p.id, p.folded%s"
		    " FROM person_search f"
		    " CROSS JOIN persons p ON p.id = (f.rowid & %lld)%s"
		    " WHERE person_search MATCH ?1%s ORDER BY f.rowid",
		    res_cols, (long long)RANK_ID_MASK, join, where);
		break;
	case STREAM_LIST:
		snprintf(sql, size,
		    "SELECT p.id, p.folded%s"
		    " FROM persons p%s WHERE 1%s ORDER BY p.sort_key, p.id",
		    res_cols, join, where);
		break;
	case STREAM_NUMBER:
		snprintf(sql, size,
		    "SELECT p.id, p.folded, 0, NULL, NULL"
		    " FROM persons p WHERE p.%s = ?1 ORDER BY p.sort_key, p.id",
		    p->kind == PLAN_ID ? "id_number" : "legacy_cmnd");
		break;
	}
}

static int
kind_rank(enum search_state s)
{
	return s == SEARCH_STATE_PERMANENT ? 0 : s == SEARCH_STATE_TEMPORARY ? 1 : 2;
}

/* Whether the folded address holds the folded text looked for.  buf has
 * ADDRESS_FOLD_SIZE bytes. */
#define ADDRESS_FOLD_MAX (SEARCH_QUERY_MAX * 4)
#define ADDRESS_FOLD_SIZE (ADDRESS_FOLD_MAX * 2 + 1)

static int
address_matches(const struct plan *p, const unsigned char *detail,
    char *buf)
{
	size_t len;

	if (p->address[0] == '\0')
		return 1;
	if (detail == NULL)
		return 0;
	len = strnlen((const char *)detail, ADDRESS_FOLD_MAX + 1);
	/* An address this long, or not UTF-8, cannot be folded here: it
	 * does not match. */
	if (len > ADDRESS_FOLD_MAX || name_fold_query((const char *)detail, len,
	    buf, ADDRESS_FOLD_SIZE, NULL, NULL) != CUTRU_OK)
		return 0;
	return strstr(buf, p->address) != NULL;
}

/* A statement read person by person: the rows of one person are adjacent
 * (one step of the outer loop). */
struct cursor {
	const struct plan *p;
	sqlite3_stmt *st;
	int pending;         /* a row of the next person is already stepped */
	int done;
	char *abuf;          /* ADDRESS_FOLD_SIZE bytes, when an address is
	                      * looked for */
	/* The person just read: */
	int64_t id, res_id;
	int ok;              /* matches the name and every filter */
};

static int
cursor_open(sqlite3 *db, const struct plan *p, enum stream kind,
    const char *match, struct cursor *c, struct cutru_err *e)
{
	static const char *const kinds[] = { NULL, "permanent", "temporary",
	    "current", NULL };
	char sql[1024];

	memset(c, 0, sizeof *c);
	c->p = p;
	stream_sql(p, kind, sql, sizeof sql);
	if (sqlite3_prepare_v2(db, sql, -1, &c->st, NULL) != SQLITE_OK)
		return db_error(db, e);
	if (kind == STREAM_NUMBER) {
		sqlite3_bind_text(c->st, 1, p->number, -1, SQLITE_STATIC);
		return CUTRU_OK;
	}
	if (kind == STREAM_FTS)
		sqlite3_bind_text(c->st, 1, match, -1, SQLITE_STATIC);
	if (p->birth_year != 0)
		sqlite3_bind_int(c->st, 2, p->birth_year);
	if (p->res_filter && p->state != SEARCH_STATE_NONE) {
		if (p->state != SEARCH_STATE_ANY)
			sqlite3_bind_text(c->st, 3, kinds[p->state], -1, SQLITE_STATIC);
		if (p->commune[0] != '\0')
			sqlite3_bind_text(c->st, 4, p->commune, -1, SQLITE_STATIC);
	}
	if (p->address[0] != '\0' &&
	    (c->abuf = malloc(ADDRESS_FOLD_SIZE)) == NULL)
		return cutru_err_set(e, CUTRU_ENOMEM, NULL, _("Out of memory."));
	return CUTRU_OK;
}

static void
cursor_close(struct cursor *c)
{
	sqlite3_finalize(c->st);
	free(c->abuf);
	memset(c, 0, sizeof *c);
}

/* Read the next person into c.  Returns 1 (a person), 0 (no more) or -1
 * (error in e). */
static int
cursor_next(sqlite3 *db, struct cursor *c, struct cutru_err *e)
{
	const struct plan *p = c->p;
	const unsigned char *folded;
	enum search_state s;
	int src, name_ok, best = 3;

	if (c->done)
		return 0;
	if (!c->pending) {
		src = sqlite3_step(c->st);
		if (src == SQLITE_DONE) {
			c->done = 1;
			return 0;
		}
		if (src != SQLITE_ROW)
			goto fail;
	}
	c->pending = 0;
	c->id = sqlite3_column_int64(c->st, 0);
	c->res_id = 0;
	folded = sqlite3_column_text(c->st, 1);
	name_ok = p->kind != PLAN_NAME || (folded != NULL &&
	    tokens_in_order(&p->tok, (const char *)folded,
	    (size_t)sqlite3_column_bytes(c->st, 1)));
	for (;;) {
		if (name_ok) {
			if (p->res_filter && p->state != SEARCH_STATE_NONE) {
				s = state_of_kind(sqlite3_column_text(c->st, 3));
				if (kind_rank(s) < best && address_matches(p,
				    sqlite3_column_text(c->st, 4), c->abuf)) {
					best = kind_rank(s);
					c->res_id = sqlite3_column_int64(c->st, 2);
				}
			} else {
				best = 0;
				c->res_id = sqlite3_column_int64(c->st, 2);
			}
		}
		src = sqlite3_step(c->st);
		if (src == SQLITE_DONE) {
			c->done = 1;
			break;
		}
		if (src != SQLITE_ROW)
			goto fail;
		if (sqlite3_column_int64(c->st, 0) != c->id) {
			c->pending = 1;
			break;
		}
	}
	c->ok = name_ok && best < 3;
	return 1;
fail:
	db_error(db, e);
	return -1;
}

/* The first f->cap persons of plan p into f.  Every stream comes in the
 * list order already, so the first that match are the answer. */
static int
collect(sqlite3 *db, const struct plan *p, struct found *f,
    struct cutru_err *e)
{
	struct cursor c;
	char *match = NULL;
	int rc, r;
	enum stream kind = p->kind == PLAN_NAME ? STREAM_FTS :
	    p->kind == PLAN_LIST ? STREAM_LIST : STREAM_NUMBER;

	memset(&c, 0, sizeof c);
	if (p->kind == PLAN_NAME &&
	    (rc = match_expr(&p->tok, &match, e)) != CUTRU_OK)
		goto done;
	if ((rc = cursor_open(db, p, kind, match, &c, e)) != CUTRU_OK)
		goto done;
	while (f->n < f->cap) {
		r = cursor_next(db, &c, e);
		if (r < 0) {
			rc = e != NULL ? e->code : CUTRU_EIO;
			goto done;
		}
		if (r == 0)
			break;
		if (c.ok) {
			f->id[f->n] = c.id;
			f->res_id[f->n] = c.res_id;
			f->n++;
		}
	}
done:
	cursor_close(&c);
	free(match);
	return rc;
}

/* Fill r with the details of person id, showing residence res_id. */
static int
fetch(sqlite3 *db, sqlite3_stmt *st, int64_t id, int64_t res_id,
    struct search_result *r, struct cutru_err *e)
{
	const unsigned char *t;
	int src;

	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, res_id);
	src = sqlite3_step(st);
	if (src != SQLITE_ROW) {
		if (src == SQLITE_DONE)
			return cutru_err_set(e, CUTRU_EIO, NULL,
			    _("Searching the register failed: a person changed during the search; search again."));
		return db_error(db, e);
	}
	memset(r, 0, sizeof *r);
	r->id = id;
	copy_text(r->id_number, sizeof r->id_number, sqlite3_column_text(st, 0),
	    sqlite3_column_bytes(st, 0));
	copy_text(r->cmnd, sizeof r->cmnd, sqlite3_column_text(st, 1),
	    sqlite3_column_bytes(st, 1));
	copy_text(r->name, sizeof r->name, sqlite3_column_text(st, 2),
	    sqlite3_column_bytes(st, 2));
	t = sqlite3_column_text(st, 3);
	/* The schema's CHECK admits only ISO dates; anything else reads as
	 * unknown rather than failing the whole search. */
	if (t == NULL || date_parse((const char *)t, NULL, &r->dob, NULL) != CUTRU_OK)
		memset(&r->dob, 0, sizeof r->dob);
	switch (sqlite3_column_int(st, 4)) {
	case 1:
		r->sex = CUTRU_SEX_MALE;
		break;
	case 2:
		r->sex = CUTRU_SEX_FEMALE;
		break;
	default:
		r->sex = CUTRU_SEX_UNKNOWN;
	}
	r->state = state_of_kind(sqlite3_column_text(st, 5));
	copy_text(r->commune_code, sizeof r->commune_code,
	    sqlite3_column_text(st, 6), sqlite3_column_bytes(st, 6));
	copy_text(r->address, sizeof r->address, sqlite3_column_text(st, 7),
	    sqlite3_column_bytes(st, 7));
	return CUTRU_OK;
}

int
search_persons(sqlite3 *db, const char *query, const struct search_filter *f,
    size_t limit, struct search_result *out, size_t *n, struct cutru_err *e)
{
	static const char details_sql[] =
	    "SELECT p.id_number, p.legacy_cmnd, p.name, p.dob, p.sex,"
	    " r.kind, a.commune_code, a.detail"
	    " FROM persons p"
	    " LEFT JOIN residences r ON r.id = CASE WHEN ?2 > 0 THEN ?2"
	    "  WHEN ?2 < 0 THEN NULL"
	    "  ELSE (SELECT r2.id FROM residences r2"
	    "   WHERE r2.person_id = p.id AND r2.state = 'active'"
	    "   ORDER BY CASE r2.kind WHEN 'permanent' THEN 0"
	    "    WHEN 'temporary' THEN 1 ELSE 2 END, r2.id LIMIT 1) END"
	    " LEFT JOIN addresses a ON a.id = r.address_id"
	    " WHERE p.id = ?1";
	struct plan *p = NULL;
	struct found fd = { 0 };
	sqlite3_stmt *st = NULL;
	char *folded = NULL;
	enum search_index ix;
	size_t i;
	int rc = CUTRU_OK, own_tx = 0;

	if (n != NULL)
		*n = 0;
	if (db == NULL || n == NULL || (out == NULL && limit > 0))
		return cutru_err_set(e, CUTRU_EINVAL, NULL,
		    _("Internal error: search called without a register or a place for results."));
	if (limit > SEARCH_LIMIT_MAX)
		return cutru_err_set(e, CUTRU_EINVAL, "limit",
		    _("At most %d results can be shown at once (%zu asked)."),
		    SEARCH_LIMIT_MAX, limit);
	p = malloc(sizeof *p);
	folded = malloc(FOLD_BUF_SIZE);
	fd.id = malloc((limit > 0 ? limit : 1) * sizeof *fd.id);
	fd.res_id = malloc((limit > 0 ? limit : 1) * sizeof *fd.res_id);
	fd.cap = limit;
	if (p == NULL || folded == NULL || fd.id == NULL || fd.res_id == NULL) {
		rc = cutru_err_set(e, CUTRU_ENOMEM, NULL, _("Out of memory."));
		goto done;
	}
	if ((rc = plan_query(query, f, p, folded, e)) != CUTRU_OK)
		goto done;
	if (limit == 0 || (p->kind == PLAN_NAME && p->tok.too_many))
		goto done;
	if (p->kind == PLAN_NAME) {
		if ((rc = search_index_state(db, &ix, e)) != CUTRU_OK)
			goto done;
		/* A label gap ran out: reorganise now, unless the caller is
		 * inside a transaction of its own. */
		if (ix == SEARCH_INDEX_FULL && sqlite3_get_autocommit(db)) {
			if ((rc = search_rebuild(db, e)) != CUTRU_OK)
				goto done;
			ix = SEARCH_INDEX_LIVE;
		}
		if (ix != SEARCH_INDEX_LIVE) {
			rc = cutru_err_set(e, CUTRU_ECONFLICT, "query",
			    _("The name index is being rebuilt after an import, so names cannot be searched yet; ID numbers can. Finish the import, or reopen the store."));
			goto done;
		}
	}
	/* One read transaction for the candidates and their details: one
	 * snapshot, and one round of file locks instead of one per
	 * statement. */
	if (sqlite3_get_autocommit(db)) {
		if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
			rc = db_error(db, e);
			goto done;
		}
		own_tx = 1;
	}
	if ((rc = collect(db, p, &fd, e)) != CUTRU_OK)
		goto done;
	if (sqlite3_prepare_v2(db, details_sql, -1, &st, NULL) != SQLITE_OK) {
		rc = db_error(db, e);
		goto done;
	}
	for (i = 0; i < fd.n; i++)
		if ((rc = fetch(db, st, fd.id[i], fd.res_id[i], &out[i], e)) != CUTRU_OK)
			goto done;
	*n = fd.n;
done:
	if (rc != CUTRU_OK)
		*n = 0;
	sqlite3_finalize(st);
	if (own_tx)
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	free(fd.id);
	free(fd.res_id);
	free(folded);
	free(p);
	return rc;
}

int
search_defer(sqlite3 *db, struct cutru_err *e)
{
	static const char sql[] =
	    "SAVEPOINT search_defer;"
	    "INSERT OR REPLACE INTO search_deferred (id, reason)"
	    " VALUES (1, 'import');"
	    SEARCH_DROP_TRIGGERS
	    "RELEASE search_defer;";
	int rc;

	if (sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK)
		return CUTRU_OK;
	rc = cutru_err_set(e, CUTRU_EIO, NULL,
	    _("Could not suspend the name index for the import: %s."),
	    sqlite3_errmsg(db));
	sqlite3_exec(db, "ROLLBACK TO search_defer; RELEASE search_defer;",
	    NULL, NULL, NULL);
	return rc;
}

static int
exec_or_fail(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

/* Rows read for a rebuild, kept in blocks that never move. */
#define ARENA_BLOCK (1u << 20)

struct arena_block {
	struct arena_block *next;
	size_t used, size;
	char data[];
};

static void *
arena_copy(struct arena_block **head, const void *src, size_t len)
{
	struct arena_block *b = *head;
	size_t size;
	char *p;

	if (b == NULL || b->size - b->used < len) {
		size = len > ARENA_BLOCK ? len : ARENA_BLOCK;
		b = malloc(sizeof *b + size);
		if (b == NULL)
			return NULL;
		b->next = *head;
		b->used = 0;
		b->size = size;
		*head = b;
	}
	p = b->data + b->used;
	if (len > 0)
		memcpy(p, src, len);
	b->used += len;
	return p;
}

static void
arena_free(struct arena_block *b)
{
	struct arena_block *next;

	for (; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
}

/* (sort key, id): the rank order. */
static int
rebuild_row_cmp(const void *pa, const void *pb)
{
	const struct search_person *a = pa, *b = pb;
	size_t m = a->keylen < b->keylen ? a->keylen : b->keylen;
	int c = m > 0 ? memcmp(a->key, b->key, m) : 0;

	if (c != 0)
		return c;
	if (a->keylen != b->keylen)
		return a->keylen < b->keylen ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}

/* Read every person (in table order: no index lookups) into *rows. */
static int
rebuild_read(sqlite3 *db, struct arena_block **arena,
    struct search_person **rows, size_t *n, struct cutru_err *e)
{
	sqlite3_stmt *sel = NULL;
	struct search_person *r = NULL, *nr;
	size_t cap = 0, len;
	int src, rc = CUTRU_OK;

	*n = 0;
	if (sqlite3_prepare_v2(db, "SELECT id, sort_key, folded FROM persons",
	    -1, &sel, NULL) != SQLITE_OK)
		goto fail;
	while ((src = sqlite3_step(sel)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap > 0 ? cap * 2 : 4096;
			nr = realloc(r, cap * sizeof *r);
			if (nr == NULL)
				goto nomem;
			r = nr;
		}
		r[*n].id = sqlite3_column_int64(sel, 0);   /* fill() checks it */
		len = (size_t)sqlite3_column_bytes(sel, 1);
		r[*n].keylen = (uint32_t)len;
		r[*n].key = arena_copy(arena, sqlite3_column_blob(sel, 1), len);
		len = (size_t)sqlite3_column_bytes(sel, 2);
		r[*n].flen = (uint32_t)len;
		r[*n].folded = arena_copy(arena, sqlite3_column_text(sel, 2), len);
		if (r[*n].key == NULL || r[*n].folded == NULL)
			goto nomem;
		(*n)++;
	}
	if (src != SQLITE_DONE)
		goto fail;
	goto done;
nomem:
	rc = cutru_err_set(e, CUTRU_ENOMEM, NULL, _("Out of memory."));
	goto done;
fail:
	rc = cutru_err_set(e, CUTRU_EIO, NULL,
	    _("Could not rebuild the name index: %s."), sqlite3_errmsg(db));
done:
	sqlite3_finalize(sel);
	*rows = r;
	return rc;
}

/* The rows of person_search and search_names for the n persons rows,
 * written into db's (empty) tables: the distinct sort keys labelled evenly,
 * the index filled in rank order, so that FTS5 appends to its doclists
 * instead of writing a segment per row.  No merging while the rows stream
 * in (FTS5 would merge the same rows again and again); one 'optimize' at
 * the end.  And a larger in-memory hash (64 MiB instead of FTS5's 1 MiB)
 * meanwhile, so that a million persons make a few segments to merge rather
 * than hundreds: 2.5 s -> 2.1 s at 1,000,000 persons (bench/RESULTS.md,
 * "Import").  The three settings are set back at the end; the caller's
 * savepoint undoes everything on failure.  rows is sorted in place. */
static int
fill(sqlite3 *db, struct search_person *rows, size_t n, struct cutru_err *e)
{
	sqlite3_stmt *name = NULL, *add = NULL;
	char *buf = NULL;
	size_t i, distinct = 0, bufcap = 0, tlen;
	int64_t spacing, label = 0;
	int rc = CUTRU_OK;

	for (i = 0; i < n; i++)
		if (rows[i].id < 1 || rows[i].id > RANK_ID_MASK)
			return cutru_err_set(e, CUTRU_EINVAL, NULL,
			    _("Could not rebuild the name index: person id %lld lies outside 1..%lld."),
			    (long long)rows[i].id, (long long)RANK_ID_MASK);
	if (exec_or_fail(db, "DELETE FROM search_names;"
	    "INSERT INTO person_search (person_search) VALUES ('delete-all');"
	    "INSERT INTO person_search (person_search, rank) VALUES ('automerge', 0);"
	    "INSERT INTO person_search (person_search, rank)"
	    " VALUES ('crisismerge', 64);"
	    "INSERT INTO person_search (person_search, rank)"
	    " VALUES ('hashsize', 67108864)") != 0)
		goto fail;
	qsort(rows, n, sizeof *rows, rebuild_row_cmp);
	for (i = 0; i < n; i++)
		if (i == 0 || rows[i].keylen != rows[i - 1].keylen ||
		    memcmp(rows[i].key, rows[i - 1].key, rows[i].keylen) != 0)
			distinct++;
	spacing = (INT64_C(1) << 32) / (int64_t)(distinct + 1);
	if (sqlite3_prepare_v2(db, "INSERT INTO search_names (key, label)"
	    " VALUES (?1, ?2)", -1, &name, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO person_search (rowid, places)"
	    " VALUES (?1, ?2)", -1, &add, NULL) != SQLITE_OK)
		goto fail;
	for (i = 0; i < n; i++) {
		if (i == 0 || rows[i].keylen != rows[i - 1].keylen ||
		    memcmp(rows[i].key, rows[i - 1].key, rows[i].keylen) != 0) {
			label += spacing;
			sqlite3_reset(name);
			sqlite3_bind_blob(name, 1, rows[i].key, (int)rows[i].keylen,
			    SQLITE_STATIC);
			sqlite3_bind_int64(name, 2, label);
			if (sqlite3_step(name) != SQLITE_DONE)
				goto fail;
		}
		if (3 * (size_t)rows[i].flen + 9 > bufcap) {
			char *b = realloc(buf, 3 * (size_t)rows[i].flen + 9);

			if (b == NULL) {
				rc = cutru_err_set(e, CUTRU_ENOMEM, NULL,
				    _("Out of memory."));
				goto done;
			}
			buf = b;
			bufcap = 3 * (size_t)rows[i].flen + 9;
		}
		tlen = place_text(rows[i].folded, rows[i].flen, buf,
		    buf + rows[i].flen + 1);
		sqlite3_reset(add);
		sqlite3_bind_int64(add, 1, label << RANK_ID_BITS | rows[i].id);
		sqlite3_bind_text(add, 2, buf + rows[i].flen + 1, (int)tlen,
		    SQLITE_STATIC);
		if (sqlite3_step(add) != SQLITE_DONE)
			goto fail;
	}
	if (exec_or_fail(db, "INSERT INTO person_search (person_search)"
	    " VALUES ('optimize');"
	    "INSERT INTO person_search (person_search, rank) VALUES ('automerge', 4);"
	    "INSERT INTO person_search (person_search, rank)"
	    " VALUES ('crisismerge', 16);"
	    "INSERT INTO person_search (person_search, rank)"
	    " VALUES ('hashsize', 1048576)") != 0)
		goto fail;
	goto done;
fail:
	rc = cutru_err_set(e, CUTRU_EIO, NULL,
	    _("Could not rebuild the name index: %s."), sqlite3_errmsg(db));
done:
	sqlite3_finalize(name);
	sqlite3_finalize(add);
	free(buf);
	return rc;
}

/* Relabel and refill from persons, read in table order and sorted here:
 * walking persons_sort would look each row up in the table, which at a
 * million persons costs more than the sort. */
int
search_rebuild(sqlite3 *db, struct cutru_err *e)
{
	struct arena_block *arena = NULL;
	struct search_person *rows = NULL;
	size_t n = 0;
	int rc;

	if (exec_or_fail(db, "SAVEPOINT search_rebuild") != 0)
		return cutru_err_set(e, CUTRU_EIO, NULL,
		    _("Could not rebuild the name index: %s."), sqlite3_errmsg(db));
	if (exec_or_fail(db, SEARCH_DROP_TRIGGERS SEARCH_TRIGGERS) != 0)
		rc = cutru_err_set(e, CUTRU_EIO, NULL,
		    _("Could not rebuild the name index: %s."),
		    sqlite3_errmsg(db));
	else if ((rc = rebuild_read(db, &arena, &rows, &n, e)) == CUTRU_OK &&
	    (rc = fill(db, rows, n, e)) == CUTRU_OK &&
	    exec_or_fail(db, "DELETE FROM search_deferred") != 0)
		rc = cutru_err_set(e, CUTRU_EIO, NULL,
		    _("Could not rebuild the name index: %s."),
		    sqlite3_errmsg(db));
	if (rc != CUTRU_OK)
		sqlite3_exec(db, "ROLLBACK TO search_rebuild", NULL, NULL, NULL);
	sqlite3_exec(db, "RELEASE search_rebuild", NULL, NULL, NULL);
	free(rows);
	arena_free(arena);
	return rc;
}

int
search_build(struct search_person *p, size_t n, sqlite3 **img,
    struct cutru_err *e)
{
	sqlite3 *db = NULL;
	int rc;

	*img = NULL;
	if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		rc = db != NULL ? cutru_err_set(e, CUTRU_EIO, NULL,
		    _("Could not rebuild the name index: %s."),
		    sqlite3_errmsg(db)) : cutru_err_set(e, CUTRU_ENOMEM, NULL,
		    _("Out of memory."));
		sqlite3_close(db);
		return rc;
	}
	if (exec_or_fail(db, "PRAGMA journal_mode = OFF;"
	    "BEGIN;" SEARCH_INDEX_TABLES) != 0)
		rc = cutru_err_set(e, CUTRU_EIO, NULL,
		    _("Could not rebuild the name index: %s."),
		    sqlite3_errmsg(db));
	else if ((rc = fill(db, p, n, e)) == CUTRU_OK &&
	    exec_or_fail(db, "COMMIT") != 0)
		rc = cutru_err_set(e, CUTRU_EIO, NULL,
		    _("Could not rebuild the name index: %s."),
		    sqlite3_errmsg(db));
	if (rc != CUTRU_OK) {
		sqlite3_close(db);
		return rc;
	}
	*img = db;
	return CUTRU_OK;
}

void
search_image_free(sqlite3 *img)
{
	sqlite3_close(img);
}

/* Copy every row of table t (columns cols, n of them, whose parameters
 * are marks) from img into db's table of the same name. */
static int
copy_rows(sqlite3 *db, sqlite3 *img, const char *t, const char *cols,
    const char *marks, int n)
{
	sqlite3_stmt *get = NULL, *put = NULL;
	char sql[160];
	int i, src, rc = -1;

	if (snprintf(sql, sizeof sql, "SELECT %s FROM %s", cols, t) >=
	    (int)sizeof sql ||
	    sqlite3_prepare_v2(img, sql, -1, &get, NULL) != SQLITE_OK ||
	    snprintf(sql, sizeof sql, "INSERT INTO %s (%s) VALUES (%s)", t,
	    cols, marks) >= (int)sizeof sql ||
	    sqlite3_prepare_v2(db, sql, -1, &put, NULL) != SQLITE_OK)
		goto done;
	while ((src = sqlite3_step(get)) == SQLITE_ROW) {
		for (i = 0; i < n; i++)
			if (sqlite3_bind_value(put, i + 1,
			    sqlite3_column_value(get, i)) != SQLITE_OK)
				goto done;
		if (sqlite3_step(put) != SQLITE_DONE)
			goto done;
		sqlite3_reset(put);
	}
	rc = src == SQLITE_DONE ? 0 : -1;
done:
	sqlite3_finalize(get);
	sqlite3_finalize(put);
	return rc;
}

/* The index is FTS5's own rows (its shadow tables person_search_data and
 * person_search_idx), which only FTS5 writes otherwise.  'delete-all'
 * first makes FTS5 forget what it held of the old index (its cached
 * structure and totals); the rows are then replaced whole, in one
 * savepoint, and FTS5 reads the new structure from them at its next use. */
int
search_adopt(sqlite3 *db, sqlite3 *img, struct cutru_err *e)
{
	int rc = CUTRU_OK;

	if (exec_or_fail(db, "SAVEPOINT search_adopt") != 0) {
		rc = cutru_err_set(e, CUTRU_EIO, NULL,
		    _("Could not rebuild the name index: %s."), sqlite3_errmsg(db));
		sqlite3_close(img);
		return rc;
	}
	if (exec_or_fail(db, SEARCH_DROP_TRIGGERS SEARCH_TRIGGERS
	    "DELETE FROM search_names;"
	    "INSERT INTO person_search (person_search) VALUES ('delete-all');"
	    "DELETE FROM person_search_data;"
	    "DELETE FROM person_search_idx;") != 0 ||
	    copy_rows(db, img, "search_names", "key, label", "?1, ?2",
	    2) != 0 ||
	    copy_rows(db, img, "person_search_data", "id, block",
	    "?1, ?2", 2) != 0 ||
	    copy_rows(db, img, "person_search_idx", "segid, term, pgno",
	    "?1, ?2, ?3", 3) != 0 || exec_or_fail(db, "DELETE FROM search_deferred") != 0) {
		rc = cutru_err_set(e, CUTRU_EIO, NULL,
		    _("Could not rebuild the name index: %s."), sqlite3_errmsg(db));
		sqlite3_exec(db, "ROLLBACK TO search_adopt", NULL, NULL, NULL);
	}
	sqlite3_exec(db, "RELEASE search_adopt", NULL, NULL, NULL);
	sqlite3_close(img);
	return rc;
}

int
search_index_state(sqlite3 *db, enum search_index *state,
    struct cutru_err *e)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *reason;
	int src;

	*state = SEARCH_INDEX_LIVE;
	if (sqlite3_prepare_v2(db, "SELECT reason FROM search_deferred", -1,
	    &st, NULL) != SQLITE_OK)
		return db_error(db, e);
	src = sqlite3_step(st);
	if (src == SQLITE_ROW) {
		reason = sqlite3_column_text(st, 0);
		*state = reason != NULL && strcmp((const char *)reason, "full") == 0 ?
		    SEARCH_INDEX_FULL : SEARCH_INDEX_IMPORT;
	}
	sqlite3_finalize(st);
	if (src != SQLITE_ROW && src != SQLITE_DONE)
		return db_error(db, e);
	return CUTRU_OK;
}
