/* trap.c: --mode trap, trap-and-emulate.
 *
 * The guest kernel runs in real user mode.  The monitor (this C code) holds
 * real kernel mode: the real CPU is set to hand every trap back here
 * (trap_to_host).  Then, as the slides put it:
 *
 *   guest executes a privileged instruction --> trap --> monitor decodes it
 *   and performs it on the VCPU --> returns to the guest in user mode
 *
 * and anything the guest would see on bare hardware (a system call, a page
 * fault its own tables cause, a divide by zero) is reflected: the monitor
 * builds the trap frame in the VCPU's control registers and resumes the
 * guest at its own trap vector, in virtual kernel mode.
 *
 * Virtual time is counted in guest ticks exactly as native mode counts
 * them: every instruction the guest ran directly, plus one per emulated
 * instruction, plus idle ticks.  The real CPU is given a budget that ends
 * where the guest's virtual timer fires, so interrupts land at the same
 * guest instruction as on bare hardware.
 */
#include <string.h>

#include "bt/bt.h"
#include "isa_info.h"
#include "mmu.h"
#include "vm.h"

/* ---- world switch: the VCPU onto the real CPU and back ---- */

void vm_load_root(vm *m) {
  cpu *c = m->c;
  uint32_t pd = shadow_current(m);
  if (c->cr[CR_PTB] != pd || !(c->cr[CR_PAGING] & 1)) {
    c->cr[CR_PTB] = pd;
    c->cr[CR_PAGING] = 1;
    cpu_tlb_flush(c, true); /* real hardware: a new CR3 flushes the TLB */
  }
}

/* Load the guest's state into the real CPU: registers, pc, its condition
 * flags; real user mode with real IE on; the shadow root of its mode. */
static void world_enter(vm *m) {
  cpu *c = m->c;
  memcpy(c->r, m->v.r, sizeof c->r);
  c->pc = m->v.pc;
  c->flags = (m->v.flags & FLAGS_CC) | FLAG_IE;
  c->perm_shift = PSHIFT_USER;
  c->fetch_va = FETCH_NONE;
  vm_load_root(m);
}

/* Store the real CPU's state back into the VCPU, and count the guest
 * instructions it ran directly. */
static void world_exit(vm *m) {
  cpu *c = m->c;
  memcpy(m->v.r, c->r, sizeof c->r);
  m->v.pc = c->pc;
  m->v.flags = (m->v.flags & ~FLAGS_CC) | (c->flags & FLAGS_CC);
  vm_count_guest(m);
}

void vm_count_guest(vm *m) {
  cpu *c = m->c;
  /* Marked words are a translator's own instructions, not the guest's. */
  uint64_t guest = c->st.insns - c->st.marked;
  uint64_t ran = guest - m->real_insns_seen;
  m->real_insns_seen = guest;
  m->gst.insns += ran;
  if (vm_user(m)) m->gst.user_insns += ran;
  if (m->v.cr[CR_TIMER]) { /* the budget never overshoots the timer */
    m->v.timer_left -= (uint32_t)ran;
    if (m->v.timer_left == 0) {
      m->v.irq |= 1u << CAUSE_TIMER;
      m->v.timer_left = m->v.cr[CR_TIMER];
    }
  }
}

/* ---- reflection: deliver a trap to the guest as hardware would ---- */

static void stop(vm *m, enum cpu_exit ex) {
  m->done = true;
  m->exit = ex;
}

/* Enter the guest's trap vector with the frame native hardware would
 * build: the same checks and the same saved state as cpu_take_trap(). */
