#!/bin/sh
# The sync client under a broken link with the full queue of issue 6,
# section 4: 200 approved change sets, sent in the default batches (64 KiB,
# about 140 change sets, so two requests on one connection).  A
# representative set of faults from test_sync_faults.sh - in the first
# request's body, in the second request, in the first response's headers,
# halfway through its body, one byte before its end, one byte before the
# end of the last response, a black hole in a response - each on a fresh
# copy of the console and the registry; "cutru sync" is run again until it
# exits 0, then the registry must hold each change set exactly once and
# accepted, and the console's next unlock must show all 200 dossiers
# accepted.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/sh/sync_lib.sh"

sp_fixture 200
OPTS="--retries 0"
# shellcheck disable=SC2086
sp_layout $OPTS
tap_check "a clean pass sends the 200 in two requests" \
    [ "$(sed -n 's/^exchanges - //p' "$CT/layout")" -eq 2 ]
tap_check "... once each" sp_registry_once 200
tap_check "... all accepted at the next unlock" sp_console_done 200

# shellcheck disable=SC2086
sp_fault_matrix drop_after_up -- up_request_body_mid up_request2_body -- $OPTS
# shellcheck disable=SC2086
sp_fault_matrix drop_after_down+rst -- down_response_headers -- $OPTS
# shellcheck disable=SC2086
sp_fault_matrix truncate_down -- down_response_body_mid down_response_end \
    down_last_response_end -- $OPTS
# shellcheck disable=SC2086
sp_fault_matrix blackhole_after_down -- down_response_body_mid -- \
    $OPTS --stall-timeout 2
tap_done
