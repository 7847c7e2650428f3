/* vm.h: a virtual machine as the monitor keeps it, in every monitor mode:
 * the VCPU (the CPU state as the guest believes it to be), where its
 * guest-physical memory lives in host-physical memory, its shadow page
 * tables, its virtual devices and the monitor's counters for it.
 *
 * The mode's technique (trap.c, bt/, hw/) keeps its own state after the
 * vm in a larger struct whose first member is the vm (bt_vm, hw_vm), the
 * way KVM's vcpu_vmx embeds its kvm_vcpu; its row of the mode table
 * (mode.h) says how big that struct is and how to run it.
 *
 * Host-physical memory of one VM, the one map of the kit (every other
 * picture points here):
 *
 *   base             +---------------------------+
 *                    | guest-physical memory     |  guest-physical 0 .. size
 *   base + size      +---------------------------+  = pool
 *                    | shadow page-table pool    |  SHADOW_POOL pages, the
 *                    |                           |  monitor's: never mapped
 *                    |                           |  into any guest's view
 *   pool + pool size +---------------------------+  = vm_own_pages(m)
 *                    | the technique's pages     |  mode->extra(o, size):
 *                    |   bt: window page table,  |  bt.h draws them;
 *                    |   VCPU page, TC           |  hw.h the nested table
 *                    |   hw: nested table        |
 *   end              +---------------------------+  = base + vm_footprint
 *
 * Natively there is no VM: the guest owns the whole machine from 0.
 * Several VMs sit side by side on one machine, each at its own base, one
 * after another's end (docs/multi.md); a checker (lockstep, the tests)
 * puts guard bytes below base and above end to catch a write outside.
 *
 * While a guest runs under trap or bt, the real CPU is in user mode with
 * its registers and condition flags holding the guest's (and, running the
 * guest's own code, its virtual IE: the monitor keeps control of the
 * machine by the budget of every run, not by a real interrupt), and CR[ptb]
 * pointing at the shadow page directory of the guest's virtual mode.  Under hw the CPU's
 * guest mode runs it, from the VMCS the monitor loads from the VCPU at
 * each entry.  Everything else the guest believes about the CPU, its
 * virtual mode, virtual IE, control registers, pending interrupts, timer,
 * lives in the VCPU.
 */
#ifndef VM_H
#define VM_H

#include "cpu.h"
#include "vmm.h"

#define SHADOW_POOL 64  /* pages of shadow page tables per VM */
#define SHADOW_KEPT 6   /* other address spaces whose shadow is kept, */
#define SHADOW_POOL_KEEP 12 /* as long as the pool need not grow past this */
#define SHADOW_LOG 128  /* fills an address space remembers */

typedef struct vcpu {
  /* ---- the guest's view of the CPU ---- */
  uint32_t r[NREGS];
  uint32_t pc;
  uint32_t flags; /* virtual F: the guest's ZNCV, virtual IE and virtual KM */
  uint32_t cr[NCR];
  uint32_t irq;        /* pending virtual interrupts, bit n = cause n */
  uint32_t timer_left; /* virtual timer, in guest ticks */
  bool waiting;        /* the guest executed wfi */
  console_dev con;     /* the guest's console (host ends in ctx) */
} vcpu;

/* One shadow address space: a page directory in the pool, built lazily
 * from the guest's page table by hidden faults. */
typedef struct shadow_root {
  uint32_t pd; /* host-physical address of the page directory, 0 = none */
} shadow_root;

/* One guest address space's shadow (shadow.c): its roots and the pages
 * filled in them, so that the monitor can check each against the guest's
 * tables when the guest switches back to it, instead of rebuilding all. */
typedef struct shadow_space {
  uint32_t key;  /* shadow_key(): the guest's CR[ptb] and paging; 0 = none */
  uint32_t used; /* when it last ran (m->space_clock), for eviction */
  shadow_root root[2];
  uint32_t nlog;            /* entries in log; more than SHADOW_LOG: lost count */
  uint32_t log[SHADOW_LOG]; /* va | root index of each fill */
} shadow_space;

struct vmm_mode;

