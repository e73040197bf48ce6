# canon part of core/ (included from core/local.mk): canonical JSON, hashes,
# field types, the event vocabulary and the procedures.
core_libcutrucore_a_SOURCES += core/canon.c core/canon.h core/hash.c core/hash.h \
	core/field.c core/field.h core/event.c core/event.h \
	core/procedure.c core/procedure.h

check_PROGRAMS += tests/unit/test_canon tests/unit/test_hash \
	tests/unit/test_procedure
TESTS += tests/unit/test_canon tests/unit/test_hash tests/unit/test_procedure
tests_unit_test_canon_SOURCES = tests/unit/test_canon.c $(TEST_MAIN)
tests_unit_test_canon_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_canon_LDADD = $(CORE_TEST_LDADD)
tests_unit_test_hash_SOURCES = tests/unit/test_hash.c $(TEST_MAIN)
tests_unit_test_hash_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_hash_LDADD = $(CORE_TEST_LDADD)
tests_unit_test_procedure_SOURCES = tests/unit/test_procedure.c $(TEST_MAIN)
tests_unit_test_procedure_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_procedure_LDADD = $(CORE_TEST_LDADD)

# One valid request per procedure (tests/unit/test_procedure checks them).
EXTRA_DIST += examples/requests/permanent.register.json \
	examples/requests/permanent.delete.json \
	examples/requests/household.split.json \
	examples/requests/residence.adjust.json \
	examples/requests/temporary.register.json \
	examples/requests/temporary.extend.json \
	examples/requests/temporary.delete.json \
	examples/requests/residence.declare.json \
	examples/requests/stay.notify.json \
	examples/requests/absence.declare.json \
	examples/requests/residence.confirm.json
