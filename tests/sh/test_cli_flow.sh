#!/bin/sh
# cutru(1) end to end on a real encrypted store: init, officers, every
# example request received, the supervisor's decisions, search, show,
# dossiers, the journal and the report, in text and in --json.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/sh/cli_lib.sh"

S="-s $STORE"

# --- init: the store, and the recovery code shown once
cutru_run "$ADMIN_PW" -- $S init --ward 00070 --ward-name "Phường Hàng Bạc" \
    --admin root --admin-name "Nguyễn Quản Trị" --kdf-opslimit 1 \
    --kdf-memlimit 8192
expect "init creates the store" 0
tap_check "init shows the recovery code once, in 8 groups" \
    grep -Eq '^    [0-9A-Z]{5}(-[0-9A-Z]{5}){7}$' "$T/out"
tap_check "init says to write the code down" grep -q "Write it down" "$T/out"
tap_check "the store is a private folder with a keyring" \
    test -f "$STORE/keyring" -a "$(stat -c %a "$STORE")" = 700
tap_check "the store records the cost it was made with" \
    grep -q '^kdf_opslimit = 1$' "$STORE/config"

cutru_run "$ADMIN_PW" -- $S init --ward 00070 --ward-name "X" \
    --admin-name "Nguyễn Văn A" --kdf-opslimit 1 --kdf-memlimit 8192
expect "init refuses a folder that already holds a store" 5 "already"

# --- officers
cutru_run "$ADMIN_PW" "$LAN_PW" -- $S -u root officer add lan \
    --name "Trần Thị Lan" --role officer
expect "the administrator adds an officer" 0
cutru_run "$ADMIN_PW" "$MINH_PW" -- $S -u root officer add minh \
    --name "Lê Văn Minh" --role supervisor
expect "the administrator adds a supervisor" 0
printf '%s\n' "$ADMIN_PW" > "$T/admin.pw"
printf '%s\n' "hapass123456" > "$T/ha.pw"
"$CUTRU" $S -u root --passphrase-fd 3 officer add ha --name "Ngô Thu Hà" \
    --role officer --new-passphrase-fd 4 3<"$T/admin.pw" 4<"$T/ha.pw" \
    >"$T/out" 2>"$T/err"
rc=$?
expect "officer add --new-passphrase-fd reads the new passphrase there" 0
cutru_run "hapass123456" -- $S -u ha queue list
expect "... and the new officer logs in with it" 0
cutru_run "$ADMIN_PW" -- $S -u root officer disable ha
expect "officer disable" 0
cutru_run "$ADMIN_PW" -- $S -u root --json officer list
expect "officer list" 0
tap_check "officer list --json parses" json_ok
tap_check "officer list --json names the three with their roles" \
    test "$(json_get '" ".join(o["login"]+":"+o["role"] for o in d["officers"])')" \
    = "ha:officer lan:officer minh:supervisor root:admin"
tap_check "officer list --json says who is disabled" \
    test "$(json_get '[o["login"] for o in d["officers"] if o["disabled"]]')" \
    = "['ha']"
cutru_run "$ADMIN_PW" -- $S -u root officer list
tap_check "officer list prints one line per officer" \
    test "$(wc -l < "$T/out")" -eq 4

