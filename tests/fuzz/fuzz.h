/* fuzz.h: what every libFuzzer harness of the kit shares (make fuzz,
 * docs/reliability.md).
 *
 * The harnesses run code that may touch the host: the assembler opens
 * .include files, the debugger sources scripts.  fuzz_sandbox() keeps that
 * harmless: no controlling terminal (so /dev/tty cannot block), standard
 * input at end of file, and the working directory an empty scratch
 * directory, so relative paths find nothing.
 *
 * Each harness file defines LLVMFuzzerTestOneInput; fuzz_main.c-style
 * replay is libFuzzer's own (pass files instead of directories).  A file
 * of the tree a harness reads is named from FUZZ_TOP, the tree's absolute
 * path given at build time: libFuzzer's merge and fork modes start fresh
 * processes in the scratch directory. */
#ifndef FUZZ_H
#define FUZZ_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "run/runner.h"

#ifndef FUZZ_TOP
#define FUZZ_TOP "." /* (mk/reliability.mk gives the tree's path) */
#endif

static char fuzz_dir[] = "/tmp/vkit-fuzz-XXXXXX";

/* At exit: the scratch directory goes (with the one file a harness may
 * put there, fuzz_vdb's kern.img). */
static void fuzz_cleanup(void) {
  unlink("kern.img");
  if (chdir("/") == 0) rmdir(fuzz_dir);
}

static inline void fuzz_sandbox(void) {
  setsid();
  if (!freopen("/dev/null", "r", stdin)) abort();
  if (!mkdtemp(fuzz_dir) || chdir(fuzz_dir) != 0) abort();
  atexit(fuzz_cleanup);
}

/* Stop the run loudly: libFuzzer records the input as a crash. */
#define FUZZ_CHECK(cond, ...)                      \
  do {                                             \
    if (!(cond)) {                                 \
      fprintf(stderr, "fuzz: " __VA_ARGS__);       \
      fprintf(stderr, "\n");                       \
      abort();                                     \
    }                                              \
  } while (0)

#endif
