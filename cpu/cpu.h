/* cpu.h: the simulated machine, as a library.
 *
 * One `cpu` struct holds a whole machine: registers, control registers,
 * physical memory, the TLB, the devices, the counters.  Every function takes
 * it first; there are no mutable globals, so several machines (a host CPU,
 * a lockstep reference, a debugger's checkpoint) coexist in one process.
 *
 * Two ways to own kernel mode:
 *  - native: traps vector inside the simulation through CR[tvec], as on
 *    bare hardware; the guest kernel is the machine's kernel.
 *  - host-owned (`trap_to_host`): the caller (a monitor written in C) owns
 *    real kernel mode.  Any trap or interrupt stops cpu_run() and returns
 *    EXIT_TRAP with the cause and value in cpu->trap; nothing is saved in
 *    CR[epc] and the pc is left at the trapping instruction (or, for an
 *    interrupt, at the next instruction to run).
 *
 * Physical memory map (native runs; the monitor carves guests out of it):
 *
 *   0x00000000 +-------------------------+
 *              | image segments, loaded  |  where the ELF says (usually
 *              | at their p_paddr        |  from 0x1000 up)
 *              |         ...             |
 *              | free for the kernel     |
 *   mem_size   +-------------------------+  default 1 MiB (--mem)
 *
 * Anything at or above mem_size is not memory: an access faults as if the
 * page were not mapped.
 */
#ifndef CPU_H
#define CPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cost.h"
#include "isa.h"
#include "lab.h" /* the lab markers' default */
#include "pt.h"  /* pages, page-table entries, access kinds */

/* Page-table entries and the split of an address: pt.h. */
/* Permission bits cached in a TLB entry: three groups of read, write and
 * execute (P_R, P_W, P_X: pt.h).  The group in force is cpu->perm_shift: kernel mode, user mode,
 * or user mode running code from the monitor's window (see mon_lo).  The
 * monitor group sees paging as kernel mode does (U=0 pages too), plus the
 * window, the way x86 paging treats ring 1, where VMware ran translated
 * guest-kernel code, as supervisor; its instructions stay user mode's. */
enum {
  PSHIFT_KERNEL = 0,
  PSHIFT_USER = 3,
  PSHIFT_MONITOR = 6,
};

typedef struct tlb_entry {
  uint32_t tag;  /* (virtual page << 12) | vmid << 1 | 1; 0 when empty */
  uint16_t perm; /* P_* groups; W only once the PTE is dirty */
  uint16_t bits; /* the PTE's low bits (V W U A D) as cached at the fill */
  uint32_t ppn;  /* host-physical page number */
  uint32_t pte;  /* host-physical address of the PTE, to set D later */
} tlb_entry;

/* A decoded instruction, cached per physical page so that the interpreter
 * decodes each word once.  imm is already extended or scaled. */
typedef struct dinsn {
  uint8_t op, rd, rs1, rs2;
  uint32_t imm;
} dinsn;

/* A cached slot not decoded yet (or whose word was overwritten): decoded on
 * its next fetch.  It is opcode 0, the one no instruction has, so that a
 * fresh decoded page is all zeros and the host commits only the parts of it
 * that hold code (mmu_code_page).  An illegal word decodes to it as well,
 * and is decoded again at every fetch: it traps anyway. */
#define OP_UNDECODED OP_ILLEGAL
/* Or'ed into a cached op: the word is marked (see cpu_mark_word).  Every
 * opcode of the table is below it. */
#define OP_MARKED 0x80
/* An empty fetch window: no pc, aligned or not, masked with 0xfffff003
 * equals it. */
#define FETCH_NONE 0xffffffffu

enum cpu_exit {
  EXIT_BUDGET,   /* ran the number of ticks asked for */
  EXIT_HALT,     /* halt in kernel mode; cpu->halt_code holds R[s] */
  EXIT_TRAP,     /* trap_to_host: cpu->trap says what happened */
  EXIT_NOVECTOR, /* native trap while CR[tvec] is 0: nowhere to go */
  EXIT_DOUBLE,   /* a fault while fetching the trap vector itself */
  EXIT_IDLE,     /* wfi with nothing left that could ever wake it */
  EXIT_STOP,     /* the host asked to stop (cpu->stop_request) */
  EXIT_VMEXIT,   /* a VM exit in guest mode: only vmx_run sees it */
};

/* What the last trap was: cause, value (bad address or instruction word)
 * and the pc of the instruction it concerns, and that instruction as the
 * CPU decoded it (insn.op is OP_ILLEGAL when there is none: an interrupt,
 * a fetch fault, an undecodable word), so that a monitor handling the trap
 * need not decode it again. */
typedef struct trap_info {
  uint32_t cause, value, pc;
  dinsn insn;
} trap_info;

/* The console as the machine sees it.  The host supplies the ends. */
typedef struct console_dev {
  void *ctx;
  void (*putc)(void *ctx, int c);
  int (*getc)(void *ctx);   /* next byte, blocking; -1 at end of input */
  int (*status)(void *ctx); /* bit 0 ready, bit 1 end of input */
  bool rx_irq_enabled;
} console_dev;

