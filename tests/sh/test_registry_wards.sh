#!/bin/sh
# Two wards and the feed: a person with permanent residence in ward A
# registers it in ward B; the registry replaces A's residence and A's feed
# carries the closure.  A change against a record that moved on is refused
# with its current state.  Feed requests are authenticated.  And the USB
# path: cutru-registryd import DIR, twice, applying once.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/sh/registry_lib.sh"

AN=001090012345
BINH=001192000001
CUONG=001088000012
WA=00070
WB=00004

reg_setup
cat > "$T/pop.jsonl" <<EOF
{"id_number":"$AN","name":"Nguyễn Văn An","dob":"1990-05-01","sex":"male"}

{"id_number":"$BINH","name":"Trần Thị Bình","dob":"1992-08-15","sex":"Nữ"}
{"id_number":"$CUONG","name":"Lê Văn Cường","dob":"1988","sex":"male"}
EOF
regd population import "$T/pop.jsonl"
tap_check "population records import from JSON lines" \
    [ "$rc" -eq 0 -a "$(sql "SELECT count(*) FROM reg_population")" = 3 ]
reg_start

A=$T/conA
B=$T/conB
console "$A" $WA
console "$B" $WB

# An registers permanent residence in ward A.
request "$T/an-a.json" $AN "Nguyễn Văn An" 1990-05-01 male $WA "Số 12 phố Hàng Bạc"
approve_seal "$A" "$T/an-a.json" "$T/a1"
rc_run push "$URL" "$CERT" "$REGKEY" "$T/a1"
tap_check "ward A registers An" [ "$(cut -d' ' -f1-3 "$T/out")" = "accepted - 1" ]
rc_run feed "$A" "$URL" "$CERT" "$REGKEY" ""
tap_check "ward A's feed is empty at first" \
    [ "$rc" -eq 0 -a "$(cat "$T/out")" = "cursor - more 0" ]

# An registers permanent residence in ward B.
request "$T/an-b.json" $AN "Nguyễn Văn An" 1990-05-01 male $WB "Số 5 phố Huế"
approve_seal "$B" "$T/an-b.json" "$T/b1"
rc_run push "$URL" "$CERT" "$REGKEY" "$T/b1"
tap_check "ward B registers An's permanent residence" \
    [ "$(cut -d' ' -f1-3 "$T/out")" = "accepted - 1" ]
tap_check "the registry holds one active permanent residence for An, in B" \
    [ "$(sql "SELECT a.commune_code FROM residences r
    JOIN persons p ON p.id = r.person_id JOIN addresses a ON a.id = r.address_id
    WHERE p.id_number = '$AN' AND r.kind = 'permanent' AND r.state = 'active'")" \
    = $WB ]
tap_check "A's residence is marked replaced" [ "$(sql "SELECT r.state
    FROM residences r JOIN addresses a ON a.id = r.address_id
    WHERE a.commune_code = '$WA'")" = replaced ]

rc_run feed "$A" "$URL" "$CERT" "$REGKEY" ""
cp "$T/out" "$T/feedA"
tap_check "ward A's feed carries the closure" \
    [ "$(sed -n 2p "$T/feedA")" = \
    "residence_elsewhere household.member_removed residence.opened" ]
cursor=$(sed -n 1p "$T/feedA" | cut -d' ' -f2)
rc_run feed "$A" "$URL" "$CERT" "$REGKEY" "$cursor"
tap_check "asked again from its cursor, the feed has nothing new" \
    [ "$(cat "$T/out")" = "cursor $cursor more 0" ]
rc_run feed "$B" "$URL" "$CERT" "$REGKEY" ""
tap_check "ward B's feed has nothing for it" [ "$(cat "$T/out")" = "cursor - more 0" ]

# A change against a record that moved on: A deletes An's permanent
# residence, which the registry no longer holds in A.
cat > "$T/del.json" <<EOF
{"procedure":"permanent.delete","received":"2026-11-27",
 "applicant":{"id_number":"$AN","name":"Nguyễn Văn An","dob":"1990-05-01","sex":"male"},
 "person":{"id_number":"$AN","name":"Nguyễn Văn An","dob":"1990-05-01","sex":"male"},
 "ground":"emigrated","event_date":"2026-11-20"}
EOF
approve_seal "$A" "$T/del.json" "$T/a2"
(cd "$T" && timeout 60 "$RC" push "$URL" "$CERT" "$REGKEY" "$T/a2") > "$T/out"
tap_check "a change against a record that moved on is refused (stale_record)" \
    [ "$(cut -d' ' -f1-3 "$T/out")" = "rejected stale_record 2" ]
rc_run current "$A" "$T/receipt-0.current" "$REGKEY"
tap_check "... with the record's current state attached, sealed to the device" \
    [ "$(sed -n 1p "$T/out")" = "current_state person.upserted" ]
tap_check "... and the register is unchanged" [ "$(sql "SELECT count(*)
    FROM residences WHERE state = 'closed'")" = 0 ]

# Feed requests are authenticated.
D=$("$RC" id "$A")
rc_run raw "$URL" "$CERT" GET "/v1/feed?device=$D&after=&time=1&sig=$(printf '%0128d' 0)" x -
tap_check "a feed request with a bad signature is refused (403 bad_request_signature)" \
    [ "$(cat "$T/out")" = "403 bad_request_signature" ]
