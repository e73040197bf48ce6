/* The search index's schema: included by localdb/schema.c (migration 1,
 * SEARCH_SCHEMA) and by localdb/search.c, which reads and rebuilds it.
 *
 * person_search is a contentless FTS5 index over persons.folded.  Its rowid
 * is not the person's id but a rank in the Vietnamese list order:
 *
 *     rank = label << 31 | persons.id
 *
 * where label is the sort key's label in search_names: an integer in
 * 1..2^32-1 given to each distinct sort key, in the keys' memcmp order.
 * Persons with the same sort key share a label and then follow each other
 * by id, which is the list order's tie-break.  FTS5 hands out matches in
 * rowid order, so a search reads the matches already in the list order and
 * stops at the limit: "n", which matches half a ward, costs fifty rows.
 * The rank needs person ids in 1..2^31-1, which a trigger enforces.
 *
 * Labels.  search_rebuild() spreads the labels of all keys evenly over the
 * 32 bits.  A person whose sort key has no label yet gets the integer
 * halfway between the labels of the keys just below and just above it;
 * with 200,000 distinct names the gaps allow some fourteen names in a row
 * to land in the same gap.  When a gap has no integer left, the trigger
 * defers the index (search_deferred, reason 'full') instead of failing the
 * officer's transaction, and the next search rebuilds it.  A label never
 * changes except in a rebuild, so the triggers can always recompute the
 * rank of an indexed row.  Keys whose persons are gone keep their label
 * until the next rebuild: harmless, they only hold a place in the order.
 *
 * Places.  The folded name is cut into words at spaces, hyphens and
 * apostrophes, as the 'ascii' tokenizer and search.c cut it, and each word
 * is indexed with a letter for its place: f (word 1, the family name), m
 * (word 2, when it is not the last), r (words 3 to the one before the
 * last) and l (the last word, the given name); a one-word name has only an
 * l word.  "Nguyễn Thị Thu Hà" is indexed as "fnguyen mthi rthu lha".  The
 * words typed must begin different words of the name, in order, so of k >=
 * 2 words typed the i-th can only lie at a place >= i and <= (words of the
 * name) - (k - i): the first typed word at f, m or r, the second at m or r,
 * later ones at r, and the last typed word also at l.  search.c asks for
 * exactly those ("n h n" is (fn* OR mn* OR rn*) AND (mh* OR rh*) AND (rn*
 * OR ln*)), and when the first two typed words could begin one and the
 * same m word ("thuy thuy") it keeps them apart.  That keeps "n h n" from
 * reading every Nguyễn with an H in the name, "thuy thuy" every Thùy, and
 * "van nguyen" every Nguyễn Văn.  Each place has its own terms, so FTS5
 * reads only the doclists of the places asked for (column filters would
 * read the whole doclist of a word and drop the other columns' rows one
 * by one).  The exact rule is still checked on persons.folded.
 *
 * The index holds no text (content=''), keeps no per-row sizes
 * (columnsize=0) and no positions or columns (detail=none).  Prefix indexes
 * of 2 to 7 characters (the place letter and 1 to 6 letters) make every
 * query word up to six letters (nearly every Vietnamese syllable) one
 * doclist read; a longer prefix term makes FTS5 merge the doclists of all
 * words it begins.  The 'ascii' tokenizer keeps non-ASCII bytes in words,
 * as search.c does for queries.  Leaves are 4000 bytes (pgsz), so that one
 * fits in a 4096-byte page less the cipher's 40 reserved bytes (FTS5's
 * default, 4050, would spill every leaf onto an overflow page).
 *
 * Writers.  A contentless index forgets a row only through a 'delete'
 * command that repeats the exact values it was given, so the triggers on
 * persons are its only writers, apart from search_rebuild(), which makes
 * the same text in C (SEARCH_PLACES says how).  Never use
 * INSERT OR REPLACE on persons: without recursive_triggers the row it
 * removes would stay in the index; use INSERT ... ON CONFLICT DO UPDATE.
 *
 * Bulk loading.  FTS5 writes a new segment whenever a rowid arrives below
 * the previous one, which ranks do unless rows come in name order: through
 * the triggers an import of a million persons would write hundreds of
 * thousands of tiny segments.  And any trigger on persons, even one whose
 * WHEN is false, makes every INSERT keep a statement journal (a copy of
 * each page it changes), a third of the cost of a bulk insert.  So
 * search_defer() records the deferral in search_deferred (reason 'import')
 * and drops the triggers; name searches are refused meanwhile;
 * search_rebuild() creates the triggers again, relabels, refills the index
 * in rank order and empties search_deferred, in one transaction.  The
 * deferral is committed with the import's first batch, so an import
 * interrupted half way leaves it recorded and the index is rebuilt by
 * whoever calls search_rebuild() next.  While the triggers are away,
 * nothing checks the person ids: search_rebuild() refuses one out of
 * range.  A bulk load into an empty register can make the same rows
 * elsewhere (search_build(), on its own connection and thread) and copy
 * them in (search_adopt()): FTS5's shadow tables person_search_data and
 * person_search_idx are then written directly, after a 'delete-all' that
 * makes FTS5 drop what it had cached of the old index.
 */