typedef struct vm {
  const struct vmm_mode *mode; /* its row of the mode table (mode.h) */
  const char *name;
  cpu *c;        /* the real machine this VM runs on */
  uint32_t base; /* host-physical address of guest-physical 0 */
  uint32_t size; /* bytes of guest-physical memory */
  uint32_t vmid; /* the VM's identifier: tags its TLB entries under hw */
  vcpu v;

  /* ---- shadow paging: one root per virtual mode ---- */
  shadow_space cur;    /* the current address space: cur.root[0] for virtual
                          kernel mode, cur.root[1] for virtual user mode */
  shadow_space kept[SHADOW_KEPT]; /* others the guest may switch back to */
  uint32_t space_clock;
  uint32_t pool;       /* host-physical address of the pool */
  uint32_t pool_used;  /* pages handed out (some may be free again) */
  uint32_t pool_free;  /* a list of pages given back, through their first
                          word; 0 = empty */
  bool one_root;       /* one root whose U bits are the guest's serves both
                          virtual modes: hw-shadow runs the guest kernel in
                          real (guest) kernel mode, bt in the CPU's monitor
                          group (bt/bt_run.c) */
  /* The monitor's window: [window_va, 2^32) of guest-virtual space is the
   * monitor's, never the guest's (0: none).  window_pde maps it in the
   * virtual-kernel root, at PDX(window_va). */
  uint32_t window_va, window_pde;
  /* Pages whose writes the monitor watches: per guest page, 1 = keep every
   * shadow entry read-only (SPTE_WP) so that a write comes to the monitor
   * (NULL: none; bt watches the pages it translated code from). */
  uint8_t *wprot;
  /* Which shadow entries of the current space grant W to a guest page:
   * per guest page, set with wprot (NULL: none), so that write-protecting
   * a page touches its few entries, not every table (shadow_protect). */
  struct shadow_wref *wref;
  uint32_t wref_epoch; /* bumped when the current space's entries all go */
  /* --shadow trace (trace.c): per guest page, whether the current space's
   * shadow was built from it (its directory, or a page table) and so is
   * write-protected; NULL: lazy, the shadow follows the guest's TLB
   * invalidations instead.  A page is traced while its record's gen is
   * trace_gen: bumping trace_gen untraces every page at once. */
  struct trace_page *trace;
  uint32_t trace_gen;
  bool trace_wref; /* wref is trace's own (no technique watched pages) */
  uint32_t emul_store; /* 1 + the guest-physical word an emulator just stored to (trap.c), or 0 */

  /* ---- virtual time: guest ticks, as native mode would count them ---- */
  cpu_stats gst; /* guest instructions, user instructions, idle ticks */
  /* The real CPU's counters at the monitor's last look: what it retired
   * since then (less a translator's marked words) is the guest's. */
  uint64_t seen_insns, seen_user, seen_idle;

  vmm_counters n;

  /* ---- paravirtualization (hcall.c, docs/pv.md) ---- */
  bool pv;          /* --pv on: hcall from virtual kernel mode is a hypercall */
  uint32_t pv_page; /* guest-physical address of the shared area (pv.h); 0:
                       none yet (PV_SETUP refuses address 0) */
  pv_counters pvn;

  /* The run's end in modeled cycles (vm_time), for a scheduler that
   * shares them; 0: none, the run ends on ticks only. */
  uint64_t time_stop;

  bool done;
  enum cpu_exit exit;
  uint32_t halt_code;
  trap_info last_trap;

  /* ---- a watcher's pause (mode.h: guest_run_watched) ----
   * A debugger or the browser edition stops the simulation between two
   * ticks to look at it.  That stop is not an event of the machine: the
   * real CPU's run ends where the watcher asked, but nothing counts it as
   * an exit, and the next entry resumes the guest exactly as it was (the
   * real CPU's fetch window included), as if it had never stopped. */
  bool watched; /* the run in progress belongs to a watcher */
  bool paused;  /* the real CPU's last run stopped at such a pause: the
                   next entry resumes it (cleared by that entry, or by
                   anything the monitor does before it) */
} vm;

static inline bool vm_user(const vm *m) { return !(m->v.flags & FLAG_KM); }
/* Host-physical address of the technique's own pages (the map above). */
static inline uint32_t vm_own_pages(const vm *m) { return m->pool + SHADOW_POOL * PAGE_SIZE; }
static inline uint64_t vm_ticks(const vm *m) { return m->gst.insns + m->gst.idle_ticks; }

/* ---- shadow.c: shadow paging ---- */
void shadow_init(vm *m);
/* The real page directory for the VM's current virtual mode. */
uint32_t shadow_current(vm *m);
/* A real page fault at va while the guest ran: fill the shadow and return
 * true (hidden fault), or return false if the guest itself must see it. */
bool shadow_fault(vm *m, uint32_t va, uint32_t cause);
/* The guest changed its translations: drop what the shadow holds for va. */
void shadow_invalidate(vm *m, uint32_t va);
/* The guest changed its address space (CR[ptb], CR[paging]) or flushed its
 * whole TLB: switch to the shadow kept for the new space, checked entry by
 * entry against the guest's tables, or to an empty one. */
