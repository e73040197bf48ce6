#!/bin/sh
# cutru-registryd ingest over HTTPS on loopback, with real consoles
# (tests/tools/regclient, the console's own library): enroll, push, verified
# receipts, replays, and each refusal with its reason code - forged device
# signature, forged supervisor signature, unknown supervisor, a supervisor
# of another ward, a revoked device, an unknown device, a bad seal, an
# identity mismatch, a gap (held, then released), a fork - each leaving no
# trace in the register; and two concurrent uploads applied once.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/sh/registry_lib.sh"

AN=001090012345
BINH=001192000001
DUNG=079085000003
HOA=001188000004
KHANH=001095000005
LAM=001087000006
MAI=001193000007
NAM=001091000008
OANH=001194000009
PHUC=001089000010
XUAN=001086000011
# People the refusals below are about (each approval needs its own: the
# console applies an approval to its own register).
P2=001080000102
P3=001080000103
P4=001080000104
P5=001080000105

reg_setup
cat > "$T/pop.csv" <<EOF
id_number,name,dob,sex
$AN,Nguyễn Văn An,1990-05-01,male
$BINH,Trần Thị Bình,1992-08-15,female
$DUNG,Lê Văn Dũng,1985-03-03,male
$HOA,Phạm Thị Hoa,1988-04-04,female
$KHANH,Đỗ Văn Khánh,1995-06-06,male
$LAM,Vũ Văn Lâm,1987-07-07,male
$MAI,"Hồ Thị Mai",1993-09-09,female
$NAM,Đặng Văn Nam,1991-10-10,male
$OANH,Bùi Thị Oanh,1994-11-11,female
$XUAN,Hoàng Văn Xuân,1986-12-12,male
EOF
regd population import "$T/pop.csv"
tap_check "the population records are imported" [ "$rc" -eq 0 ]
reg_start

A=$T/conA
console "$A" 00070 minh

# 1. Enroll (done), push, receipt verified.
request "$T/an.json" $AN "Nguyễn Văn An" 1990-05-01 male 00070
approve_seal "$A" "$T/an.json" "$T/cs1"
rc_run push "$URL" "$CERT" "$REGKEY" "$T/cs1"
first=$(cat "$T/out")
tap_check "a change set is accepted with a receipt signed by the registry" \
    [ "$rc" -eq 0 -a "$(echo "$first" | cut -d" " -f1-3)" = "accepted - 1" ]
tap_check "its events are in the register" [ "$(persons $AN)" = 1 ]
tap_check "the household and the permanent residence too" [ "$(sql \
    "SELECT count(*) FROM residences r JOIN persons p ON p.id = r.person_id
     WHERE p.id_number = '$AN' AND r.kind = 'permanent' AND r.state = 'active'")" = 1 ]

# 2. Replay: the same receipt bytes, nothing applied twice.
an_version=$(sql "SELECT version FROM persons WHERE id_number = '$AN'")
rc_run push "$URL" "$CERT" "$REGKEY" "$T/cs1"
tap_check "a replay gets the original receipt, byte for byte" \
    [ "$rc" -eq 0 -a "$(cat "$T/out")" = "$first" ]
tap_check "the replay applied nothing" [ "$(sql "SELECT count(*) FROM
    reg_changesets")" = 1 -a "$(sql "SELECT version FROM persons WHERE
    id_number = '$AN'")" = "$an_version" ]

# 3. Forged device signature: not vouched for, no place taken, no trace.
request "$T/binh.json" $BINH "Trần Thị Bình" 1992-08-15 female 00070
approve_seal "$A" "$T/binh.json" "$T/forged-dev" minh --forge-device
request "$T/p2.json" $P2 "Người Hai" 1980 male 00070
request "$T/p3.json" $P3 "Người Ba" 1980 male 00070
request "$T/p4.json" $P4 "Người Bốn" 1980 male 00070
request "$T/p5.json" $P5 "Người Năm" 1980 male 00070
rc_run push "$URL" "$CERT" "$REGKEY" "$T/forged-dev"
tap_check "a forged device signature is refused (bad_device_signature)" \
    [ "$(cut -d' ' -f1-3 "$T/out")" = "rejected bad_device_signature 2" ]
tap_check "... and leaves no trace" [ "$(persons $BINH)" = 0 -a "$(sql \
    "SELECT count(*) FROM reg_changesets")" = 1 ]

# 4. Forged supervisor signature: a final rejection in place 2.
approve_seal "$A" "$T/p2.json" "$T/forged-sup" minh --forge-supervisor
rc_run push "$URL" "$CERT" "$REGKEY" "$T/forged-sup"
tap_check "a forged supervisor signature is refused (bad_supervisor_signature)" \
    [ "$(cut -d' ' -f1-3 "$T/out")" = "rejected bad_supervisor_signature 2" ]
tap_check "... leaves no trace in the register, and takes its place" \
    [ "$(persons $P2)" = 0 -a "$(sql "SELECT accepted FROM reg_changesets
    WHERE seq = 2")" = 0 ]