static void reflect(vm *m, uint32_t cause, uint32_t value, uint32_t at_pc, uint32_t epc) {
  vcpu *v = &m->v;
  m->last_trap = (trap_info){cause, value, at_pc};
  m->n.reflected[cause]++;
  m->c->st.cycles += m->c->cost.c[COST_REFLECT];
#if LAB_SOLUTION >= 2
  v->waiting = false;
  if (v->cr[CR_TVEC] == 0) return stop(m, EXIT_NOVECTOR);
  if ((v->flags & FLAG_KM) && at_pc == v->cr[CR_TVEC] && cause < CAUSE_TIMER) return stop(m, EXIT_DOUBLE);
  v->cr[CR_EPC] = epc;
  v->cr[CR_ESTATUS] = v->flags;
  v->cr[CR_CAUSE] = cause;
  v->cr[CR_BADVA] = value;
  v->flags = (v->flags & FLAGS_CC) | FLAG_KM;
  v->pc = v->cr[CR_TVEC];
#else
  /* Lab 2: do to the VCPU (v) what cpu_take_trap() in cpu/cpu.c does to a
   * real CPU in native mode: a trap wakes a waiting guest; no trap vector
   * stops the VM (stop(m, EXIT_NOVECTOR)); a fault at the vector itself in
   * kernel mode is a double fault (EXIT_DOUBLE); otherwise save epc, the
   * flags, cause and value in the virtual control registers, enter VIRTUAL
   * kernel mode with virtual interrupts off, and continue at the vector. */
  (void)v, (void)value, (void)at_pc, (void)epc;
  LAB_TODO(2, "vmm/core/trap.c reflect");
#endif
}

/* ---- emulation of privileged (and, under --isa strict, special)
 * instructions against the VCPU, one small function each ---- */

/* One guest instruction retired by emulation: a guest tick. */
static void retire(vm *m, bool tick_timer) {
  m->gst.insns++;
  m->v.pc += 4;
  if (tick_timer && m->v.cr[CR_TIMER] && --m->v.timer_left == 0) {
    m->v.irq |= 1u << CAUSE_TIMER;
    m->v.timer_left = m->v.cr[CR_TIMER];
  }
}

static void set_rd(vm *m, unsigned rd, uint32_t val) {
  if (rd) m->v.r[rd] = val;
}

typedef void (*emu_fn)(vm *m, const dinsn *d, uint32_t word);

static void emu_halt(vm *m, const dinsn *d, uint32_t w) {
  (void)w;
  m->halt_code = m->v.r[d->rs1];
  retire(m, true);
  stop(m, EXIT_HALT);
}

static void emu_iret(vm *m, const dinsn *d, uint32_t w) {
#if LAB_SOLUTION >= 2
  (void)d, (void)w;
  retire(m, true);
  m->v.flags = m->v.cr[CR_ESTATUS] & FLAGS_ALL;
  m->v.pc = m->v.cr[CR_EPC];
#else
  /* Lab 2: iret returns from the guest's trap handler: one guest
   * instruction retires (retire), then the virtual flags come back from the
   * virtual CR[estatus] (only the FLAGS_ALL bits: that may be a return to
   * virtual user mode) and the pc from the virtual CR[epc]. */
  (void)m, (void)d, (void)w;
  LAB_TODO(2, "vmm/core/trap.c emu_iret");
#endif
}

static void emu_cli(vm *m, const dinsn *d, uint32_t w) {
#if LAB_SOLUTION >= 2
  (void)d, (void)w;
  m->v.flags &= ~FLAG_IE;
  retire(m, true);
#else
  /* Lab 2: cli clears the guest's VIRTUAL interrupt flag (m->v.flags),
   * never the real CPU's, and retires the instruction (retire). */
  (void)m, (void)d, (void)w;
  LAB_TODO(2, "vmm/core/trap.c emu_cli");
#endif
}

static void emu_sti(vm *m, const dinsn *d, uint32_t w) {
#if LAB_SOLUTION >= 2
  (void)d, (void)w;
  m->v.flags |= FLAG_IE;
  retire(m, true);
#else
  /* Lab 2: sti sets the guest's VIRTUAL interrupt flag and retires the
   * instruction.  (A virtual interrupt pending since then is delivered by
   * vm_run before the guest runs again: nothing to do here.) */
  (void)m, (void)d, (void)w;
  LAB_TODO(2, "vmm/core/trap.c emu_sti");
#endif
}

