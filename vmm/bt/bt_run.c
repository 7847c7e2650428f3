/* bt_run.c: --mode bt, running a VM with binary translation.
 *
 * The core's run loop (core/exit.c) calls the row's run hook, bt_run(): in
 * virtual user mode the guest runs directly, as in trap-and-emulate
 * (core/trap.c); in virtual kernel mode bt_run_kernel() runs a translation
 * of its code instead:
 *
 *   look up the guest pc in the TC (translate on a miss)
 *   enter: guest registers and condition flags into the real CPU, the VCPU
 *          into the VCPU page, pc = the translation
 *   run the real CPU (real user mode) until it stops:
 *     budget spent   -> it stopped at a guest-instruction boundary: leave
 *     exit stub      -> look up the next block, chain to it, keep running
 *     jr, callr      -> look up R[reg], keep running
 *     hidden fault   -> fill the shadow, keep running at the same word
 *     write to translated code's page -> perform it; flush if it hit code
 *     anything the guest must see, or the monitor must emulate
 *                    -> leave (the VCPU takes the guest's state at the
 *                       guest pc of the instruction) and let the core's
 *                       exit path (vm_handle_trap) reflect or emulate it
 *
 * Virtual time.  The real CPU counts guest instructions as its retired
 * instructions less the marked (inserted) ones, but its budget counts all of
 * them, so a run can end early: the loop runs again with what is left of
 * the guest budget until the guest count reaches it exactly.  Because the
 * one unmarked word of an expansion is its last, that point is a guest-
 * instruction boundary, and a timer interrupt lands on the same guest
 * instruction as natively.
 *
 * Leaving at a boundary records where (resume_gpc, resume_tc): if the
 * monitor comes back to the same guest pc without having translated
 * anything since, it resumes there, even in the middle of a block (after an
 * emulated instruction, or a budget).  Guest code itself can only ever
 * enter a translation at its start: every guest control transfer goes
 * through a lookup.
 */
#include <stdlib.h>
#include <string.h>

#include "bt.h"
#include "isa_info.h"
#include "mmu.h"

/* ---- the real CPU's page table and the VCPU page ---- */

/* One shadow root serves both virtual modes (m->one_root): translated
 * kernel code runs in the CPU's monitor group, which sees the guest's U=0
 * pages as kernel mode does, while guest user code, in the user group,
 * cannot.  So switching between virtual kernel and user mode (every system
 * call, interrupt and iret) changes no root and flushes nothing, and a
 * page both modes touch takes one hidden fault, not two.  vm_load_root
 * (trap.c) points the real CPU at it. */

/* Host-physical address of the shadow entry for va, 0 if none. */
static uint32_t shadow_pte(const vm *m, uint32_t va) { return shadow_entry(m, m->cur.root[0].pd, va); }

static void tc_enter(vm *m, uint32_t tc) {
  cpu *c = m->c;
  const vcpu *v = &m->v;
  uint8_t *p = c->mem + bt_of(m)->vcpu_pa;
  memcpy(c->r, v->r, sizeof c->r);
  c->pc = tc;
  c->flags = (v->flags & FLAGS_CC) | FLAG_IE;
  /* The monitor enters its own code in the monitor's permission group;
   * guest code, fetched in the user group, can never fetch the window. */
  c->perm_shift = PSHIFT_MONITOR;
  if (!m->paused) c->fetch_va = FETCH_NONE; /* (a watcher's pause: still ours, core/vm.h) */
  m->paused = false;
  c->con = m->v.con; /* for the ports passed through (mon_io) */
  st32(p + VP_VSYS, (v->flags & FLAG_IE) | FLAG_KM);
  st32(p + VP_VPEND, v->irq ? FLAG_IE : 0);
  for (int i = 0; i < NCR; i++) st32(p + VP_CR + 4 * i, v->cr[i]);
  vm_load_root(m);
  pv_enter(m);
}

