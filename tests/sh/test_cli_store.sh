#!/bin/sh
# cutru(1) and the store as a whole: export and import round trip, import
# errors with line numbers, backup and restore (encrypted, refusing to
# replace a live store without --force), rekey, and passphrase changes.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/sh/cli_lib.sh"

S="-s $STORE"
tap_check "a store with an administrator, an officer and two supervisors" \
    make_store
for p in temporary.register residence.declare; do
	cutru_run "$LAN_PW" -- $S -u lan apply "$EXAMPLES/$p.json"
	n=$(cat "$T/out")
	cutru_run "$MINH_PW" "$MINH_PW" -- $S -u minh queue approve "$n"
	expect "$p received and approved" 0
done

# --- a person's history: a second temporary residence replaces the first
sed -e 's/Phòng 301, số 8 phố Hàng Gai/Số 20 phố Hàng Buồm/' \
    -e 's/2026-12-01/2027-01-01/' -e 's/2027-11-30/2028-06-30/' \
    "$EXAMPLES/temporary.register.json" > "$T/move.json"
cutru_run "$LAN_PW" -- $S -u lan apply "$T/move.json"
moved=$(awk '/PTN/ { print }' "$T/out")
cutru_run "$MINH_PW" "$MINH_PW" -- $S -u minh queue approve "$moved"
expect "a second temporary registration is approved" 0
cutru_run "$LAN_PW" -- $S -u lan show 079195012345
expect "show of a person with a history" 0
tap_check "show lists the active residence and the one it replaced" \
    sh -c "grep -q 'Hàng Buồm' '$T/out' && grep -q 'Hàng Gai' '$T/out' &&
        grep -q 'replaced on 2027-01-01' '$T/out' &&
        grep -q 'opened by dossier $moved' '$T/out'"
cutru_run "$LAN_PW" -- $S -u lan --json show 079195012345
tap_check "show --json: the residence shown, then the whole history" \
    test "$(json_get '"|".join([d["residence"]["detail"], str(len(d["residences"]))] + [r["state"]+","+str(r["from"])+","+str(r["ended"])+","+str(r["dossier"]) for r in d["residences"]])')" \
    = "Số 20 phố Hàng Buồm|2|active,2027-01-01,None,$moved|replaced,2026-12-01,2027-01-01,1/2026/PTN"
tap_check "show --json: no household, and the lists of the history" \
    test "$(json_get 'str(d["household"])+" "+",".join(k for k in ("memberships","stays","absences","confirmations","corrections") if d[k] == [])')" \
    = "None memberships,stays,absences,confirmations,corrections"

# --- export and import
cutru_run "$LAN_PW" -- $S -u lan export --format csv --output "$T/reg.csv"
expect "export --format csv --output FILE" 0 "personal data"
tap_check "the export file is private (0600)" \
    test "$(stat -c %a "$T/reg.csv")" = 600
tap_check "the export has a header and the two persons" \
    test "$(grep -c . "$T/reg.csv")" -eq 3
cutru_run "$LAN_PW" -- $S -u lan export --format csv --output "$T/reg.csv"
expect "export does not overwrite a file without --force (5)" 5 "--force"
cutru_run "$LAN_PW" -- $S -u lan export --format json
expect "export --format json" 0
tap_check "the JSON export parses and holds the two persons" \
    test "$(json_get 'len(d)')" -eq 2
cutru_run "$LAN_PW" -- $S -u lan --json export --format json --output \
    "$T/reg.json"
tap_check "export --json --output gives a JSON summary" \
    test "$(json_get 'd["format"]')" = json

# Round trip: a book imported into a new store, exported, imported into a
# third store and exported again gives the same bytes.
new_store() {
	cutru_run "$ADMIN_PW" -- -s "$1" init --ward 00070 \
	    --ward-name "Phường Hàng Bạc" --admin root \
	    --admin-name "Nguyễn Quản Trị" --kdf-opslimit 1 --kdf-memlimit 8192
	[ "$rc" -eq 0 ] || return 1
	cutru_run "$ADMIN_PW" "$LAN_PW" -- -s "$1" -u root officer add lan \
	    --name "Trần Thị Lan" --role officer
	[ "$rc" -eq 0 ]
}
S2="-s $T/store2"
S3="-s $T/store3"
if new_store "$T/store2" && new_store "$T/store3"; then
	tap_ok "a second and a third store"
else
	tap_not_ok "a second and a third store"
