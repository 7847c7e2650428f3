/* trap.c: trap-and-emulate: --mode trap, and the VCPU in software that
 * every monitor mode shares.
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
 * The pieces, in the order they run:
 *   world_enter, world_exit  the VCPU onto the real CPU and back
 *   vm_run_direct            the trap row's run hook (exit.c's loop calls
 *                            it); a mode may use it for part of the time
 *   vm_reflect               a trap into the guest (lab 2)
 *   vm_emulate, emulators[]  a privileged instruction on the VCPU (lab 2):
 *                            after a trap here, after a VM exit under hw
 *
 * Virtual time is counted in guest ticks exactly as native mode counts
 * them: every instruction the guest ran directly, plus one per emulated
 * instruction (vm_retire), plus idle ticks.  The real CPU is given a
 * budget that ends where the guest's virtual timer fires, so interrupts
 * land at the same guest instruction as on bare hardware.
 */
#include <string.h>

#include "isa_info.h"
#include "mmu.h"
#include "mode.h"

/* ---- world switch: the VCPU onto the real CPU and back ---- */

void vm_load_root(vm *m) {
  cpu *c = m->c;
  uint32_t pd = shadow_current(m);
  KIT_ASSERT(pd >= m->pool && pd < vm_own_pages(m), "vm_load_root: the real CPU on a table outside the pool");
  if (c->cr[CR_PTB] != pd || !(c->cr[CR_PAGING] & 1)) {
    c->cr[CR_PTB] = pd;
    c->cr[CR_PAGING] = 1;
    cpu_tlb_flush(c, true); /* real hardware: a new CR3 flushes the TLB */
  }
}

/* Load the guest's state into the real CPU: registers, pc, its condition
 * flags and its interrupt flag; real user mode; the shadow root of its
 * mode.  The real IE is the virtual one: the monitor keeps control through
 * the run's budget, not a real interrupt (the real CPU has no devices of
 * its own), and pushf, which user mode may run untrapped, then pushes the
 * IE the guest believes in.  After a watcher's pause (vm.h) nothing has
 * run since the real CPU stopped, so its fetch window is still the
 * guest's and stays. */
static void world_enter(vm *m) {
  cpu *c = m->c;
  memcpy(c->r, m->v.r, sizeof c->r);
  c->pc = m->v.pc;
  c->flags = m->v.flags & (FLAGS_CC | FLAG_IE);
  c->perm_shift = PSHIFT_USER;
  if (!m->paused) c->fetch_va = FETCH_NONE;
  m->paused = false;
  vm_load_root(m);
  pv_enter(m);
  KIT_ASSERT(c->trap_to_host, "world_enter: the monitor must own real kernel mode");
}

/* Store the real CPU's state back into the VCPU, and count the guest
 * instructions it ran directly. */
static void world_exit(vm *m) {
  cpu *c = m->c;
  memcpy(m->v.r, c->r, sizeof c->r);
  m->v.pc = c->pc;
  m->v.flags = (m->v.flags & ~FLAGS_CC) | (c->flags & FLAGS_CC);
  pv_exit(m);
  vm_count_guest(m);
}

/* ---- reflection: deliver a trap to the guest as hardware would ---- */

/* Enter the guest's trap vector with the frame native hardware would
 * build: the same checks and the same saved state as cpu_take_trap().
 * A mode whose CPU delivers the guest's traps itself (hw's event
 * injection) is handed the trap instead. */
void vm_reflect(vm *m, uint32_t cause, uint32_t value, uint32_t at_pc, uint32_t epc) {
  vcpu *v = &m->v;
  m->last_trap = (trap_info){cause, value, at_pc, {0}};
  m->n.reflected[cause]++;
  if (m->mode->inject) return m->mode->inject(m, cause, value, epc);
  m->c->st.cycles += m->c->cost.c[COST_REFLECT];
#if LAB_SOLUTION >= 2
  v->waiting = false;
  if (v->cr[CR_TVEC] == 0) return vm_stop(m, EXIT_NOVECTOR);
  if ((v->flags & FLAG_KM) && at_pc == v->cr[CR_TVEC] && cause < CAUSE_TIMER) return vm_stop(m, EXIT_DOUBLE);
  v->cr[CR_EPC] = epc;
  v->cr[CR_ESTATUS] = v->flags;
  v->cr[CR_CAUSE] = cause;
  v->cr[CR_BADVA] = value;
  v->flags = (v->flags & FLAGS_CC) | FLAG_KM;
  v->pc = v->cr[CR_TVEC];
#else
  /* Lab 2: do to the VCPU (v) what cpu_take_trap() in cpu/cpu.c does to a
   * real CPU in native mode: a trap wakes a waiting guest; no trap vector
   * stops the VM (vm_stop(m, EXIT_NOVECTOR)); a fault at the vector itself in
   * kernel mode is a double fault (EXIT_DOUBLE); otherwise save epc, the
   * flags, cause and value in the virtual control registers, enter VIRTUAL
   * kernel mode with virtual interrupts off, and continue at the vector. */
  (void)v, (void)value, (void)at_pc, (void)epc;
  LAB_TODO(2, "vmm/core/trap.c vm_reflect");
#endif
}

