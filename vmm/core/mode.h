/* mode.h: the monitor modes, one row each, and a guest behind them.
 *
 * THE mode table.  bin/vmm, several guests (run/multi.c), the debugger,
 * lockstep, the benchmarks, the tests, the lab grader and the browser
 * edition all find a mode here (mode_find) and drive a guest through the
 * calls below; none of them names a mode's files.  A row says what the
 * mode is, how it builds its VM, runs it (hooks into the core's one run
 * loop and exit path, exit.c), reports it and shows its state.  The rows
 * live with their modes:
 *
 *   native     core/native.c   the guest on the bare CPU: no monitor at all
 *   trap       core/trap.c     trap-and-emulate, shadow paging
 *   bt         bt/bt_mode.c    binary translation of the guest kernel
 *   hw         hw/hw_mode.c    hardware assist, nested paging
 *   hw-shadow  hw/hw_mode.c    hardware assist, shadow paging
 *
 * so adding a mode is one more row in mode.c's list, and its own files.
 * (The pattern is KVM's kvm_x86_ops: generic code calls only through the
 * table.)
 *
 * A guest is one guest on a machine: natively the machine itself (base 0,
 * the whole of it); under a monitor a VM at a base, whose host-physical
 * memory vm.h draws.  Several guests of a monitor mode share one machine.
 *
 * The real CPU's counters (c->st: retired instructions, traps, TLB) are
 * per-guest state too, saved and loaded around every run, as an OS saves
 * per-task performance counters: whatever ran in between, a guest's
 * counters read as if it had the machine to itself.  (A guest alone on
 * its machine, own_machine, has nothing to save them from: they stay in
 * c->st and g->st is not used.)
 */
#ifndef MODE_H
#define MODE_H

#include <stdio.h>

#include "vm.h"
#include "vmm.h"

typedef struct guest guest;

/* What a guest can see of its CPU: what lockstep compares after every
 * tick, what the debugger shows, what a failed run's dump prints.  Every
 * byte is a field (no padding, checked below): guest_view_get fills a
 * view without clearing it first (lockstep makes two a tick), and equal
 * views have equal bytes. */
typedef struct guest_view {
  uint32_t r[NREGS];
  uint32_t pc;
  uint32_t flags; /* ZNCV, IE and KM as the guest believes them */
  uint32_t cr[NCR];
  uint32_t timer_left; /* what mfc timer would read: 0 when the timer is off */
  uint32_t irq;        /* pending interrupts, bit n = cause n */
  uint32_t halt_code;  /* when done by halting: its code */
  uint64_t ticks;      /* instructions retired plus idle ticks */
  uint64_t user_insns;
  enum cpu_exit exit; /* when done: how */
  bool done;          /* the guest stopped by itself: exit and halt_code say how */
  bool waiting;       /* executed wfi, not woken yet */
  bool con_irq;       /* console-input interrupt enabled */
  bool zero;          /* always false: fills what would be padding */
} guest_view;
_Static_assert(sizeof(guest_view) == (NREGS + NCR + 5) * sizeof(uint32_t) + 2 * sizeof(uint64_t) +
                                         sizeof(enum cpu_exit) + 4 * sizeof(bool),
               "guest_view has no padding");

/* Counters a watcher compares before and after a slice of time to see
 * traps, exits and translations go by (the debugger's run loop). */
typedef struct mode_probe {
  uint64_t traps; /* traps the guest took (natively) or was given (reflected) */
  trap_info trap; /* the last of them */
  uint64_t exits; /* world switches, VM exits: the monitor got control */
  trap_info exit; /* the last: .cause is its reason (mode->exit_name) */
  uint64_t emulated, fills, guest_faults, translations;
} mode_probe;

/* One of the monitor's own page tables (a shadow root, a nested root): a
 * name and the host-physical address of its directory. */
typedef struct mode_root {
  const char *name;
  uint32_t pd; /* 0: not built yet */
  bool active; /* the real CPU uses it now */
} mode_root;

