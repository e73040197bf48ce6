# localdb/cipher.mk: the page cipher (a SQLite VFS shim) and its tests.
# Included from localdb/local.mk.
localdb_libcutrudb_a_SOURCES += localdb/cipher.c localdb/cipher.h \
	localdb/memfile.c localdb/memfile.h

dist_man_MANS += man/cutru-store.5

# Test helpers shared by the cipher's test programs.
CIPHER_TEST_SOURCES = tests/tools/storetest.c tests/tools/storetest.h \
	$(TEST_MAIN)
CIPHER_TEST_CFLAGS = $(TEST_CFLAGS) $(SQLITE_CFLAGS) $(SODIUM_CFLAGS)
CIPHER_TEST_LDADD = $(LOCALDB_LIBS) $(CHECK_LIBS)

check_PROGRAMS += tests/unit/test_cipher
TESTS += tests/unit/test_cipher
tests_unit_test_cipher_SOURCES = tests/unit/test_cipher.c $(CIPHER_TEST_SOURCES)
tests_unit_test_cipher_CFLAGS = $(CIPHER_TEST_CFLAGS)
tests_unit_test_cipher_LDADD = $(CIPHER_TEST_LDADD)

check_PROGRAMS += tests/unit/test_cipher_crash
TESTS += tests/unit/test_cipher_crash
tests_unit_test_cipher_crash_SOURCES = tests/unit/test_cipher_crash.c \
	$(CIPHER_TEST_SOURCES)
tests_unit_test_cipher_crash_CFLAGS = $(CIPHER_TEST_CFLAGS)
tests_unit_test_cipher_crash_LDADD = $(CIPHER_TEST_LDADD)

check_PROGRAMS += tests/unit/test_cipher_fault
TESTS += tests/unit/test_cipher_fault
tests_unit_test_cipher_fault_SOURCES = tests/unit/test_cipher_fault.c \
	tests/tools/faultvfs.c tests/tools/faultvfs.h $(CIPHER_TEST_SOURCES)
tests_unit_test_cipher_fault_CFLAGS = $(CIPHER_TEST_CFLAGS)
tests_unit_test_cipher_fault_LDADD = $(CIPHER_TEST_LDADD)
