/* hw.c: --mode hw, hardware-assisted virtualization.
 *
 * The slides' "CPU maintains the VCPU": the guest's registers, mode,
 * control registers, timer and pending interrupts live in the VMCS's
 * guest-state area, and the CPU runs the guest kernel in guest kernel mode
 * with all of them.  No instruction is translated and, unlike trap-and-
 * emulate, nothing traps just because the guest kernel is not really
 * privileged: system calls, the guest's own page faults, iret, cli/sti,
 * pushf/popf and timer interrupts all happen inside guest mode.  The
 * monitor is a loop around VM entry:
 *
 *   enter --> guest runs --> VM exit (reason, qualification) --> handle
 *     ^                                                            |
 *     +------------------------------------------------------------+
 *
 * and it asks only for the exits it needs (the exit controls):
 *
 *   always         halt, wfi, in/out: the devices are the monitor's, so the
 *                  console is emulated and wfi idles the VM in virtual time
 *   --paging nested  nothing more: the CPU walks the guest's tables and the
 *                  monitor's nested table (cpu/npt.c) in two dimensions
 *   --paging shadow  page faults, CR[ptb] and CR[paging] reads and writes,
 *                  tlbi and tlbflush, as the first VT-x parts needed
 *                  before nested paging: the monitor keeps the shadow
 *                  tables of trap mode (shadow.c), the guest's page faults
 *                  are filled or injected, and its TLB invalidations drop
 *                  shadow entries
 *
 * Virtual time: guest instructions the CPU retired in guest mode, plus one
 * for each instruction the monitor completed for an exit, plus idle ticks.
 * The guest's timer runs in guest mode on those same ticks, and the
 * monitor advances it for the instructions it completes, so interrupts
 * land where they land natively.
 */
#include "hw.h"

#include <stdlib.h>
#include <string.h>

#include "mmu.h"

/* ---- the nested page table: all of guest memory, built once ---- */

static uint32_t npt_tables(uint32_t size) { return (size + (4u << 20) - 1) >> 22; }

uint32_t hw_extra(uint32_t size) { return (SHADOW_POOL + 1 + npt_tables(size)) * PAGE_SIZE; }

/* Guest-physical g maps to host-physical base + g, writable.  (KVM fills
 * its tables on demand, one nested fault per page; building them whole
 * keeps nested faults for what they mean here: a guest touching memory
 * it does not have.) */
static void build_nested_table(hw_vm *h) {
  cpu *c = h->m.c;
  uint32_t n = npt_tables(h->m.size);
  memset(c->mem + h->npt, 0, (size_t)(1 + n) * PAGE_SIZE);
  for (uint32_t t = 0; t < n; t++) {
    uint32_t pt = h->npt + (1 + t) * PAGE_SIZE;
    st32(c->mem + h->npt + 4 * t, pt | PTE_V | PTE_W);
    for (uint32_t i = 0; i < 1024; i++) {
      uint32_t g = (t << 22) | (i << PAGE_SHIFT);
      if (g < h->m.size) st32(c->mem + pt + 4 * i, (h->m.base + g) | PTE_V | PTE_W);
    }
  }
}

void hw_vm_init(hw_vm *h, cpu *c, const char *name, uint32_t base, uint32_t size, bool shadow, uint32_t vmid) {
  memset(h, 0, sizeof *h);
  vm_init(&h->m, c, name, base, size);
  h->m.one_root = true;
  h->shadow = shadow;
  h->npt = base + size + SHADOW_POOL * PAGE_SIZE;
  vmcs *s = &h->s;
  s->vmid = vmid;
  s->exits = VMX_CTL_HALT | VMX_CTL_WFI | VMX_CTL_IO;
  if (shadow) {
    s->exits |= VMX_CTL_TLB;
    s->exc_bitmap = 1u << CAUSE_PF_FETCH | 1u << CAUSE_PF_LOAD | 1u << CAUSE_PF_STORE;
    s->cr_read = s->cr_write = 1u << CR_PTB | 1u << CR_PAGING;
  } else {
    build_nested_table(h);
    s->npt_root = h->npt;
  }
  h->seen_insns = c->st.insns;
  h->seen_user = c->st.user_insns;
  h->seen_idle = c->st.idle_ticks;
}