void shadow_sync_all(vm *m);
/* Under --shadow trace: will shadow_sync_all only flush the real TLB (the
 * guest stays in the traced space, whose shadow is up to date)? */
bool shadow_sync_traced(const vm *m);
/* The monitor's own reset: throw every shadow away. */
void shadow_drop_all(vm *m);
/* Host-physical address of shadow root pd's entry for va, 0 if pd is 0 or
 * has no table for va. */
uint32_t shadow_entry(const vm *m, uint32_t pd, uint32_t va);
/* Every shadow page directory, the current space's and the kept ones':
 * fills pd[] and returns how many. */
#define SHADOW_ROOTS (2 * (SHADOW_KEPT + 1))
int shadow_roots(const vm *m, uint32_t pd[SHADOW_ROOTS]);
/* Valid shadow entries outside the guest's memory, and tables outside the
 * pool, in every shadow kept (the window's PDE aside): 0 when isolated. */
uint64_t shadow_outside(const vm *m);
/* Walk the guest's own page table as its MMU would (for the guest's current
 * virtual mode): 0 and the guest-physical address, or the fault cause. */
int guest_translate(const vm *m, uint32_t va, uint32_t need, uint32_t *gpa);
/* The same walk without setting A or D: for the monitor's own checks. */
int guest_peek(const vm *m, uint32_t va, uint32_t need, uint32_t *gpa);
/* Per guest page: the shadow entries of the current space that may grant
 * W to it, recorded when they are made (vm.wref).  Invariant: every entry
 * of the current space with W set, mapping the page, is in at[] if
 * epoch == m->wref_epoch and n <= SHADOW_WREFS; past that (an alias
 * mapped writable at many addresses) shadow_protect scans. */
#define SHADOW_WREFS 2
typedef struct shadow_wref {
  uint32_t at[SHADOW_WREFS]; /* host-physical addresses of the entries */
  uint32_t epoch;
  uint32_t n; /* recorded so far; more than SHADOW_WREFS: too many */
} shadow_wref;
/* Withhold W from every entry of the current space mapping guest page gpa
 * (its page is watched now: m->wprot), charged COST_WRITE_PROTECT, and
 * COST_SHADOW_SCAN per table when the records do not say where they are. */
void shadow_protect(vm *m, uint32_t gpa);
/* Give W back to the entry at hpa `at` (mapping guest page gpa), recorded. */
void shadow_allow_write(vm *m, uint32_t at, uint32_t gpa);
/* A software bit of a shadow entry (the CPU ignores bits 5..11): the guest
 * may write the page but the monitor withholds W (m->wprot). */
#define SPTE_WP (1u << 9)

/* ---- trace.c: traced shadow page tables (--shadow trace) ---- */
/* Set tracing up on a VM (after the technique's attach): 0, or -1 out of
 * host memory.  trace_free undoes it; trace_clone copies it for a
 * checkpoint (`to` a byte copy of `from`). */
int trace_attach(vm *m);
void trace_free(vm *m);
int trace_clone(vm *to, const vm *from);
/* Is guest page gpa traced now (its shadow entries withhold W)? */
bool trace_traced(const vm *m, uint32_t gpa);
/* The shadow is about to hold an entry for va built from the guest's
 * tables as they are: trace the directory and the page table it came
 * from (shadow.c, before making the entry). */
void trace_note(vm *m, uint32_t va);
/* Untrace every page (the shadow was thrown away or switched). */
void trace_forget(vm *m);
/* The guest-physical bytes [gpa, gpa+len) changed (a store the monitor
 * performed for the guest): if they hold a traced entry, the shadow
 * follows at once. */
void trace_written(vm *m, uint32_t gpa, uint32_t len);
/* Traced, emulate d if tracing changes what it does: tlbi and tlbflush
 * drop only the real TLB's entries, and a write of CR[ptb] or CR[paging]
 * that keeps the traced space likewise (trap.c's vm_emulate, before the
 * lab's emulators).  True if it did (and retired d). */
bool trace_emulate(vm *m, const dinsn *d);
/* exit.c: a store fault on a traced page: perform it for the guest (a
 * hidden fault: the guest never sees it) and update the shadow; true if
 * it was one. */
bool trace_fault(vm *m, const trap_info *t);
/* shadow.c for trace.c: remake (or drop) the current space's valid
 * entries for va from the guest's tables as they are now; how many
 * changed.  And: empty the shadow tables under directory index d. */