/* The VCPU takes the guest's state back; the guest is at gpc. */
static void tc_leave(vm *m, uint32_t gpc) {
  cpu *c = m->c;
  vcpu *v = &m->v;
  const uint8_t *p = c->mem + bt_of(m)->vcpu_pa;
  memcpy(v->r, c->r, sizeof v->r);
  v->pc = gpc;
  v->flags = (c->flags & FLAGS_CC) | (ld32(p + VP_VSYS) & FLAG_IE) | FLAG_KM;
  c->con = (console_dev){0}; /* the real CPU has no console of its own */
  for (int i = 0; i < NCR; i++) v->cr[i] = ld32(p + VP_CR + 4 * i);
  pv_exit(m);
  vm_count_guest(m);
}

/* A boundary the monitor may resume at, while no translation is flushed and
 * the guest changes no mapping. */
static void remember(vm *m, uint32_t gpc, uint32_t tc) {
  bt *b = bt_of(m);
  if (b->run_gen != b->gen) { /* that code was flushed while it ran */
    b->resume_tc = 0;
    return;
  }
  b->resume_gpc = gpc;
  b->resume_tc = tc;
  b->resume_gen = b->gen;
  b->resume_syncs = m->n.shadow_syncs;
}

/* Leave where the CPU stopped, which must be a boundary; remember it. */
static void leave_here(vm *m) {
  bt *b = bt_of(m);
  const bt_word *w = bt_word_at(b, m->c->pc);
  if (!bt_boundary(w)) cpu_panic("bt: left translated code inside an expansion");
  tc_leave(m, w->gpc);
  remember(m, w->gpc, m->c->pc);
}

/* Leave for a trap the guest instruction at gpc raised (or, for syscall
 * and brk, completed: gpc is then the next pc), and let the core handle it
 * as trap-and-emulate would.  The record keeps the CPU's decoded
 * instruction (a copied privileged one is the guest's own). */
static void leave_trap(vm *m, uint32_t gpc, uint32_t cause, uint32_t value, uint32_t at) {
  trap_info t = m->c->trap;
  t.cause = cause, t.value = value, t.pc = at;
  tc_leave(m, gpc);
  vm_world_switch(m);
  vm_handle_trap(m, &t);
}

/* ---- finding translations ---- */

/* Where the guest's code at pc lives, read through the kernel shadow root
 * (the monitor's TLB of the guest's mappings), filling it as a fetch
 * would.  False if fetching there faults.  That root maps the window to
 * the monitor's own pages: the guest's code is never there. */
static bool code_gpa(vm *m, uint32_t pc, uint32_t *gpa) {
  if (pc >= BT_WINDOW) return false;
  for (int tries = 0; tries < 2; tries++) {
    uint32_t e = shadow_pte(m, pc), pte = e ? ld32(m->c->mem + e) : 0;
    if (pte & PTE_V) {
      *gpa = (pte & ~PAGE_MASK) - m->base + (pc & PAGE_MASK);
      return true;
    }
    if (!shadow_fault(m, pc, CAUSE_PF_FETCH)) return false;
  }
  cpu_panic("code_gpa: a shadow fill that does not stick");
}

/* The translation of the guest code at pc, made on a miss; NULL with
 * *cause if fetching there faults. */
static const bt_block *tc_lookup(vm *m, uint32_t pc, uint32_t *cause) {
  bt *b = bt_of(m);
  uint32_t gpa;
  m->c->st.cycles += m->c->cost.c[COST_TC_LOOKUP];
  if (pc & 3) {
    *cause = CAUSE_MISALIGN;
    return NULL;
  }
  if (!code_gpa(m, pc, &gpa)) {
    *cause = CAUSE_PF_FETCH;
    return NULL;
  }
  bt_block *k = bt_find(b, pc, gpa);
  if (k) {
    b->n.tc_hits++;
    return k;
  }
  b->n.tc_misses++;
  return bt_translate(m, pc, gpa);
}

/* Continue at guest pc target from an exit; chain the stub at `stub` (0:
 * none) to the target's translation.  False if the guest faults there. */
