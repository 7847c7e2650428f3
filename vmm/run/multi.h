/* multi.h: several guests on the one machine (docs/multi.md).
 *
 *   config.c    which guests: --config FILE, or the images on the command line
 *   gconsole.c  each guest's console: prefixed lines on standard output, or
 *               its own file; standard input for one chosen guest
 *   sched.c     the monitor's VCPU scheduler: weighted round robin
 *   multi.c     bin/vmm with several guests: layout, run, report, status
 *
 * The machine's host-physical memory with N guests, one after another,
 * each as guest.h draws it (its memory, then the monitor's pages for it):
 *
 *   0          +------------------+
 *              | guest 0          |  memory, then shadow pool / TC / NPT
 *   end0       +------------------+
 *              | guest 1          |
 *   end1       +------------------+
 *              |   ...            |
 *              +------------------+  mem_size
 */
#ifndef MULTI_H
#define MULTI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/mode.h"
#include "core/vmm.h"
#include "runner.h"

#define MULTI_MAX_GUESTS 256
#define MULTI_NAME_MAX 32      /* a guest's name, with its NUL */
#define MULTI_MAX_WEIGHT 1000
#define SCHED_DEFAULT_QUANTUM 20000 /* ticks: the guest OS's own time slice */
/* A slice's modeled cycles: this many per tick of it.  The guest OS takes
 * 3 to 6 under the monitors (modern costs), so its slices end on ticks;
 * a guest that makes the monitor work for each tick (tens or hundreds of
 * cycles a tick) runs out of cycles first. */
#define SCHED_CYCLES_PER_TICK 6

/* ---- config.c ---- */

/* One guest, as the config file (or the command line) describes it. */
typedef struct guest_spec {
  char name[MULTI_NAME_MAX];
  char *image;    /* path of the image */
  uint32_t mem;   /* bytes of guest memory */
  uint32_t weight; /* its share of the CPU, relative to the others' */
  char *console;  /* NULL: prefixed lines on standard output; else a file */
  bool input;     /* it reads standard input (one guest at most) */
  int line;       /* where the config said so; 0 from the command line */
} guest_spec;

typedef struct multi_config {
  const char *path; /* the config file, or NULL */
  guest_spec *g;
  int n, cap;
} multi_config;

/* Parse the text of a config file named path; each guest gets default_mem
 * unless it says mem=.  0, or -1 with "path:line: message" in err. */
int config_parse(multi_config *cfg, const char *path, const char *text, uint32_t default_mem, char *err,
                 size_t len);
/* The same, reading the file: 0, or an exit status (cli/status.h). */
int config_read(multi_config *cfg, const char *path, uint32_t default_mem, char *err, size_t len);
/* No output (the console= files, --stats-json) may be an input (an image,
 * the config file): 0, or one line on standard error and 64. */
int config_check_outputs(const multi_config *cfg, const char *stats_json);
/* A guest per image (names from the file names, made unique). */
int config_images(multi_config *cfg, char *const *images, int n, uint32_t mem, char *err, size_t len);
/* The guest named name, or -1. */
int config_find(const multi_config *cfg, const char *name);
/* "1M", "512K", "65536", "0x10000": 0, or -1 if not a size up to max. */
void config_free(multi_config *cfg);

/* ---- gconsole.c ---- */

/* Standard output, shared by every guest that prints prefixed lines. */
typedef struct gcon_host {
  FILE *out;
  struct gcon *partial; /* whose unfinished line is on out (a prompt), or NULL */
} gcon_host;

#define GCON_LINE_MAX 1024 /* a longer line is broken (and prefixed again) */

typedef struct gcon {
  const char *name;
  gcon_host *host; /* prefixed lines go there; NULL when file is set */
  FILE *file;      /* console=FILE: the guest's bytes, as they come */
  char line[GCON_LINE_MAX];
  size_t len;           /* bytes of the line not yet written */
  host_console *in;     /* standard input, for the input guest; else NULL */
  console_dev in_dev;   /* its ends (console.c) */
} gcon;

/* A console for guest `name`: prefixed on host->out, or into file. */
void gcon_init(gcon *g, const char *name, gcon_host *host, FILE *file, host_console *in);
console_dev gcon_dev(gcon *g);
/* At the end of the run: write an unfinished last line (a newline added). */
void gcon_finish(gcon *g);

/* ---- sched.c ---- */

typedef struct sched_guest {
  guest *g;
  uint32_t weight;
  uint64_t limit;   /* its --max-steps; 0: none */
  uint64_t slices;  /* times it got the CPU */
  uint64_t waits;   /* turns it sat out, repaying an overrun */
  uint64_t used;    /* its share used: per slice its ticks, or its cycles /
                       SCHED_CYCLES_PER_TICK if more (what weights divide) */
  int64_t credit;   /* ticks it may still use: each turn adds quantum x
                       weight, a run takes what it used (sched.c: ticks, or
                       its cycles / SCHED_CYCLES_PER_TICK if more); below
                       0 it overran its last slice and sits turns out */
  double host_seconds; /* host time spent running it */
} sched_guest;

typedef struct sched {
  sched_guest *q; /* the run queue, in round-robin order */
  int n;
  uint64_t quantum; /* ticks per slice, times the guest's weight (fewer
                       when its modeled cycles run out first: sched.c) */
  int next;         /* whose turn it is */
  guest *on;        /* whose VCPU the CPU holds (NULL: none yet) */
  double (*clock)(void); /* host seconds, for each guest's share (host_now) */
  const guest *until; /* NULL, or sched_run returns as soon as this one ends */
  /* ---- counters ---- */
  uint64_t ticks;    /* every guest's ticks, summed: the scheduler's clock */
  uint64_t switches; /* a different guest's VCPU loaded */
  uint64_t flushes;  /* switches that flushed the TLB (untagged modes) */
} sched;

void sched_init(sched *s, sched_guest *q, int n, uint64_t quantum);
/* A guest that stopped by itself, or used its limit. */
bool sched_finished(const sched_guest *e);
/* Run slices until every guest has finished, or until the scheduler's
 * clock has advanced `ticks` more (0: no limit), or s->until (if set) has
 * finished.  Returns the number of guests still running. */
int sched_run(sched *s, uint64_t ticks);

/* ---- multi.c ---- */

typedef struct multi_opts {
  const char *config;        /* --config FILE, or NULL */
  char *const *images;       /* or the images on the command line */
  int nimages;
  uint64_t quantum;          /* --quantum; 0: SCHED_DEFAULT_QUANTUM */
  const char *input;         /* --input NAME, or NULL */
} multi_opts;

/* bin/vmm with several guests (or a config): run them all to the end,
 * print the reports, return the exit status. */
int multi_main(const vmm_opts *o, const multi_opts *mo);

#endif
