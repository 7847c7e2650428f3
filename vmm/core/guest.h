/* guest.h: a guest in any monitor mode, behind one interface.
 *
 * Each mode keeps its VM its own way: trap and bt a vm (vm.h), hw and
 * hw-shadow an hw_vm (hw.h) whose VCPU is the VMCS, native the bare machine.
 * A row of guest_modes[] hides the difference: how much host memory a guest
 * needs beside its own, how to make one at a base, reset it, run it for N
 * ticks, say what it believes its CPU to be, and report.  The scheduler
 * (sched.c) and the multi-guest runner (multi.c) use only the row; so can
 * any other tool that drives "a guest" (lockstep, the debugger).
 *
 * One guest's host-physical memory on machine c:
 *
 *   base                +---------------------------+
 *                       | guest-physical memory     |  guest-physical 0 .. size
 *   base + size         +---------------------------+
 *                       | the monitor's own pages   |  mode->extra(o, size):
 *                       |   shadow pool, bt window  |  never mapped into any
 *                       |   and TC, nested table    |  guest's view
 *   end                 +---------------------------+
 *
 * Several guests of a monitor mode sit side by side on one machine, each
 * at its own base.  Natively the guest IS the machine's kernel, so it owns
 * the whole machine: base 0, nothing after it, one guest (shares = false).
 *
 * The real CPU's counters (c->st: retired instructions, traps, TLB) are
 * per-guest state too, saved and loaded around every run, as an OS saves
 * per-task performance counters: whatever ran in between, a guest's
 * counters (and every mode's "what did the CPU retire since I last
 * looked") read as if it had the machine to itself.
 */
#ifndef GUEST_H
#define GUEST_H

#include "vm.h"
#include "vmm.h"

struct hw_vm;

/* What a guest can see of its CPU (the same fields as lockstep's ls_view). */
typedef struct guest_view {
  uint32_t r[NREGS];
  uint32_t pc;
  uint32_t flags; /* ZNCV, IE and KM as the guest believes them */
  uint32_t cr[NCR];
  uint32_t timer_left; /* what mfc timer would read: 0 when the timer is off */
  uint32_t irq;        /* pending interrupts, bit n = cause n */
  bool waiting;        /* executed wfi, not woken yet */
  bool con_irq;        /* console-input interrupt enabled */
  uint64_t ticks;      /* instructions retired plus idle ticks */
  uint64_t user_insns;
  bool done; /* the guest stopped by itself: exit and halt_code say how */
  enum cpu_exit exit;
  uint32_t halt_code;
} guest_view;

/* The guest's view of its CPU (registers to con_irq above; the caller fills
 * ticks, done, exit and halt_code) from each kind of machine: the bare CPU,
 * a monitor's VCPU (trap and bt), a hardware-assisted VM.  The scheduler
 * and the lockstep checker both read guests through these. */
struct hw_vm;
void guest_view_cpu(const cpu *c, guest_view *v);
void guest_view_vm(const vm *m, guest_view *v);
void guest_view_hw(const struct hw_vm *h, guest_view *v);

typedef struct guest guest;

typedef struct guest_mode {
  const char *name;  /* as --mode takes it */
  bool shares;       /* several guests can share one machine */
  bool tagged;       /* TLB entries carry the VM's identifier: a switch
                        between guests needs no flush */
  /* Host-physical bytes a guest of `size` bytes needs after its memory. */
  uint32_t (*extra)(const vmm_opts *o, uint32_t size);
  /* Make the VM for g (g->c, base, size, vmid set); 0, or -1 if the host
   * is out of memory. */
  int (*init)(guest *g, const vmm_opts *o);
  void (*reset)(guest *g, uint32_t entry);
  void (*set_console)(guest *g, console_dev con);
  /* Run until the guest stops or has used `ticks` more ticks. */
  void (*run)(guest *g, uint64_t ticks);
  void (*view)(const guest *g, guest_view *v);
  /* Counters as for a single run (the machine's counters are g's then). */
  void (*report)(const guest *g, vm_report *r);
  void (*release)(guest *g);
} guest_mode;

struct guest {
  const guest_mode *mode;
  const char *name;
  cpu *c;         /* the machine it runs on, shared with other guests */
  uint32_t base;  /* host-physical address of guest-physical 0 */
  uint32_t size;  /* bytes of guest memory */
  uint32_t end;   /* base + size + extra: the first byte it does not own */
  uint32_t vmid;  /* hw: tags its TLB entries (1..VMX_MAX_VMID) */
  vm *m;          /* trap and bt; hw: the vm inside the hw_vm */
  struct hw_vm *h; /* hw and hw-shadow */
  /* ---- natively: how the machine stopped ---- */
  bool done;
  enum cpu_exit exit;
  /* ---- the real CPU's counters while this guest ran (see above) ---- */
  cpu_stats st;
};

extern const guest_mode guest_modes[];
extern const int guest_nmodes;
/* The row for a --mode name (hw-shadow is a row of its own); NULL if none.
 * "hw" with o->hw_shadow set is the hw-shadow row. */
const guest_mode *guest_mode_find(const char *name, const vmm_opts *o);
/* Host-physical bytes a guest of `size` bytes occupies (memory and the
 * monitor's pages, page-rounded); 0 if it would pass 4 GiB. */
uint64_t guest_footprint(const guest_mode *md, const vmm_opts *o, uint32_t size);

/* A machine of `bytes` bytes for guests of o (TLB size, cost, ISA).  NULL
 * if the host has not the memory. */
cpu *guest_machine(const vmm_opts *o, uint64_t bytes);
/* A guest of mode md on c at base with `size` bytes (page-rounded), TLB
 * identifier vmid; 0, or -1 if out of host memory. */
int guest_init(guest *g, const guest_mode *md, const vmm_opts *o, cpu *c, const char *name, uint32_t base,
               uint32_t size, uint32_t vmid);
/* Load the image into its memory, give it its console, reset the VCPU at
 * the entry; -1 with a message in err if the image does not fit. */
int guest_load(guest *g, const image *img, console_dev con, char *err, size_t len);
/* Run it for at most `ticks` of its own ticks; its counters are loaded
 * into the machine for the run and saved after. */
void guest_run(guest *g, uint64_t ticks);
/* Put g on the CPU after another guest ran: in a mode without TLB tags,
 * load its page-table root and flush the TLB (counted as g's flush); true
 * if it flushed.  With tags (hw) the next VM entry loads the VMCS and the
 * vmid: nothing to do here. */
bool guest_switch(guest *g);
uint64_t guest_ticks(const guest *g);
bool guest_done(const guest *g);
void guest_view_get(const guest *g, guest_view *v);
void guest_report(const guest *g, vm_report *r);
/* Isolation: shadow or nested page-table entries of g that point outside
 * its memory (0 if none; natively 0). */
uint64_t guest_outside(const guest *g);
/* The two halves of it, for a caller that has the VM itself (lockstep):
 * valid shadow entries (of either root) outside the guest's memory or
 * tables outside the pool; nested entries outside the guest's memory or
 * tables outside the nested area. */
uint64_t guest_shadow_outside(const vm *m);
uint64_t guest_nested_outside(const struct hw_vm *h);
void guest_free(guest *g);

#endif
