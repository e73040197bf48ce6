# tests/: shell-test helpers shared by every sh test.
EXTRA_DIST += tests/lib.sh
