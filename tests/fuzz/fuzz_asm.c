/* fuzz_asm.c: the assembler on arbitrary text.  Whatever the input, the
 * assembler must return 0 or -1 with its errors in diag.text, never crash,
 * hang or leak; a success must give an image that survives being written
 * and read back, and disassembles.
 *
 * The work one input may cause is bounded, as the assembler's options
 * allow (asm.h): at most FUZZ_MAX_TEXT bytes of source (the rest is cut),
 * FUZZ_MAX_OUTPUT bytes of output, and a few hundred lines of macro
 * expansion a pass (250 expansions, 500 lines, 16 KiB: far more than a
 * page of the kit's own sources expands to).  Past a bound the assembler
 * must say so with an error, which the harness checks like any other.
 * (Bounds four times as high let a long run's corpus fill up with macro
 * bombs that reached them: a million executions ran at 920 a second of
 * CPU time; on that corpus these bounds take 0.59 of the time.) */
#include <stdint.h>
#include <string.h>

#include "asm.h"
#include "disasm.h"
#include "fuzz.h"

#define FUZZ_MAX_TEXT 2048 /* a page of source: bigger seeds come cut in pages */
#define FUZZ_MAX_OUTPUT (16u << 10)

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  fuzz_sandbox();
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *const defines[] = {"FUZZ", "LEVEL=3"};
  asm_options opt = {.defines = defines, .ndefines = 2, .max_errors = 20, .max_output = FUZZ_MAX_OUTPUT,
                     .max_macro_expansions = 250, .max_macro_lines = 500, .max_macro_bytes = 16u << 10};
  asm_diag diag = {0};
  image img;
  if (size > FUZZ_MAX_TEXT) size = FUZZ_MAX_TEXT;
  int rc = asm_assemble(&opt, "fuzz.s", (const char *)data, size, &img, &diag);
  FUZZ_CHECK(rc == 0 || rc == -1, "asm_assemble returned %d", rc);
  FUZZ_CHECK(rc == 0 || (diag.text && strstr(diag.text, "error")), "failed without an error message");
  if (rc == 0) {
    uint8_t *buf;
    size_t len;
    char err[256];
    image back;
    FUZZ_CHECK(image_write_mem(&img, &buf, &len, err, sizeof err) == 0, "image_write_mem: %s", err);
    FUZZ_CHECK(image_read_mem(buf, len, "back", &back, err, sizeof err) == 0, "read back: %s", err);
    FUZZ_CHECK(back.nsegs == img.nsegs && back.entry == img.entry, "the image changed on the way");
    for (int i = 0; i < img.nsegs; i++)
      FUZZ_CHECK(back.segs[i].addr == img.segs[i].addr && back.segs[i].size == img.segs[i].size &&
                     memcmp(back.segs[i].data, img.segs[i].data, img.segs[i].size) == 0,
                 "segment %d changed on the way", i);
    FILE *null = fopen("/dev/null", "w");
    dis_image(null, &back, DIS_ADDRS);
    fclose(null);
    image_free(&back);
    free(buf);
    image_free(&img);
  }
  asm_diag_free(&diag);
  return 0;
}