/* Someone outside the CPU who keeps a copy derived from some physical
 * memory (a binary translator's translations of guest code) and must hear
 * of every change to it before the next instruction runs: see cpu_watch. */
typedef void (*cpu_watch_fn)(void *ctx, uint32_t pa, uint32_t len);
typedef struct cpu_watcher {
  uint32_t lo, hi; /* the physical range watched: [lo, hi) */
  cpu_watch_fn fn; /* NULL: a free slot */
  void *ctx;
} cpu_watcher;

typedef struct cpu_stats {
  uint64_t insns;        /* retired instructions, both modes */
  uint64_t user_insns;   /* ... of them in user mode */
  uint64_t idle_ticks;   /* ticks spent waiting in wfi */
  uint64_t cycles;       /* modeled cycles (events; insns added by cpu_cycles) */
  uint64_t traps[NCAUSES];
  uint64_t tlb_hits, tlb_misses, walk_refs, tlb_flushes;
  uint64_t io;
  uint64_t marked; /* retired instructions from marked words (also in insns) */
} cpu_stats;

typedef struct cpu {
  /* ---- architectural state: what a program can see ---- */
  uint32_t r[NREGS];
  uint32_t pc;
  uint32_t flags; /* FLAG_* */
  uint32_t cr[NCR];

  /* ---- physical memory (host-physical when a monitor runs) ---- */
  uint8_t *mem;
  uint32_t mem_size; /* a multiple of PAGE_SIZE */
  dinsn **code;      /* per physical page: decoded words, or NULL */
  dinsn *dcode;      /* where they live: npages pages of them (mmu.c) */
  uint32_t npages;

  /* ---- TLB: direct-mapped, tlb_size entries (a power of two) ---- */
  tlb_entry *tlb;
  uint32_t tlb_size;
  uint32_t tag_lo;     /* vmid << 1 | 1, or'ed into every tag */
  uint32_t perm_shift; /* PSHIFT_* for the current mode */

  /* ---- hardware assist (cpu/vmx.h): set only while in guest mode ---- */
  struct vmcs *vmcs; /* the running guest's VM control structure */

  /* ---- the interpreter's fetch window: one decoded page ---- */
  uint32_t fetch_va; /* virtual page the window holds, or FETCH_NONE */
  dinsn *fetch;      /* that page's decoded instructions */
  uint32_t fetch_pa; /* and its physical address */
  bool waiting;      /* executed wfi: idle until an interrupt is pending */

  /* ---- devices ---- */
  console_dev con;
  uint32_t timer_left; /* ticks until the timer fires (when cr[TIMER]) */
  bool timer_restarted; /* mtc timer ended this chunk: its count starts after it */
  uint32_t irq;        /* pending interrupts: bit n = cause n */

  /* ---- configuration set by the host ---- */
  bool trap_to_host; /* the caller owns kernel mode (a monitor) */
  bool strict_isa;   /* special instructions trap in user mode */
  uint32_t mon_lo;   /* monitor window: [mon_lo, 2^32) is reachable in user */
                     /* mode only from code fetched there, and only through */
                     /* r0-based (absolute) addresses; 0 = no window.  Its */
                     /* mappings never change: its TLB entries survive */
                     /* flushes, as x86's global pages do */
  uint64_t mon_guard; /* mon_lo, or 2^32 when there is no window */
  uint32_t mon_io;   /* I/O ports (bit p: port p) that code fetched from */
                     /* the window may use in user mode without trapping, */
                     /* as x86's I/O permission bitmap passes chosen ports */
                     /* through; 0 = none */
  uint8_t **marks;   /* per physical page: bitmap of words not counted as */
                     /* retired (a translator's inserted code), or NULL */
  uint16_t *watch;   /* per physical page: 0, or 1 + its watcher's slot */
  cpu_watcher *watchers; /* (cpu_watch); NULL: nobody watches */
  uint32_t nwatchers;
  cost_model cost;

  /* ---- results ---- */
  trap_info trap;       /* the last trap taken or handed to the host */
  uint32_t halt_code;   /* R[s] of the halt that stopped the machine */
  uint32_t last_ea;     /* effective address of the last load or store */
  volatile int stop_request; /* set (e.g. from a signal) to stop cpu_run */
  cpu_stats st;
} cpu;

/* Make a machine with mem_size bytes (rounded up to pages) and a TLB of
 * tlb_size entries (a power of two, at most CPU_TLB_MAX: the TLB's index
 * and the VM identifiers share a tag's low 12 bits with no overlap).  NULL
 * if memory cannot be had or the sizes are out of range. */
#define CPU_TLB_MAX 65536u
cpu *cpu_new(uint32_t mem_size, uint32_t tlb_size);
void cpu_free(cpu *c);
/* Whether the PAGE_SIZE bytes at page are all zero. */
bool cpu_page_zero(const uint8_t *page);
/* Back to the reset state: zero registers, kernel mode, paging off,
 * interrupts off, pc = entry.  Memory is kept. */
void cpu_reset(cpu *c, uint32_t entry);

/* Run at most `ticks` ticks (one per retired instruction or idle tick);
 * return why it stopped. */
