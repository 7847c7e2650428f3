/* lockstep.h: differential checking, the kit's own oracle.
 *
 * `vmm --lockstep MODE IMAGE` runs the image twice in one process, on the
 * bare CPU (native, the reference) and under a monitor MODE, and after
 * every guest tick compares what the guest could observe:
 *
 *   native  cpu_run(c, 1) --+
 *                           +--> compare: exit, pc, flags (virtual mode,
 *   MODE    vm_run(m, 1)  --+    IE, ZNCV), registers, control registers,
 *                                timer, pending interrupts, wfi, ticks,
 *                                console output, the bytes the tick stored;
 *                                all guest memory every `every` ticks
 *
 * and stops at the first difference with both states and the instruction
 * that caused it.  A difference that only the full memory comparison sees
 * (a page-table walker's A/D bits, a monitor writing the wrong place) is
 * pinned down by running both sides again from reset, comparing all memory
 * at every tick of the last interval: both runs are deterministic, and the
 * console input is recorded so that the replay reads the same bytes.
 *
 * Legal differences, never reported because generated guests avoid them
 * (docs/reliability.md): a page-table entry changed without tlbi/tlbflush
 * may be used stale (the shadow tables are a large TLB), and the top 4 MiB
 * of virtual space belongs to the binary translator's window.
 *
 * Every monitor side also gets guard pages below and above everything the
 * monitor owns (core/vm.h's map, between guards), filled with a canary:
 * `outside` counts canary bytes that changed and shadow entries that point
 * outside the guest (isolation).  Both sides are guests of the mode table
 * (core/mode.h): any monitor mode of it can be compared with native.
 */
#ifndef LOCKSTEP_H
#define LOCKSTEP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/mode.h"
#include "image.h"
#include "core/vmm.h"

#define LS_EVERY 4096        /* default ticks between full memory comparisons */
#define LS_GUARD (64u << 10) /* canary bytes below and above a monitor side */
#define LS_CANARY 0xa5

/* What the guest can see of its machine after a tick, as one side has it. */
/* What is compared after every tick: the guest's view (guest.h). */
typedef guest_view ls_view;

enum ls_verdict {
  LS_AGREE,    /* the same to the end (halt, a dead machine, or the budget) */
  LS_DIVERGED, /* a difference: see the result */
  LS_ERROR,    /* could not start (a message was printed) */
};

typedef struct ls_opts {
  uint64_t every;   /* full memory comparison period; 0: LS_EVERY */
  FILE *out;        /* the guest's console output (native's copy), or NULL */
  FILE *in;         /* console input, recorded for both sides; NULL: none */
  FILE *report;     /* the divergence report and summary, or NULL */
  bool no_store_check; /* only the full comparisons see memory (to test them) */
} ls_opts;

typedef struct ls_result {
  enum ls_verdict verdict;
  uint64_t ticks; /* ticks compared (both sides ran them) */
  /* ---- when the sides agree: how the guest ended ---- */
  enum cpu_exit exit;
  uint32_t halt_code;
  /* ---- when they diverge ---- */
  uint64_t at_tick;      /* the tick whose instruction made the difference */
  uint32_t insn_pc;      /* its pc (native), and its word */
  uint32_t insn_word;
  bool insn_fetched;     /* false: the pc could not be fetched */
  bool insn_kernel;      /* it ran in (virtual) kernel mode */
  char what[160];        /* the first difference, one line */
  char insn_where[64];   /* its address and symbol: 0x000010d4 <boot+20> */
  char insn_text[112];   /* the instruction, disassembled */
  ls_view native, other; /* both states after that tick */
  /* ---- isolation: the monitor side, at the end ---- */
  uint64_t outside; /* canary bytes changed plus shadow entries outside the guest */
  uint64_t compares; /* full memory comparisons made */
} ls_result;

/* Run img natively and under o->mode side by side (o->mem, o->tlb,
 * o->strict_isa, o->cost, o->max_steps as for a plain run).  0, or the
 * exit status bin/vmm gives when the mode does not exist (64), the image
 * does not fit in memory (65, as without --lockstep) or a machine could not
 * be made (71); the message is on lo->report. */
int lockstep_run(const vmm_opts *o, const ls_opts *lo, const image *img, ls_result *res);

/* Print the divergence (both states, the instruction) on f. */
void lockstep_print(FILE *f, const char *mode, const ls_result *res);

/* Monitor modes lockstep can compare with native, space-separated. */
const char *lockstep_modes(void);
bool lockstep_has_mode(const char *mode);

/* bin/vmm --lockstep: run, print, and return the exit status
 * (VMM_EX_DIVERGED on a divergence; otherwise what a plain run returns). */
int lockstep_main(const vmm_opts *o, const image *img);

/* ---- internals shared by lockstep.c and lockstep_side.c ---- */

/* Console input, read from the host once and served to both sides (and to
 * a replay) from this record. */
typedef struct ls_record {
  FILE *in;
  bool tty, eof;
  uint8_t *buf;
  size_t len, cap;
  FILE *flush; /* flushed before the host is asked (prompts show) */
} ls_record;

/* One machine of the pair: a guest alone on its machine (core/mode.h),
 * with guard bytes around everything a monitor side owns. */
typedef struct ls_side {
  guest g;
  cpu *c;        /* its machine */
  uint8_t *gmem; /* guest-physical 0, in host memory */
  uint32_t gsize;
  console_dev con; /* the ends the guest's console is given */
  char *out;       /* console bytes written and not yet compared */
  size_t out_len, out_cap;
  ls_record *rec;
  size_t in_pos; /* record bytes this side has read */
} ls_side;

/* lockstep_side.c: the guest of mode md with img, s->con its console;
 * monitor modes get LS_GUARD canary bytes below and above.  0, or an exit
 * status with a message in err. */
void ls_console_init(ls_side *s, ls_record *rec);
int ls_side_make(ls_side *s, const vmm_mode *md, const vmm_opts *o, const image *img, char *err, size_t len);
void ls_side_free(ls_side *s);
/* Isolation: guard bytes changed plus the monitor's table entries outside
 * the guest (0 natively). */
uint64_t ls_side_outside(const ls_side *s);

#endif