fi
# Dates around today, so that the book stays valid whenever the test runs:
# a temporary residence that began 200 days ago and ends in 20 days.
began=$(date -u -d '-200 days' +%d/%m/%Y)
ends=$(date -u -d '+20 days' +%d/%m/%Y)
cat > "$T/book.csv" <<EOF
household_number,relationship,name,dob,sex,id_number,cmnd,commune,address,residence_kind,from,to
HB-7,Chủ hộ,Hoàng Văn Đức,1958,Nam,001058005555,012345678,00070,"Số 7, ngõ ""Hàng"" Bè",permanent,01/01/1990,
HB-7,Vợ,Đỗ Thị Hằng,03/1961,Nữ,001161006666,,00070,"Số 7, ngõ ""Hàng"" Bè",permanent,01/01/1990,
HB-7,Con,Hoàng Minh Quân,12/09/2001,Nam,001201007777,,00070,"Số 7, ngõ ""Hàng"" Bè",permanent,15/09/2001,
,,Vũ Thị Thu,1999,Nữ,036199008888,,00070,Phòng 2 số 40 phố Hàng Bè,temporary,$began,$ends
EOF
cutru_run "$LAN_PW" -- $S2 -u lan import "$T/book.csv"
expect "import of a household book" 0
tap_check "import reports what it added" grep -q "4 persons, 1 households" "$T/out"
cutru_run "$LAN_PW" -- $S2 -u lan export --format csv --output "$T/book2.csv"
cutru_run "$LAN_PW" -- $S3 -u lan import "$T/book2.csv"
expect "import of that store's export into a third store" 0
cutru_run "$LAN_PW" -- $S3 -u lan export --format csv
tap_check "the round trip gives the same bytes" cmp -s "$T/out" "$T/book2.csv"
cutru_run "$LAN_PW" -- $S3 -u lan search hoang duc
tap_check "the imported persons are found by name" grep -q 001058005555 "$T/out"
cutru_run "$LAN_PW" -- $S3 -u lan household show HB-7
expect "household show" 0
tap_check "household show lists the three members, head first" \
    sh -c "grep -c '^  001' '$T/out' | grep -qx 3 &&
        grep '^  0' '$T/out' | head -n 1 | grep -q 'head of household'"
cutru_run "$LAN_PW" -- $S3 -u lan --json household show HB-7
tap_check "household show --json parses, with the address and relationships" \
    test "$(json_get 'd["address"]["detail"]+"|"+",".join(m["relationship"] for m in d["members"])')" \
    = 'Số 7, ngõ "Hàng" Bè|head,Vợ,Con'
tap_check "household show --json: its head, since when, no past members" \
    test "$(json_get 'd["head"]["id_number"]+" "+str(d["dissolved"])+" "+str(len(d["past_members"]))+" "+str(all(m["since"] for m in d["members"]))')" \
    = "001058005555 None 0 True"
cutru_run "$LAN_PW" -- $S3 -u lan household show HB-9
expect "household show of an unknown household (4)" 4 "HB-9"
cutru_run "$LAN_PW" -- $S3 -u lan expiring --days 30
tap_check "expiring --days 30 lists the residence ending in 20 days" \
    grep -q 036199008888 "$T/out"
cutru_run "$LAN_PW" -- $S3 -u lan expiring --days 10
tap_check "expiring --days 10 does not" test "$rc" -eq 0 -a ! -s "$T/out"
cutru_run "$LAN_PW" -- $S2 -u lan --json import "$T/book.csv"
expect "importing the same file again" 0
tap_check "... changes nothing (import --json parses)" \
    test "$(json_get '"%d %d" % (d["persons_added"], d["rows_unchanged"])')" = "0 4"

# The first store's own export, whose temporary residence begins after
# today (registered in advance), imports into a new store, and exports the
# same bytes again.
if new_store "$T/store4"; then
	cutru_run "$LAN_PW" -- -s "$T/store4" -u lan import "$T/reg.csv"
	expect "a residence that begins later survives export and import" 0
	cutru_run "$LAN_PW" -- -s "$T/store4" -u lan export --format csv
	tap_check "... and exports the same bytes" cmp -s "$T/out" "$T/reg.csv"
else
	tap_not_ok "a fourth store"
fi

