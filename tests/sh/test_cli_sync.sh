#!/bin/sh
# The network sync client end to end, with real processes: a cutru store
# enrolled over the network with a real cutru-registryd (TLS on loopback,
# the registry's key pinned), approvals sent by `cutru sync` without any
# passphrase, receipts applied at the next unlock, a second pass that sends
# nothing, a rejection shown by --status, a registry that is down (nothing
# lost), a TLS key that is not the pinned one (nothing sent), the daemon
# picking up a new approval, another console's USB export carried by
# --from DIR and applied with `inbox import`, and the feed: a resident who
# registered elsewhere arrives through `cutru sync --unlock`.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/sh/cli_lib.sh"
CT=$T
. "${top_srcdir:-.}/tests/sh/registry_lib.sh"
DPID=
trap '[ -n "$DPID" ] && kill "$DPID" 2>/dev/null; reg_cleanup; rm -rf "$CT"' EXIT

HOA=079195012345
AN=001090012345
BINH=001192000001
CUONG=001088000012
DUNG=001088000099
S="-s $STORE"
TODAY=$(date +%F)

# A permanent.register request (registry_lib's), received today.
req() {
	request "$@"
	sed -i "s/2026-11-27/$TODAY/" "$1"
}

# The officer receives FILE, the supervisor approves it; sets $NUM.
apply_approve() {
	cutru_run "$LAN_PW" -- $S -u lan apply "$1"
	NUM=$(grep -Eo '[0-9]+/[0-9]{4}/PTN' "$T/out" | head -n 1)
	cutru_run "$MINH_PW" "$MINH_PW" -- $S -u minh queue approve "$NUM"
	if [ "$rc" -ne 0 ]; then
		echo "Bail out! approve: $(cat "$T/err")"
		exit 1
	fi
}

state_of() {
	cutru_run "$LAN_PW" -- $S -u lan dossier show "$1" --json
	json_get 'd["state"]'
}

files() { ls "$1" 2>/dev/null | wc -l; }

# cutru without a passphrase (nothing on standard input).
bare() {
	[ -n "$DEBUG" ] && echo "# cutru $*" >&2
	"$CUTRU" "$@" > "$T/out" 2> "$T/err" < /dev/null
	rc=$?
}

population() {
	printf 'id_number,name,dob,sex\n%s\n' "$1" > "$T/pop1.csv"
	regd population import "$T/pop1.csv"
}

make_store
tap_check "a store for ward 00070" [ "$rc" -eq 0 ]
# A second console of the ward, for the USB carry below (no device yet).
cp -a "$STORE" "$CT/store2"

reg_setup
printf '%s\n' "id_number,name,dob,sex" \
    "$AN,Nguyễn Văn An,1990-05-01,male" \
    "$BINH,Trần Thị Bình,1992-08-15,female" \
    "$CUONG,Lê Văn Cường,1988-03-03,male" \
    "$DUNG,Đỗ Văn Dũng,1988-01-01,male" > "$T/pop.csv"
regd population import "$T/pop.csv"
tap_check "the registry has its population records" [ "$rc" -eq 0 ]
reg_start

# ------------------------------------------------------------ enrollment
bare $S sync
expect "sync before enrollment says how to enroll" 4 "cutru enroll --registry"
regd token create --ward 00070
TOKEN=$(cat "$T/out")
cutru_run "$ADMIN_PW" -- $S -u root enroll --registry "$URL" \
    --token WRONG-TOKEN-0000000000 --registry-key "$REGKEY"
expect "a wrong token is refused" 3 "bad_token"
tap_check "... and nothing is pinned" [ ! -e "$STORE/sync-registry" ]
cutru_run "$ADMIN_PW" -- $S -u root enroll --registry "$URL" \
    --token "$TOKEN" --registry-key "$REGKEY" --label "Desk 1"