/* ---- emulation of privileged (and, under --isa strict, special)
 * instructions against the VCPU, one small function each ---- */

static void set_rd(vm *m, unsigned rd, uint32_t val) {
  if (rd) m->v.r[rd] = val;
}

typedef void (*emu_fn)(vm *m, const dinsn *d, uint32_t word);

static void emu_halt(vm *m, const dinsn *d, uint32_t w) {
  (void)w;
  m->halt_code = m->v.r[d->rs1];
  vm_retire(m);
  vm_stop(m, EXIT_HALT);
}

static void emu_iret(vm *m, const dinsn *d, uint32_t w) {
#if LAB_SOLUTION >= 2
  (void)d, (void)w;
  vm_retire(m);
  m->v.flags = m->v.cr[CR_ESTATUS] & FLAGS_ALL;
  m->v.pc = m->v.cr[CR_EPC];
#else
  /* Lab 2: iret returns from the guest's trap handler: one guest
   * instruction retires (vm_retire), then the virtual flags come back from the
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
  vm_retire(m);
#else
  /* Lab 2: cli clears the guest's VIRTUAL interrupt flag (m->v.flags),
   * never the real CPU's, and retires the instruction (vm_retire). */
  (void)m, (void)d, (void)w;
  LAB_TODO(2, "vmm/core/trap.c emu_cli");
#endif
}

static void emu_sti(vm *m, const dinsn *d, uint32_t w) {
#if LAB_SOLUTION >= 2
  (void)d, (void)w;
  m->v.flags |= FLAG_IE;
  vm_retire(m);
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
  if (d->imm >= NCR) return vm_reflect(m, CAUSE_ILLEGAL, w, m->v.pc, m->v.pc);
  set_rd(m, d->rd, d->imm == CR_TIMER ? (m->v.cr[CR_TIMER] ? m->v.timer_left : 0) : m->v.cr[d->imm]);
  vm_retire(m);
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
  case CR_TIMER: /* the new period starts after this instruction, */
    v->cr[CR_TIMER] = 0;  /* which retires on no timer at all */
    vm_retire(m);
    v->cr[CR_TIMER] = v->timer_left = val;
    return;
  case CR_ESTATUS: v->cr[CR_ESTATUS] = val & FLAGS_ALL; break;
  default:
    if (d->imm >= NCR) return vm_reflect(m, CAUSE_ILLEGAL, w, v->pc, v->pc);
    v->cr[d->imm] = val;
  }
  vm_retire(m);
#else
  /* Lab 2: mtc creg, rs writes the guest's register d->rs1 into a VIRTUAL
   * control register, then retires.  Special cases, as the real CPU's
   * cpu_write_cr (cpu/cpu.c) has them: CR[ptb] and CR[paging] (bit 0 only)
   * change the guest's address space, so the shadow must follow
   * (shadow_sync_all), counted in m->n.shadow_syncs and charged
   * COST_SHADOW_SYNC; CR[timer] sets the period and restarts the countdown
   * (m->v.timer_left) after this instruction, which retires on no timer
   * at all (turn it off, vm_retire, then set it); CR[estatus] keeps only
   * FLAGS_ALL; a number past NCR is illegal (as in emu_mfc). */
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
  vm_retire(m);
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
  vm_retire(m);
#else
  /* Lab 2: the guest flushes its whole TLB: the whole shadow must follow
   * (shadow_sync_all), count and charge it as in emu_tlbi, retire. */
  (void)m, (void)d, (void)w;
  LAB_TODO(2, "vmm/core/trap.c emu_tlbflush");
#endif
}

/* in and out reach the VM's virtual console, a model in the monitor: the
 * monitor's work (COST_EMULATE, charged by whoever emulates) is the cost of
 * a status or control access, which touches no real device; COST_IO, a
 * real device's access time, is paid only by a byte that really goes out
 * to (or comes in from) the host's console.  (So the software VMM of
 * Adams and Agesen ran `in` from a port nothing stands behind fifteen
 * times faster than the real chipset register.) */
static void emu_in(vm *m, const dinsn *d, uint32_t w) {
  (void)w;
  if (console_port_external(d->imm)) m->c->st.cycles += m->c->cost.c[COST_IO];
  set_rd(m, d->rd, console_port_in(&m->v.con, d->imm));
  vm_retire(m);
}

