/* vgen.c: bin/vgen, the random guest kernel generator's command line.
 *
 *   vgen [--attack] [--length N] SEED [-o FILE.s]
 *
 * Writes the program for SEED (vmm/check/gen.h) as assembly source, to FILE.s or
 * standard output: the same text for the same seed on every host.  Replay
 * a seed in lockstep without a file: bin/vmm --lockstep MODE --gen-seed N.
 *
 * Exit status: 0 success, 1 the file cannot be written, 2 bad command line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

static int usage(const char *msg) {
  fprintf(stderr, "vgen: %s (usage: vgen [--attack] [--length N] SEED [-o FILE.s])\n", msg);
  return 2;
}

static bool parse_u64(const char *s, uint64_t *v) {
  char *end;
  errno = 0;
  unsigned long long x = strtoull(s, &end, 0);
  if (end == s || *end || errno || *s == '-') return false;
  *v = x;
  return true;
}

int main(int argc, char **argv) {
  gen_opts o = {0};
  const char *out = NULL;
  bool have_seed = false;
  uint64_t v;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--attack") == 0) {
      o.kind = GEN_ATTACK;
    } else if (strcmp(argv[i], "--length") == 0 || strcmp(argv[i], "-o") == 0) {
      if (i + 1 == argc) return usage("option needs a value");
      if (argv[i][1] == 'o') out = argv[++i];
      else if (!parse_u64(argv[++i], &v) || v == 0 || v > 100000) return usage("bad --length (1 to 100000)");
      else o.length = (int)v;
    } else if (argv[i][0] == '-') {
      return usage("unknown option");
    } else if (have_seed || !parse_u64(argv[i], &o.seed)) {
      return usage(have_seed ? "more than one seed" : "the seed is not a number");
    } else {
      have_seed = true;
    }
  }
  if (!have_seed) return usage("no seed");
  size_t len;
  char *src = gen_program(&o, &len);
  if (!src) {
    fprintf(stderr, "vgen: out of memory\n");
    return 1;
  }
  FILE *f = out ? fopen(out, "w") : stdout;
  int rc = 0;
  if (!f || fwrite(src, 1, len, f) != len || (out ? fclose(f) : fflush(f)) != 0) {
    fprintf(stderr, "vgen: cannot write %s: %s\n", out ? out : "standard output", strerror(errno));
    rc = 1;
  }
  free(src);
  return rc;
}