typedef struct vmm_mode {
  /* ---- what it is ---- */
  const char *name;    /* as --mode takes it */
  const char *what;    /* one line: --help, the debugger */
  const char *options; /* the options only this mode takes, e.g. "--paging" */
  bool tagged;         /* TLB entries carry the VM's identifier: a switch
                          between guests flushes nothing */
  bool cpu_runs_vcpu;  /* hardware assist: the CPU delivers the guest's
                          interrupts, runs its timer and counts its user
                          instructions and idle ticks itself (else the
                          monitor does, in software) */

  /* ---- building its VM (native: none of these; the guest IS the machine) ---- */
  size_t vm_size; /* its VM struct: a vm first, the technique's state after */
  /* Host bytes of the technique's own pages for a guest of `size` bytes,
   * after the shadow pool (vm.h's map); NULL: none. */
  uint32_t (*extra)(const vmm_opts *o, uint32_t size);
  /* Set the technique up on a new VM, its pages at vm_own_pages(m);
   * 0, or -1 if the host is out of memory.  NULL: nothing to set up. */
  int (*attach)(vm *m, const vmm_opts *o);
  void (*detach)(vm *m);   /* free what attach (or clone) allocated */
  void (*reset)(vm *m);    /* after vm_reset: the technique's own */
  /* A checkpoint: `to` holds a byte copy of `from`; copy what the
   * technique owns through pointers.  0, or -1 out of host memory. */
  int (*clone)(vm *to, const vm *from);

  /* ---- running: the technique's hooks into exit.c ---- */
  /* Run the guest on the real CPU for at most `budget` guest ticks and
   * handle what stopped it (the one required hook of a monitor mode). */
  void (*run)(vm *m, uint64_t budget);
  /* Hand a trap to the CPU to deliver at the next entry (hardware assist's
   * event injection); NULL: the monitor reflects it itself. */
  void (*inject)(vm *m, uint32_t cause, uint32_t value, uint32_t epc);
  /* A page fault the technique handles before shadow paging does (bt: a
   * write to translated code); true if handled.  NULL: none. */
  bool (*page_fault)(vm *m, const trap_info *t);

  /* ---- reporting ---- */
  void (*report)(const vm *m, vm_report *r);         /* its own counters */
  int (*finish)(vm *m, const vmm_opts *o);           /* after a single run (--dump-tc): 0 or a status */
  uint64_t (*outside)(const vm *m);                  /* isolation: its tables' entries outside the guest */

  /* ---- showing its state (the debugger, the browser edition) ---- */
  const char *(*exit_name)(uint32_t reason); /* world switches: trap causes; hw: VM exit reasons */
  uint32_t nexit_reasons;
  void (*probe)(const guest *g, mode_probe *p);
  /* What the monitor did with the exits between two probes. */
  void (*exit_how)(const guest *g, const mode_probe *before, const mode_probe *after, char *buf, size_t len);
  void (*vcpu_info)(const guest *g, int id, FILE *f);
  int (*shadow_roots)(const guest *g, mode_root *out, int max);
  int (*npt_roots)(const guest *g, mode_root *out, int max);
  void (*tc_info)(const guest *g, FILE *f, const char *args);
  /* Why a view above is missing (NULL hook): shown instead. */
  const char *no_vcpu, *no_shadow, *no_npt, *no_tc;
} vmm_mode;

/* The rows, in the order --help lists them. */
extern const vmm_mode *const vmm_modes[];
/* The row for a --mode name, NULL if there is none ("hw" with
 * o->hw_shadow set is the hw-shadow row). */
const vmm_mode *mode_find(const char *name, const vmm_opts *o);
/* The names, space-separated, for messages ("native trap bt hw hw-shadow"). */
const char *mode_names(bool monitors_only);
/* How many rows (monitor modes only: all but native), and the i-th. */
int mode_count(bool monitors_only);
const vmm_mode *mode_nth(int i, bool monitors_only);
/* Does this mode take the option named (e.g. "--tc-size")? */
bool mode_takes(const vmm_mode *md, const char *option);
static inline bool mode_is_monitor(const vmm_mode *md) { return md->run != NULL; }

struct guest {
  const vmm_mode *mode;
  const char *name;
  cpu *c;         /* the machine it runs on, shared with other guests */
  uint32_t base;  /* host-physical address of guest-physical 0 */
  uint32_t size;  /* bytes of guest memory */
  uint32_t end;   /* base + size + the monitor's pages: the first byte it does not own */
  uint32_t vmid;  /* tags its TLB entries under hw (1..VMX_MAX_VMID) */
  vm *m;          /* the VM (the mode's vm_size bytes); NULL natively */
  bool own_machine; /* guest_create made c for it alone: guest_destroy frees it */
  /* ---- natively: how the machine stopped ---- */
  bool done;
  enum cpu_exit exit;
  /* ---- the real CPU's counters while this guest ran (see above; a guest
   * that owns its machine keeps them in c->st instead) ---- */
  cpu_stats st;
};

/* ---- a guest alone on a machine of its own (bin/vmm, vdb, lockstep, tests) ---- */
/* A machine for one guest of md with img loaded and reset, con its
 * console, `guard` bytes of room before the guest (at host-physical 0)
 * and after everything it owns, for a checker's canaries (0: none;
 * natively ignored: the guest owns the machine).  0, or an exit status
 * (VMM_EX_OSERR, VMM_EX_DATAERR) with a one-line message in err. */
int guest_create(guest *g, const vmm_mode *md, const vmm_opts *o, const image *img, console_dev con, uint32_t guard,
                 char *err, size_t len);
