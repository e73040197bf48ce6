# Bulk import speed (issue 4 section 6): no files of its own.  The work is
# in localdb/import.c (bulk load, validator thread), localdb/apply.c and
# localdb/journal.c (apply_session_range(), journal_batch_add_range()),
# core/ (fast paths), built by their own fragments; the figures are in
# bench/RESULTS.md ("Import"), measured with bench/import_bench.