void hw_vm_reset(hw_vm *h, uint32_t entry) {
  vm_reset(&h->m, entry); /* the monitor's side: console, shadow */
  vmx_state *g = &h->s.guest;
  memset(g, 0, sizeof *g);
  g->pc = entry;
  g->flags = FLAG_KM;
  h->s.inject.valid = false;
  if (h->shadow) { /* the MMU walks the shadow, always on */
    g->cr[CR_PTB] = shadow_current(&h->m);
    g->cr[CR_PAGING] = 1;
  }
}

/* ---- helpers of the exit handlers ---- */

static void stop(hw_vm *h, enum cpu_exit ex) {
  h->m.done = true;
  h->m.exit = ex;
}

/* The instruction that exited is complete: a guest tick, on the guest's
 * timer too (an instruction that exits always runs in guest kernel mode:
 * in user mode it would have trapped first). */
static void complete(hw_vm *h) {
  vmx_state *g = &h->s.guest;
  h->m.n.emulated[ISA_OPCODE(h->s.exit.insn)]++;
  h->m.gst.insns++;
  g->pc += 4;
  if (g->cr[CR_TIMER] && --g->timer_left == 0) {
    g->irq |= 1u << CAUSE_TIMER;
    g->timer_left = g->cr[CR_TIMER];
  }
}

static void set_reg(hw_vm *h, uint32_t reg, uint32_t v) {
  if (reg) h->s.guest.r[reg] = v;
}

/* Hand the guest a trap at the next entry (the CPU delivers it). */
static void inject(hw_vm *h, uint32_t cause, uint32_t value, uint32_t epc) {
  h->s.inject = (vmx_event){true, cause, value, epc};
  h->m.n.reflected[cause]++;
}

/* What native hardware charges for the guest's own TLB flush. */
static void guest_flush_cost(hw_vm *h) {
  h->m.c->st.tlb_flushes++;
  h->m.c->st.cycles += h->m.c->cost.c[COST_TLB_FLUSH];
}

/* The guest's translations changed: the shadow follows (shadow.c). */
static void shadow_sync(hw_vm *h, bool all, uint32_t va) {
  if (all)
    shadow_sync_all(&h->m);
  else
    shadow_invalidate(&h->m, va);
  h->s.guest.cr[CR_PTB] = shadow_current(&h->m);
  h->m.n.shadow_syncs++;
  h->m.c->st.cycles += h->m.c->cost.c[COST_SHADOW_SYNC];
}

/* ---- the exit handlers, one per reason ---- */

typedef void (*exit_fn)(hw_vm *h);

static void on_exception(hw_vm *h) {
#if LAB_SOLUTION >= 5
  const vmx_exit_info *e = &h->s.exit;
  if (h->shadow && e->qual >= CAUSE_PF_FETCH && e->qual <= CAUSE_PF_STORE) {
    h->m.v.flags = h->s.guest.flags; /* shadow.c reads the guest's mode there */
    bool hidden = shadow_fault(&h->m, e->value, e->qual);
    h->s.guest.cr[CR_PTB] = shadow_current(&h->m); /* (a full pool starts over) */
    if (hidden) return;
    h->m.n.guest_page_faults++;
  }
  inject(h, e->qual, e->value, e->epc);
#else
  /* Lab 5: an exception the monitor asked for in exc_bitmap (only the
   * three page faults, under --paging shadow): exit.qual is the cause,
   * exit.value the faulting address, exit.epc the pc to save.  A page
   * fault may be hidden: copy the guest's flags into the monitor's VM
   * (h->m.v.flags: shadow.c reads the guest's mode there) and let
   * shadow_fault fill the shadow; the VMCS must then point at the current
   * shadow root (shadow_current: a full pool starts over).  If the fault
   * is the guest's own, count it (m.n.guest_page_faults) and inject it. */
  (void)h, (void)inject;
  LAB_TODO(5, "vmm/hw/hw.c on_exception");
#endif
}