static bool dispatch(vm *m, uint32_t target, uint32_t stub) {
  bt *b = bt_of(m);
  uint32_t gen = b->gen, cause;
  b->n.exits++; /* the translator's own exit: a lookup, no world switch */
  const bt_block *k = tc_lookup(m, target, &cause);
  if (!k) { /* the jump retired; the fetch at its target faults in the next
              * tick, as natively (an interrupt due first comes first) */
    (void)cause;
    tc_leave(m, target);
    return false;
  }
  if (stub && !b->cfg.no_chain && gen == b->gen) bt_chain(m, stub, k); /* no flush on the way */
  vm_load_root(m);
  m->c->pc = k->tc;
  b->run_gen = b->gen;
  return true;
}

/* ---- traps inside translated code ---- */

static bool page_fault(vm *m, const bt_word *w, const trap_info *t);

/* Run the rest of the expansion the CPU is in, a word at a time, to the
 * next boundary.  Only hidden faults and writes to translated pages can
 * happen there (rule 2); false if it had to leave after all. */
static bool finish_insn(vm *m) {
  cpu *c = m->c;
  int stop = c->stop_request;
  bool in = true;
  c->stop_request = 0;
  while (in && !bt_boundary(bt_word_at(bt_of(m), c->pc))) {
    enum cpu_exit ex = cpu_run(c, 1);
    if (ex == EXIT_BUDGET) continue;
    trap_info t = c->trap;
    if (ex != EXIT_TRAP || t.cause < CAUSE_PF_FETCH || t.cause > CAUSE_PF_STORE)
      cpu_panic("finish_insn: a fault after an expansion's side effects");
    in = page_fault(m, bt_word_at(bt_of(m), t.pc), &t);
  }
  c->stop_request = stop;
  return in;
}

/* A write to a page holding translated code (its shadow entry withholds
 * W: SPTE_WP).  If the page no longer holds any, make the entry writable
 * and retry.  Otherwise perform the store here, for the CPU, and if it
 * changed a translated word ask for a flush: on_trap lets the guest
 * instruction finish, leaves, and flushes, so that the next lookup
 * translates the new code. */
static bool protected_write(vm *m, const trap_info *t, uint32_t e) {
  cpu *c = m->c;
  bt *b = bt_of(m);
  uint32_t pte = ld32(c->mem + e), va = t->value;
  uint32_t hpa = (pte & ~PAGE_MASK) | (va & PAGE_MASK), gpa = hpa - m->base;
  bool traced = trace_traced(m, gpa), code = m->wprot[gpa >> PAGE_SHIFT]; /* traced: core/trace.c */
  if (!code && !traced) {
    shadow_allow_write(m, e, gpa);
    cpu_tlb_flush_page(c, va);
    return true;
  }
  uint32_t tc_pa = bt_tc_pa(b, t->pc), len = 4;
  uint32_t val = c->r[t->insn.rd];
  switch (t->insn.op) { /* the store the CPU decoded */
  case OP_SW: st32(c->mem + hpa, val); break;
  case OP_SH: st16(c->mem + hpa, (uint16_t)val), len = 2; break;
  case OP_SB: c->mem[hpa] = (uint8_t)val, len = 1; break;
  case OP_PUSHF:
    st32(c->mem + hpa, c->flags);
    c->r[REG_SP] = va;
    break;
  default: cpu_panic("protected_write: a write fault from no store");
  }
  /* The one path of a write behind the CPU's back: its decoded copy, and
   * the translator's watch (bt_written), which flushes at once if the store
   * touched a translated word: on_trap then leaves after this instruction. */
  cpu_phys_written(c, hpa, len);
  if (traced) m->n.traced_writes++, trace_written(m, gpa, len); /* the shadow follows it at once */
  /* The word retires as if the CPU had run it: count it as the CPU would. */
  c->st.insns++;
  c->st.user_insns++;
  if (mmu_word_marked(c, tc_pa)) c->st.marked++;
  c->pc = t->pc + 4;
  if (code) b->n.protected_writes++;
  c->st.cycles += c->cost.c[COST_EMULATE];
  return true;
}