static void emu_out(vm *m, const dinsn *d, uint32_t w) {
  (void)w;
  if (console_port_external(d->imm)) m->c->st.cycles += m->c->cost.c[COST_IO];
  console_port_out(&m->v.con, d->imm, m->v.r[d->rs1]);
  vm_retire(m);
}

static void emu_wfi(vm *m, const dinsn *d, uint32_t w) {
#if LAB_SOLUTION >= 2
  (void)d, (void)w;
  m->v.waiting = true;
  vm_retire(m);
#else
  /* Lab 2: wfi idles the guest until an interrupt: mark the VCPU waiting
   * and retire; exit.c's run loop idles it in virtual time. */
  (void)m, (void)d, (void)w;
  LAB_TODO(2, "vmm/core/trap.c emu_wfi");
#endif
}

/* Memory access on the guest's behalf, through the guest's own MMU:
 * false (after reflecting the fault) if the guest may not. */
static bool guest_access(vm *m, uint32_t va, uint32_t need, uint32_t **p) {
  uint32_t gpa;
  if (va & 3) {
    vm_reflect(m, CAUSE_MISALIGN, va, m->v.pc, m->v.pc);
    return false;
  }
  int cause = guest_translate(m, va, need, &gpa);
  if (cause) {
    m->n.guest_page_faults++;
    vm_reflect(m, (uint32_t)cause, va, m->v.pc, m->v.pc);
    return false;
  }
  if (need == P_W) {
    cpu_phys_written(m->c, m->base + gpa, 4);
    m->emul_store = gpa + 1; /* vm_emulate tells trace.c once the store is made */
  }
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
  vm_retire(m);
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
  vm_retire(m);
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

/* The privileged instruction d, word w, at the VCPU's pc: performed on the
 * VCPU by its emulator, which retires it (or reflects the fault it takes).
 * The caller charged the work: trap-and-emulate decodes nothing, the CPU's
 * trap record carries the instruction decoded, but it pays COST_EMULATE;
 * hardware assist's exits are charged by the CPU. */
/* Traced shadow paging (--shadow trace) changes what invalidations do, so
 * trace.c emulates those itself (trace_emulate); the rest, the lab's
 * emulators, are the same in both ways, but a store an emulator made for
 * the guest (pushf's) may have hit a traced page table: the shadow
 * follows it once the emulator is done. */
void vm_emulate(vm *m, const dinsn *d, uint32_t w) {
  if (!emulators[d->op]) cpu_panic("vm_emulate: an instruction with no emulator");
  m->n.emulated[d->op]++;
  if (m->trace && trace_emulate(m, d)) return;
  m->emul_store = 0;
  emulators[d->op](m, d, w);
  if (m->emul_store) trace_written(m, m->emul_store - 1, 4);
  m->emul_store = 0;
}

/* ---- --mode trap: the guest's own code on the real CPU ---- */

int vm_attach_direct(vm *m, const vmm_opts *o) {
  (void)o;
  m->c->trap_to_host = true; /* the monitor owns real kernel mode */
  m->c->flags = 0;           /* and runs guests only in real user mode */
  return 0;
}

void vm_run_direct(vm *m, uint64_t budget) {
  bool pause = vm_pause_due(m, budget);
  world_enter(m);
  enum cpu_exit ex = cpu_run(m->c, vm_timer_budget(m, budget));
  world_exit(m);
  if (ex == EXIT_TRAP) {
    vm_world_switch(m);
    vm_handle_trap(m, &m->c->trap);
  } else if (ex == EXIT_STOP) {
    vm_stop(m, EXIT_STOP);
    m->paused = m->watched; /* the watcher's Ctrl-C */
  } else if (ex == EXIT_BUDGET) {
    m->paused = pause;
  } else {
    cpu_panic("vm_run_direct: the real CPU left user mode");
  }
}

/* ---- the row ---- */

const vmm_mode mode_trap = {
    .name = "trap",
    .what = "trap-and-emulate: the guest kernel in real user mode, shadow paging",
    .options = "--shadow --pv",
    .vm_size = sizeof(vm),
    .attach = vm_attach_direct,
    .run = vm_run_direct,
    .outside = shadow_outside,
    .exit_name = cpu_cause_name,
    .nexit_reasons = NCAUSES,
    .probe = vm_show_probe,
    .exit_how = vm_show_exit_how,
    .vcpu_info = vm_show_vcpu,
    .shadow_roots = vm_show_shadow_roots,
    .no_npt = "no nested paging in this mode",
    .no_tc = "no translation cache in this mode (only --mode bt translates)",
};