# 5. A supervisor the registry does not know (hung is not registered).
approve_seal "$A" "$T/p3.json" "$T/unknown-sup" hung
rc_run push "$URL" "$CERT" "$REGKEY" "$T/unknown-sup"
tap_check "an unknown supervisor is refused (unknown_supervisor)" \
    [ "$(cut -d' ' -f1-3 "$T/out")" = "rejected unknown_supervisor 3" ]

# 6. A supervisor registered for another ward only.
regd officer add --ward 00004 --login hung --name "Phạm Quốc Hùng" \
    --key "$("$RC" key "$A" hung)"
approve_seal "$A" "$T/p4.json" "$T/other-ward" hung
rc_run push "$URL" "$CERT" "$REGKEY" "$T/other-ward"
tap_check "a supervisor of another ward is refused (supervisor_not_authorised)" \
    [ "$(cut -d' ' -f1-3 "$T/out")" = "rejected supervisor_not_authorised 4" ]
tap_check "... and none of these refusals left a trace in the register" \
    [ "$(persons $BINH)$(persons $P3)$(persons $P4)" = 000 ]

# 7. A disabled supervisor.
regd officer disable --ward 00070 --login minh
approve_seal "$A" "$T/p5.json" "$T/disabled" minh
rc_run push "$URL" "$CERT" "$REGKEY" "$T/disabled"
tap_check "a disabled supervisor is refused (supervisor_not_authorised)" \
    [ "$(cut -d' ' -f1-3 "$T/out")" = "rejected supervisor_not_authorised 5" ]
regd officer add --ward 00070 --login minh --name "Lê Văn Minh" \
    --key "$("$RC" key "$A" minh)"

# 8. Identity: a name that differs from the population record, an ID
# number it does not hold.
request "$T/xuan.json" $XUAN "Hoàng Văn Xuyên" 1986-12-12 male 00070
approve_seal "$A" "$T/xuan.json" "$T/mismatch"
rc_run push "$URL" "$CERT" "$REGKEY" "$T/mismatch"
tap_check "a name that differs from the population record is refused (identity_mismatch)" \
    [ "$(cut -d' ' -f1-3 "$T/out")" = "rejected identity_mismatch 6" ]
tap_check "... naming the field, not the value" \
    [ "$(cut -d' ' -f5 "$T/out")" = "approval.events[0].data.name" ]
request "$T/phuc.json" $PHUC "Lý Văn Phúc" 1989-01-01 male 00070
approve_seal "$A" "$T/phuc.json" "$T/unknown-id"
rc_run push "$URL" "$CERT" "$REGKEY" "$T/unknown-id"
tap_check "an ID number the population records lack is refused (identity_mismatch)" \
    [ "$(cut -d' ' -f1-3 "$T/out")" = "rejected identity_mismatch 7" ]
tap_check "... and neither left a trace in the register" \
    [ "$(persons $XUAN)" = 0 -a "$(persons $PHUC)" = 0 ]
request "$T/xuan2.json" $XUAN "HOÀNG VĂN XUÂN" 1986 male 00070 "Số 2 phố Thử"
approve_seal "$A" "$T/xuan2.json" "$T/folded"
rc_run push "$URL" "$CERT" "$REGKEY" "$T/folded"
tap_check "the same name in capitals with a year-only birth date matches" \
    [ "$(cut -d' ' -f1-3 "$T/out")" = "accepted - 8" -a "$(persons $XUAN)" = 1 ]

# 9. A gap: seq 10 before seq 9 is held, then released by 9.
request "$T/hoa.json" $HOA "Phạm Thị Hoa" 1988-04-04 female 00070
request "$T/khanh.json" $KHANH "Đỗ Văn Khánh" 1995-06-06 male 00070
approve_seal "$A" "$T/hoa.json" "$T/cs9"
approve_seal "$A" "$T/khanh.json" "$T/cs10"
rc_run push "$URL" "$CERT" "$REGKEY" "$T/cs10"
tap_check "a change set after a gap is held (gap)" \
    [ "$(cut -d' ' -f1-3 "$T/out")" = "held gap 10" ]
tap_check "... and is not applied while held" [ "$(persons $KHANH)" = 0 -a \
    "$(sql "SELECT count(*) FROM reg_held")" = 1 ]
regd device list
tap_check "device list reports the held change set" \
    grep -q "$("$RC" id "$A").* 8 .* 1 .* 0\$" "$T/out"
rc_run push "$URL" "$CERT" "$REGKEY" "$T/cs9"
tap_check "the missing change set is accepted" \
    [ "$(cut -d' ' -f1-3 "$T/out")" = "accepted - 9" ]
tap_check "... and releases the held one, in order" [ "$(persons $HOA)" = 1 \
    -a "$(persons $KHANH)" = 1 -a "$(sql "SELECT count(*) FROM reg_held")" = 0 ]