# --- every example request becomes an awaiting dossier
: > "$T/numbers"
for f in "$EXAMPLES"/*.json; do
	p=$(basename "$f" .json)
	cutru_run "$LAN_PW" -- $S -u lan apply "$f"
	expect "apply $p" 0
	n=$(cat "$T/out")
	tap_check "apply $p prints the dossier number ($n)" \
	    sh -c "echo '$n' | grep -Eqx '[0-9]+/[0-9]{4}/PTN'"
	echo "$p $n" >> "$T/numbers"
done
num() { awk -v p="$1" '$1 == p { print $2 }' "$T/numbers"; }

cutru_run_stdin "$EXAMPLES/stay.notify.json" "$LAN_PW" -- $S -u lan --json \
    apply -
expect "apply - reads the request from standard input" 0
tap_check "apply --json parses and says awaiting" \
    test "$(json_get 'd["state"]+" "+d["procedure"]')" = "awaiting stay.notify"
extra=$(json_get 'd["number"]')

cutru_run "$MINH_PW" -- $S -u minh queue list
expect "queue list" 0
tap_check "queue list shows the 12 awaiting dossiers" \
    test "$(wc -l < "$T/out")" -eq 12
cutru_run "$MINH_PW" -- $S -u minh --json queue list
tap_check "queue list --json parses, all awaiting" \
    test "$(json_get 'len([x for x in d["dossiers"] if x["state"]=="awaiting"])')" -eq 12

# --- decisions
for p in temporary.register stay.notify residence.declare; do
	cutru_run "$MINH_PW" "$MINH_PW" -- $S -u minh queue approve "$(num $p)"
	expect "the supervisor approves $p (passphrase typed again)" 0
done
tap_check "approve says the register is updated" \
    grep -q "approved and signed" "$T/out"
cutru_run "$MINH_PW" -- $S -u minh queue return "$(num temporary.delete)" \
    --reason "Thiếu hợp đồng thuê nhà"
expect "the supervisor returns a dossier with a reason (CT05)" 0
cutru_run "$MINH_PW" -- $S -u minh --json queue refuse \
    "$(num permanent.delete)" --reason "Không đủ giấy tờ"
expect "the supervisor refuses a dossier with a reason (CT06)" 0
tap_check "refuse --json gives the refused dossier and its reason" \
    test "$(json_get 'd["state"]+"|"+d["reason"]+"|"+d["supervisor"]')" \
    = "refused|Không đủ giấy tờ|minh"
cutru_run "$MINH_PW" "$MINH_PW" -- $S -u minh queue approve "$extra"
expect "a second stay notice is approved too" 0

cutru_run "$LAN_PW" -- $S -u lan --json dossier show "$(num temporary.register)"
expect "dossier show" 0
tap_check "dossier show --json: approved, signed, by minh, with its events" \
    test "$(json_get 'd["state"]+" "+d["supervisor"]+" "+str(len(d["signature"]))+" "+str(len(d["events"])>0)+" "+d["request"]["procedure"]')" \
    = "approved minh 128 True temporary.register"
cutru_run "$LAN_PW" -- $S -u lan dossier show "$(num temporary.delete)"
tap_check "dossier show (text) gives the state and the reason" \
    sh -c "grep -q 'returned' '$T/out' && grep -q 'Thiếu hợp đồng thuê nhà' '$T/out'"
cutru_run "$LAN_PW" -- $S -u lan --json dossier list --state approved
tap_check "dossier list --state approved lists the four approved" \
    test "$(json_get 'len(d["dossiers"])')" -eq 4
cutru_run "$MINH_PW" -- $S -u minh queue list
tap_check "the queue keeps the 6 undecided dossiers" \
    test "$(wc -l < "$T/out")" -eq 6

# --- search and show
cutru_run "$LAN_PW" -- $S -u lan search le thi hoa
expect "search without tone marks" 0
tap_check "search 'le thi hoa' finds Lê Thị Hoa" grep -q "Lê Thị Hoa" "$T/out"
cutru_run "$LAN_PW" -- $S -u lan search "LÊ HOA"
tap_check "search in capitals with tone marks finds her too" \
    grep -q "079195012345" "$T/out"
cutru_run "$LAN_PW" -- $S -u lan search dang
tap_check "search 'dang' finds Đặng (đ folds to d)" \
    grep -q "Đặng Văn Hùng" "$T/out"
# "Lê Thị Hoa" typed decomposed: e + U+0302, i + U+0323.
cutru_run "$LAN_PW" -- $S -u lan search "$(printf 'Le\314\202 Thi\314\243 Hoa')"
tap_check "search typed in NFD finds the NFC name" \
    grep -q "079195012345" "$T/out"
cutru_run "$LAN_PW" -- $S -u lan --json search --state temporary hoa
tap_check "search --json parses and gives the temporary residence" \
    test "$(json_get 'd["persons"][0]["residence"]["state"]+" "+d["persons"][0]["id_number"]')" \
    = "temporary 079195012345"
cutru_run "$LAN_PW" -- $S -u lan search nobody here
tap_check "a search that finds nobody prints nothing and succeeds" \
    test "$rc" -eq 0 -a ! -s "$T/out"
cutru_run "$LAN_PW" -- $S -u lan show 079195012345
expect "show ID-NUMBER" 0
tap_check "show prints the person and the address" \
    sh -c "grep -q 'Lê Thị Hoa' '$T/out' && grep -q 'Hàng Gai' '$T/out'"
tap_check "show lists her residences with the dossier that opened each" \
    sh -c "grep -q '^Residences:' '$T/out' &&
        grep -q 'opened by dossier $(num temporary.register)' '$T/out'"
cutru_run "$LAN_PW" -- $S -u lan --json show 079195012345
tap_check "show --json gives the history after the PERSON keys" \
    test "$(json_get '",".join(list(d)[:6])+"|"+d["residences"][0]["kind"]+" "+d["residences"][0]["state"]+" "+d["residences"][0]["to"]+" "+d["residences"][0]["dossier"]')" \
    = "id_number,cmnd,name,dob,sex,residence|temporary active 2027-11-30 $(num temporary.register)"
cutru_run "$LAN_PW" -- $S -u lan --json show 001085007777
tap_check "show --json parses (declared place of living)" \
    test "$(json_get 'd["name"]+"|"+d["residence"]["state"]+"|"+d["dob"]')" \
    = "Đặng Văn Hùng|current|1985"

# --- temporary residences ending
cutru_run "$LAN_PW" -- $S -u lan expiring --days 3660
expect "expiring --days N" 0
tap_check "expiring lists the temporary residence with its end date" \
    grep -q "^2027-11-30 .*079195012345" "$T/out"
cutru_run "$LAN_PW" -- $S -u lan --json expiring --days 3660
left=$(( ($(date -u -d 2027-11-30 +%s) - $(date -u +%s)) / 86400 ))
tap_check "expiring --json parses, with the days left" \
    test "$(json_get 'str(len(d["residences"]))+" "+d["residences"][0]["to"]')" \
    = "1 2027-11-30" -a \
    "$(json_get 'abs(d["residences"][0]["days_left"] - '"$left"') <= 1')" = True
cutru_run "$LAN_PW" -- $S -u lan expiring
expect "expiring without --days is a usage error" 1 "--days"

# --- the journal and the report
cutru_run "$LAN_PW" -- $S -u lan audit verify
expect "audit verify on an intact journal" 0
tap_check "audit verify says the journal is intact" grep -q intact "$T/out"
cutru_run "$LAN_PW" -- $S -u lan --json audit verify
tap_check "audit verify --json: intact, with entries and a head hash" \
    test "$(json_get 'str(d["intact"])+" "+str(d["entries"]>0)+" "+str(len(d["head"]))')" \
    = "True True 64"
cutru_run "$LAN_PW" -- $S -u lan --json report
expect "report" 0
tap_check "report --json counts 12 dossiers, 4 approved, 1 returned, 1 refused" \
    test "$(json_get '"%d %d %d %d" % (d["all"]["total"], d["all"]["states"]["approved"], d["all"]["states"]["returned"], d["all"]["states"]["refused"])')" \
    = "12 4 1 1"
tap_check "report --json lists all eleven procedures" \
    test "$(json_get 'len(d["procedures"])')" -eq 11
cutru_run "$LAN_PW" -- $S -u lan report --period year --from 2026-01-01
tap_check "report (text) has a row per procedure and the total" \
    sh -c "grep -q '^stay.notify  *2 ' '$T/out' && grep -q '^2026 ' '$T/out'"
tap_check "report (text) ends with the register today" \
    grep -q "The register today: 2 persons, 0 households; active residences: 0 permanent, 1 temporary, 1 declared" "$T/out"
cutru_run "$LAN_PW" -- $S -u lan --json report --from 2026-01-01
tap_check "report --json counts the register too" \
    test "$(json_get '"%d %d %d %d" % (d["register"]["persons"], d["register"]["households"], d["register"]["residences"]["temporary"], d["register"]["residences"]["current"])')" \
    = "2 0 1 1"
cutru_run "$LAN_PW" -- $S -u lan report --from 2026-12-01 --to 2026-11-01
expect "report of a period that ends before it begins (2)" 2 "after it ends"

# --- where the store is found
CUTRU_STORE=$STORE
CUTRU_LOGIN=lan
export CUTRU_STORE CUTRU_LOGIN
cutru_run "$LAN_PW" -- queue list
expect "CUTRU_STORE and CUTRU_LOGIN stand for -s and -u" 0
unset CUTRU_STORE CUTRU_LOGIN
cutru_run "$ADMIN_PW" -- -u root init --ward 00070 --ward-name "X" \
    --admin-name "Nguyễn Văn A" --kdf-opslimit 1 --kdf-memlimit 8192
tap_check "without -s or CUTRU_STORE the store is \$XDG_DATA_HOME/cutru" \
    test -f "$XDG_DATA_HOME/cutru/keyring"

tap_done