/* A page fault: hidden (fill the shadow and retry the same word), a write
 * to translated code, or the guest's own.  False when it left. */
static bool page_fault(vm *m, const bt_word *w, const trap_info *t) {
  cpu *c = m->c;
  bool store = t->cause == CAUSE_PF_STORE && t->value < BT_WINDOW;
  uint32_t e = store ? shadow_pte(m, t->value) : 0;
  if (e && (ld32(c->mem + e) & (PTE_V | SPTE_WP)) == (PTE_V | SPTE_WP)) {
    vm_world_switch(m);
    return protected_write(m, t, e);
  }
  if (!shadow_fault(m, t->value, t->cause)) { /* the guest's fault (the window always is) */
    leave_trap(m, w->gpc, t->cause, t->value, w->gpc);
    return false;
  }
  vm_world_switch(m); /* a hidden fault, as trap-and-emulate counts it */
  vm_load_root(m);
  e = store ? shadow_pte(m, t->value) : 0;
  if (e && (ld32(c->mem + e) & SPTE_WP)) return protected_write(m, t, e);
  /* Adaptive translation counts this entry (bt_adapt.c).  The hook for
   * any other store the monitor must see (a write to a traced page table)
   * is the same: count it here once handled, and let callout_access do
   * that work before the store. */
  if (w->kind == W_START && t->cause != CAUSE_PF_FETCH) bt_adapt_note(m, t->pc);
  return true;
}

/* in and out, a kernel's commonest privileged instructions (console
 * output), touch only a register and the device, never the VCPU's mode,
 * flags or interrupts: emulated without leaving translated code, on the
 * guest's registers where they are (the real CPU's).  A real translator
 * turns them into a call to its device model inside translated code (the
 * kit's CPU reaches the C model by a trap, which stands for that call), so
 * the cost model charges the model's work, COST_EMULATE (and COST_IO for a
 * byte that reaches the host's console, as trap.c's emu_in does), and no
 * world switch: the guest never left the monitor's code. */
static bool io_insn(vm *m, const dinsn *d, uint32_t at) {
  cpu *c = m->c;
  if (d->op == OP_OUT)
    console_port_out(&m->v.con, d->imm, c->r[d->rs1]);
  else if (d->op == OP_IN) {
    uint32_t v = console_port_in(&m->v.con, d->imm);
    if (d->rd) c->r[d->rd] = v;
  } else
    return false;
  m->n.emulated[d->op]++;
  c->st.cycles += c->cost.c[COST_EMULATE] + (console_port_external(d->imm) ? c->cost.c[COST_IO] : 0);
  /* One guest instruction retired by the monitor (the VCPU's pc is not
   * live inside translated code: leaving sets it). */
  bt_of(m)->run_emulated++;
  vm_retire(m);
  c->pc = at + 4;
  return true;
}

/* A copied privileged instruction trapped: emulate it, and resume after it
 * in the same translation if it was an ordinary one (and, for tlbi, if it
 * dropped another page than the one this code runs from). */
static void privileged(vm *m, const bt_word *w, uint32_t at) {
  bt *b = bt_of(m);
  uint32_t gpc = w->gpc, next = at + 4, word = m->c->trap.value;
  bool own = ISA_OPCODE(word) == OP_TLBI && ((m->c->r[ISA_RS1(word)] ^ gpc) & ~PAGE_MASK) == 0;
  leave_trap(m, gpc, CAUSE_PRIV, word, gpc);
  if (own || m->done || vm_user(m) || m->v.pc != gpc + 4 || next >= b->tc_va + 4 * b->tc_used) return;
  const bt_word *nw = bt_word_at(b, next);
  if (bt_boundary(nw) && nw->gpc == gpc + 4) remember(m, gpc + 4, next);
}

/* ---- callouts (adaptive translation, bt_adapt.c) ---- */