static void on_halt(hw_vm *h) {
  h->m.halt_code = h->s.exit.value;
  complete(h);
  stop(h, EXIT_HALT);
}

static void on_wfi(hw_vm *h) {
  complete(h);
  h->s.guest.waiting = true; /* hw_vm_run idles it */
}

/* The console, emulated on the VM's console device; its interrupt enable
 * is guest state (con_irq), so the device borrows it for the access. */
static void on_io(hw_vm *h) {
#if LAB_SOLUTION >= 5
  const vmx_exit_info *e = &h->s.exit;
  console_dev *con = &h->m.v.con;
  con->rx_irq_enabled = h->s.guest.con_irq;
  if (e->qual & VMX_IO_OUT)
    console_port_out(con, e->qual & 0xffff, e->value);
  else
    set_reg(h, e->reg, console_port_in(con, e->qual & 0xffff));
  h->s.guest.con_irq = con->rx_irq_enabled;
  h->m.c->st.cycles += h->m.c->cost.c[COST_IO];
  complete(h);
#else
  /* Lab 5: in or out exited.  exit.qual: the port in bits 15..0 and
   * VMX_IO_OUT for out; exit.reg: the register; exit.value: what out
   * writes.  Emulate it on the VM's console (console_port_in/out on
   * h->m.v.con), whose interrupt enable is guest state: copy
   * h->s.guest.con_irq into the device before and back after.  Charge
   * COST_IO and complete the instruction. */
  (void)h;
  LAB_TODO(5, "vmm/hw/hw.c on_io");
#endif
}

/* Shadow paging: the guest's own CR[ptb] and CR[paging] are the monitor's
 * (m->v.cr); the VMCS holds the shadow root and paging on. */
static void on_cr_read(hw_vm *h) {
  set_reg(h, h->s.exit.reg, h->m.v.cr[h->s.exit.qual]);
  complete(h);
}

static void on_cr_write(hw_vm *h) {
#if LAB_SOLUTION >= 5
  const vmx_exit_info *e = &h->s.exit;
  if (e->qual != CR_PTB && e->qual != CR_PAGING) cpu_panic("on_cr_write: an exit the monitor did not ask for");
  h->m.v.cr[e->qual] = e->qual == CR_PAGING ? e->value & 1 : e->value;
  shadow_sync(h, true, 0); /* a new address space: rebuilt by hidden faults */
  guest_flush_cost(h);
  complete(h);
#else
  /* Lab 5 (--paging shadow): the guest wrote CR[ptb] or CR[paging]
   * (exit.qual; the value in exit.value).  The guest's own value lives in
   * the monitor's VCPU (h->m.v.cr; paging keeps bit 0 only); the VMCS
   * keeps the shadow root.  A new address space: drop the whole shadow
   * (shadow_sync), charge the guest's own TLB flush (guest_flush_cost),
   * complete.  Any other register is an exit nobody asked for: panic. */
  (void)h, (void)shadow_sync, (void)guest_flush_cost;
  LAB_TODO(5, "vmm/hw/hw.c on_cr_write");
#endif
}

static void on_tlbi(hw_vm *h) {
#if LAB_SOLUTION >= 5
  shadow_sync(h, false, h->s.exit.value);
  guest_flush_cost(h);
  complete(h);
#else
  /* Lab 5 (--paging shadow): the guest's tlbi (address in exit.value):
   * the shadow forgets that page (shadow_sync), the guest pays its own
   * TLB flush (guest_flush_cost), and the instruction completes. */
  (void)h;
  LAB_TODO(5, "vmm/hw/hw.c on_tlbi");
#endif
}

