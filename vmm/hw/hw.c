/* hw.c: --mode hw, hardware-assisted virtualization.
 *
 * The slides' "CPU maintains the VCPU": while the guest runs, its
 * registers, mode, control registers, timer and pending interrupts live in
 * the VMCS's guest-state area, and the CPU runs the guest kernel in guest
 * kernel mode with all of them.  No instruction is translated and, unlike
 * trap-and-emulate, nothing traps just because the guest kernel is not
 * really privileged: system calls, the guest's own page faults, iret,
 * cli/sti, pushf/popf and timer interrupts all happen inside guest mode.
 * The monitor is the core's run loop (core/exit.c) around VM entry:
 *
 *   VCPU -> VMCS, enter --> guest runs --> VM exit (reason, qualification)
 *        ^                                   |
 *        +---- handle it, VMCS -> VCPU <-----+
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
 *                  tables of trap mode (core/shadow.c), the guest's page
 *                  faults are filled or injected, and its TLB
 *                  invalidations drop shadow entries
 *
 * An exit is handled by the core's one exit path, as trap-and-emulate
 * handles a trap: an instruction that exited is emulated on the VCPU
 * (vm_emulate), an exception is the core's trap (vm_handle_trap), and a
 * trap for the guest is reflected, which under hardware assist means
 * injected: the CPU delivers it at the next entry (hw_inject).
 *
 * Virtual time: guest instructions the CPU retired in guest mode, plus one
 * for each instruction the monitor completed for an exit, plus idle ticks.
 * The guest's timer runs in guest mode on those same ticks, and the
 * monitor advances it for the instructions it completes (vm_retire), so
 * interrupts land where they land natively.
 */
#include "hw.h"

#include <string.h>

#include "mmu.h"

/* ---- the nested page table: all of guest memory, built once ---- */

static uint32_t npt_tables(uint32_t size) { return (size + (4u << 20) - 1) >> 22; }

uint32_t hw_extra(const vmm_opts *o, uint32_t size) {
  (void)o;
  return (1 + npt_tables(size)) * PAGE_SIZE;
}

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
    for (uint32_t i = 0; i < PT_ENTRIES; i++) {
      uint32_t g = PT_VA(t, i);
      if (g < h->m.size) st32(c->mem + pt + 4 * i, (h->m.base + g) | PTE_V | PTE_W);
    }
  }
}

int hw_attach(vm *m, bool shadow) {
  hw_vm *h = hw_of(m);
  m->one_root = true;
  h->shadow = shadow;
  h->npt = vm_own_pages(m);
  vmcs *s = &h->s;
  s->vmid = m->vmid;
  s->exits = VMX_CTL_HALT | VMX_CTL_WFI | VMX_CTL_IO;
  if (shadow) {
    s->exits |= VMX_CTL_TLB;
    s->exc_bitmap = 1u << CAUSE_PF_FETCH | 1u << CAUSE_PF_LOAD | 1u << CAUSE_PF_STORE;
    s->cr_read = s->cr_write = 1u << CR_PTB | 1u << CR_PAGING;
  } else {
    build_nested_table(h);
    s->npt_root = h->npt;
  }
  return 0;
}

void hw_reset(vm *m) {
  hw_vm *h = hw_of(m);
  h->s.inject.valid = false;
  if (h->shadow) shadow_current(m); /* the MMU walks the shadow, always on */
}

/* ---- the VCPU into the VMCS and back ---- */

static void vcpu_to_vmcs(hw_vm *h) {
  const vcpu *v = &h->m.v;
  vmx_state *g = &h->s.guest;
  memcpy(g->r, v->r, sizeof g->r);
  g->pc = v->pc;
  g->flags = v->flags;
  memcpy(g->cr, v->cr, sizeof g->cr);
  g->timer_left = v->timer_left;
  g->irq = v->irq;
  g->waiting = v->waiting;
  g->con_irq = v->con.rx_irq_enabled;
  if (h->shadow) { /* the CPU walks the monitor's table; the guest's is in the VCPU */
    g->cr[CR_PTB] = shadow_current(&h->m);
    g->cr[CR_PAGING] = 1;
  }
}

