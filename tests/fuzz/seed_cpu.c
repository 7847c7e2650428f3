/* seed_cpu.c: build/fuzz/seed-cpu, which turns an image into a seed of the
 * CPU harness (fuzz_cpu.c): a configuration byte, then the image's memory
 * from 0x1000, as much as the harness takes (48 KiB; zeros where no
 * segment is).  tests/fuzz/seeds.sh runs it on the kit's own images.
 *
 *   seed-cpu CONFIG IMAGE OUT
 *
 * Exit status 0, or 1 with a message (an unreadable image, nothing loaded
 * at 0x1000 or above). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"

#define BASE 0x1000u
#define MAX (48u << 10)

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: seed-cpu CONFIG IMAGE OUT\n");
    return 1;
  }
  image img;
  char err[256];
  if (image_read(argv[2], &img, err, sizeof err) != 0) {
    fprintf(stderr, "seed-cpu: %s\n", err);
    return 1;
  }
  static unsigned char mem[1 + MAX];
  mem[0] = (unsigned char)strtoul(argv[1], NULL, 0);
  uint32_t end = 0;
  for (int i = 0; i < img.nsegs; i++)
    for (uint32_t k = 0; k < img.segs[i].size; k++) {
      uint32_t a = img.segs[i].addr + k;
      if (a < BASE || a >= BASE + MAX) continue;
      mem[1 + a - BASE] = img.segs[i].data[k];
      if (a + 1 - BASE > end) end = a + 1 - BASE;
    }
  image_free(&img);
  if (end == 0) {
    fprintf(stderr, "seed-cpu: %s: nothing at 0x%x or above\n", argv[2], BASE);
    return 1;
  }
  FILE *f = fopen(argv[3], "wb");
  if (!f || fwrite(mem, 1, 1 + end, f) != 1 + end || fclose(f) != 0) {
    fprintf(stderr, "seed-cpu: cannot write %s\n", argv[3]);
    return 1;
  }
  return 0;
}