#ifndef CUTRU_SEARCH_INDEX_H
#define CUTRU_SEARCH_INDEX_H

/* Bits of the rank below the label: the person id. */
#define SEARCH_RANK_ID_BITS 31
/* Labels lie strictly between 0 and SEARCH_LABEL_END. */
#define SEARCH_LABEL_END "4294967296"

#define SEARCH_WHEN_LIVE "NOT EXISTS (SELECT 1 FROM search_deferred)"

/* The indexed text of row r, as SQL.  S: the folded name with hyphens
 * and apostrophes made spaces; P: S up to its last space ('' for one word:
 * rtrim() drops the characters of the last word); R: P after its first
 * space (words 2 to the one before the last, each followed by a space).
 * From them the words at each place: first (S before its first space, ''
 * for one word), mid1 (R before its first space), midrest (R after it,
 * its trailing spaces dropped), last (S after its last space).  The text is
 * "f" first, "m" mid1, "r" before each word of midrest, "l" last, an empty
 * place giving '', joined by single spaces.  search.c's place_text() makes
 * the same string byte for byte. */
#define SEARCH_S(r) "replace(replace(" r ".folded, '-', ' '), '''', ' ')"
#define SEARCH_P(r) "rtrim(" SEARCH_S(r) ", replace(" SEARCH_S(r) ", ' ', ''))"
#define SEARCH_R(r) "substr(" SEARCH_P(r) ", instr(" SEARCH_S(r) ", ' ') + 1)"
#define SEARCH_FIRST(r) \
	"CASE WHEN instr(" SEARCH_S(r) ", ' ') = 0 THEN '' ELSE 'f' || substr(" \
	SEARCH_S(r) ", 1, instr(" SEARCH_S(r) ", ' ') - 1) END"
#define SEARCH_MID1(r) \
	"CASE WHEN instr(" SEARCH_R(r) ", ' ') <= 1 THEN '' ELSE 'm' || substr(" \
	SEARCH_R(r) ", 1, instr(" SEARCH_R(r) ", ' ') - 1) END"
#define SEARCH_MIDREST(r) \
	"CASE WHEN rtrim(substr(" SEARCH_R(r) ", instr(" SEARCH_R(r) ", ' ') + 1)," \
	" ' ') = '' THEN '' ELSE 'r' || replace(rtrim(substr(" SEARCH_R(r) \
	", instr(" SEARCH_R(r) ", ' ') + 1), ' '), ' ', ' r') END"
#define SEARCH_LAST(r) \
	"CASE WHEN length(" SEARCH_S(r) ") = length(" SEARCH_P(r) ") THEN ''" \
	" ELSE 'l' || substr(" SEARCH_S(r) ", length(" SEARCH_P(r) ") + 1) END"
#define SEARCH_PLACES(r) \
	SEARCH_FIRST(r) " || ' ' || " SEARCH_MID1(r) " || ' ' || " \
	SEARCH_MIDREST(r) " || ' ' || " SEARCH_LAST(r)

#define SEARCH_ID_CHECK(r) \
	"  WHEN " r ".id NOT BETWEEN 1 AND 2147483647 BEGIN" \
	"  SELECT RAISE(ABORT, 'person ids must lie in 1..2147483647 to be searchable');" \
	"END;"

/* Give row r's sort key a label if it has none: halfway between its
 * neighbours' labels; with no integer between them, defer the index. */
