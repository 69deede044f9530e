# tests/fuzz/: libFuzzer targets (clang, ASan + UBSan). Not part of `make check`:
# `make fuzz` builds them with scripts/fuzz.sh and runs each for FUZZ_SECONDS
# (`make fuzz FUZZ_SECONDS=300`), printing TAP; it fails on any crash, leak or
# timeout. scripts/test-all.sh runs them for 30 s each.
FUZZ_SECONDS = 60
FUZZ_DIST_FILES = \
	tests/fuzz/fuzz.h tests/fuzz/fuzz-config.h \
	tests/fuzz/fuzz_helper_frames.c tests/fuzz/fuzz_client_frames.c \
	tests/fuzz/fuzz_config.c tests/fuzz/fuzz_parsers.c \
	tests/fuzz/fuzz_config.dict tests/fuzz/lsan.supp tests/fuzz/gen_corpus.py
EXTRA_DIST += $(FUZZ_DIST_FILES) tests/fuzz/corpus scripts/fuzz.sh

fuzz:
	FUZZ_SECONDS='$(FUZZ_SECONDS)' FUZZ_BUILD='$(abs_top_builddir)/build-fuzz' \
		$(SHELL) '$(abs_top_srcdir)/scripts/fuzz.sh'
.PHONY: fuzz