static void vmcs_to_vcpu(hw_vm *h) {
  vcpu *v = &h->m.v;
  const vmx_state *g = &h->s.guest;
  uint32_t ptb = v->cr[CR_PTB], paging = v->cr[CR_PAGING];
  memcpy(v->r, g->r, sizeof v->r);
  v->pc = g->pc;
  v->flags = g->flags;
  memcpy(v->cr, g->cr, sizeof v->cr);
  v->timer_left = g->timer_left;
  v->irq = g->irq;
  v->waiting = g->waiting;
  v->con.rx_irq_enabled = g->con_irq;
  if (h->shadow) {
    v->cr[CR_PTB] = ptb;
    v->cr[CR_PAGING] = paging;
  }
}

void hw_inject(vm *m, uint32_t cause, uint32_t value, uint32_t epc) {
  hw_of(m)->s.inject = (vmx_event){true, cause, value, epc};
}

/* What native hardware charges for the guest's own TLB flush. */
static void guest_flush_cost(hw_vm *h) {
  h->m.c->st.tlb_flushes++;
  h->m.c->st.cycles += h->m.c->cost.c[COST_TLB_FLUSH];
}

/* ---- the exit handlers, one per reason ---- */

typedef void (*exit_fn)(hw_vm *h);

/* An exception the monitor asked for in exc_bitmap (only the page faults,
 * under --paging shadow) is a trap the guest took, handled by the core's
 * one exit path as trap-and-emulate handles it: a page fault the shadow
 * explains is filled silently, the guest's own is reflected, which here
 * means injected (hw_inject) for the CPU to deliver at the next entry. */
static void on_exception(hw_vm *h) {
  const vmx_exit_info *e = &h->s.exit;
  vm_handle_trap(&h->m, &(trap_info){e->qual, e->value, e->epc, {0}});
}

/* An instruction exit (halt, wfi, in, out, and under --paging shadow the
 * page-table registers, tlbi and tlbflush): the instruction has not
 * executed; the monitor performs it on the VCPU, as trap-and-emulate's
 * emulator does. */
static void on_insn(hw_vm *h) {
#if LAB_SOLUTION >= 5
  const vmx_exit_info *e = &h->s.exit;
  KIT_ASSERT(h->m.v.flags & FLAG_KM, "on_insn: an exit from guest user mode (it would have trapped first)");
  if (e->reason == VMX_EXIT_CR_WRITE && e->qual != CR_PTB && e->qual != CR_PAGING)
    cpu_panic("on_insn: an exit the monitor did not ask for");
  vm_emulate(&h->m, &e->decoded, e->insn);
  /* A new address space or a TLB invalidation: natively the guest pays
   * for its own TLB flush; here too, beside the shadow's work. */
  if (e->reason == VMX_EXIT_CR_WRITE || e->reason == VMX_EXIT_TLBI || e->reason == VMX_EXIT_TLBFLUSH)
    guest_flush_cost(h);
#else
  /* Lab 5: the instruction that exited (exit.decoded, its word exit.insn)
   * has not executed.  Perform it on the VCPU with the core's emulator,
   * vm_emulate (core/trap.c: the same one trap-and-emulate uses), which
   * also retires it.  CR writes exit only for CR[ptb] and CR[paging] (any
   * other is an exit nobody asked for: panic).  When the instruction
   * changes the guest's translations (a CR write, tlbi, tlbflush), the
   * guest pays for its own TLB flush as natively: guest_flush_cost. */
  (void)h, (void)guest_flush_cost;
  LAB_TODO(5, "vmm/hw/hw.c on_insn");
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
  h->m.n.guest_page_faults++;
  vm_reflect(&h->m, pt_fault_cause(e->qual & (P_R | P_W | P_X)), e->gva, e->pc, e->pc);
#else
  /* Lab 5 (--paging nested): the nested table maps all of guest memory,
   * so a nested fault means the guest reached past its memory (exit.gpa
   * >= m.size; anything else is a monitor bug: panic).  Natively that
   * access is a page fault: work out which (exit.qual's access bits P_R,
   * P_W, P_X: pt_fault_cause), count it in m.n.guest_page_faults and
   * reflect it (vm_reflect, which injects it) with the guest-virtual
   * address (exit.gva) and the pc of the access (exit.pc). */
  (void)h;
  LAB_TODO(5, "vmm/hw/hw.c on_npf");
#endif
}