static void emu_mfc(vm *m, const dinsn *d, uint32_t w) {
#if LAB_SOLUTION >= 2
  if (d->imm >= NCR) return reflect(m, CAUSE_ILLEGAL, w, m->v.pc, m->v.pc);
  set_rd(m, d->rd, d->imm == CR_TIMER ? (m->v.cr[CR_TIMER] ? m->v.timer_left : 0) : m->v.cr[d->imm]);
  retire(m, true);
#else
  /* Lab 2: mfc rd, creg reads a VIRTUAL control register into the guest's
   * register d->rd (set_rd: r0 stays zero).  d->imm is the register's
   * number: one past NCR is an illegal instruction, reflected to the guest
   * (cause CAUSE_ILLEGAL, value w, at and saved pc its own).  CR[timer]
   * reads the ticks left (m->v.timer_left), 0 when the timer is off. */
  (void)m, (void)d, (void)w;
  LAB_TODO(2, "vmm/core/trap.c emu_mfc");
#endif
}

static void emu_mtc(vm *m, const dinsn *d, uint32_t w) {
#if LAB_SOLUTION >= 2
  vcpu *v = &m->v;
  uint32_t val = v->r[d->rs1];
  switch (d->imm) {
  case CR_PTB:    /* a new address space: the shadow must follow */
  case CR_PAGING:
    v->cr[d->imm] = d->imm == CR_PAGING ? val & 1 : val;
    shadow_sync_all(m);
    m->n.shadow_syncs++;
    m->c->st.cycles += m->c->cost.c[COST_SHADOW_SYNC];
    break;
  case CR_TIMER: /* the new period starts after this instruction */
    v->cr[CR_TIMER] = val;
    v->timer_left = val;
    retire(m, false);
    return;
  case CR_ESTATUS: v->cr[CR_ESTATUS] = val & FLAGS_ALL; break;
  default:
    if (d->imm >= NCR) return reflect(m, CAUSE_ILLEGAL, w, v->pc, v->pc);
    v->cr[d->imm] = val;
  }
  retire(m, true);
#else
  /* Lab 2: mtc creg, rs writes the guest's register d->rs1 into a VIRTUAL
   * control register, then retires.  Special cases, as the real CPU's
   * cpu_write_cr (cpu/cpu.c) has them: CR[ptb] and CR[paging] (bit 0 only)
   * change the guest's address space, so the shadow must follow
   * (shadow_sync_all), counted in m->n.shadow_syncs and charged
   * COST_SHADOW_SYNC; CR[timer] sets the period and restarts the countdown
   * (m->v.timer_left) and retires WITHOUT ticking the timer (retire(m,
   * false)); CR[estatus] keeps only FLAGS_ALL; a number past NCR is
   * illegal (as in emu_mfc). */
  (void)m, (void)d, (void)w;
  LAB_TODO(2, "vmm/core/trap.c emu_mtc");
#endif
}

static void emu_tlbi(vm *m, const dinsn *d, uint32_t w) {
#if LAB_SOLUTION >= 2
  (void)w;
  shadow_invalidate(m, m->v.r[d->rs1]);
  m->n.shadow_syncs++;
  m->c->st.cycles += m->c->cost.c[COST_SHADOW_SYNC];
  retire(m, true);
#else
  /* Lab 2: the guest invalidates one page of its TLB: the shadow must
   * forget that page (shadow_invalidate with the address in R[d->rs1]);
   * count it in m->n.shadow_syncs, charge COST_SHADOW_SYNC, retire. */
  (void)m, (void)d, (void)w;
  LAB_TODO(2, "vmm/core/trap.c emu_tlbi");
#endif
}

static void emu_tlbflush(vm *m, const dinsn *d, uint32_t w) {
#if LAB_SOLUTION >= 2
  (void)d, (void)w;
  shadow_sync_all(m);
  m->n.shadow_syncs++;
  m->c->st.cycles += m->c->cost.c[COST_SHADOW_SYNC];
  retire(m, true);
#else
  /* Lab 2: the guest flushes its whole TLB: the whole shadow must follow
   * (shadow_sync_all), count and charge it as in emu_tlbi, retire. */
  (void)m, (void)d, (void)w;
  LAB_TODO(2, "vmm/core/trap.c emu_tlbflush");
#endif
}

