/* vgen.c: bin/vgen, the random guest kernel generator's command line.
 *
 *   vgen [--attack] [--length N] [-o FILE.s] SEED
 *
 * Writes the program for SEED (vmm/check/gen.h) as assembly source, to FILE.s or
 * standard output: the same text for the same seed on every host.  Replay
 * a seed in lockstep without a file: bin/vmm --lockstep MODE --gen-seed N.
 *
 * Exit statuses: cli/status.h (0; 64 bad command line; 71 out of memory;
 * 73, 74 the output cannot be created or written).  FILE.s is replaced only
 * once complete.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "gen.h"

#define P "vgen"

static void usage(void) {
  printf("usage: vgen [options] SEED    write the random guest kernel of SEED as assembly source\n"
         "  --attack          an attack kernel (it tries to escape the monitor)\n"
         "  --length N        N top-level fragments (1 to 100000; default 80)\n"
         "  -o FILE.s         write to FILE.s (default: standard output)\n"
         "  --help            this text\n"
         "  --version         the version\n"
         "Run one in lockstep: vasm FILE.s && vmm --lockstep trap FILE.img, or\n"
         "without a file: vmm --lockstep trap --gen-seed SEED.\n"
         "Exit status: 0 success, 64 bad command line, 73/74 the output cannot be\n"
         "written (vgen(1)).\n");
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
  enum { OPT_ATTACK = 256, OPT_LENGTH, OPT_HELP, OPT_VERSION };
  static const struct option longopts[] = {
      {"attack", no_argument, 0, OPT_ATTACK},
      {"length", required_argument, 0, OPT_LENGTH},
      {"help", no_argument, 0, OPT_HELP},
      {"version", no_argument, 0, OPT_VERSION},
      {0, 0, 0, 0},
  };
  gen_opts o = {0};
  const char *out = NULL;
  uint64_t v;
  int c;
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":o:", longopts, NULL)) != -1) {
    switch (c) {
    case OPT_ATTACK: o.kind = GEN_ATTACK; break;
    case OPT_LENGTH:
      if (!parse_u64(optarg, &v) || v == 0 || v > 100000) return cli_usage(P, "bad --length (1 to 100000): %s", optarg);
      o.length = (int)v;
      break;
    case 'o': out = optarg; break;
    case OPT_HELP: usage(); return cli_stdout_status(P);
    case OPT_VERSION: return cli_version(P);
    default: return cli_bad_option(P, c, argv);
    }
  }
  if (optind == argc) return cli_usage(P, "no seed");
  if (optind + 1 < argc) return cli_usage(P, "more than one seed: %s and %s", argv[optind], argv[optind + 1]);
  if (!parse_u64(argv[optind], &o.seed)) return cli_usage(P, "the seed is not a number: %s", argv[optind]);
  size_t len;
  char *src = gen_program(&o, &len);
  if (!src) {
    fprintf(stderr, P ": out of memory\n");
    return CLI_EX_OSERR;
  }
  cli_out f;
  char err[300];
  int status = cli_out_open(&f, out ? out : "-", err, sizeof err);
  if (status == 0) {
    fwrite(src, 1, len, f.f); /* (an error shows in cli_out_close) */
    status = cli_out_close(&f, err, sizeof err);
  }
  if (status) fprintf(stderr, P ": %s\n", err);
  free(src);
  return status;
}