uint32_t shadow_refresh(vm *m, uint32_t va);
uint32_t shadow_drop_table(vm *m, uint32_t d);
/* shadow_protect without the whole-TLB flush: the caller drops what the
 * real TLB holds for the page. */
void shadow_protect_entries(vm *m, uint32_t gpa);

/* ---- exit.c: the run loop and the one exit path, for every technique ---- */
/* Run the VM until it halts, dies, or has used `ticks` more guest ticks
 * (instructions plus idle ticks, as native mode counts them). */
void vm_run(vm *m, uint64_t ticks);
/* The real CPU stopped on a trap while the guest ran (t): emulate,
 * reflect, or handle it as the monitor's own (a hidden page fault). */
void vm_handle_trap(vm *m, const trap_info *t);
/* Count what the real CPU ran since the last look as the guest's, and
 * advance the virtual timer by it (unless the CPU ran it: hw). */
void vm_count_guest(vm *m);
/* The guest's modeled cycles (cpu_cycles: its instructions and every
 * event, the monitor's work for it included). */
uint64_t vm_time(const vm *m);
/* A scheduler's deadline (time_stop) has passed: a technique that loops
 * on its own (bt's translated code) leaves at the next boundary. */
bool vm_out_of_time(const vm *m);
/* n guest ticks on the virtual timer; an interrupt when it reaches 0. */
void vm_tick(vm *m, uint32_t n);
/* One guest instruction completed by the monitor: a guest tick. */
void vm_retire(vm *m);
/* The budget a run on the real CPU may have: up to where the virtual timer
 * fires, so that interrupts land where they land natively. */
uint64_t vm_timer_budget(const vm *m, uint64_t budget);
/* Is the end of a run of `budget` guest ticks a watcher's pause?  Only in
 * a watched run, and only where a run without the watcher would go on: a
 * monitor that keeps the virtual timer stops the real CPU at its tick
 * anyway, so an end there is the monitor's own. */
bool vm_pause_due(const vm *m, uint64_t budget);
/* The monitor took control from the guest and gives it back: counted, and
 * charged COST_WORLD_SWITCH (hw's VM exits are charged by the CPU). */
void vm_world_switch(vm *m);
void vm_stop(vm *m, enum cpu_exit ex);

/* ---- trap.c: trap-and-emulate, the VCPU in software ---- */
/* Deliver a trap to the guest as hardware would: the frame in the VCPU's
 * control registers and the guest at its vector (or, when the mode's CPU
 * delivers traps itself, handed to it: mode->inject). */
void vm_reflect(vm *m, uint32_t cause, uint32_t value, uint32_t at_pc, uint32_t epc);
/* Perform the privileged (or special) instruction d, word w, at the VCPU's
 * pc on the VCPU, as the real CPU would in kernel mode, and retire it. */
void vm_emulate(vm *m, const dinsn *d, uint32_t w);
/* Point the real CPU's CR[ptb] at the shadow root of the guest's current
 * mode (shadow_current), flushing the TLB if that changed it. */
void vm_load_root(vm *m);
/* Run the guest's own code directly on the real CPU, in real user mode,
 * for `budget` guest ticks at most, and handle what stopped it. */
void vm_run_direct(vm *m, uint64_t budget);
/* Set the real CPU up for that: the monitor owns real kernel mode (every
 * trap comes back to it), guests run in user mode. */
int vm_attach_direct(vm *m, const vmm_opts *o);

/* ---- hcall.c: the paravirtual interface (docs/pv.md) ---- */
/* Is this trap a hypercall the monitor takes (--pv on, virtual kernel
 * mode, the word an hcall)?  Then perform it and retire it. */
bool hcall_take(vm *m, const trap_info *t);
/* The shared area and the VCPU, synchronised: at every entry into the
 * guest (vif := the virtual IE, pending := an interrupt waits), and at
 * every exit from virtual kernel mode (the virtual IE := vif). */
void pv_enter(vm *m);
void pv_exit(vm *m);

/* ---- vm.c ---- */
/* A VM of `mode` on machine c, its guest memory at host-physical base. */
void vm_init(vm *m, const struct vmm_mode *mode, cpu *c, const char *name, uint32_t base, uint32_t size);
/* The VCPU's reset state: kernel mode, paging and interrupts off, pc. */
void vm_reset(vm *m, uint32_t entry);
/* The counters of a run, as the guest would see them on bare hardware, and
 * the monitor's (the technique adds its own: mode->report). */
void vm_report_fill(const vm *m, vm_report *r);

#endif