static void emu_in(vm *m, const dinsn *d, uint32_t w) {
  (void)w;
  m->c->st.cycles += m->c->cost.c[COST_IO];
  set_rd(m, d->rd, console_port_in(&m->v.con, d->imm));
  retire(m, true);
}

static void emu_out(vm *m, const dinsn *d, uint32_t w) {
  (void)w;
  m->c->st.cycles += m->c->cost.c[COST_IO];
  console_port_out(&m->v.con, d->imm, m->v.r[d->rs1]);
  retire(m, true);
}

static void emu_wfi(vm *m, const dinsn *d, uint32_t w) {
#if LAB_SOLUTION >= 2
  (void)d, (void)w;
  m->v.waiting = true;
  retire(m, true);
#else
  /* Lab 2: wfi idles the guest until an interrupt: mark the VCPU waiting
   * and retire; vm_run's virtual_events idles it in virtual time. */
  (void)m, (void)d, (void)w;
  LAB_TODO(2, "vmm/core/trap.c emu_wfi");
#endif
}

/* Memory access on the guest's behalf, through the guest's own MMU:
 * false (after reflecting the fault) if the guest may not. */
static bool guest_access(vm *m, uint32_t va, uint32_t need, uint32_t **p) {
  uint32_t gpa;
  if (va & 3) {
    reflect(m, CAUSE_MISALIGN, va, m->v.pc, m->v.pc);
    return false;
  }
  int cause = guest_translate(m, va, need, &gpa);
  if (cause) {
    m->n.guest_page_faults++;
    reflect(m, (uint32_t)cause, va, m->v.pc, m->v.pc);
    return false;
  }
  if (need == P_W) cpu_phys_written(m->c, m->base + gpa, 4);
  *p = (uint32_t *)(void *)(m->c->mem + m->base + gpa);
  return true;
}

/* pushf and popf, emulated: only reached under --isa strict, where they
 * trap in user mode; this is what makes the strict ISA virtualizable. */
static void emu_pushf(vm *m, const dinsn *d, uint32_t w) {
#if LAB_SOLUTION >= 2
  (void)d, (void)w;
  uint32_t *p, va = m->v.r[REG_SP] - 4;
  if (!guest_access(m, va, P_W, &p)) return;
  st32((uint8_t *)p, m->v.flags);
  m->v.r[REG_SP] = va;
  retire(m, true);
#else
  /* Lab 2: under --isa strict pushf traps; emulate it on the VIRTUAL
   * flags: the word goes at R[sp] - 4 through the guest's own MMU
   * (guest_access with P_W: false means it reflected a fault, so stop
   * there), then sp is lowered and the instruction retires. */
  (void)m, (void)d, (void)w, (void)guest_access;
  LAB_TODO(2, "vmm/core/trap.c emu_pushf");
#endif
}

static void emu_popf(vm *m, const dinsn *d, uint32_t w) {
#if LAB_SOLUTION >= 2
  (void)d, (void)w;
  uint32_t *p, va = m->v.r[REG_SP];
  if (!guest_access(m, va, P_R, &p)) return;
  uint32_t val = ld32((uint8_t *)p);
  m->v.flags = (val & (FLAGS_CC | FLAG_IE)) | FLAG_KM; /* virtual kernel mode */
  m->v.r[REG_SP] = va + 4;
  retire(m, true);
#else
  /* Lab 2: popf loads ZNCV and IE from the word at R[sp] (guest_access
   * with P_R), never KM: the guest stays in virtual kernel mode.  Then sp
   * rises by 4 and the instruction retires. */
  (void)m, (void)d, (void)w;
  LAB_TODO(2, "vmm/core/trap.c emu_popf");
#endif
}

