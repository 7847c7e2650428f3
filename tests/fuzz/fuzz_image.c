/* fuzz_image.c: the image loader on arbitrary bytes.  image_read_mem must
 * accept or refuse with a one-line "NAME: reason"; an accepted image must
 * disassemble, load into a machine only where it fits, and survive being
 * written and read back.
 *
 * The work is bounded: an image whose segments hold more than
 * FUZZ_MAX_BYTES in all (a few header bytes can ask for 64 MiB of zeros)
 * is read and freed, not disassembled, loaded or written back. */
#include <stdint.h>
#include <string.h>

#include "disasm.h"
#include "fuzz.h"
#include "core/vmm.h"

#define FUZZ_MAX_BYTES (16u << 10)

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  fuzz_sandbox();
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  image img;
  char err[256] = "";
  if (image_read_mem(data, size, "fuzz.img", &img, err, sizeof err) != 0) {
    FUZZ_CHECK(strncmp(err, "fuzz.img: ", 10) == 0 && strlen(err) > 10 && !strchr(err, '\n'),
               "a refusal without a one-line reason: \"%s\"", err);
    return 0;
  }
  uint64_t bytes = 0;
  for (int i = 0; i < img.nsegs; i++) bytes += img.segs[i].size;
  if (bytes > FUZZ_MAX_BYTES) {
    image_free(&img);
    return 0;
  }
  FILE *null = fopen("/dev/null", "w");
  dis_image(null, &img, DIS_ADDRS);
  fclose(null);
  for (int i = 0; i < img.nsegs; i++) {
    uint32_t off;
    image_symbol_at(&img, img.segs[i].addr, &off);
  }
  cpu *c = cpu_new(64u << 10, 16);
  if (load_image(c, &img, 0x1000, 32u << 10, err, sizeof err) == 0) cpu_reset(c, img.entry);
  cpu_free(c);
  uint8_t *buf;
  size_t len;
  image back;
  FUZZ_CHECK(image_write_mem(&img, &buf, &len, err, sizeof err) == 0, "image_write_mem: %s", err);
  FUZZ_CHECK(image_read_mem(buf, len, "back", &back, err, sizeof err) == 0, "read back: %s", err);
  FUZZ_CHECK(back.nsegs == img.nsegs && back.entry == img.entry, "the image changed on the way");
  image_free(&back);
  free(buf);
  image_free(&img);
  return 0;
}