static void on_preempt(hw_vm *h) { (void)h; /* the budget: the run loop looks */ }

static void on_stop(hw_vm *h) { vm_stop(&h->m, EXIT_STOP); }

/* The guest wrecked its machine in guest mode (a trap with no vector, a
 * double fault): as natively, the run ends there. */
static void on_shutdown(hw_vm *h) {
  h->m.last_trap = h->m.c->trap;
  h->m.halt_code = h->s.exit.value;
  vm_stop(&h->m, (enum cpu_exit)h->s.exit.qual);
}

static const exit_fn handlers[NVMX_EXITS] = {
    [VMX_EXIT_EXCEPTION] = on_exception, [VMX_EXIT_HALT] = on_insn,       [VMX_EXIT_WFI] = on_insn,
    [VMX_EXIT_IO] = on_insn,             [VMX_EXIT_CR_READ] = on_insn,    [VMX_EXIT_CR_WRITE] = on_insn,
    [VMX_EXIT_TLBI] = on_insn,           [VMX_EXIT_TLBFLUSH] = on_insn,   [VMX_EXIT_NPF] = on_npf,
    [VMX_EXIT_PREEMPT] = on_preempt,     [VMX_EXIT_STOP] = on_stop,       [VMX_EXIT_SHUTDOWN] = on_shutdown,
};

/* ---- the row's run hook ---- */

void hw_run(vm *m, uint64_t budget) {
  hw_vm *h = hw_of(m);
  vcpu_to_vmcs(h);
  /* A watcher's pause (core/vm.h) is the CPU's too: it ends no exit and
   * the entry after it, unless the monitor acted since, resumes it. */
  h->s.pause = vm_pause_due(m, budget);
  h->s.paused = m->paused;
  uint32_t reason = vmx_run(m->c, &h->s, budget);
  vmcs_to_vcpu(h);
  vm_count_guest(m); /* what the CPU ran in guest mode is the guest's */
  m->paused = reason == VMX_PAUSED;
  if (m->paused) {
    if (h->s.pause_exit == EXIT_STOP) vm_stop(m, EXIT_STOP); /* the watcher's Ctrl-C */
    return;
  }
  m->n.world_switches++; /* (the CPU charged the exit: COST_VM_EXIT) */
  if (reason >= NVMX_EXITS || !handlers[reason]) {
    fprintf(stderr, "vmm: %s: VM exit '%s' that the monitor never asked for\n", m->name, vmx_exit_name(reason));
    cpu_panic("hw_run: unexpected VM exit");
  }
  handlers[reason](h);
  if (h->shadow) shadow_current(m); /* a new address space's root, now (as the VMCS will need it) */
}

void hw_report(const vm *m, vm_report *r) {
  const hw_vm *h = hw_of(m);
  r->hw_assist = true;
  r->hw.paging = h->shadow ? "shadow" : "nested";
  r->hw.vpid = m->c->cost.vpid;
  r->hw.vm_entries = h->s.n.entries;
  memcpy(r->hw.vm_exits, h->s.n.exits, sizeof r->hw.vm_exits);
  r->hw.nested_walk_refs = h->s.n.nested_refs;
}

/* ---- isolation ---- */

typedef struct nested_count {
  const hw_vm *h;
  uint32_t tables_end;
  uint64_t n;
} nested_count;

static bool nested_entry_outside(void *ctx, const pt_entry *e) {
  nested_count *k = ctx;
  const vm *m = &k->h->m;
  if (!e->pte_at) { /* the directory entry: its table must be the monitor's own */
    uint32_t pt = PTE_ADDR(e->pde);
    if (pt <= k->h->npt || pt >= k->tables_end) return k->n++, false;
    return true;
  }
  uint32_t pa = PTE_ADDR(e->pte);
  if (pa < m->base || pa - m->base >= m->size) k->n++;
  return true;
}

uint64_t hw_outside(const vm *m) {
  const hw_vm *h = hw_of(m);
  if (h->shadow) return shadow_outside(m);
  nested_count k = {h, vm_own_pages(m) + hw_extra(NULL, m->size), 0};
  pt_each(m->c->mem, m->c->mem_size, h->npt, nested_entry_outside, &k);
  return k.n;
}
