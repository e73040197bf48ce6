#!/bin/sh
# The sync client under a broken link (issue 6, section 4): every fault of
# tests/tools/faultproxy - a close (FIN), a reset (RST), a truncated
# request or response, a black hole - at measured places of the first
# connection (the TLS handshake, a request's headers, its body, the last
# byte of a request, a response's headers, its body, its last byte, and
# the second and last exchanges of a connection kept open), with a queue
# of change sets small enough to run the whole matrix and batches small
# enough (4 KiB, about 9 change sets) that one connection carries several
# requests.  After each fault, "cutru sync" is run again until it exits 0;
# then the registry must hold every change set exactly once and accepted,
# and the console's next unlock must show every dossier accepted.  The
# same with the required queue of 200 is in test_sync_queue.sh.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/sh/sync_lib.sh"

sp_fixture 24
OPTS="--retries 0 --batch-bytes 4096"
# shellcheck disable=SC2086
sp_layout $OPTS
tap_check "a clean pass carries the queue in several requests on one connection" \
    [ "$(sed -n 's/^exchanges - //p' "$CT/layout")" -ge 3 ]

UP="up_handshake up_request_headers up_request_body up_request_end up_request2_body"
DOWN="down_handshake down_response_headers down_response_body down_response_end down_response2_body down_last_response_end"
# shellcheck disable=SC2086
sp_fault_matrix drop_after_up truncate_up drop_after_down truncate_down -- \
    $UP $DOWN -- $OPTS
# Resets where they matter most: inside a body, and with all but the last
# byte of an answer delivered.
# shellcheck disable=SC2086
sp_fault_matrix drop_after_up+rst drop_after_down+rst -- up_request_body \
    up_request2_body down_response_headers down_response_end \
    down_last_response_end -- $OPTS
# A black hole: only the stall limit ends the pass.
# shellcheck disable=SC2086
sp_fault_matrix blackhole_after_up blackhole_after_down -- \
    up_request_body down_response_headers down_response_body -- \
    $OPTS --stall-timeout 2

# The default retries inside one pass: the first pass itself completes
# after the fault, on a second connection.
sp_case inpass
sp_proxy_start --conn 1 --drop_after_down "$(sp_offset down_response2_body)"
sp_sync --batch-bytes 4096
sp_proxy_stop
tap_check "a pass that retries within itself completes after a drop" \
    [ "$sync_rc" -eq 0 -a "$(sp_stat drops)" -eq 1 -a "$(sp_stat connections)" -ge 2 ]
tap_check "... once each" sp_registry_once "$FIX_N"
tap_check "... all accepted at the next unlock" sp_console_done "$FIX_N"

# Half of all connections dropped, each at its own place.
sp_case fraction
sp_proxy_start --fraction 50% --seed 7 --drop_after_down 300 \
    --spread 4000
# shellcheck disable=SC2086
sp_sync_until 30 $OPTS
ok=$?
sp_proxy_stop
tap_check "half the connections dropped anywhere: the queue still arrives ($SP_PASSES passes, $(sp_stat drops) drops)" \
    [ $ok -eq 0 -a "$(sp_stat drops)" -ge 1 ]
tap_check "... once each" sp_registry_once "$FIX_N"
tap_check "... all accepted at the next unlock" sp_console_done "$FIX_N"
tap_done