# A file with one good household and two bad rows.
cat > "$T/bad.csv" <<'EOF'
household_number,relationship,name,dob,sex,id_number,commune,address
HB-1,Chủ hộ,Nguyễn Văn Tâm,05/03/1970,Nam,001070001111,00070,Số 3 phố Hàng Bè
HB-1,Vợ,Trần Thị Mai,1972,Nữ,001172002222,00070,Số 3 phố Hàng Bè
HB-2,Chủ hộ,Lê Văn Sáu,31/02/1980,Nam,001080003333,00070,Số 9 phố Hàng Bè
,,Phạm Thị Bảy,1990,Nam,001190004444,00070,Số 11 phố Hàng Bè
EOF
cutru_run "$LAN_PW" -- $S2 -u lan import "$T/bad.csv"
expect "a file with bad rows is refused whole by default (2)" 2 "line 4"
tap_check "each error names its line and column" \
    sh -c "grep -q 'line 4, column dob' '$T/err' && grep -q 'line 5' '$T/err'"
cutru_run "$LAN_PW" -- $S2 -u lan search tam
tap_check "... and nothing of it was imported" test ! -s "$T/out"
cutru_run "$LAN_PW" -- $S2 -u lan --json import --quarantine "$T/rejects.csv" \
    "$T/bad.csv"
expect "import --quarantine imports the good households" 0
tap_check "the report counts 2 rows in and 2 set aside, with their lines" \
    test "$(json_get '"%d %d %s" % (d["rows_imported"], d["rows_rejected"], sorted(set(e["line"] for e in d["errors"])))')" \
    = "2 2 [4, 5]"
tap_check "the rejects file holds the two bad rows and the header" \
    test "$(grep -c . "$T/rejects.csv")" -eq 3
cutru_run "$LAN_PW" -- $S2 -u lan search tam
tap_check "the good household is in the register" grep -q 001070001111 "$T/out"

# --- a bulk import (5,000 rows or more: one transaction, the pages
# written behind and, where the file system allows, directly) on a full
# disk: tests/tools/enospc.so lets the store's files take 1 MB, less than
# the commit writes.  The import fails and says so, the store keeps what it
# had, and with room again the same file goes in.
python3 - "$T/big.csv" <<'PY'
import sys
people = (("Chủ hộ", "Nguyễn Văn Bình", "05/03/1960", "Nam", "060"),
          ("Vợ", "Trần Thị Hoa", "1962", "Nữ", "162"),
          ("Con", "Nguyễn Minh Quân", "12/09/2001", "Nam", "201"))
with open(sys.argv[1], "w", encoding="utf-8") as f:
    f.write("household_number,relationship,name,dob,sex,id_number,"
            "commune,address\n")
    for h in range(2000):
        for m, (rel, name, dob, sex, cy) in enumerate(people):
            f.write("HB-%d,%s,%s,%s,%s,001%s%06d,00070,Số %d phố Hàng Bè\n"
                    % (h + 1, rel, name, dob, sex, cy, h * 3 + m, h + 1))
PY
SHIM=$build/tests/tools/enospc.so
if [ ! -f "$SHIM" ]; then
	tap_skip "bulk import on a full disk" "tests/tools/enospc.so is not built" 6
elif new_store "$T/store5"; then
	LD_PRELOAD=$SHIM ENOSPC_DIR=$T/store5 ENOSPC_FREE=1000000 \
	    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
	    cutru_run "$LAN_PW" -- -s "$T/store5" -u lan import "$T/big.csv"
	expect "a bulk import of 6,000 rows on a full disk fails (6)" 6 \
	    "The disk is full: nothing was imported"
	cutru_run "$LAN_PW" -- -s "$T/store5" -u lan search binh
	tap_check "... and the store opens and holds none of it" \
	    sh -c "[ $rc -eq 0 ] && [ ! -s '$T/out' ]"
	cutru_run "$LAN_PW" -- -s "$T/store5" -u lan audit verify
	expect "... its journal is intact" 0
	cutru_run "$LAN_PW" -- -s "$T/store5" -u lan import "$T/big.csv"
	expect "with room again the same file is imported" 0
	tap_check "... all 6,000 persons" grep -q "6000 persons, 2000 households" \
	    "$T/out"
	cutru_run "$LAN_PW" -- -s "$T/store5" -u lan show 001201005999
	expect "... the last of them is in the register" 0 ""
else
	tap_not_ok "a fifth store"
fi

# --- backup and restore
cutru_run "$ADMIN_PW" -- $S -u root backup "$T/store.bak"
expect "backup FILE" 0
tap_check "the backup is private (0600)" \
    test "$(stat -c %a "$T/store.bak")" = 600
