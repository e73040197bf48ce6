#!/bin/sh
# USB transfer end to end, with real processes: a cutru store enrolled with
# a real cutru-registryd (the enrollment request and answer carried as
# files, posted to the registry's /v1/enroll by curl, as a person with a
# link would), a supervisor's approval that leaves a sealed file in the
# outbox, "cutru outbox export" to a folder standing for a USB stick,
# "cutru-registryd import" of that folder, and "cutru inbox import" that
# marks the dossier accepted; a rejection shown as needing attention; the
# feed page answered on the stick applied.  (Feed pages that change the
# register are tested in tests/unit/test_outbox.c.)
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/sh/cli_lib.sh"
CT=$T
. "${top_srcdir:-.}/tests/sh/registry_lib.sh"
trap 'reg_cleanup; rm -rf "$CT"' EXIT
if ! command -v curl >/dev/null 2>&1; then
	echo "1..0 # SKIP curl is not installed"
	exit 0
fi

TODAY=$(date +%F)
FROM=$TODAY
TO=$(date -d "$TODAY + 300 days" +%F)
HOA=079195012345

# A temporary registration received today (the example, re-dated).
sed -e "s/\"received\": \"[0-9-]*\"/\"received\": \"$TODAY\"/" \
    -e "s/\"from\": \"[0-9-]*\"/\"from\": \"$FROM\"/" \
    -e "s/\"to\": \"[0-9-]*\"/\"to\": \"$TO\"/" \
    "$EXAMPLES/temporary.register.json" > "$CT/hoa.json"

make_store
tap_check "a store for ward 00070" [ "$rc" -eq 0 ]
S="-s $STORE"

reg_setup
cat > "$T/pop.csv" <<EOF
id_number,name,dob,sex
$HOA,Lê Thị Hoa,1995-02-14,female
EOF
regd population import "$T/pop.csv"
tap_check "the registry has its population records" [ "$rc" -eq 0 ]
reg_start

# Before enrollment an approval is kept, not sealed.
cutru_run "$LAN_PW" -- $S -u lan apply "$CT/hoa.json"
expect "the officer receives a dossier" 0
N1=$(grep -Eo '[0-9]+/[0-9]{4}/PTN' "$T/out" | head -n 1)
cutru_run "$MINH_PW" "$MINH_PW" -- $S -u minh queue approve "$N1"
expect "the supervisor approves it before the console is enrolled" 0
cutru_run "$LAN_PW" -- $S -u lan outbox status --json
tap_check "... and it waits unsealed" [ "$rc" -eq 0 -a \
    "$(json_get 'd["unsealed"], d["queue"], d["enrolled"]')" = "1 0 False" ]
mkdir "$CT/usb"
cutru_run "$LAN_PW" -- $S -u lan outbox export "$CT/usb"
expect "export before enrollment is refused" 3 "not enrolled"

# Enrollment through files.
regd token create --ward 00070
TOKEN=$(cat "$T/out")
cutru_run "$LAN_PW" -- $S -u lan enroll --request "$CT/enroll.req" \
    --token "$TOKEN" --registry-key "$REGKEY"
expect "only an administrator enrolls" 3
cutru_run "$ADMIN_PW" -- $S -u root enroll --request "$CT/enroll.req" \
    --token "$TOKEN" --registry-key "$REGKEY" --label "Desk 1"
expect "the administrator writes the enrollment request" 0
tap_check "the request is sealed (cuE1)" \
    [ "$(head -c 4 "$CT/enroll.req")" = cuE1 ]
code=$(curl -s -o "$CT/enroll.ans" -w '%{http_code}' --cacert "$CERT" \
    -H 'Content-Type: application/octet-stream' \
    --data-binary @"$CT/enroll.req" "$URL/v1/enroll")
tap_check "the registry enrolls the device ($code)" [ "$code" = 200 ]
echo "garbage" > "$CT/bad.ans"
cutru_run "$ADMIN_PW" -- $S -u root enroll --answer "$CT/bad.ans" \
    --registry-key "$REGKEY"
expect "a damaged answer is refused" 2
cutru_run "$ADMIN_PW" -- $S -u root enroll --answer "$CT/enroll.ans" \
    --registry-key "$REGKEY" --registry "$URL"
expect "the answer pins the registry's keys" 0
cutru_run "$ADMIN_PW" -- $S -u root officer list --json
KEY=$(json_get '[o["sign_key"] for o in d["officers"] if o["login"] == "minh"][0]' 2>/dev/null ||
    json_get '[o["sign_key"] for o in d if o["login"] == "minh"][0]')
