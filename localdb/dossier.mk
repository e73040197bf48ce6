# Sessions, officer accounts and dossiers (receive, approve, return,
# refuse), with their tests (included from localdb/local.mk).
localdb_libcutrudb_a_SOURCES += localdb/session.c localdb/session.h \
	localdb/officer.c localdb/officer.h localdb/dossier.c localdb/dossier.h

# Stores made with the cheapest Argon2id limits; each program runs in a few
# seconds.
DOSSIER_TEST_SOURCES = tests/tools/sessiontest.c tests/tools/sessiontest.h \
	$(TEST_MAIN)
DOSSIER_TEST_CFLAGS = $(TEST_CFLAGS) $(SQLITE_CFLAGS) $(SODIUM_CFLAGS) \
	$(CJSON_CFLAGS)
DOSSIER_TEST_LDADD = $(LOCALDB_LIBS) $(CHECK_LIBS)

check_PROGRAMS += tests/unit/test_keyring_sign tests/unit/test_session \
	tests/unit/test_dossier
TESTS += tests/unit/test_keyring_sign tests/unit/test_session \
	tests/unit/test_dossier

tests_unit_test_keyring_sign_SOURCES = tests/unit/test_keyring_sign.c \
	$(TEST_MAIN)
tests_unit_test_keyring_sign_CFLAGS = $(DOSSIER_TEST_CFLAGS)
tests_unit_test_keyring_sign_LDADD = $(DOSSIER_TEST_LDADD)

tests_unit_test_session_SOURCES = tests/unit/test_session.c \
	$(DOSSIER_TEST_SOURCES)
tests_unit_test_session_CFLAGS = $(DOSSIER_TEST_CFLAGS)
tests_unit_test_session_LDADD = $(DOSSIER_TEST_LDADD)

# Runs every request of examples/requests/ end to end.
tests_unit_test_dossier_SOURCES = tests/unit/test_dossier.c \
	$(DOSSIER_TEST_SOURCES)
tests_unit_test_dossier_CFLAGS = $(DOSSIER_TEST_CFLAGS) \
	-DEXAMPLES_DIR='"$(abs_top_srcdir)/examples/requests"'
tests_unit_test_dossier_LDADD = $(DOSSIER_TEST_LDADD)