q=$("$RC" feedreq "$B" "")
rc_run raw "$URL" "$CERT" GET "/v1/feed?device=$D&${q#*&}" x -
tap_check "a feed request signed by another device is refused" \
    [ "$(cat "$T/out")" = "403 bad_request_signature" ]
rc_run raw "$URL" "$CERT" GET "/v1/feed?device=0123456789abcdef&${q#*&}" x -
tap_check "a feed request for an unknown device is refused (403 unknown_device)" \
    [ "$(cat "$T/out")" = "403 unknown_device" ]
rc_run feed "$A" "$URL" "$CERT" "$REGKEY" "c-junk"
tap_check "a cursor the registry never gave is refused (400 bad_cursor)" \
    [ "$(cat "$T/out")" = "refused bad_cursor 400" ]
rc_run raw "$URL" "$CERT" GET "/v1/feed?device=$D&after=&time=1&sig=x&extra=1" x -
tap_check "a feed request with an unknown argument is refused (400 malformed)" \
    [ "$(cat "$T/out")" = "400 malformed" ]

# Enrollment: a token is for one ward and one use.
"$RC" init "$T/conE" $WA >/dev/null
regd token create --ward $WB
tok=$(cat "$T/out")
rc_run enroll "$T/conE" "$URL" "$CERT" "$REGKEY" "$tok"
tap_check "a token for another ward is refused (403 bad_token)" \
    [ "$(cat "$T/out")" = "refused bad_token 403" ]
regd token create --ward $WA
tok=$(cat "$T/out")
rc_run enroll "$T/conE" "$URL" "$CERT" "$REGKEY" "$tok"
tap_check "a token for the ward enrolls the console" [ "$rc" -eq 0 ]
rc_run enroll "$T/conE" "$URL" "$CERT" "$REGKEY" "$tok"
tap_check "the same console with the same token again gets its answer again" \
    [ "$rc" -eq 0 ]
regd token create --ward $WA
rc_run enroll "$T/conE" "$URL" "$CERT" "$REGKEY" "$(cat "$T/out")"
tap_check "the same console with a new token gets its answer again" \
    [ "$rc" -eq 0 ]
"$RC" init "$T/conF" $WA >/dev/null
rc_run enroll "$T/conF" "$URL" "$CERT" "$REGKEY" "$tok"
tap_check "another console with a used token is refused (403 bad_token)" \
    [ "$(cat "$T/out")" = "refused bad_token 403" ]
rc_run enroll "$T/conF" "$URL" "$CERT" "$REGKEY" "NOT-A-TOKEN-AT-ALL-1234"
tap_check "an unknown token is refused (403 bad_token)" \
    [ "$(cat "$T/out")" = "refused bad_token 403" ]

# USB: change sets on a stick, imported twice.
U=$T/usb
mkdir -p "$U/changesets" "$U/feed-requests"
request "$T/binh.json" $BINH "Trần Thị Bình" 1992-08-15 female $WA
request "$T/cuong.json" $CUONG "Lê Văn Cường" 1988-02-02 male $WA
approve_seal "$A" "$T/binh.json" "$U/changesets/0003.cs"
approve_seal "$A" "$T/cuong.json" "$U/changesets/0004.cs"
printf 'junk' > "$U/changesets/0005.cs"
"$RC" feedreq "$A" "" > "$U/feed-requests/A"
regd import "$U"
tap_check "import DIR ingests the change sets and answers the feed request" \
    [ "$rc" -eq 0 ]
tap_check "... a receipt for each change set, next to it" \
    [ "$("$RC" receipt "$U/receipts/0003.cs" "$REGKEY" | cut -d' ' -f1-3)" = \
    "accepted - 3" -a "$("$RC" receipt "$U/receipts/0004.cs" "$REGKEY" |
    cut -d' ' -f1-3)" = "accepted - 4" ]
tap_check "... a rejection for what is not a change set" \
    [ "$("$RC" receipt "$U/receipts/0005.cs" "$REGKEY" | cut -d' ' -f1)" = \
    rejected ]
tap_check "... and the feed page, sealed to the console" \
    [ "$("$RC" feedopen "$A" "$U/feed/A" "$REGKEY" | sed -n 2p)" = \
    "residence_elsewhere household.member_removed residence.opened" ]
r1=$("$RC" receipt "$U/receipts/0003.cs" "$REGKEY")
regd import "$U"
tap_check "importing the same stick again gives the same receipts" \
    [ "$rc" -eq 0 -a "$("$RC" receipt "$U/receipts/0003.cs" "$REGKEY")" = "$r1" ]
tap_check "... and applies nothing twice" [ "$(sql "SELECT count(*) FROM
    reg_changesets")" = 5 -a "$(persons $BINH)" = 1 ]
rc_run push "$URL" "$CERT" "$REGKEY" "$U/changesets/0004.cs"
tap_check "a change set that came by USB is a replay over the network" \
    [ "$(cut -d' ' -f1-3 "$T/out")" = "accepted - 4" ]
regd import "$T/nothing-here"
tap_check "import of a directory without change sets says so (exit 4)" \
    [ "$rc" -eq 4 ]

check "the server still answers" reg_alive
tap_done