/* Would the CPU fault on an access of kind need at va, with the TLB and
 * the shadow as they are?  Exactly the cases the shadow lacks: no entry,
 * or a store to an entry without W (not a write-protected code page, whose
 * store the monitor performs: protected_write).  Anything else is left to
 * the access itself, which then faults or not as before. */
static bool shadow_lacks(vm *m, uint32_t va, bool store) {
  const cpu *c = m->c;
  uint32_t need = store ? P_W : P_R;
  const tlb_entry *t = &c->tlb[(va >> PAGE_SHIFT) & (c->tlb_size - 1)];
  if (t->tag == ((va & ~PAGE_MASK) | c->tag_lo) && ((t->perm >> c->perm_shift) & need)) return false;
  uint32_t e = shadow_pte(m, va), pte = e ? ld32(c->mem + e) : 0;
  if (!(pte & PTE_V)) return true;
  return store && !(pte & (PTE_W | SPTE_WP));
}

/* BT_CALL_ACCESS: the brk at `at` calls the monitor before the guest's
 * load or store at at + 4.  If that access would take a hidden fault, the
 * monitor fills the shadow now, as the fault would have (shadow_fault: the
 * same walk, the same A and D bits in the guest's table, at the same guest
 * instruction), and the access then runs without one.  Misaligned and
 * window addresses fault before any walk: left to the access. */
static void callout_access(vm *m, uint32_t at) {
  cpu *c = m->c;
  dinsn d;
  bt_adapt_charge(m);
  c->pc = at + 4;
  if (!isa_decode(ld32(c->mem + bt_tc_pa(bt_of(m), at + 4)), &d)) cpu_panic("callout_access: no access after the call");
  bool store = d.op == OP_SW || d.op == OP_SH || d.op == OP_SB;
  uint32_t size = (d.op == OP_LW || d.op == OP_SW) ? 4 : (d.op == OP_LB || d.op == OP_LBU || d.op == OP_SB) ? 1 : 2;
  uint32_t va = c->r[d.rs1] + d.imm;
  bool lacks = !(va & (size - 1)) && va < BT_WINDOW && shadow_lacks(m, va, store);
  if (lacks && shadow_fault(m, va, store ? CAUSE_PF_STORE : CAUSE_PF_LOAD)) vm_load_root(m);
  bt_adapt_called(m, at, lacks);
}

/* BT_CALL_EMULATE: the guest's privileged instruction at `at` trapped as
 * a call.  The VCPU takes the guest's state, the exit's own emulator runs
 * (vm_emulate, which retires it), and the CPU goes on after it in the same
 * translation, unless what the emulation did needs the monitor's loop: a
 * tlbi of the page this code runs from, an interrupt now deliverable, a
 * fault it reflected, a new timer period.  Then it leaves (charged a world
 * switch, as the exit would have been) and resumes there if it can.
 * True to keep running. */
static bool callout_emulate(vm *m, const bt_word *w, uint32_t at) {
  cpu *c = m->c;
  bt *b = bt_of(m);
  uint32_t gpc = w->gpc, next = at + 4, word = c->trap.value;
  trap_info t = c->trap;
  if (ISA_OPCODE(word) == OP_TLBI && ((c->r[ISA_RS1(word)] ^ gpc) & ~PAGE_MASK) == 0) {
    privileged(m, w, at); /* its own page: the monitor looks again, as without adaptation */
    return false;
  }
  bt_adapt_charge(m);
  uint32_t timer = m->v.cr[CR_TIMER];
  tc_leave(m, gpc);
  c->st.cycles += c->cost.c[COST_EMULATE]; /* as vm_handle_trap charges it */
  vm_emulate(m, &t.insn, word);
  b->run_emulated++;
  const bt_word *nw = next < b->tc_va + 4 * b->tc_used ? bt_word_at(b, next) : NULL;
  bool on = !m->done && !vm_user(m) && m->v.pc == gpc + 4 && m->v.cr[CR_TIMER] == timer &&
            !(m->v.irq && (m->v.flags & FLAG_IE)) && b->run_gen == b->gen && nw && bt_boundary(nw) &&
            nw->gpc == gpc + 4;
  if (!on) {
    vm_world_switch(m);
    if (!m->done && !vm_user(m) && m->v.pc == gpc + 4 && nw && bt_boundary(nw) && nw->gpc == gpc + 4) remember(m, gpc + 4, next);
    return false;
  }
  if (b->syncs_seen != m->n.shadow_syncs) bt_check_links(m); /* as at every entry */
  tc_enter(m, next);
  return true;
}