enum cpu_exit cpu_run(cpu *c, uint64_t ticks);

/* Modeled cycles so far: event costs plus instructions times COST_INSN. */
uint64_t cpu_cycles(const cpu *c);

/* Physical memory changed: drop decoded instructions there and tell its
 * watcher (cpu_watch).  THE one path of every write that does not come
 * from an instruction's own store: the host's (loading an image, a monitor
 * emulating an instruction or performing a guest's store for it, setting
 * A and D in a guest's PTE for its software walk), and the CPU's page
 * walkers' A and D bits (mmu.c, npt.c).  An instruction's store that
 * reaches a page holding decoded instructions drops them itself (mmu.c);
 * it never reaches a watched word without a fault first: that is the
 * watcher's business (a translator keeps its pages write-protected). */
void cpu_phys_written(cpu *c, uint32_t pa, uint32_t len);
/* Watch [lo, hi): from now on every cpu_phys_written that touches it calls
 * fn(ctx, pa, len), once per page it touches, after the bytes changed (a
 * translator drops its stale translations there).  Ranges of watchers do
 * not overlap.  0, or -1 out of host memory. */
int cpu_watch(cpu *c, uint32_t lo, uint32_t hi, cpu_watch_fn fn, void *ctx);
/* Stop the watcher whose ctx this is. */
void cpu_unwatch(cpu *c, void *ctx);

/* Virtual-to-physical translation as the MMU would do it for an access of
 * kind P_R, P_W or P_X in the current mode, without side effects on the TLB
 * or the counters (for debuggers and monitors).  Returns 0 and sets *pa, or
 * the page-fault cause. */
int cpu_translate_peek(const cpu *c, uint32_t va, int access, uint32_t *pa);

/* The monitor window, for a binary translator: see mon_lo. */
void cpu_set_window(cpu *c, uint32_t mon_lo);
/* Mark (or unmark) the word at physical pa as inserted code: it still runs
 * and costs cycles, but st.marked counts it, so that a translator's own
 * instructions do not count as the guest's.  -1 if out of memory. */
int cpu_mark_word(cpu *c, uint32_t pa, bool marked);

/* Flush the TLB (counts as a flush when `count`). */
void cpu_tlb_flush(cpu *c, bool count);
/* The same, and the monitor window's entries too, which cpu_tlb_flush
 * keeps (mon_lo): for a monitor that switches to another machine's window,
 * as an x86 monitor clears CR4.PGE to drop global pages. */
void cpu_tlb_flush_all(cpu *c, bool count);
/* Drop the TLB entry mapping va, if any. */
void cpu_tlb_flush_page(cpu *c, uint32_t va);

/* Copy between host and physical memory; false if out of range. */
bool cpu_phys_read(const cpu *c, uint32_t pa, void *dst, uint32_t len);
bool cpu_phys_write(cpu *c, uint32_t pa, const void *src, uint32_t len);

/* Take a trap now as the hardware would (used by the executor, and by a
 * monitor that wants to deliver one natively): in native mode vector
 * through CR[tvec]; with trap_to_host, record it in c->trap. Returns the
 * exit the run loop should report, or -1 to keep running. */
int cpu_take_trap(cpu *c, uint32_t cause, uint32_t value, uint32_t epc);
/* The same for the instruction d (NULL: none), which the record keeps. */
int cpu_take_trap_insn(cpu *c, const dinsn *d, uint32_t cause, uint32_t value, uint32_t epc);

/* The console's ports, on any console (the CPU's own, or a VCPU's). */
uint32_t console_port_in(console_dev *con, uint32_t port);
void console_port_out(console_dev *con, uint32_t port, uint32_t v);
/* Does an access to this port move a byte to or from the world outside
 * (the data port)?  A monitor's virtual console answers status and control
 * from its model alone, but a byte still reaches a real device, the host's
 * console: that access costs COST_IO under a monitor too. */
static inline bool console_port_external(uint32_t port) { return port == PORT_CONS_DATA; }
/* wfi's wait on a set of devices: returns the idle ticks used (at most
 * `ticks`), after which *irq may be set; -1 if nothing can ever wake it. */
int64_t dev_idle(console_dev *con, uint32_t *irq, uint32_t period, uint32_t *timer_left, uint64_t ticks,
                 uint64_t *idle_ticks);

/* A bug in the kit itself (never a guest's doing): print
 * "panic: function: reason" and abort. */
_Noreturn void cpu_panic(const char *msg);

/* KIT_ASSERT(cond, "function: what must hold"): an invariant a comment
 * states, checked in the test build (make check's sanitizer build defines
 * KIT_CHECKS) and compiled out of the optimized one, where cond is not
 * even evaluated: it must have no side effects.  A failure is a panic. */
#ifdef KIT_CHECKS
#define KIT_ASSERT(cond, msg) ((cond) ? (void)0 : cpu_panic("invariant: " msg))
#else
#define KIT_ASSERT(cond, msg) ((void)sizeof(!(cond)))
#endif

/* Names from the ISA tables, for messages and counters. */
const char *cpu_cause_name(uint32_t cause);
const char *cpu_exit_name(enum cpu_exit e);

#endif
