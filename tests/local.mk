# tests/: shell tests and the helpers shared by them.
EXTRA_DIST += tests/lib.sh
SH_TESTS = tests/sh/test_po.sh
TESTS += $(SH_TESTS)
EXTRA_DIST += $(SH_TESTS)
include tests/tools/faultproxy.mk
include tests/syncproof.mk
include tests/console_procs.mk