expect "enrollment over the network" 0
tap_check "the registry's TLS key is pinned in the registry file" \
    grep -q '^tls_pin sha256//' "$STORE/sync-registry"
PIN=$(sed -n 's/^tls_pin //p' "$STORE/sync-registry")
WANT=$(openssl x509 -in "$CERT" -pubkey -noout | openssl pkey -pubin \
    -outform der | openssl dgst -sha256 -binary | base64)
tap_check "... the SHA-256 of the certificate's public key" \
    [ "$PIN" = "sha256//$WANT" ]
cutru_run "$ADMIN_PW" -- $S -u root enroll --registry "$URL" \
    --token "$TOKEN" --registry-key "$REGKEY"
expect "enrolling again with the same token and keys changes nothing" 0
tap_check "... the same pin" grep -q "^tls_pin $PIN\$" "$STORE/sync-registry"
cutru_run "$ADMIN_PW" -- $S -u root officer list --json
KEY=$(json_get '[o["sign_key"] for o in d["officers"] if o["login"] == "minh"][0]' 2>/dev/null ||
    json_get '[o["sign_key"] for o in d if o["login"] == "minh"][0]')
regd officer add --ward 00070 --login minh --name "Lê Văn Minh" --key "$KEY"
tap_check "the registry knows the supervisor" [ "$rc" -eq 0 ]

# ------------------------------------------------------------ first pass
req "$CT/an.json" $AN "Nguyễn Văn An" 1990-05-01 male 00070 "Số 12 phố Hàng Bạc"
apply_approve "$CT/an.json"; N_AN=$NUM
req "$CT/binh.json" $BINH "Trần Thị Bình" 1992-08-15 female 00070 "Số 3 phố Hàng Bạc"
apply_approve "$CT/binh.json"; N_BINH=$NUM
req "$CT/cuong.json" $CUONG "Lê Văn Cường" 1988-03-03 male 00070 "Số 4 phố Hàng Bạc"
apply_approve "$CT/cuong.json"; N_CUONG=$NUM
tap_check "three change sets wait in the outbox" [ "$(files "$STORE/outbox/new")" -eq 3 ]

bare $S sync --json
expect "cutru sync needs no passphrase and sends them" 0
tap_check "... three sent, three accepted, none queued" \
    [ "$(json_get 'd["sent"], d["accepted"], d["pending"], d["outcome"]')" = "3 3 0 done" ]
tap_check "... in one request" [ "$(json_get 'd["batches"]')" = 1 ]
tap_check "the files moved to outbox/cur" \
    [ "$(files "$STORE/outbox/new")" -eq 0 -a "$(files "$STORE/outbox/cur")" -eq 3 ]
tap_check "the receipts wait in the inbox" [ "$(files "$STORE/inbox/new")" -eq 3 ]
tap_check "the registry holds each once" \
    [ "$(persons $AN)$(persons $BINH)$(persons $CUONG)" = 111 ]
tap_check "progress came as JSON lines on stderr" grep -q '"phase":"upload"' "$T/err"

bare $S sync
expect "a second pass" 0
tap_check "... sends nothing" grep -q '^0 change sets queued, 0 sent' "$T/out"

tap_check "the dossier is accepted at the next unlock" [ "$(state_of "$N_AN")" = accepted ]
tap_check "... all three" \
    [ "$(state_of "$N_BINH")$(state_of "$N_CUONG")" = acceptedaccepted ]
tap_check "the unlock emptied the inbox and outbox/cur" \
    [ "$(files "$STORE/inbox/new")" -eq 0 -a "$(files "$STORE/outbox/cur")" -eq 0 ]

# ------------------------------------------------------------ rejection
req "$CT/hoa.json" $HOA "Lê Thị Hoa" 1995-02-14 female 00070 "Số 9 phố Hàng Bạc"
apply_approve "$CT/hoa.json"; N_HOA=$NUM
bare $S sync
expect "a change set the registry rejects is final" 0
tap_check "... reported rejected" grep -q '0 accepted, 1 rejected' "$T/out"
bare $S sync --status --json
tap_check "sync --status counts it without a passphrase" \
    [ "$(json_get 'd["rejected"], d["queue"]')" = "1 0" ]
