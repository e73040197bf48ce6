# bench/: benchmark programs (make bench); results in bench/RESULTS.md
