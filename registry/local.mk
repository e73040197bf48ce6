# registry/: cutru-registryd, the reference central registry (cutru-registryd(8)):
# storage behind an interface (SQLite backend), ingest, the HTTPS server
# (libmicrohttpd), admin subcommands; its tests and its benchmark.
noinst_LIBRARIES += registry/libcutruregistry.a
registry_libcutruregistry_a_CFLAGS = $(AM_CFLAGS) -pthread $(SQLITE_CFLAGS) \
	$(SODIUM_CFLAGS) $(CJSON_CFLAGS) $(MHD_CFLAGS)
registry_libcutruregistry_a_SOURCES = registry/regstore.h \
	registry/regstore_sqlite.c registry/regconf.c registry/regconf.h \
	registry/regkeys.c registry/regkeys.h registry/population.c \
	registry/population.h registry/ratelimit.c registry/ratelimit.h \
	registry/ingest.c registry/ingest.h registry/server.c registry/server.h
# What a program linking the registry needs after it.  $(SYNC_LIBS) comes
# from sync/local.mk (expanded when used, so the order of includes does not
# matter).
REGISTRY_LIBS = registry/libcutruregistry.a $(SYNC_LIBS) $(MHD_LIBS) -lpthread

sbin_PROGRAMS += cutru-registryd
cutru_registryd_SOURCES = registry/main.c registry/cmd.h \
	registry/cmd_init.c registry/cmd_token.c registry/cmd_device.c \
	registry/cmd_officer.c registry/cmd_population.c registry/cmd_serve.c \
	registry/cmd_import.c
cutru_registryd_CFLAGS = $(AM_CFLAGS) -pthread $(SQLITE_CFLAGS) \
	$(SODIUM_CFLAGS) $(CJSON_CFLAGS) $(MHD_CFLAGS)
cutru_registryd_LDADD = $(REGISTRY_LIBS)

# The console side of the registry's tests (tests/tools/regclient.c).
check_PROGRAMS += tests/tools/regclient
tests_tools_regclient_SOURCES = tests/tools/regclient.c
tests_tools_regclient_CFLAGS = $(AM_CFLAGS) -pthread $(SQLITE_CFLAGS) \
	$(SODIUM_CFLAGS) $(CJSON_CFLAGS) $(CURL_CFLAGS)
tests_tools_regclient_LDADD = $(SYNC_LIBS) $(CURL_LIBS) -lpthread

# Real processes: cutru-registryd serving HTTPS on a free loopback port,
# consoles made by regclient, certificates by openssl.  About 1, 7, 5 and
# 13 seconds.
REGISTRY_SH_TESTS = tests/sh/test_registry_admin.sh \
	tests/sh/test_registry_ingest.sh \
	tests/sh/test_registry_wards.sh tests/sh/test_registry_http.sh
TESTS += $(REGISTRY_SH_TESTS)
EXTRA_DIST += $(REGISTRY_SH_TESTS) tests/sh/registry_lib.sh

dist_man_MANS += man/cutru-registryd.8

# Check suites: the storage and the keys; configuration, population files
# and rate limits; ingest in-process with change sets from a real console
# store (cheapest Argon2id; a few seconds).
REGISTRY_TEST_CFLAGS = $(TEST_CFLAGS) -pthread $(SQLITE_CFLAGS) \
	$(SODIUM_CFLAGS) $(CJSON_CFLAGS)
REGISTRY_TEST_LDADD = $(REGISTRY_LIBS) $(CHECK_LIBS)
check_PROGRAMS += tests/unit/test_regstore tests/unit/test_regparse \
	tests/unit/test_ingest
TESTS += tests/unit/test_regstore tests/unit/test_regparse \
	tests/unit/test_ingest
tests_unit_test_regstore_SOURCES = tests/unit/test_regstore.c $(TEST_MAIN)
tests_unit_test_regstore_CFLAGS = $(REGISTRY_TEST_CFLAGS)
tests_unit_test_regstore_LDADD = $(REGISTRY_TEST_LDADD)
tests_unit_test_regparse_SOURCES = tests/unit/test_regparse.c $(TEST_MAIN)
tests_unit_test_regparse_CFLAGS = $(REGISTRY_TEST_CFLAGS)
tests_unit_test_regparse_LDADD = $(REGISTRY_TEST_LDADD)
tests_unit_test_ingest_SOURCES = tests/unit/test_ingest.c \
	tests/tools/sessiontest.c tests/tools/sessiontest.h $(TEST_MAIN)
tests_unit_test_ingest_CFLAGS = $(REGISTRY_TEST_CFLAGS)
tests_unit_test_ingest_LDADD = $(REGISTRY_TEST_LDADD)

# make bench; bench/registry_bench (see the comment at its top).
EXTRA_PROGRAMS += bench/registry_bench
bench_registry_bench_SOURCES = bench/registry_bench.c
bench_registry_bench_CFLAGS = $(AM_CFLAGS) -pthread $(SQLITE_CFLAGS) $(CURL_CFLAGS) \
	$(SODIUM_CFLAGS) $(CJSON_CFLAGS)
bench_registry_bench_LDADD = $(REGISTRY_LIBS)