static const emu_fn emulators[256] = {
    [OP_HALT] = emu_halt, [OP_IRET] = emu_iret,         [OP_CLI] = emu_cli,     [OP_STI] = emu_sti,
    [OP_MFC] = emu_mfc,   [OP_MTC] = emu_mtc,           [OP_TLBI] = emu_tlbi,   [OP_TLBFLUSH] = emu_tlbflush,
    [OP_IN] = emu_in,     [OP_OUT] = emu_out,           [OP_WFI] = emu_wfi,     [OP_PUSHF] = emu_pushf,
    [OP_POPF] = emu_popf,
};

static void emulate(vm *m, uint32_t word) {
  dinsn d;
  if (!isa_decode(word, &d) || !emulators[d.op])
    cpu_panic("emulate: a privileged trap for an instruction with no emulator");
  m->n.emulated[d.op]++;
  m->c->st.cycles += m->c->cost.c[COST_EMULATE];
  emulators[d.op](m, &d, word);
}

/* ---- the monitor's trap handler ---- */

void vm_handle_trap(vm *m) {
  const trap_info *t = &m->c->trap;
  m->n.world_switches++;
  m->c->st.cycles += m->c->cost.c[COST_WORLD_SWITCH];
  switch (t->cause) {
  case CAUSE_PRIV:
    if (vm_user(m))
      reflect(m, CAUSE_PRIV, t->value, t->pc, t->pc); /* the guest's user code did it */
    else
      emulate(m, t->value);
    break;
  case CAUSE_PF_FETCH:
  case CAUSE_PF_LOAD:
  case CAUSE_PF_STORE:
    if (m->bt && bt_user_fault(m, t)) break; /* the monitor window, translated code */
    if (!shadow_fault(m, t->value, t->cause)) {
      m->n.guest_page_faults++;
      reflect(m, t->cause, t->value, t->pc, t->pc);
    }
    break;
  case CAUSE_SYSCALL:
  case CAUSE_BREAK: reflect(m, t->cause, t->value, t->pc, m->v.pc); break;
  case CAUSE_TIMER:
  case CAUSE_CONSOLE: break; /* the monitor's own interrupts: nothing to reflect */
  default: reflect(m, t->cause, t->value, t->pc, t->pc); break;
  }
}

/* Deliver a pending virtual interrupt, or idle the guest in wfi; true if
 * the guest should not run now. */
static bool virtual_events(vm *m, uint64_t ticks_left) {
  vcpu *v = &m->v;
  if (v->irq && (v->flags & FLAG_IE)) {
    uint32_t cause = (uint32_t)__builtin_ctz(v->irq);
    v->irq &= ~(1u << cause);
    reflect(m, cause, 0, v->pc, v->pc);
    return true;
  }
  if (!v->waiting) return false;
  int64_t k = dev_idle(&v->con, &v->irq, v->cr[CR_TIMER], &v->timer_left, ticks_left, &m->gst.idle_ticks);
  if (k < 0) stop(m, EXIT_IDLE);
  if (v->irq) v->waiting = false;
  return true;
}

/* Run the VM until it halts, dies or uses `ticks` guest ticks. */
void vm_run(vm *m, uint64_t ticks) {
  uint64_t end = m->gst.insns + m->gst.idle_ticks + ticks;
  if (end < ticks) end = UINT64_MAX;
  while (!m->done) {
    uint64_t now = m->gst.insns + m->gst.idle_ticks;
    if (now >= end) return;
    if (virtual_events(m, end - now)) continue;
    uint64_t budget = end - now;
    if (m->v.cr[CR_TIMER] && m->v.timer_left < budget) budget = m->v.timer_left;
    if (m->bt && !vm_user(m)) { /* --mode bt: virtual kernel mode runs translated */
      bt_run_kernel(m, budget);
      continue;
    }
    world_enter(m);
    enum cpu_exit ex = cpu_run(m->c, budget);
    world_exit(m);
    if (ex == EXIT_TRAP)
      vm_handle_trap(m);
    else if (ex == EXIT_STOP)
      return stop(m, EXIT_STOP);
    else if (ex != EXIT_BUDGET)
      cpu_panic("vm_run: the real CPU left user mode");
  }
}