/* The guest, and its machine if guest_create made it. */
void guest_destroy(guest *g);

/* ---- several guests on one machine (run/multi.c, bench/scale.c) ---- */
/* Host-physical bytes a guest of `size` bytes occupies (memory and the
 * monitor's pages, page-rounded); 0 if it would pass 4 GiB. */
uint64_t guest_footprint(const vmm_mode *md, const vmm_opts *o, uint32_t size);
/* A machine of `bytes` bytes for guests of o (TLB size, cost, ISA).  NULL
 * if the host has not the memory. */
cpu *guest_machine(const vmm_opts *o, uint64_t bytes);
/* A guest of mode md on c at base with `size` bytes (page-rounded), TLB
 * identifier vmid; 0, or -1 if out of host memory. */
int guest_init(guest *g, const vmm_mode *md, const vmm_opts *o, cpu *c, const char *name, uint32_t base,
               uint32_t size, uint32_t vmid);
/* Load the image into its memory, give it its console, reset the VCPU at
 * the entry; -1 with a message in err if the image does not fit. */
int guest_load(guest *g, const image *img, console_dev con, char *err, size_t len);
/* Put g on the CPU after another guest ran: in a mode without TLB tags,
 * load its page-table root and flush the TLB (counted as g's flush); true
 * if it flushed.  With tags (hw) the next VM entry loads the VMCS and the
 * vmid: nothing to do here. */
bool guest_switch(guest *g);
/* Free what guest_init made (not the machine). */
void guest_free(guest *g);

/* ---- any guest ---- */
/* Run it for at most `ticks` of its own ticks; its counters are loaded
 * into the machine for the run and saved after (if it shares the
 * machine).  Where the run stops is a preemption: the monitor takes the
 * CPU back (a scheduler's time slice, --max-steps), and a monitor mode
 * counts it as it counts a timer interrupt: hw a preempt VM exit, trap and
 * bt a new world entry. */
void guest_run(guest *g, uint64_t ticks);
/* The same run for a watcher (the debugger, the browser edition's live
 * panels): where it stops, or a stop request (Ctrl-C) stops it, is a pause
 * of the simulation between two ticks, not an event of the machine.
 * Nothing counts it, and the next run resumes the guest exactly where it
 * was (core/vm.h), so a run in watched slices ends with the very counters
 * of one run.  (Natively the machine's own runs are already like that.) */
void guest_run_watched(guest *g, uint64_t ticks);
uint64_t guest_ticks(const guest *g);
/* Run it for at most `ticks` of its ticks or `cycles` of its modeled
 * cycles (guest_cycles), whichever ends first (a scheduler's slice: it may
 * overrun the cycles by the events of its last ticks, deterministically). */
void guest_run_for(guest *g, uint64_t ticks, uint64_t cycles);
/* Its modeled cycles so far, the monitor's work for it included. */
uint64_t guest_cycles(const guest *g);
bool guest_done(const guest *g);
/* Undo a stop request's end (Ctrl-C in the debugger): the guest can go on. */
void guest_resume(guest *g);
void guest_view_get(const guest *g, guest_view *v);
/* The counters of --stats-json, as for a single run (r->name, host time
 * and what the caller measures stay the caller's). */
void guest_report(const guest *g, vm_report *r);
/* Isolation: table entries of the monitor's that point outside g's memory
 * (0 if none; natively 0). */
uint64_t guest_outside(const guest *g);

/* Checkpoints of a guest and its machine (alone on it: the debugger). */
typedef struct guest_snap guest_snap;
guest_snap *guest_snap_take(const guest *g); /* NULL: out of host memory */
void guest_snap_restore(guest *g, const guest_snap *s);
void guest_snap_free(guest_snap *s);
size_t guest_snap_bytes(const guest_snap *s);

/* The rows (each in its mode's files). */
extern const vmm_mode mode_native, mode_trap;

/* native.c: what a guest on the bare CPU shows, for the rows' helpers. */
void guest_view_cpu(const cpu *c, guest_view *v);
void native_report(const guest *g, vm_report *r);
/* vm.c: the VCPU as a guest_view. */
void guest_view_vm(const vm *m, guest_view *v);
/* vm_show.c: the VCPU and shadow tables of trap and bt, shown. */
void vm_show_probe(const guest *g, mode_probe *p);
void vm_show_exit_how(const guest *g, const mode_probe *a, const mode_probe *b, char *buf, size_t len);
int vm_show_shadow_roots(const guest *g, mode_root *out, int max);
void vm_show_vcpu(const guest *g, int id, FILE *f);
/* The flags word as its bits' names: "N C IE". */
void vm_show_flags(uint32_t f, char *buf, size_t len);

#endif