# Needles too long to turn up by chance in ciphertext: "Hoa" alone does
# (3 bytes: in some 2 % of random files of this size).
tap_check "the backup holds no name, ID number or address in the clear" \
    sh -c "! grep -qa -F -e 'Lê Thị Hoa' -e 'le thi hoa' -e '079195012345' \
        -e 'Hàng Gai' -e 'hang gai' '$T/store.bak'"
cutru_run "$ADMIN_PW" -- $S -u root backup "$T/store.bak"
expect "backup does not overwrite without --force (5)" 5 "--force"
cutru_run "$LAN_PW" -- -s "$T/restored" -u lan restore "$T/store.bak"
expect "restore into a new folder" 0
cutru_run "$LAN_PW" -- -s "$T/restored" -u lan show 079195012345
expect "the restored store opens and holds the register" 0 ""
cutru_run "$LAN_PW" -- -s "$T/restored" -u lan audit verify
expect "its journal is intact" 0
cutru_run "$LAN_PW" -- $S -u lan restore "$T/store.bak"
expect "restore refuses to replace a live store without --force (5)" 5 "--force"
cutru_run wrongpass123 -- -s "$T/r2" -u lan restore "$T/store.bak"
expect "restore with a wrong passphrase is refused (3)" 3 "Wrong passphrase"
tap_check "... and leaves nothing behind" \
    sh -c "! ls -d '$T'/r2* 2>/dev/null | grep -q ."
cp "$T/store.bak" "$T/damaged.bak"
printf 'X' | dd of="$T/damaged.bak" bs=1 seek=3000 conv=notrunc 2>/dev/null
cutru_run "$LAN_PW" -- -s "$T/r3" -u lan restore "$T/damaged.bak"
expect "a damaged backup is refused (6)" 6 "damaged"
head -c 500 "$T/store.bak" > "$T/cut.bak"
cutru_run "$LAN_PW" -- -s "$T/r3" -u lan restore "$T/cut.bak"
expect "a truncated backup is refused (6)" 6 "cut short"
cutru_run "$LAN_PW" -- -s "$T/r3" -u lan restore "$T/none.bak"
expect "a missing backup (4)" 4 "none.bak"

cutru_run "$LAN_PW" -- $S -u lan apply "$EXAMPLES/stay.notify.json"
cutru_run "$LAN_PW" -- $S -u lan --json restore --force "$T/store.bak"
expect "restore --force replaces the store" 0
old=$(json_get 'd["replaced"]')
tap_check "the replaced store is kept beside it" test -f "$old/keyring"
cutru_run "$LAN_PW" -- $S -u lan queue list
tap_check "the restored store is the one of the backup (no later dossier)" \
    test "$rc" -eq 0 -a ! -s "$T/out"

# --- rekey
cutru_run "$ADMIN_PW" -- $S -u root --json rekey
expect "rekey" 0
tap_check "rekey moves to key generation 2" \
    test "$(json_get 'd["generation"]')" -eq 2 -a -f "$STORE/store-2.db" \
    -a ! -f "$STORE/store-1.db"
cutru_run "$LAN_PW" -- $S -u lan show 079195012345
expect "after rekey the store reopens with the same passphrases" 0
cutru_run "$MINH_PW" -- $S -u minh audit verify
expect "... and its journal is intact" 0

# --- passphrases
cutru_run "$LAN_PW" "newlanpass123" -- $S -u lan officer passwd
expect "officer passwd changes one's own passphrase" 0
cutru_run "$LAN_PW" -- $S -u lan queue list
expect "the old passphrase no longer opens the store (3)" 3 "Wrong passphrase"
cutru_run "newlanpass123" -- $S -u lan queue list
expect "the new one does" 0
cutru_run "$RECOVERY" "resetpass1234" -- $S -u root officer passwd \
    --recovery lan
expect "officer passwd --recovery gives lan a new passphrase" 0
cutru_run "resetpass1234" -- $S -u lan queue list
expect "... which opens the store" 0
cutru_run "ABCDE-ABCDE-ABCDE-ABCDE-ABCDE-ABCDE-ABCDE-ABCDE" "resetpass5678" \
    -- $S officer passwd --recovery lan
expect "a mistyped recovery code is refused, naming the group" 2 "recovery"
cutru_run "$MINH_PW" "resetpass1234" -- $S -u minh officer passwd lan
expect "without --recovery nobody changes another's passphrase (1)" 1 \
    "--recovery"
cutru_run "$ADMIN_PW" -- $S -u root passwd
expect "passwd is not a command (1)" 1 "passwd"

tap_done