/* The exits that are guest instructions themselves (W_EXIT). */
static bool exit_insn(vm *m, const bt_word *w) {
  cpu *c = m->c;
  uint32_t target;
  switch (w->why) {
  case BX_CALLR:
    target = c->r[w->reg]; /* before lr changes: callr lr is allowed */
    c->r[REG_LR] = w->gpc + 4;
    return dispatch(m, target, 0);
  case BX_SYSCALL:
  case BX_BREAK: /* it retired: the trap saves the next pc */
    leave_trap(m, w->gpc + 4, w->why == BX_SYSCALL ? CAUSE_SYSCALL : CAUSE_BREAK, 0, w->gpc);
    return false;
  case BX_FAULT: leave_trap(m, w->gpc, w->reg, w->arg, w->gpc); return false;
  default: cpu_panic("exit_insn: an exit with no handler");
  }
}

/* A jr's prediction missed: let it retire (the restore after the check),
 * predict its real target from now on, and go there. */
static bool jr_miss(vm *m, const bt_word *w, uint32_t at) {
  cpu *c = m->c;
  c->pc = at + 4;
  if (!finish_insn(m)) return false;
  if (bt_of(m)->run_gen != bt_of(m)->gen) { /* flushed on the way: predict nothing in dead code */
    leave_here(m);
    return false;
  }
  uint32_t target = c->r[w->reg];
  uint32_t stub = bt_jr_predict(m, w->arg, target);
  return dispatch(m, target, stub);
}

/* The real CPU trapped inside translated code; true to keep running. */
static bool on_trap(vm *m) {
  cpu *c = m->c;
  bt *b = bt_of(m);
  trap_info t = c->trap;
  if (!bt_in_tc(b, t.pc)) cpu_panic("bt: a trap outside the TC in virtual kernel mode");
  const bt_word *w = bt_word_at(b, t.pc);
  switch (t.cause) {
  case CAUSE_BREAK:
    if (w->kind == W_CALL) {
      callout_access(m, t.pc);
      if (b->run_gen == b->gen) return true;
      /* The fill set an A or D bit in a page holding translated code, and
       * every translation went (bt_written): finish the access, leave. */
      if (finish_insn(m)) leave_here(m);
      return false;
    }
    if (w->kind == W_STUB) return dispatch(m, w->gpc, w->why == BX_DIRECT || w->why == BX_FAR ? t.pc : 0);
    if (w->kind == W_EXIT) return exit_insn(m, w);
    cpu_panic("bt: a brk in the TC that is no exit");
  case CAUSE_DIVZERO:
    if (w->kind != W_PEND) break;
    if (w->why == BX_JR) return jr_miss(m, w, t.pc);
    /* An interrupt became deliverable: complete the guest instruction
     * (the restore after the check), then let vm_run deliver it. */
    vm_world_switch(m);
    c->pc = t.pc + 4;
    finish_insn(m);
    leave_here(m);
    return false;
  case CAUSE_PF_FETCH:
  case CAUSE_PF_LOAD:
  case CAUSE_PF_STORE:
    if (!page_fault(m, w, &t)) return false;
    if (b->run_gen == b->gen) return true;
    /* The guest's store, or the walk's A or D bit in a PTE, changed a
     * translated word, and every translation went (bt_written).  The
     * expansion the CPU is in is still intact (a flush leaves the TC's
     * bytes): finish it, as the hardware finishes the instruction it
     * fetched, and leave; nothing resumes in the old code (remember). */
    if (finish_insn(m)) leave_here(m);
    return false;
  case CAUSE_PRIV:
    if (w->kind == W_START && io_insn(m, &t.insn, t.pc)) return true;
    if (w->kind == W_CALL) return callout_emulate(m, w, t.pc);
    privileged(m, w, t.pc);
    bt_adapt_note(m, t.pc);
    return false;
  case CAUSE_TIMER:
  case CAUSE_CONSOLE: return true; /* the monitor's own: none are wired */
  }
  /* The guest instruction faults (divide by zero, misaligned): rule 2 says
   * its registers are intact, so it restarts at its own pc. */
  leave_trap(m, w->gpc, t.cause, t.value, w->gpc);
  return false;
}

