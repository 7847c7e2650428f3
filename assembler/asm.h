/* asm.h: the kit's assembler as a library.
 *
 * vasm is a thin main around asm_assemble_file; tests and other tools
 * assemble straight from memory with asm_assemble.  The language is
 * described in docs/asm.md.
 *
 * Every message of a run goes to diag->out as it happens (if set) and is
 * also kept in diag->text, so a test can compare the exact wording:
 *
 *   FILE:LINE:COL: error: MESSAGE
 *   the source line
 *         ^
 */
#ifndef ASM_H
#define ASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "image.h"

#define ASM_MAX_ERRORS 50       /* then "too many errors" and stop */
#define ASM_MAX_SOURCE (16u << 20) /* bytes of one source file */
/* The default bounds on the work one source may cause, per pass: */
#define ASM_MAX_OUTPUT (16u << 20)         /* bytes it produces */
#define ASM_MAX_MACRO_EXPANSIONS 100000u   /* macro calls: stops exponential macros */
#define ASM_MAX_MACRO_LINES 50000u         /* lines read from macro bodies ... */
#define ASM_MAX_MACRO_BYTES (4u << 20)     /* ... and their bytes after substitution */

typedef struct asm_listing asm_listing;

typedef struct asm_options {
  const char *const *include_dirs; /* searched after the including file's dir */
  int ninclude;
  const char *const *defines; /* "NAME" (value 1) or "NAME=VALUE", like -D */
  int ndefines;
  asm_listing *listing; /* if set, filled for asm_write_listing */
  int max_errors;       /* 0: ASM_MAX_ERRORS */
  /* If set, called with the path of each file .include reads (on each
   * pass), so that a program can tell its inputs from its outputs. */
  void (*seen)(void *ctx, const char *path);
  void *seen_ctx;
  /* Tighter bounds on the work, 0 for the defaults above (a fuzzer sets
   * them low, so that no input takes long; a bound passed is an error). */
  uint32_t max_output, max_macro_expansions, max_macro_lines, max_macro_bytes;
} asm_options;

typedef struct asm_diag {
  FILE *out;  /* where messages go as they happen; NULL for none */
  char *text; /* every message of the run, NUL-terminated; free with asm_diag_free */
  size_t len, cap;
  int errors;
} asm_diag;

/* Assemble src (len bytes, named `name` in messages and for resolving
 * .include).  0 on success with *out filled; -1 if there was any error
 * (*out is then empty).  A NULL opt means defaults. */
int asm_assemble(const asm_options *opt, const char *name, const char *src, size_t len,
                 image *out, asm_diag *diag);
/* The same for a file on disk. */
int asm_assemble_file(const asm_options *opt, const char *path, image *out, asm_diag *diag);
void asm_diag_free(asm_diag *diag);

asm_listing *asm_listing_new(void);
void asm_listing_free(asm_listing *l);
/* One line per source line of the second pass: address, the bytes it
 * produced (as little-endian words), file:line and the source text. */
void asm_write_listing(FILE *f, const asm_listing *l);

/* Register number of a name (r0..r15 or a name of REG_TABLE; any case), or
 * -1.  Exported so that the disassembler can tell which symbol names are
 * usable. */
int asm_register(const char *name);
/* Is name usable as a label that refers to itself (an identifier that is
 * not a register)?  The disassembler prints only such names. */
bool asm_is_label_name(const char *name);

#endif
