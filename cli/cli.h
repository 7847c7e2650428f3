/* cli.h: what every program of the kit (vasm, vdis, vmm, vdb, vgen) does
 * alike, so that each behaves like a well-kept Unix tool:
 *
 *   - the exit statuses: one table, cli/status.h;
 *   - --help prints the usage on standard output and exits 0; --version
 *     prints "PROG (vkit) VERSION";
 *   - a bad command line is one line on standard error, exit 64:
 *       vmm: unknown option '--frob' (try 'vmm --help')
 *       vmm: option '--mode' needs an argument (try 'vmm --help')
 *   - an input is read whole, with a limit (cli_read_file): a directory is
 *     refused ("Is a directory"), a FIFO is never waited on at open, and an
 *     endless device (/dev/zero) stops at the limit;
 *   - an input is never modified or removed, and an output file is
 *     replaced only once the new one is complete (cli_out_*): it is written
 *     to a temporary file beside it, then renamed over it.  Nothing is ever
 *     removed or truncated but that temporary file, which this run created.
 *
 * args.c has the command-line half, files.c the files. */
#ifndef CLI_H
#define CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "status.h"

#define CLI_PACKAGE "vkit"
#define CLI_VERSION "1.0"

/* ---- the command line (args.c) ---- */

/* --version: one line on standard output.  0, or CLI_EX_IOERR. */
int cli_version(const char *prog);

/* After a program has written its results to standard output: 0, or
 * CLI_EX_IOERR with a line on standard error if any of it failed (a full
 * disk, a closed pipe). */
int cli_stdout_status(const char *prog);

/* "PROG: MESSAGE (try 'PROG --help')" on standard error; returns
 * CLI_EX_USAGE. */
int cli_usage(const char *prog, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* getopt_long (optstring starting with ':', opterr 0) returned '?' or ':'
 * (c): the one-line message for it, from optopt and the argument at
 * argv[optind - 1].  Returns CLI_EX_USAGE. */
int cli_bad_option(const char *prog, int c, char *const *argv);
/* The same message alone ("unknown option '--frob'"), into buf. */
void cli_option_message(int c, char *const *argv, char *buf, size_t len);

/* ---- files (files.c) ---- */

/* Read the file at path whole, at most max bytes.  0 with *buf (malloc'd,
 * with a NUL after the *len bytes) or an exit status, errno set and
 * "PATH: reason" in err: CLI_EX_NOINPUT (missing, a directory, unreadable),
 * CLI_EX_DATAERR (longer than max), CLI_EX_OSERR (out of memory). */
int cli_read_file(const char *path, size_t max, char **buf, size_t *len, char *err, size_t errlen);

/* Could path be read as an input (it exists, may be opened, is not a
 * directory)?  0, or CLI_EX_NOINPUT with "PATH: reason" in err: for a
 * program that hands the path to a reader that does not tell why. */
int cli_check_input(const char *path, char *err, size_t errlen);

/* An output being written. */
typedef struct cli_out {
  FILE *f;          /* write here */
  const char *name; /* the path as given, for messages */
  char *path;  /* the file the result replaces (symbolic links followed) */
  char *tmp;   /* the temporary file beside it; NULL when writing in place */
  bool to_stdout; /* "-": standard output */
} cli_out;

/* Open an output.  A regular file, or one that does not exist yet, gets a
 * temporary file in the same directory; something that exists and is not a
 * regular file (a terminal, /dev/null, a FIFO) is written in place, never
 * truncated; a directory is refused; "-" is standard output.  0, or
 * CLI_EX_CANTCREAT with "PATH: reason" in err. */
int cli_out_open(cli_out *o, const char *path, char *err, size_t errlen);
/* Finish: flush, close, and rename the temporary over the path.  0, or
 * CLI_EX_IOERR / CLI_EX_CANTCREAT with the reason in err; on failure the
 * path is as it was. */
int cli_out_close(cli_out *o, char *err, size_t errlen);
/* Give up: close and remove the temporary file; the path is as it was. */
void cli_out_abort(cli_out *o);

/* Do a and b name the same file: the same inode, or, when neither exists
 * yet, the same place?  "-" (standard output) is no file.  (A program reads
 * its inputs before it checks them against its outputs, so that a missing
 * input is reported as missing.) */
bool cli_same_file(const char *a, const char *b);

/* None of the outputs may be one of the inputs, or another output: 0, or
 * one line "PROG: OUT: ..." on standard error and CLI_EX_USAGE.  NULL
 * entries are skipped. */
int cli_check_outputs(const char *prog, const char *const *outs, int nouts, const char *const *ins, int nins);

#endif
