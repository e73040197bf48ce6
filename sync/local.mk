# sync/: the protocol between consoles and the registry (cutru-protocol(7)):
# envelopes, batches, change sets, receipts, the feed, enrollment, and the
# console's device identity.  Used by the console and by cutru-registryd.
noinst_LIBRARIES += sync/libcutrusync.a
sync_libcutrusync_a_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS) $(SODIUM_CFLAGS) \
	$(CJSON_CFLAGS) $(CURL_CFLAGS) $(ZLIB_CFLAGS)
sync_libcutrusync_a_SOURCES = sync/reason.c sync/reason.h \
	sync/envelope.c sync/envelope.h sync/batch.c sync/batch.h \
	sync/changeset.c sync/changeset.h sync/receipt.c sync/receipt.h \
	sync/feed.c sync/feed.h sync/enroll.c sync/enroll.h \
	sync/device.c sync/device.h
# What a program linking sync/ needs after it.  zlib (DEFLATE with the
# protocol's dictionary, sync/envelope.c) is linked directly: configure does
# not look for it yet.
SYNC_LIBS = sync/libcutrusync.a $(LOCALDB_LIBS) $(CURL_LIBS) $(ZLIB_LIBS)

dist_man_MANS += man/cutru-protocol.7

SYNC_TEST_CFLAGS = $(TEST_CFLAGS) $(SQLITE_CFLAGS) $(SODIUM_CFLAGS) \
	$(CJSON_CFLAGS)
SYNC_TEST_LIBS = $(SYNC_LIBS) $(CHECK_LIBS)

check_PROGRAMS += tests/unit/test_changeset
TESTS += tests/unit/test_changeset
tests_unit_test_changeset_SOURCES = tests/unit/test_changeset.c \
	tests/tools/synctest.c tests/tools/synctest.h \
	tests/tools/sessiontest.c tests/tools/sessiontest.h $(TEST_MAIN)
tests_unit_test_changeset_CFLAGS = $(SYNC_TEST_CFLAGS) \
	-DEXAMPLES_DIR='"$(abs_top_srcdir)/examples/requests"'
tests_unit_test_changeset_LDADD = $(SYNC_TEST_LIBS)

check_PROGRAMS += tests/unit/test_receipt
TESTS += tests/unit/test_receipt
tests_unit_test_receipt_SOURCES = tests/unit/test_receipt.c \
	tests/tools/synctest.c tests/tools/synctest.h \
	tests/tools/sessiontest.c tests/tools/sessiontest.h $(TEST_MAIN)
tests_unit_test_receipt_CFLAGS = $(SYNC_TEST_CFLAGS)
tests_unit_test_receipt_LDADD = $(SYNC_TEST_LIBS)

check_PROGRAMS += tests/unit/test_feed
TESTS += tests/unit/test_feed
tests_unit_test_feed_SOURCES = tests/unit/test_feed.c \
	tests/tools/synctest.c tests/tools/synctest.h \
	tests/tools/sessiontest.c tests/tools/sessiontest.h $(TEST_MAIN)
tests_unit_test_feed_CFLAGS = $(SYNC_TEST_CFLAGS)
tests_unit_test_feed_LDADD = $(SYNC_TEST_LIBS)

check_PROGRAMS += tests/unit/test_device
TESTS += tests/unit/test_device
tests_unit_test_device_SOURCES = tests/unit/test_device.c \
	tests/tools/synctest.c tests/tools/synctest.h \
	tests/tools/sessiontest.c tests/tools/sessiontest.h $(TEST_MAIN)
tests_unit_test_device_CFLAGS = $(SYNC_TEST_CFLAGS) \
	-DEXAMPLES_DIR='"$(abs_top_srcdir)/examples/requests"'
tests_unit_test_device_LDADD = $(SYNC_TEST_LIBS)
include sync/outbox.mk
include sync/client.mk
