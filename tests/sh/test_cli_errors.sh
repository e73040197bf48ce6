#!/bin/sh
# cutru(1) refusals: each gives its exit status (cutru(1), EXIT STATUS) and a
# message on stderr that names the problem (and the field), in English and
# in Vietnamese; --json failures are JSON documents too.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/sh/cli_lib.sh"

S="-s $STORE"
tap_check "a store with an administrator, an officer and two supervisors" \
    make_store

# --- usage (1)
cutru_run -- $S frobnicate
expect "an unknown command is a usage error" 1 "no command 'frobnicate'"
cutru_run -- $S queue
expect "a family without its subcommand is a usage error" 1 "queue"
cutru_run -- $S queue approve
expect "a missing operand is a usage error" 1 "Usage: cutru"
cutru_run -- $S search --bogus x
expect "an unknown option is a usage error" 1 "--bogus"
cutru_run -- $S --passphrase-fd x queue list
expect "--passphrase-fd needs a number" 1 "--passphrase-fd"
"$CUTRU" $S --passphrase-fd 9 queue list >"$T/out" 2>"$T/err" 9<&-
rc=$?
expect "--passphrase-fd of a closed descriptor is a usage error" 1 \
    "no file is open"
cutru_run -- $S queue return 1/2026/PTN
expect "return without --reason is a usage error" 1 "--reason"
cutru_run -- $S --json export --format xml
expect "export --format xml is a usage error" 1 "--format"
tap_check "a usage error with --json is a JSON document too" \
    test "$(json_get 'd["error"]["status"]')" -eq 1
cutru_run -- --help
tap_check "--help lists the commands and exits 0" \
    sh -c "[ $rc -eq 0 ] && grep -q 'queue approve' '$T/out'"
cutru_run -- queue approve --help
tap_check "a command's --help prints its usage and exits 0" \
    sh -c "[ $rc -eq 0 ] && grep -q 'queue approve NUMBER' '$T/out'"
cutru_run -- --version
tap_check "--version" grep -q '^cutru [0-9]' "$T/out"

# --- authentication and permissions (3)
cutru_run wrongpass123 -- $S -u lan queue list
expect "a wrong passphrase is refused with 3" 3 "Wrong passphrase for officer 'lan'"
tap_check "the message names the field" grep -q "passphrase" "$T/err"
cutru_run "$LAN_PW" -- $S -u lan queue list
expect "the right passphrase still opens after one wrong try" 0
cutru_run "$LAN_PW" -- $S -u lan --json queue list
tap_check "queue list --json of an empty queue parses" \
    test "$(json_get 'len(d["dossiers"])')" -eq 0

cutru_run "$LAN_PW" -- $S -u lan apply "$EXAMPLES/temporary.register.json"
expect "the officer receives a dossier" 0
n1=$(cat "$T/out")
cutru_run "$LAN_PW" "$LAN_PW" -- $S -u lan queue approve "$n1"
expect "an officer cannot approve (3)" 3 "Only a supervisor"
cutru_run "$ADMIN_PW" "$ADMIN_PW" -- $S -u root queue approve "$n1"
expect "an administrator cannot approve either (3)" 3 "supervisor"
cutru_run "$MINH_PW" wrongpass123 -- $S -u minh queue approve "$n1"
expect "approval with a wrong second passphrase is refused (3)" 3 "passphrase"
cutru_run "$MINH_PW" -- $S -u minh --json dossier show "$n1"
tap_check "... and the dossier still awaits" \
    test "$(json_get 'd["state"]')" = awaiting
cutru_run "$MINH_PW" -- $S -u minh apply "$EXAMPLES/stay.notify.json"
n2=$(cat "$T/out")
cutru_run "$MINH_PW" "$MINH_PW" -- $S -u minh queue approve "$n2"
expect "nobody approves a dossier they received (3)" 3 "yourself"
cutru_run "$HAI_PW" "$HAI_PW" -- $S -u hai queue approve "$n2"
expect "another supervisor approves it" 0
cutru_run "$HAI_PW" "$HAI_PW" -- $S -u hai queue approve "$n2"
expect "a decided dossier cannot be decided again (5)" 5 "$n2"
cutru_run "$HAI_PW" -- $S -u hai queue refuse "$n1" --reason "   "
expect "a blank reason is refused (2, field reason)" 2 "field: reason"

cutru_run "$LAN_PW" "otherpass1234" -- $S -u lan officer add tuan \
    --name "Vũ Văn Tuấn" --role officer
expect "an officer cannot add accounts (3)" 3 "administrator"
cutru_run "$ADMIN_PW" -- $S -u root officer disable lan
expect "the administrator disables an account" 0
cutru_run "$LAN_PW" -- $S -u lan queue list
expect "a disabled account cannot log in (3)" 3 "lan"
cutru_run "$ADMIN_PW" -- $S -u root officer disable root
expect "nobody disables themselves (3)" 3 "your own account"

# --- requests refused (2 and 5), naming the field
sed 's/"to": "2027-11-30"/"to": "2029-11-30"/' \
    "$EXAMPLES/temporary.register.json" > "$T/long.json"
