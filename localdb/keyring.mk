# The store directory, the keyring and the store (included from
# localdb/local.mk).
localdb_libcutrudb_a_SOURCES += localdb/storedir.c localdb/storedir.h \
	localdb/keyring.c localdb/keyring.h localdb/store.c localdb/store.h

check_PROGRAMS += tests/unit/test_storedir tests/unit/test_keyring \
	tests/unit/test_store
TESTS += tests/unit/test_storedir tests/unit/test_keyring \
	tests/unit/test_store

tests_unit_test_storedir_SOURCES = tests/unit/test_storedir.c $(TEST_MAIN)
tests_unit_test_storedir_CFLAGS = $(TEST_CFLAGS) $(SQLITE_CFLAGS) $(SODIUM_CFLAGS)
tests_unit_test_storedir_LDADD = $(LOCALDB_LIBS) $(CHECK_LIBS)

tests_unit_test_keyring_SOURCES = tests/unit/test_keyring.c $(TEST_MAIN)
tests_unit_test_keyring_CFLAGS = $(TEST_CFLAGS) $(SQLITE_CFLAGS) $(SODIUM_CFLAGS)
tests_unit_test_keyring_LDADD = $(LOCALDB_LIBS) $(CHECK_LIBS)

# Includes SIGKILL loops around rekey (a few dozen children); about a second.
tests_unit_test_store_SOURCES = tests/unit/test_store.c $(TEST_MAIN)
tests_unit_test_store_CFLAGS = $(TEST_CFLAGS) $(SQLITE_CFLAGS) $(SODIUM_CFLAGS)
tests_unit_test_store_LDADD = $(LOCALDB_LIBS) $(CHECK_LIBS)
