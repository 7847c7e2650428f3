/* runner.h: what the runner (bin/vmm's folder) offers the other programs
 * that run guests (bin/vdb, the benchmarks, the tests, the grader, the
 * browser edition): the host's end of a guest console, the reports of a
 * run (--stats, --stats-json, the exit status), and the command line's
 * sizes. */
#ifndef RUNNER_H
#define RUNNER_H

#include <stdio.h>

#include "core/vmm.h"

/* Host end of a guest console: stdout and stdin. */
struct host_console;
typedef struct host_console {
  FILE *out, *in;
  bool in_tty;
  bool eof;
} host_console;
void host_console_init(host_console *hc, FILE *out, FILE *in);
void host_console_attach(host_console *hc, cpu *c);
/* The same ends on any console device (a VCPU's, a multiplexer's). */
void host_console_fill(host_console *hc, console_dev *con);

/* Print the readable table (--stats) and the JSON object (--stats-json). */
void report_table(FILE *f, const vm_report *r);
int report_json(const char *path, const vm_report *r);
/* The members of that object, into an object the caller has opened (the
 * `guests` array of a multi-guest run, docs/multi.md). */
struct json;
void report_json_members(struct json *j, const vm_report *r);

/* Exit status for a finished run, and a one-line reason plus the guest's
 * registers (regs: what it believes them to be) on stderr when the machine
 * did not halt by itself. */
struct guest_view;
int report_status(const vm_report *r, const struct guest_view *regs);

double host_now(void);

/* A size or count from the command line or a config file: decimal, 0x hex
 * or 0 octal, with an optional K, M or G suffix; 0 and *out set if it is at
 * most max, else -1.  (config.c) */
int parse_size(const char *s, uint64_t max, uint64_t *out);
/* A byte count as parse_size reads it back, in the largest unit that
 * divides it: "16K", "1G", "4100" (config.c). */
const char *size_str(uint64_t bytes, char *buf, size_t len);

#endif