/* `pause`: the end of the budget is a watcher's pause (core/vm.h). */
static void bt_run_kernel(vm *m, uint64_t budget, bool pause) {
  cpu *c = m->c;
  bt *b = bt_of(m);
  uint32_t tc = 0, cause;
  if (b->syncs_seen != m->n.shadow_syncs) bt_check_links(m);
  if (b->resume_tc && b->resume_gen == b->gen && b->resume_gpc == m->v.pc && b->resume_syncs == m->n.shadow_syncs)
    tc = b->resume_tc;
  b->resume_tc = 0;
  if (!tc) {
    const bt_block *k = tc_lookup(m, m->v.pc, &cause);
    if (!k) { /* the fetch faults */
      vm_world_switch(m);
      vm_handle_trap(m, &(trap_info){cause, m->v.pc, m->v.pc, {0}});
      return;
    }
    tc = k->tc;
  }
  tc_enter(m, tc);
  b->run_gen = b->gen;
  uint64_t base = c->st.insns - c->st.marked;
  b->run_emulated = 0;
  for (;;) {
    uint64_t ran = c->st.insns - c->st.marked - base + b->run_emulated;
    if (ran >= budget) { /* exactly at a boundary */
      KIT_ASSERT(ran == budget, "bt_run_kernel: translated code ran past the guest's budget");
      leave_here(m);
      m->paused = pause;
      return;
    }
    enum cpu_exit ex = cpu_run(c, budget - ran);
    if (ex == EXIT_BUDGET) continue;
    if (ex == EXIT_STOP) {
      finish_insn(m);
      leave_here(m);
      m->done = true;
      m->exit = EXIT_STOP;
      m->paused = m->watched; /* the watcher's Ctrl-C */
      return;
    }
    if (ex != EXIT_TRAP) cpu_panic("bt_run_kernel: the real CPU left user mode");
    if (!on_trap(m)) return;
    /* A scheduler's deadline passed in the monitor's work (translations,
     * flushes): leave at the next boundary rather than run on. */
    if (vm_out_of_time(m) && bt_boundary(bt_word_at(b, c->pc))) {
      leave_here(m);
      return;
    }
  }
}

/* Native user mode wrote a page holding translated code (trap.c's page-
 * fault hook): flush, so that the ordinary shadow fill makes it writable. */
bool bt_user_fault(vm *m, const trap_info *t) {
  uint32_t gpa;
  if (!vm_user(m) || t->cause != CAUSE_PF_STORE || t->value >= BT_WINDOW) return false;
  if (guest_translate(m, t->value, P_W, &gpa) != 0 || !m->wprot[gpa >> PAGE_SHIFT]) return false;
  bt_of(m)->n.protected_writes++;
  bt_of(m)->n.tc_invalidations++;
  bt_flush(m);
  return false;
}

/* The row's run hook: virtual user mode runs the guest's own code, as in
 * trap-and-emulate; virtual kernel mode runs its translation. */
void bt_run(vm *m, uint64_t budget) {
  if (vm_user(m))
    vm_run_direct(m, budget);
  else
    bt_run_kernel(m, vm_timer_budget(m, budget), vm_pause_due(m, budget));
}