#define SEARCH_LABEL(r) \
	"  INSERT INTO search_names (key, label)" \
	"    SELECT " r ".sort_key, lo + (hi - lo) / 2 FROM (SELECT" \
	"      coalesce((SELECT label FROM search_names WHERE key < " r ".sort_key" \
	"        ORDER BY key DESC LIMIT 1), 0) AS lo," \
	"      coalesce((SELECT label FROM search_names WHERE key > " r ".sort_key" \
	"        ORDER BY key LIMIT 1), " SEARCH_LABEL_END ") AS hi)" \
	"    WHERE hi - lo >= 2 AND NOT EXISTS" \
	"      (SELECT 1 FROM search_names WHERE key = " r ".sort_key);" \
	"  INSERT OR IGNORE INTO search_deferred (id, reason) SELECT 1, 'full'" \
	"    WHERE NOT EXISTS (SELECT 1 FROM search_names WHERE key = " r ".sort_key);"

#define SEARCH_ADD(r) \
	"  INSERT INTO person_search (rowid, places)" \
	"    SELECT label << 31 | " r ".id, " SEARCH_PLACES(r) \
	"    FROM search_names" \
	"    WHERE key = " r ".sort_key AND " SEARCH_WHEN_LIVE ";"

#define SEARCH_REMOVE(r) \
	"  INSERT INTO person_search (person_search, rowid, places)" \
	"    SELECT 'delete', label << 31 | " r ".id, " SEARCH_PLACES(r) \
	"    FROM search_names WHERE key = " r ".sort_key;"

/* The triggers that keep the index: created by migration 1, dropped by
 * search_defer(), created again by search_rebuild(). */
#define SEARCH_TRIGGERS \
	"CREATE TRIGGER person_search_id AFTER INSERT ON persons" \
	SEARCH_ID_CHECK("NEW") \
	"CREATE TRIGGER person_search_id_change AFTER UPDATE OF id ON persons" \
	SEARCH_ID_CHECK("NEW") \
	"CREATE TRIGGER person_search_insert AFTER INSERT ON persons" \
	"  WHEN " SEARCH_WHEN_LIVE " BEGIN" \
	SEARCH_LABEL("NEW") \
	SEARCH_ADD("NEW") \
	"END;" \
	"CREATE TRIGGER person_search_delete AFTER DELETE ON persons" \
	"  WHEN " SEARCH_WHEN_LIVE " BEGIN" \
	SEARCH_REMOVE("OLD") \
	"END;" \
	"CREATE TRIGGER person_search_update AFTER UPDATE OF id, folded, sort_key" \
	"  ON persons WHEN (OLD.id IS NOT NEW.id OR OLD.folded IS NOT NEW.folded" \
	"    OR OLD.sort_key IS NOT NEW.sort_key) AND " SEARCH_WHEN_LIVE " BEGIN" \
	SEARCH_REMOVE("OLD") \
	SEARCH_LABEL("NEW") \
	SEARCH_ADD("NEW") \
	"END;"

#define SEARCH_DROP_TRIGGERS \
	"DROP TRIGGER IF EXISTS person_search_id;" \
	"DROP TRIGGER IF EXISTS person_search_id_change;" \
	"DROP TRIGGER IF EXISTS person_search_insert;" \
	"DROP TRIGGER IF EXISTS person_search_delete;" \
	"DROP TRIGGER IF EXISTS person_search_update;"

/* The labels and the index, with its settings: in the store (migration 1)
 * and in the private database search_build() fills. */
#define SEARCH_INDEX_TABLES \
	"CREATE TABLE search_names (" \
	"  key BLOB PRIMARY KEY," \
	"  label INTEGER NOT NULL UNIQUE CHECK (label > 0 AND label < " \
	SEARCH_LABEL_END ")" \
	") STRICT, WITHOUT ROWID;" \
	"CREATE VIRTUAL TABLE person_search USING fts5(places, content=''," \
	"  columnsize=0, detail=none, prefix='2 3 4 5 6 7', tokenize='ascii');" \
	"INSERT INTO person_search (person_search, rank) VALUES ('pgsz', 4000);"

/* The tables, settings and triggers, for migration 1. */
#define SEARCH_SCHEMA \
	"CREATE TABLE search_deferred (" \
	"  id INTEGER PRIMARY KEY CHECK (id = 1)," \
	"  reason TEXT NOT NULL CHECK (reason IN ('import', 'full'))" \
	") STRICT;" \
	SEARCH_INDEX_TABLES \
	SEARCH_TRIGGERS \
	/* Legacy household books name people by their 9-digit CMND. */ \
	"CREATE INDEX persons_legacy_cmnd ON persons (legacy_cmnd)" \
	"  WHERE legacy_cmnd IS NOT NULL;"

#endif
