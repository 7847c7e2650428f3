/* fuzz_vdb.c: the debugger's command parser, one command line at a time.
 *
 * Input: one byte choosing the mode, then command lines for vdb_exec()
 * against tests/vmm/vdb/cases/kern.s (a kernel that halts on its own, so run and
 * continue end).  Lines that would touch host files (dot FILE, source
 * FILE) are skipped; quit ends the input.  Every line must give 0 or -1,
 * never a crash, a hang or a sanitizer report.
 *
 * The work is bounded: FUZZ_MAX_LINES lines an input (the rest is cut),
 * since each may run the guest or travel back in time through it. */
#include <stdint.h>
#include <string.h>

#include "asm.h"
#include "fuzz.h"
#include "vdb/vdb.h"

#define FUZZ_MAX_LINES 8
#define FUZZ_MAX_INPUT 1024

static char kernel[64];

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  /* Assemble the guest from the tree, by its path (a merge starts fresh
   * processes in the sandbox), then move into the sandbox. */
  image img;
  asm_diag diag = {0};
  if (asm_assemble_file(NULL, FUZZ_TOP "/tests/vmm/vdb/cases/kern.s", &img, &diag) != 0) {
    fprintf(stderr, "fuzz_vdb: %s\n", diag.text ? diag.text : "");
    abort();
  }
  asm_diag_free(&diag);
  fuzz_sandbox();
  char err[256];
  snprintf(kernel, sizeof kernel, "kern.img");
  if (image_write(kernel, &img, err, sizeof err) != 0) abort();
  image_free(&img);
  return 0;
}

/* Would this line's command touch a host file? */
static bool touches_files(const char *line) {
  const char *p = skip_ws(line);
  size_t len = strcspn(p, " \t/");
  char err[300];
  const vdb_cmd *c = cmd_find(NULL, p, len, err, sizeof err);
  return c && (c->fn == cmd_dot || c->fn == cmd_source);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  if (size > FUZZ_MAX_INPUT) size = FUZZ_MAX_INPUT;
  vdb_opts o = {.mode = mode_nth(data[0] % mode_count(false), false)->name, .mem = 64u << 10, .tlb = 64,
                .ckpt_every = 1u << 10, .ckpt_max = 8, .guest_in = -1};
  cost_profile(&o.cost, "modern");
  FILE *null = fopen("/dev/null", "w");
  vdb *d = vdb_new(&o, null, null);
  char err[256];
  if (!d || vdb_add_target(d, kernel, err, sizeof err) != 0) abort();
  char *text = malloc(size);
  memcpy(text, data + 1, size - 1);
  text[size - 1] = 0;
  int lines = 0;
  for (char *line = text, *next; line && !d->quit && lines++ < FUZZ_MAX_LINES; line = next) {
    next = strchr(line, '\n');
    if (next) *next++ = 0;
    if (touches_files(line)) continue;
    int rc = vdb_exec(d, line);
    FUZZ_CHECK(rc == 0 || rc == -1, "vdb_exec returned %d for \"%s\"", rc, line);
  }
  free(text);
  vdb_free(d);
  fclose(null);
  return 0;
}