cutru_run "$LAN_PW" -- $S -u lan sync --status --unlock
expect "sync --status --unlock" 0
tap_check "... lists it as needing attention, with the reason" \
    grep -q 'identity_mismatch' "$T/out"
tap_check "the dossier is rejected" [ "$(state_of "$N_HOA")" = rejected ]

# ------------------------------------------------------ registry down
reg_stop
req "$CT/dung.json" $DUNG "Đỗ Văn Dũng" 1988-01-01 male 00070 "Số 5 phố Hàng Bạc"
apply_approve "$CT/dung.json"
bare $S sync
expect "a registry that is down: a clear error, exit 8" 8 "could not be reached"
tap_check "... nothing lost: the change set is still queued" \
    [ "$(files "$STORE/outbox/new")" -eq 1 ]
bare $S sync --status --json
tap_check "--status shows the failure and the queue" \
    [ "$(json_get 'd["queue"], d["failures"], d["last_outcome"]')" = "1 1 unreachable" ]
reg_start
bare $S sync --registry "$URL"
expect "a later pass succeeds" 0
tap_check "... and the registry holds it once" [ "$(persons $DUNG)" = 1 ]
bare $S sync --status --json
tap_check "--status shows a complete pass" \
    [ "$(json_get 'd["failures"], d["last_outcome"], d["last_error"]')" = "0 done " ]

# ------------------------------------------------------- wrong TLS key
reg_stop
openssl req -x509 -newkey ed25519 -keyout "$T/key.pem" -out "$CERT" \
    -days 30 -nodes -subj /CN=localhost \
    -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1
reg_start
population "001192000076,Trần Thị Bình,1992-08-15,female"
sed -e "s/$BINH/001192000076/" "$CT/binh.json" > "$CT/w.json"
apply_approve "$CT/w.json"
bare $S sync --registry "$URL"
expect "a registry whose TLS key is not the pinned one is refused" 3 "TLS key"
tap_check "... nothing was sent" [ "$(persons 001192000076)" = 0 ]
tap_check "... nothing lost" [ "$(files "$STORE/outbox/new")" -eq 1 ]
cutru_run "$LAN_PW" -- $S -u lan sync --unlock --registry-cert "$CERT"
expect "only an administrator pins a new key" 3
cutru_run "$ADMIN_PW" -- $S -u root sync --unlock --registry "$URL" \
    --registry-cert "$CERT"
expect "the administrator pins the key of the operator's certificate" 0
tap_check "... and the queue leaves" [ "$(persons 001192000076)" = 1 ]

# ------------------------------------------------------------- the daemon
"$CUTRU" $S sync --daemon --interval 60 > "$CT/daemon.out" \
    2> "$CT/daemon.err" < /dev/null &
