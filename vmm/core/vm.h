/* vm.h: a virtual machine as the monitor keeps it: the VCPU (the CPU state
 * as the guest believes it to be), where its guest-physical memory lives in
 * host-physical memory, its shadow page tables, its virtual devices and the
 * monitor's counters for it.
 *
 * Host-physical memory of the one real machine, per VM:
 *
 *   base          +---------------------------+
 *                 | guest-physical memory     |  guest-physical 0 .. size
 *   base + size   +---------------------------+
 *                 | shadow page-table pool    |  the monitor's: never mapped
 *                 |   (SHADOW_POOL pages)     |  into any guest's view
 *   base + size   +---------------------------+
 *     + pool
 *
 * While a guest runs, the real CPU is in user mode with its registers and
 * condition flags holding the guest's, real IE on (the monitor keeps control
 * of the machine), and CR[ptb] pointing at the shadow page directory of the
 * guest's virtual mode.  Everything else the guest believes about the CPU,
 * its virtual mode, virtual IE, control registers, pending interrupts, timer,
 * lives only in the VCPU.
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

typedef struct vm {
  const char *name;
  cpu *c;        /* the real machine this VM runs on */
  uint32_t base; /* host-physical address of guest-physical 0 */
  uint32_t size; /* bytes of guest-physical memory */
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
                          group (bt_run.c) */

  /* ---- virtual time: guest ticks, as native mode would count them ---- */
  cpu_stats gst; /* guest instructions, user instructions, idle ticks */
  uint64_t real_insns_seen; /* guest instructions the real CPU had run (its
                               insns less marked ones) at the last look */

  vmm_counters n;

  /* ---- binary translation (bt.h); NULL / 0 in other modes ---- */
  struct bt *bt;
  uint32_t window_pde; /* PDE 1023 of the virtual-kernel shadow root */
  uint8_t *wprot;      /* per guest page: 1 = translated code, keep the
                          shadow read-only so that writes come to the monitor */

  bool done;
  enum cpu_exit exit;
  uint32_t halt_code;
  trap_info last_trap;
} vm;

static inline bool vm_user(const vm *m) { return !(m->v.flags & FLAG_KM); }

/* shadow.c */
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
/* The monitor's own reset: throw every shadow away. */
void shadow_drop_all(vm *m);
/* Host-physical address of shadow root pd's entry for va, 0 if pd is 0 or
 * has no table for va. */
uint32_t shadow_entry(const vm *m, uint32_t pd, uint32_t va);
/* Every shadow page directory, the current space's and the kept ones':
 * fills pd[] and returns how many. */
#define SHADOW_ROOTS (2 * (SHADOW_KEPT + 1))
int shadow_roots(const vm *m, uint32_t pd[SHADOW_ROOTS]);
/* Walk the guest's own page table as its MMU would (for the guest's current
 * virtual mode): 0 and the guest-physical address, or the fault cause. */
int guest_translate(const vm *m, uint32_t va, uint32_t need, uint32_t *gpa);
/* The same walk without setting A or D: for the monitor's own checks. */
int guest_peek(const vm *m, uint32_t va, uint32_t need, uint32_t *gpa);
/* A software bit of a shadow entry (the CPU ignores bits 5..11): the guest
 * may write the page but the monitor withholds W (--mode bt: the page
 * holds translated code, so writes must come to the monitor). */
#define SPTE_WP (1u << 9)

/* trap.c: run the VM until it halts, dies, or has used `ticks` more guest
 * ticks (instructions plus idle ticks, as native mode counts them). */
void vm_run(vm *m, uint64_t ticks);
/* Count the guest instructions the real CPU ran since the last look (its
 * retired instructions less marked ones), and charge the virtual timer. */
void vm_count_guest(vm *m);
/* Point the real CPU's CR[ptb] at the shadow root of the guest's current
 * mode (shadow_current), flushing the TLB if that changed it. */
void vm_load_root(vm *m);
/* Handle the real CPU's trap m->c->trap as trap-and-emulate does, the VCPU
 * already holding the guest's state (pc = the trapping instruction, or the
 * next one for syscall and brk). */
void vm_handle_trap(vm *m);

/* vm.c: a VM on machine c, its guest memory at host-physical base. */
void vm_init(vm *m, cpu *c, const char *name, uint32_t base, uint32_t size);
/* A machine and a VM for o's image, with `extra` pages of monitor memory
 * after the shadow pool; 0, or an exit status after a message. */
int vm_create(const vmm_opts *o, const image *img, uint32_t extra, vm **out);
/* After a run of `seconds`: fill the report, leave the guest's view in the
 * machine for the register dump, free the VM (not its machine). */
void vm_finish(vm *m, vm_report *r, const char *mode, double seconds);
void vm_reset(vm *m, uint32_t entry);
void vm_report_fill(const vm *m, vm_report *r);

#endif
