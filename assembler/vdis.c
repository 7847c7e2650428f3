/* vdis.c: the disassembler's command line.
 *
 *   vdis [-a] IMAGE
 *
 * Prints the image as vasm source: `vdis x.img > x.s && vasm x.s` gives the
 * same loaded bytes and entry point.  -a adds each word's address and value
 * (and the nearest symbol of a branch target) in a comment.
 *
 * Exit statuses: cli/status.h (0; 64 bad command line; 65 an invalid image;
 * 66 the image cannot be read; 74 standard output cannot be written).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "disasm.h"

#define P "vdis"

static void usage(void) {
  printf("usage: vdis [-a] IMAGE      print IMAGE as source that vasm reassembles\n"
         "  -a          each word's address and value, and a branch's symbol, in a comment\n"
         "  --help      this text\n"
         "  --version   the version\n"
         "Exit status: 0 success, 64 bad command line, 65 an invalid image,\n"
         "66 the image cannot be read, 74 standard output cannot be written (vdis(1)).\n");
}

int main(int argc, char **argv) {
  enum { OPT_HELP = 256, OPT_VERSION };
  static const struct option longopts[] = {
      {"help", no_argument, 0, OPT_HELP},
      {"version", no_argument, 0, OPT_VERSION},
      {0, 0, 0, 0},
  };
  int flags = 0, c;
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":a", longopts, NULL)) != -1) {
    switch (c) {
    case 'a': flags |= DIS_ADDRS; break;
    case OPT_HELP: usage(); return cli_stdout_status(P);
    case OPT_VERSION: return cli_version(P);
    default: return cli_bad_option(P, c, argv);
    }
  }
  if (optind == argc) return cli_usage(P, "no image");
  if (optind + 1 < argc) return cli_usage(P, "more than one image: %s and %s", argv[optind], argv[optind + 1]);
  image img;
  char err[300];
  int status = image_read(argv[optind], &img, err, sizeof err);
  if (status) {
    fprintf(stderr, P ": %s\n", err);
    return status;
  }
  dis_image(stdout, &img, flags);
  image_free(&img);
  return cli_stdout_status(P);
}