DPID=$!
sleep 1
population "001192000077,Trần Thị Bình,1992-08-15,female"
sed -e "s/$BINH/001192000077/" "$CT/binh.json" > "$CT/x.json"
apply_approve "$CT/x.json"
i=0
while [ "$(persons 001192000077)" != 1 ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
tap_check "the daemon sends a new approval within seconds" \
    [ "$(persons 001192000077)" = 1 ]
kill -TERM "$DPID"
i=0
while kill -0 "$DPID" 2>/dev/null && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
wait "$DPID"
rc=$?
DPID=
tap_check "SIGTERM ends the daemon cleanly" [ "$rc" -eq 0 ]

# ------------------------------------------- another console's USB stick
S2="-s $CT/store2"
regd token create --ward 00070
cutru_run "$ADMIN_PW" -- $S2 -u root enroll --registry "$URL" \
    --token "$(cat "$T/out")" --registry-key "$REGKEY"
expect "a second console of the ward is enrolled" 0
# A permanent registration in a new household: the first dossier of this
# console, as An's was of the first, and the second console was copied
# from the first before either received anything, yet the two number
# their households apart (each draws its tag at its first receipt), so
# the registry takes both.
population "$HOA,Lê Thị Hoa,1995-02-14,female"
req "$CT/y.json" $HOA "Lê Thị Hoa" 1995-02-14 female 00070 "Số 9 phố Hàng Bạc"
cutru_run "$LAN_PW" -- $S2 -u lan apply "$CT/y.json"
N_Y=$(grep -Eo '[0-9]+/[0-9]{4}/PTN' "$T/out" | head -n 1)
tap_check "... its first dossier, numbered as An's was" [ "${N_Y%%/*}" = "${N_AN%%/*}" ]
cutru_run "$MINH_PW" "$MINH_PW" -- $S2 -u minh queue approve "$N_Y"
mkdir "$CT/usb"
cutru_run "$LAN_PW" -- $S2 -u lan outbox export "$CT/usb"
expect "the offline console exports to a stick" 0
bare $S sync --from "$CT/usb"
expect "the online console carries it to the registry" 0
tap_check "... the receipt is written back on the stick" \
    [ "$(files "$CT/usb/receipts")" -eq 1 -a "$(persons $HOA)" = 1 ]
tap_check "... with the feed page for the other console" \
    [ "$(files "$CT/usb/feed")" -eq 1 ]
bare $S sync --from "$CT/usb"
expect "carrying the same stick again" 0
tap_check "... sends nothing" grep -q '^0 change sets queued, 0 sent' "$T/out"
cutru_run "$LAN_PW" -- $S2 -u lan inbox import "$CT/usb"
expect "the offline console applies the receipt" 0
cutru_run "$LAN_PW" -- $S2 -u lan dossier show "$N_Y" --json
tap_check "... its dossier is accepted" [ "$(json_get 'd["state"]')" = accepted ]
HH_Y=$(json_get '[e["data"]["household"] for e in d["events"] if e["type"] == "household.created"][0]')
cutru_run "$LAN_PW" -- $S -u lan dossier show "$N_AN" --json
HH_AN=$(json_get '[e["data"]["household"] for e in d["events"] if e["type"] == "household.created"][0]')
tap_check "... the two consoles' first households have different numbers" \
    sh -c 'case "$1" in 00070-????-[0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F]-1) ;; *) exit 1;; esac &&
        case "$2" in 00070-????-[0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F]-1) ;; *) exit 1;; esac &&
        [ "$1" != "$2" ]' sh "$HH_Y" "$HH_AN"

# ------------------------------------------------------------------ feed
console "$CT/conB" 00004
request "$T/an-b.json" $AN "Nguyễn Văn An" 1990-05-01 male 00004 "Số 5 phố Huế"
approve_seal "$CT/conB" "$T/an-b.json" "$T/b1"
rc_run push "$URL" "$CERT" "$REGKEY" "$T/b1"
tap_check "An registers permanent residence in another ward" \
    [ "$(cut -d' ' -f1 "$T/out")" = accepted ]
cutru_run "$LAN_PW" -- $S -u lan sync --unlock --json
expect "sync --unlock fetches the feed" 0
tap_check "... and applies it" [ "$(json_get 'd["feed_pages"]')" -ge 1 ]
cutru_run "$LAN_PW" -- $S -u lan show "$AN" --json
cp "$T/out" "$CT/an.show"
tap_check "An's residence in this ward is replaced by the one elsewhere" \
    python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
old = [r for r in d["residences"] if r["address"]["commune"] == "00070"]
sys.exit(not (d["residence"]["commune"] == "00004" and
    [r["state"] for r in old] == ["replaced"]))' "$CT/an.show"

tap_done
