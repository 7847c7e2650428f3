/* vasm.c: the assembler's command line.
 *
 *   vasm [-o OUT] [-l LISTING] [-D NAME[=VALUE]]... [-I DIR]... FILE.s
 *   vasm -d [-a] IMAGE        disassemble, like vdis
 *   vasm --isa-doc            print docs/isa.md
 *
 * Exit statuses: cli/status.h (0; 64 bad command line; 65 errors in the
 * source; 66 an input cannot be read; 73, 74 an output cannot be created or
 * written).  The inputs (the source and every file it includes) are never
 * written: an output that names one is refused.  The image and the listing
 * replace their files only once complete; on error the files are as they
 * were, and make, seeing an image older than its source, runs vasm again.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "asm.h"
#include "cli.h"
#include "disasm.h"
#include "isa_doc.h"

#define P "vasm"

static void usage(void) {
  printf("usage: vasm [options] FILE.s    assemble FILE.s into an image\n"
         "       vasm -d [-a] IMAGE       disassemble an image (as vdis does)\n"
         "       vasm --isa-doc           print the instruction set reference\n"
         "  -o OUT          the image (default: FILE.img in the current directory)\n"
         "  -l LIST         also write a listing: address, bytes, file:line, source\n"
         "  -D NAME[=VALUE] define NAME for #if and expressions (repeatable)\n"
         "  -I DIR          search DIR for .include files (repeatable)\n"
         "  -d              disassemble IMAGE instead\n"
         "  -a              with -d: each word's address and value in a comment\n"
         "  --isa-doc       print docs/isa.md, generated from cpu/isa.h\n"
         "  --help          this text\n"
         "  --version       the version\n"
         "Exit status: 0 success, 64 bad command line, 65 errors in the source,\n"
         "66 an input cannot be read, 73/74 an output cannot be written (vasm(1)).\n");
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
  int status = image_read(path, &img, err, sizeof err);
  if (status) {
    fprintf(stderr, P ": %s\n", err);
    return status;
  }
  dis_image(stdout, &img, flags);
  image_free(&img);
  return cli_stdout_status(P);
}

/* The files the assembly read, to check the outputs against; a failed
 * allocation is a failed check (ok false). */
typedef struct inputs {
  const char **v;
  int n, cap;
  bool ok;
} inputs;

static void saw_file(void *ctx, const char *path) {
  inputs *in = ctx;
  if (in->n == in->cap) {
    int cap = in->cap ? 2 * in->cap : 8;
    const char **v = realloc(in->v, (size_t)cap * sizeof *v);
    if (!v) {
      in->ok = false;
      return;
    }
    in->v = v;
    in->cap = cap;
  }
  if (!(in->v[in->n] = strdup(path))) in->ok = false;
  else in->n++;
}

static int write_listing(const char *path, const asm_listing *listing) {
  cli_out o;
  char err[300];
  int status = cli_out_open(&o, path, err, sizeof err);
  if (status == 0) {
    asm_write_listing(o.f, listing);
    status = cli_out_close(&o, err, sizeof err);
  }
  if (status) fprintf(stderr, P ": %s\n", err);
  return status;
}

/* Assemble `in` (its text src, len bytes) into out, and the listing. */
static int assemble(const char *in, const char *src, size_t len, const char *out, bool default_out,
                    const char *list, asm_options *opt) {
  if (len >= 4 && memcmp(src, "\177ELF", 4) == 0) {
    fprintf(stderr, P ": %s: an image, not assembly source (vdis prints an image as source)\n", in);
    return CLI_EX_DATAERR;
  }
  if (default_out && cli_same_file(out, in))
    return cli_usage(P, "%s: the default output, %s, would replace the input: give -o", in, out);
  const char *outs[] = {out, list};
  int status = cli_check_outputs(P, outs, 2, &in, 1);
  if (status) return status;
  inputs seen = {.ok = true};
  opt->seen = saw_file;
  opt->seen_ctx = &seen;
  opt->listing = list ? asm_listing_new() : NULL;
  asm_diag diag = {stderr, NULL, 0, 0, 0};
  image img;
  status = asm_assemble(opt, in, src, len, &img, &diag) < 0 ? CLI_EX_DATAERR : 0;
  if (status == 0 && img.nsegs == 0) {
    fprintf(stderr, "%s: error: no code or data: the image would be empty\n", in);
    status = CLI_EX_DATAERR;
  }
  if (status == 0 && !seen.ok) {
    fprintf(stderr, P ": out of memory\n");
    status = CLI_EX_OSERR;
  }
  if (status == 0) status = cli_check_outputs(P, outs, 2, seen.v, seen.n);
  char err[300];
  if (status == 0 && (status = image_write(out, &img, err, sizeof err)) != 0) fprintf(stderr, P ": %s\n", err);
  if (status == 0 && list) status = write_listing(list, opt->listing);
  image_free(&img);
  asm_listing_free(opt->listing);
  asm_diag_free(&diag);
  for (int i = 0; i < seen.n; i++) free((char *)seen.v[i]);
  free(seen.v);
  return status;
}

int main(int argc, char **argv) {
  const char *out = NULL, *list = NULL;
  const char **defs = calloc((size_t)argc, sizeof *defs), **dirs = calloc((size_t)argc, sizeof *dirs);
  int ndefs = 0, ndirs = 0, flags = 0, c;
  bool dis = false, isa_doc = false;
  if (!defs || !dirs) return CLI_EX_OSERR;
  enum { OPT_HELP = 256, OPT_VERSION, OPT_ISA_DOC };
  static const struct option longopts[] = {
      {"help", no_argument, 0, OPT_HELP},
      {"version", no_argument, 0, OPT_VERSION},
      {"isa-doc", no_argument, 0, OPT_ISA_DOC},
      {0, 0, 0, 0},
  };
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":o:l:D:I:da", longopts, NULL)) != -1) {
    switch (c) {
    case 'o': out = optarg; break;
    case 'l': list = optarg; break;
    case 'D': defs[ndefs++] = optarg; break;
    case 'I': dirs[ndirs++] = optarg; break;
    case 'd': dis = true; break;
    case 'a': flags |= DIS_ADDRS; break;
    case OPT_ISA_DOC: isa_doc = true; break;
    case OPT_HELP: usage(); return cli_stdout_status(P);
    case OPT_VERSION: return cli_version(P);
    default: return cli_bad_option(P, c, argv);
    }
  }
  if (isa_doc) {
    if (argc != 2) return cli_usage(P, "--isa-doc goes alone");
    isa_doc_write(stdout);
    return cli_stdout_status(P);
  }
  if (optind == argc) return cli_usage(P, "no input file");
  if (optind + 1 < argc) return cli_usage(P, "more than one input file: %s and %s", argv[optind], argv[optind + 1]);
  const char *in = argv[optind];
  if (dis) return disassemble(in, flags);
  if (flags & DIS_ADDRS) return cli_usage(P, "-a goes with -d");

  char *src, err[300], *outname = out ? NULL : default_output(in);
  size_t len;
  int status = out || outname ? cli_read_file(in, ASM_MAX_SOURCE, &src, &len, err, sizeof err) : CLI_EX_OSERR;
  if (status) {
    fprintf(stderr, P ": %s\n", outname || out ? err : "out of memory");
  } else {
    asm_options opt = {.include_dirs = dirs, .ninclude = ndirs, .defines = defs, .ndefines = ndefs};
    status = assemble(in, src, len, out ? out : outname, !out, list, &opt);
    free(src);
  }
  free(outname);
  free(defs);
  free(dirs);
  return status;
}
