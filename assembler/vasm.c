/* vasm.c: the assembler's command line.
 *
 *   vasm [-o OUT] [-l LISTING] [-D NAME[=VALUE]]... [-I DIR]... FILE.s
 *   vasm -d [-a] IMAGE        disassemble, like vdis
 *   vasm --isa-doc            print docs/isa.md
 *
 * Exit status: 0 success, 1 errors in the source (or an unreadable or
 * unwritable file), 2 bad command line.  On error no image is left behind:
 * a stale one from an earlier run is removed, so make cannot mistake it
 * for the result.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asm.h"
#include "disasm.h"
#include "isa_doc.h"

/* A bad command line: one line on stderr, exit status 2. */
static int usage(const char *msg) {
  fprintf(stderr, "vasm: %s (usage: vasm [-o OUT] [-l LIST] [-D NAME[=VALUE]] [-I DIR] FILE.s, "
                  "or vasm -d [-a] IMAGE)\n", msg);
  return 2;
}

/* prog.s -> prog.img, in the current directory. */
static char *default_output(const char *in) {
  const char *base = strrchr(in, '/');
  base = base ? base + 1 : in;
  const char *dot = strrchr(base, '.');
  size_t n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
  char *out = malloc(n + 5);
  if (!out) return NULL;
  memcpy(out, base, n);
  strcpy(out + n, ".img");
  return out;
}

static int disassemble(const char *path, int flags) {
  image img;
  char err[256];
  if (image_read(path, &img, err, sizeof err) < 0) {
    fprintf(stderr, "vasm: %s\n", err);
    return 1;
  }
  dis_image(stdout, &img, flags);
  image_free(&img);
  return fflush(stdout) == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
  const char *out = NULL, *list = NULL, *in = NULL;
  const char **defs = calloc((size_t)argc, sizeof *defs), **dirs = calloc((size_t)argc, sizeof *dirs);
  int ndefs = 0, ndirs = 0, flags = 0;
  bool dis = false;
  if (!defs || !dirs) return 1;
  if (argc == 2 && strcmp(argv[1], "--isa-doc") == 0) {
    isa_doc_write(stdout);
    return fflush(stdout) == 0 ? 0 : 1;
  }
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (a[0] != '-' || a[1] == 0) {
      if (in) return usage("more than one input file");
      in = a;
      continue;
    }
    char opt = a[1];
    if (strchr("oDIl", opt)) { /* options with a value: -oFILE or -o FILE */
      const char *v = a[2] ? a + 2 : (i + 1 < argc ? argv[++i] : NULL);
      if (!v) return usage("option needs a value");
      if (opt == 'o') out = v;
      if (opt == 'l') list = v;
      if (opt == 'D') defs[ndefs++] = v;
      if (opt == 'I') dirs[ndirs++] = v;
    } else if (opt == 'd' && !a[2]) {
      dis = true;
    } else if (opt == 'a' && !a[2]) {
      flags |= DIS_ADDRS;
    } else {
      char msg[64];
      snprintf(msg, sizeof msg, "unknown option %.40s", a);
      return usage(msg);
    }
  }
  if (!in) return usage("no input file");
  if (dis) return disassemble(in, flags);

  asm_listing *listing = list ? asm_listing_new() : NULL;
  asm_options opt = {.include_dirs = dirs, .ninclude = ndirs, .defines = defs, .ndefines = ndefs, .listing = listing};
  asm_diag diag = {stderr, NULL, 0, 0, 0};
  image img;
  int status = asm_assemble_file(&opt, in, &img, &diag) < 0 ? 1 : 0;
  char *outname = out ? NULL : default_output(in);
  char err[256];
  if (status == 0 && image_write(out ? out : outname, &img, err, sizeof err) < 0) {
    fprintf(stderr, "vasm: %s\n", err);
    status = 1;
  } else if (status != 0) {
    remove(out ? out : outname);
  }
  if (status == 0 && listing) {
    FILE *f = fopen(list, "w");
    if (f) asm_write_listing(f, listing);
    if (!f || fclose(f) != 0) {
      fprintf(stderr, "vasm: %s: cannot write the listing\n", list);
      status = 1;
    }
  }
  image_free(&img);
  asm_listing_free(listing);
  asm_diag_free(&diag);
  free(outname);
  free(defs);
  free(dirs);
  return status;
}
