# tests/tools/faultproxy: a TCP proxy that delays, slows and breaks
# connections at chosen byte offsets (see the comment at the top of
# faultproxy.c), driven by the sync tests; libc only.  Its own test runs it
# against python3 peers (about 15 s).
check_PROGRAMS += tests/tools/faultproxy
tests_tools_faultproxy_SOURCES = tests/tools/faultproxy.c
TESTS += tests/sh/test_faultproxy.sh
EXTRA_DIST += tests/sh/test_faultproxy.sh tests/sh/faultproxy_lib.sh