static void on_tlbflush(hw_vm *h) {
#if LAB_SOLUTION >= 5
  shadow_sync(h, true, 0);
  guest_flush_cost(h);
  complete(h);
#else
  /* Lab 5 (--paging shadow): as on_tlbi, for the whole shadow. */
  (void)h;
  LAB_TODO(5, "vmm/hw/hw.c on_tlbflush");
#endif
}

/* Nested paging: the table maps all of guest memory, so a nested fault is
 * the guest reaching past it, by its page tables or with paging off.
 * Natively that address is not memory and the access page-faults: so the
 * guest gets that page fault. */
static void on_npf(hw_vm *h) {
#if LAB_SOLUTION >= 5
  const vmx_exit_info *e = &h->s.exit;
  if (e->gpa < h->m.size) cpu_panic("on_npf: a nested fault inside guest memory");
  uint32_t need = e->qual & (P_R | P_W | P_X);
  uint32_t cause = need == P_W ? CAUSE_PF_STORE : need == P_X ? CAUSE_PF_FETCH : CAUSE_PF_LOAD;
  h->m.n.guest_page_faults++;
  inject(h, cause, e->gva, e->pc);
#else
  /* Lab 5 (--paging nested): the nested table maps all of guest memory,
   * so a nested fault means the guest reached past its memory (exit.gpa
   * >= m.size; anything else is a monitor bug: panic).  Natively that
   * access is a page fault: work out which (exit.qual's access bits P_R,
   * P_W, P_X), count it in m.n.guest_page_faults and inject it with the
   * guest-virtual address (exit.gva) and the pc of the access (exit.pc). */
  (void)h;
  LAB_TODO(5, "vmm/hw/hw.c on_npf");
#endif
}

static void on_preempt(hw_vm *h) { (void)h; /* the budget: hw_vm_run looks */ }

static void on_stop(hw_vm *h) { stop(h, EXIT_STOP); }

/* The guest wrecked its machine in guest mode (a trap with no vector, a
 * double fault): as natively, the run ends there. */
static void on_shutdown(hw_vm *h) {
  h->m.last_trap = h->m.c->trap;
  h->m.halt_code = h->s.exit.value;
  stop(h, (enum cpu_exit)h->s.exit.qual);
}

static const exit_fn handlers[NVMX_EXITS] = {
    [VMX_EXIT_EXCEPTION] = on_exception, [VMX_EXIT_HALT] = on_halt,       [VMX_EXIT_WFI] = on_wfi,
    [VMX_EXIT_IO] = on_io,               [VMX_EXIT_CR_READ] = on_cr_read, [VMX_EXIT_CR_WRITE] = on_cr_write,
    [VMX_EXIT_TLBI] = on_tlbi,           [VMX_EXIT_TLBFLUSH] = on_tlbflush, [VMX_EXIT_NPF] = on_npf,
    [VMX_EXIT_PREEMPT] = on_preempt,     [VMX_EXIT_STOP] = on_stop,       [VMX_EXIT_SHUTDOWN] = on_shutdown,
};

/* ---- the run loop ---- */

/* Count what the CPU retired in guest mode as the guest's. */
static void account(hw_vm *h) {
  const cpu_stats *st = &h->m.c->st;
  h->m.gst.insns += st->insns - h->seen_insns;
  h->m.gst.user_insns += st->user_insns - h->seen_user;
  h->m.gst.idle_ticks += st->idle_ticks - h->seen_idle;
  h->seen_insns = st->insns;
  h->seen_user = st->user_insns;
  h->seen_idle = st->idle_ticks;
}

/* The guest executed wfi: idle it on its own timer and console in virtual
 * time, as the CPU idles natively (dev_idle), until something is pending.
 * Delivering that interrupt is the CPU's job at the next entry. */
