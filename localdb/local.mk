# localdb/: the encrypted store.
noinst_LIBRARIES += localdb/libcutrudb.a
localdb_libcutrudb_a_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS) $(SODIUM_CFLAGS) $(CJSON_CFLAGS)
localdb_libcutrudb_a_SOURCES =
# What a program linking localdb/ needs after it.
LOCALDB_LIBS = localdb/libcutrudb.a $(CORE_LIBS) $(SQLITE_LIBS) $(SODIUM_LIBS)

include localdb/cipher.mk
include localdb/keyring.mk
include localdb/register.mk
include localdb/journal.mk
include localdb/dossier.mk
include localdb/search.mk
include localdb/import.mk
include localdb/queries.mk
include localdb/bulk.mk
include localdb/warm.mk