cutru_run "$MINH_PW" -- $S -u minh apply "$T/long.json"
expect "a term over 2 years is refused (2) naming the field" 2 "(field: to)"
tap_check "... and the message says what the limit is" grep -q "2 years" "$T/err"
printf '{"procedure": "stay.notify", "received": "2026-11-27"}\n' > "$T/short.json"
cutru_run "$MINH_PW" -- $S -u minh apply "$T/short.json"
expect "a request without its applicant is refused (2)" 2 "field: applicant"
printf '{"procedure": "temporary.register",\n' > "$T/broken.json"
cutru_run "$MINH_PW" -- $S -u minh --json apply "$T/broken.json"
expect "a request that is not JSON is refused (2)" 2 "not valid"
tap_check "the JSON error document names status 2" \
    test "$(json_get 'd["error"]["status"]+0')-$(json_get 'd["error"]["code"]')" \
    = "2-invalid"
sed 's/"sex": "female"/"sex": "male"/' "$EXAMPLES/temporary.register.json" \
    > "$T/sex.json"
cutru_run "$MINH_PW" -- $S -u minh apply "$T/sex.json"
expect "an ID number that contradicts the sex is a conflict (5)" 5 \
    "field: applicant.sex"
cutru_run "$MINH_PW" -- $S -u minh apply "$T/nonexistent.json"
expect "a request file that does not exist (4)" 4 "nonexistent.json"
cutru_run "$MINH_PW" -- $S -u minh --json dossier list --state archived
expect "an unknown dossier state is refused (2)" 2 "field: state"
cutru_run "$MINH_PW" -- $S -u minh queue list
tap_check "nothing refused was stored: the queue holds the first dossier only" \
    test "$(wc -l < "$T/out")" -eq 1

# Digitising household books is receiving work: not an administrator's.
printf 'household_number,relationship,name,dob,sex,id_number,commune,address\n,,Phạm Thị Bảy,1990,Nữ,001190004444,00070,Số 11 phố Hàng Bè\n' \
    > "$T/book.csv"
cutru_run "$ADMIN_PW" -- $S -u root import "$T/book.csv"
expect "an administrator cannot import household books (3)" 3 "administrator"
cutru_run "$ADMIN_PW" -- $S -u root search bay
tap_check "... and nothing was imported" test "$rc" -eq 0 -a ! -s "$T/out"
cutru_run "$ADMIN_PW" -- $S -u root export --format json
expect "an administrator may export the register" 0

# --- not found (4)
cutru_run "$MINH_PW" -- $S -u minh dossier show 999/2026/PTN
expect "an unknown dossier (4)" 4 "999/2026/PTN"
cutru_run "$MINH_PW" "$MINH_PW" -- $S -u minh --json queue approve 999/2026/PTN
expect "approving an unknown dossier (4)" 4 "999/2026/PTN"
tap_check "... with a JSON error document" \
    test "$(json_get 'd["error"]["code"]')" = not_found
cutru_run "$MINH_PW" -- $S -u minh show 001099999999
expect "show of a person not in the register (4)" 4 "001099999999"
cutru_run "$MINH_PW" -- $S -u minh show "Nguyễn Văn An"
expect "show wants an ID number (1)" 1 "ID number"
cutru_run "$MINH_PW" -- $S -u minh household show "HB 7"
expect "household show of what cannot be a household number (2)" 2 \
    "household number"
cutru_run "$MINH_PW" -- -s "$T/nostore" -u minh queue list
expect "a folder without a store (4)" 4 "no store"
cutru_run "$MINH_PW" -- $S -u nobody queue list
expect "an officer the keyring does not know (4)" 4 "nobody"

# --- a folder in use is not made a store (5), and keeps its permissions
mkdir -p "$T/inuse/Documents"
echo "alias ll='ls -l'" > "$T/inuse/.bashrc"
chmod 755 "$T/inuse"
cutru_run "$ADMIN_PW" -- -s "$T/inuse" init --ward 00070 --ward-name "X" \
    --admin root --admin-name "Nguyễn Văn A" --kdf-opslimit 1 \
    --kdf-memlimit 8192
expect "init refuses a folder that is not empty (5)" 5 "is not empty"
tap_check "... and leaves its permissions and contents alone" \
    test "$(stat -c %a "$T/inuse")" = 755 -a ! -e "$T/inuse/keyring" \
    -a ! -e "$T/inuse/outbox"

# --- the store (6) and the passphrase channel
chmod 755 "$STORE"
cutru_run "$MINH_PW" -- $S -u minh queue list
expect "a store others may enter is refused (3), saying how to fix it" 3 "chmod 700"
chmod 700 "$STORE"
cutru_run -- $S -u minh queue list
expect "no passphrase on the descriptor is refused (2)" 2 "file descriptor 3"

# --- messages in the user's language
mo=$T/locale/vi/LC_MESSAGES
mkdir -p "$mo"
if msgfmt -o "$mo/cutru.mo" "$src/po/vi.po" 2>/dev/null ||
    cp "$build/po/vi.gmo" "$mo/cutru.mo" 2>/dev/null ||
    cp "$src/po/vi.gmo" "$mo/cutru.mo" 2>/dev/null; then
	LANGUAGE=vi
	CUTRU_LOCALEDIR=$T/locale
	export LANGUAGE CUTRU_LOCALEDIR
	cutru_run wrongpass123 -- $S -u hai queue list
	unset LANGUAGE CUTRU_LOCALEDIR
	expect "under LANGUAGE=vi the message is Vietnamese" 3 \
	    "Sai mật khẩu của cán bộ 'hai'"
	tap_check "... and starts with cutru:" grep -q "^cutru: Sai" "$T/err"
else
	tap_ok "# SKIP no Vietnamese catalogue could be compiled"
	tap_ok "# SKIP no Vietnamese catalogue could be compiled"
fi

tap_done