static void idle(hw_vm *h, uint64_t ticks_left) {
  vmx_state *g = &h->s.guest;
  h->m.v.con.rx_irq_enabled = g->con_irq;
  int64_t k = dev_idle(&h->m.v.con, &g->irq, g->cr[CR_TIMER], &g->timer_left, ticks_left, &h->m.gst.idle_ticks);
  if (k < 0) return stop(h, EXIT_IDLE);
  if (g->irq) g->waiting = false;
}

void hw_vm_run(hw_vm *h, uint64_t ticks) {
  vm *m = &h->m;
  uint64_t end = m->gst.insns + m->gst.idle_ticks + ticks;
  if (end < ticks) end = UINT64_MAX;
  while (!m->done) {
    uint64_t now = m->gst.insns + m->gst.idle_ticks;
    if (now >= end) return;
    if (h->s.guest.waiting) {
      idle(h, end - now);
      continue;
    }
    uint32_t reason = vmx_run(m->c, &h->s, end - now);
    account(h);
    m->n.world_switches++;
    if (reason >= NVMX_EXITS || !handlers[reason]) {
      fprintf(stderr, "vmm: %s: VM exit '%s' that the monitor never asked for\n", m->name, vmx_exit_name(reason));
      cpu_panic("hw_vm_run: unexpected VM exit");
    }
    handlers[reason](h);
  }
}

void hw_report_fill(const hw_vm *h, vm_report *r) {
  vm_report_fill(&h->m, r);
  r->pc = h->s.guest.pc;
  r->hw_assist = true;
  r->hw.paging = h->shadow ? "shadow" : "nested";
  r->hw.vm_entries = h->s.n.entries;
  memcpy(r->hw.vm_exits, h->s.n.exits, sizeof r->hw.vm_exits);
  r->hw.nested_walk_refs = h->s.n.nested_refs;
}

/* ---- bin/vmm --mode hw ---- */

int hw_run(const vmm_opts *o, const image *img, vm_report *r, cpu **out) {
  char err[256];
  uint32_t size = (o->mem + PAGE_MASK) & ~PAGE_MASK;
  cpu *c = cpu_new(size + hw_extra(size), o->tlb);
  hw_vm *h = calloc(1, sizeof *h);
  if (!c || !h) {
    fprintf(stderr, "vmm: out of host memory for a %u-byte guest\n", size);
    cpu_free(c);
    free(h);
    return VMM_EX_OSERR;
  }
  c->cost = o->cost;
  c->strict_isa = o->strict_isa; /* guest user mode obeys it as natively */
  hw_vm_init(h, c, o->image, 0, size, o->hw_shadow, 1);
  if (load_image(c, img, h->m.base, size, err, sizeof err) != 0) {
    fprintf(stderr, "vmm: %s: %s\n", o->image, err);
    cpu_free(c);
    free(h);
    return VMM_EX_DATAERR;
  }
  host_console_attach(o->console, c);
  h->m.v.con = c->con; /* the guest's console is the host's, through I/O exits */
  c->con = (console_dev){0};
  hw_vm_reset(h, img->entry);

  double t0 = host_now();
  hw_vm_run(h, o->max_steps ? o->max_steps : UINT64_MAX);
  r->host_seconds = host_now() - t0;
  fflush(stdout);
  r->mode = h->shadow ? "hw-shadow" : "hw";
  hw_report_fill(h, r);
  /* The register dump of a failed run shows the guest's view. */
  const vmx_state *g = &h->s.guest;
  memcpy(c->r, g->r, sizeof c->r);
  c->pc = g->pc;
  c->flags = g->flags;
  memcpy(c->cr, g->cr, sizeof c->cr);
  if (h->shadow) {
    c->cr[CR_PTB] = h->m.v.cr[CR_PTB];
    c->cr[CR_PAGING] = h->m.v.cr[CR_PAGING];
  }
  free(h);
  *out = c;
  return 0;
}