regd officer add --ward 00070 --login minh --name "Lê Văn Minh" --key "$KEY"
tap_check "the registry knows the supervisor's key" [ "$rc" -eq 0 ]

# The next unlock seals the waiting approval into the outbox.
cutru_run "$LAN_PW" -- $S -u lan outbox list --json
tap_check "the first unlock after enrollment seals it as change set 1" \
    [ "$(json_get 'd["changesets"][0]["seq"], d["changesets"][0]["state"]')" = "1 sealed" ]
F1=$(json_get 'd["changesets"][0]["file"]')
tap_check "its file is in outbox/new" [ -s "$STORE/outbox/new/$F1" ]

# An approval after enrollment writes its file in the same step.
sed -e "s/$HOA/001188000004/" -e "s/Lê Thị Hoa/Phạm Thị Hoa/" \
    -e "s/1995-02-14/1988-04-04/" "$CT/hoa.json" > "$CT/other.json"
cutru_run "$LAN_PW" -- $S -u lan apply "$CT/other.json"
N2=$(grep -Eo '[0-9]+/[0-9]{4}/PTN' "$T/out" | head -n 1)
cutru_run "$MINH_PW" "$MINH_PW" -- $S -u minh queue approve "$N2"
expect "a second approval" 0
tap_check "two sealed files wait in the outbox" \
    [ "$(ls "$STORE/outbox/new" | wc -l)" -eq 2 ]

# Export to the stick.
cutru_run "$LAN_PW" -- $S -u lan outbox export "$CT/usb"
expect "outbox export writes the stick" 0
tap_check "the change sets are on it, byte for byte" \
    cmp "$STORE/outbox/new/$F1" "$CT/usb/changesets/$F1"
tap_check "a manifest lists them" \
    grep -q "^1 [0-9a-f]\{64\} [0-9]* changesets/$F1\$" "$CT"/usb/manifest-*.txt
tap_check "a feed request is on it" [ -s "$(ls "$CT"/usb/feed-requests/* | head -n 1)" ]
cutru_run "$LAN_PW" -- $S -u lan outbox status --json
tap_check "both are exported" [ "$(json_get 'd["states"]["exported"]')" = 2 ]

# The registry imports the stick: the first is accepted; the second is
# rejected (that person is not in the population records).
regd import "$CT/usb"
tap_check "cutru-registryd import answers both" \
    [ "$rc" -eq 0 -a "$(ls "$CT/usb/receipts" | wc -l)" -eq 2 ]
cutru_run "$LAN_PW" -- $S -u lan inbox import "$CT/usb"
expect "inbox import applies the receipts" 0
tap_check "... one accepted, one rejected, the feed page applied" \
    grep -q "1 change sets accepted, 1 rejected, 0 held; 1 feed pages" "$T/out"
cutru_run "$LAN_PW" -- $S -u lan dossier show "$N1" --json
tap_check "the first dossier is accepted" [ "$(json_get 'd["state"]')" = accepted ]
cutru_run "$LAN_PW" -- $S -u lan dossier show "$N2" --json
tap_check "the second is rejected" [ "$(json_get 'd["state"]')" = rejected ]
cutru_run "$LAN_PW" -- $S -u lan outbox status
tap_check "outbox status lists it as needing attention, with the reason" \
    grep -q "identity_mismatch" "$T/out"
tap_check "the outbox is empty again" [ "$(ls "$STORE/outbox/new" | wc -l)" -eq 0 ]
tap_check "the registry holds the first change set once" \
    [ "$(persons $HOA)" = 1 ]
cutru_run "$LAN_PW" -- $S -u lan inbox import "$CT/usb"
tap_check "importing the stick again changes nothing" \
    grep -q "0 change sets accepted, 0 rejected" "$T/out"
regd import "$CT/usb"
tap_check "nor does the registry's second import" \
    [ "$rc" -eq 0 -a "$(persons $HOA)" = 1 ]

# Nothing pending: the next export carries only a feed request.
rm -rf "$CT/usb2"
mkdir "$CT/usb2"
cutru_run "$LAN_PW" -- $S -u lan outbox export "$CT/usb2" --json
tap_check "an export with nothing pending writes no change set" \
    [ "$rc" -eq 0 -a "$(json_get 'd["files"]')" = 0 ]
cutru_run "$LAN_PW" -- $S -u lan inbox import "$CT/nowhere"
expect "importing from a missing folder is refused" 4

tap_done