rc_run push "$URL" "$CERT" "$REGKEY" "$T/cs10"
tap_check "sent again, the held one gets its final receipt" \
    [ "$(cut -d' ' -f1-3 "$T/out")" = "accepted - 10" ]

# 10. A fork: another change set with a number already taken.
request "$T/lam.json" $LAM "Vũ Văn Lâm" 1987-07-07 male 00070
approve_seal "$A" "$T/lam.json" "$T/fork" minh --seq 9
rc_run push "$URL" "$CERT" "$REGKEY" "$T/fork"
tap_check "a second change set for a taken number is refused (fork)" \
    [ "$(cut -d' ' -f1-3 "$T/out")" = "rejected fork 9" ]
tap_check "... flagged, and without a trace in the register" \
    [ "$(persons $LAM)" = 0 -a "$(sql "SELECT count(*) FROM reg_flags
    WHERE kind = 'fork' AND seq = 9")" = 1 ]

# 11. Two uploads of the same change set at the same time apply it once.
request "$T/mai.json" $MAI "Hồ Thị Mai" 1993-09-09 female 00070
approve_seal "$A" "$T/mai.json" "$T/race"
rc_run race "$URL" "$CERT" "$REGKEY" "$T/race"
tap_check "two concurrent uploads both get the receipt" \
    [ "$(cut -d' ' -f1-3 "$T/out" | sort -u)" = "accepted - 11" ]
tap_check "... the same receipt bytes" [ "$(cut -d' ' -f4 "$T/out" | sort -u |
    wc -l)" -eq 1 ]
tap_check "... and the change set was applied once" [ "$(persons $MAI)" = 1 \
    -a "$(sql "SELECT count(*) FROM reg_changesets WHERE seq = 11")" = 1 \
    -a "$(sql "SELECT version FROM persons WHERE id_number = '$MAI'")" = \
    "$an_version" ]

# 12. A batch: several change sets in one request, receipts in order.
request "$T/nam.json" $NAM "Đặng Văn Nam" 1991-10-10 male 00070
request "$T/oanh.json" $OANH "Bùi Thị Oanh" 1994-11-11 female 00070
approve_seal "$A" "$T/nam.json" "$T/b1"
approve_seal "$A" "$T/oanh.json" "$T/b2"
rc_run push "$URL" "$CERT" "$REGKEY" "$T/b1" "$T/b2" "$T/cs1"
tap_check "a batch gets one receipt per change set, in order" \
    [ "$(cut -d' ' -f1-3 "$T/out" | tr '\n' ',')" = \
    "accepted - 12,accepted - 13,accepted - 1," ]

# 13. A revoked device.
R=$T/conR
console "$R" 00070 none
regd officer add --ward 00070 --login minh --name "Lê Văn Minh (R)" \
    --key "$("$RC" key "$R" minh)"
request "$T/dung.json" $DUNG "Lê Văn Dũng" 1985-03-03 male 00070
approve_seal "$R" "$T/dung.json" "$T/revoked"
regd device revoke "$("$RC" id "$R")"
tap_check "device revoke succeeds" [ "$rc" -eq 0 ]
rc_run push "$URL" "$CERT" "$REGKEY" "$T/revoked"
tap_check "a revoked device is refused (revoked_device)" \
    [ "$(cut -d' ' -f1-3 "$T/out")" = "rejected revoked_device 1" ]
tap_check "... without a trace" [ "$(persons $DUNG)" = 0 ]
regd device revoke 0123456789abcdef
tap_check "revoking an unknown device says so (exit 4)" [ "$rc" -eq 4 ]

# 14. A device that never enrolled; a seal to another key.
U=$T/conU
"$RC" init "$U" 00070 >/dev/null
approve_seal "$U" "$T/dung.json" "$T/unenrolled"
rc_run push "$URL" "$CERT" "$REGKEY" "$T/unenrolled"
tap_check "an unknown device is refused (unknown_device)" \
    [ "$(cut -d' ' -f1-3 "$T/out")" = "rejected unknown_device 1" ]
head -c 12 "$T/cs1" > "$T/badseal"
head -c 400 /dev/urandom >> "$T/badseal"
rc_run push "$URL" "$CERT" "$REGKEY" "$T/badseal"
tap_check "a damaged seal is refused (bad_seal), naming the bytes" \
    [ "$(cut -d' ' -f1-3 "$T/out")" = "rejected bad_seal 0" ]
tap_check "... and none of these left a trace" [ "$(persons $DUNG)" = 0 -a \
    "$(sql "SELECT count(*) FROM reg_changesets")" = 13 ]

# 15. The server is still there, and its log holds no personal data.
check "the server still answers" reg_alive
tap_check "the log names no ID number or name" sh -c \
    "! grep -q -e $AN -e 'Nguy' '$T/server.log'"
reg_stop
tap_check "the server stops on SIGTERM" [ -z "$SRV_PID" ]
tap_done
