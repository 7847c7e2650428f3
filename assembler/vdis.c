/* vdis.c: the disassembler's command line.
 *
 *   vdis [-a] IMAGE
 *
 * Prints the image as vasm source: `vdis x.img > x.s && vasm x.s` gives the
 * same loaded bytes and entry point.  -a adds each word's address and value
 * (and the nearest symbol of a branch target) in a comment.
 *
 * Exit status: 0 success, 1 unreadable or invalid image, 2 bad command line.
 */
#include <stdio.h>
#include <string.h>

#include "disasm.h"

int main(int argc, char **argv) {
  const char *path = NULL;
  int flags = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-a") == 0) {
      flags |= DIS_ADDRS;
    } else if (argv[i][0] == '-' && argv[i][1]) {
      fprintf(stderr, "vdis: unknown option %s (usage: vdis [-a] IMAGE)\n", argv[i]);
      return 2;
    } else if (path) {
      fprintf(stderr, "vdis: more than one image (usage: vdis [-a] IMAGE)\n");
      return 2;
    } else {
      path = argv[i];
    }
  }
  if (!path) {
    fprintf(stderr, "vdis: no image (usage: vdis [-a] IMAGE)\n");
    return 2;
  }
  image img;
  char err[256];
  if (image_read(path, &img, err, sizeof err) < 0) {
    fprintf(stderr, "vdis: %s\n", err);
    return 1;
  }
  dis_image(stdout, &img, flags);
  image_free(&img);
  return fflush(stdout) == 0 ? 0 : 1;
}
