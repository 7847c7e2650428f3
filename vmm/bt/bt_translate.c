/* bt_translate.c: reading a basic block of guest code and translating it.
 *
 * The translator reads guest instructions from the pc onwards, within one
 * guest page, and emits for each an EXPANSION into the translation cache:
 *
 *   ordinary instruction     copied unchanged (one unmarked word)
 *   pushf, popf              a sequence acting on the virtual flags
 *   cli, sti, mfc, mtc       in-line emulation on the VCPU page, unless
 *                            --bt-priv trap (then copied: they trap)
 *   other privileged         copied: it traps, the monitor emulates it
 *   branch, jmp, call        retargeted at exit stubs (chained later)
 *   jr                       an inline cache of its last target
 *   callr, syscall, brk      an exit to the monitor
 *   one that kept entering   a callout (adaptive translation, bt_adapt.c):
 *   the monitor              the privileged instruction copied as a W_CALL
 *                            word; a load or store after a W_CALL brk
 *
 * The block ends at a control transfer, at a privileged instruction after
 * which the monitor must look again (iret, halt, wfi, tlbflush, mtc of ptb
 * or paging), at a faulting instruction, at the end of the guest page, or
 * after BT_MAX_INSNS instructions.
 *
 * Rules every expansion keeps (bt.h, W_* kinds):
 *  1. Inserted words are marked (cpu_mark_word), so they cost cycles but
 *     do not count as the guest's instructions.  Exactly one word of each
 *     expansion is unmarked, and it is the last on every path: wherever the
 *     CPU stops on its budget, it is at a guest-instruction boundary or
 *     inside an expansion whose guest instruction has not completed.
 *  2. Every word that can fault comes before any guest-visible side effect,
 *     with every borrowed register still holding the guest's value, so a
 *     fault restarts the guest instruction as native hardware would.
 *  3. Borrowed scratch registers (r1, r2) are saved to and restored from
 *     the VCPU page, on every path.  cmp would clobber the guest's
 *     condition flags, so no expansion compares: and, or, xori, sltu and a
 *     `divu r0, r0, rX` (which traps only when rX = 0) make the decisions.
 *
 * Real flags while translated code runs: user mode, IE=1, the guest's
 * condition flags; the virtual IE and KM live in VP_VSYS.
 */
#include <time.h>

#include "bt.h"
#include "isa_info.h"
#include "mmu.h"

/* The emitter: where the next word goes and which guest instruction it
 * belongs to. */
typedef struct em {
  vm *m;
  uint32_t at;  /* TC address of the next word */
  uint32_t gpc; /* guest pc of the instruction being expanded */
  bool first;   /* the next word starts its expansion */
} em;

static uint32_t emit(em *e, uint32_t word, bool marked, bt_word w) {
  uint32_t va = e->at;
  if (w.kind == W_BODY && e->first) w.kind = W_START;
  e->first = false;
  bt_put(e->m, va, word, marked, w);
  e->at += 4;
  return va;
}

/* An inserted word, and the one guest word that ends an expansion. */
static uint32_t ins(em *e, uint32_t word) { return emit(e, word, true, (bt_word){e->gpc, 0, W_BODY, 0, 0}); }
static uint32_t last(em *e, uint32_t word) { return emit(e, word, false, (bt_word){e->gpc, 0, W_BODY, 0, 0}); }
/* divu r0, r0, rx: leaves for the monitor exactly when rx = 0. */
static void pend(em *e, uint32_t rx) {
  emit(e, ISA_ENC_R(OP_DIVU, 0, 0, rx), true, (bt_word){e->gpc, 0, W_PEND, BX_PENDING, 0});
}
/* A brk that is itself the guest instruction's exit (unmarked: counted as
 * the guest's retired callr, syscall or brk) or a fault that never retires
 * (marked). */
static void exit_insn(em *e, unsigned why, uint32_t reg, uint32_t arg, bool marked) {
  emit(e, ISA_ENC_R(OP_BRK, 0, 0, 0), marked, (bt_word){e->gpc, arg, W_EXIT, (uint8_t)why, (uint8_t)reg});
}
/* An exit stub: the guest continues at target; site is the word chaining
 * patches (0: the stub itself). */
static uint32_t stub(em *e, unsigned why, uint32_t target, uint32_t site) {
  uint32_t va = e->at;
  emit(e, ISA_ENC_R(OP_BRK, 0, 0, 0), true, (bt_word){target, site ? site : va, W_STUB, (uint8_t)why, 0});
  return va;
}

#define LWV(rd, off) ISA_ENC_I(OP_LW, rd, 0, VP(off))
#define SWV(rs, off) ISA_ENC_I(OP_SW, rs, 0, VP(off))

/* ---- the special instructions ---- */

/* pushf: the real pushf does the faulting store to the guest's stack and
 * captures the real condition flags; the virtual IE and KM then replace
 * the real ones in the pushed word. */
static void x_pushf(em *e) {
#if LAB_SOLUTION >= 3
  ins(e, SWV(1, VP_SCR1));
  ins(e, ISA_ENC_R(OP_PUSHF, 0, 0, 0));
  ins(e, ISA_ENC_I(OP_LW, 1, REG_SP, 0));
  ins(e, ISA_ENC_I(OP_ANDI, 1, 1, FLAGS_CC));
  ins(e, SWV(2, VP_SCR2));
  ins(e, LWV(2, VP_VSYS));
  ins(e, ISA_ENC_R(OP_OR, 1, 1, 2));
  ins(e, LWV(2, VP_SCR2));
  ins(e, ISA_ENC_I(OP_SW, 1, REG_SP, 0));
  last(e, LWV(1, VP_SCR1));
#else
  /* Lab 3: emit pushf's expansion (x_cli below shows the tools: ins() for
   * an inserted, marked word, last() for the one unmarked word that ends
   * it; SWV/LWV store and load VCPU-page slots).  Let a real pushf do the
   * store (it faults as natively would, and captures the real ZNCV), then
   * replace the pushed word's IE and KM by the virtual ones (VP_VSYS),
   * borrowing r1 and r2 through VP_SCR1 and VP_SCR2 and giving them back. */
  (void)e;
  LAB_TODO(3, "vmm/bt/bt_translate.c x_pushf");
#endif
}

/* popf: the real popf faults as native would, sets the condition flags and
 * pops; the popped word's IE becomes the virtual IE; if that enabled
 * interrupts while one is pending, leave so that the monitor delivers it
 * before the next instruction, as the hardware would. */
static void x_popf(em *e) {
#if LAB_SOLUTION >= 3
  ins(e, ISA_ENC_R(OP_POPF, 0, 0, 0));
  ins(e, SWV(1, VP_SCR1));
  ins(e, ISA_ENC_I(OP_LW, 1, REG_SP, (uint32_t)-4));
  ins(e, ISA_ENC_I(OP_ANDI, 1, 1, FLAG_IE));
  ins(e, ISA_ENC_I(OP_ORI, 1, 1, FLAG_KM));
  ins(e, SWV(1, VP_VSYS));
  ins(e, SWV(2, VP_SCR2));
  ins(e, LWV(2, VP_VPEND));
  ins(e, ISA_ENC_R(OP_AND, 1, 1, 2));          /* FLAG_IE iff new IE and pending */
  ins(e, ISA_ENC_I(OP_XORI, 1, 1, FLAG_IE)); /* 0 iff the monitor must deliver */
  ins(e, LWV(2, VP_SCR2));
  pend(e, 1);
  last(e, LWV(1, VP_SCR1));
#else
  /* Lab 3: emit popf's expansion.  A real popf pops (faulting as natively,
   * setting ZNCV; in user mode it cannot touch IE); the popped word's IE,
   * with KM, becomes VP_VSYS.  If that turned IE on while VP_VPEND says an
   * interrupt is pending, the expansion must leave so that the monitor
   * delivers it first: compute, without cmp (rule 3), a register that is 0
   * exactly then and end with pend() on it, as x_sti does. */
  (void)e, (void)pend;
  LAB_TODO(3, "vmm/bt/bt_translate.c x_popf");
#endif
}

/* ---- in-line emulation of privileged instructions ---- */

static void x_cli(em *e) {
  ins(e, SWV(1, VP_SCR1));
  ins(e, ISA_ENC_I(OP_ADDI, 1, 0, FLAG_KM));
  ins(e, SWV(1, VP_VSYS));
  last(e, LWV(1, VP_SCR1));
}

static void x_sti(em *e) {
  ins(e, SWV(1, VP_SCR1));
  ins(e, ISA_ENC_I(OP_ADDI, 1, 0, FLAG_KM | FLAG_IE));
  ins(e, SWV(1, VP_VSYS));
  ins(e, LWV(1, VP_VPEND));
  ins(e, ISA_ENC_I(OP_XORI, 1, 1, FLAG_IE)); /* 0 iff an interrupt is pending */
  pend(e, 1);
  last(e, LWV(1, VP_SCR1));
}

/* mfc and mtc of the plain control registers read and write the VCPU
 * page; the timer (its reading changes with time), ptb and paging (the
 * shadow must follow) are left to the monitor. */
static bool x_mfc_mtc(em *e, const dinsn *d) {
  uint32_t cr = d->imm, off = VP_CR + 4 * cr;
  if (cr == CR_TIMER) return false;
  if (d->op == OP_MFC) {
    last(e, LWV(d->rd, off));
    return true;
  }
  if (cr == CR_PTB || cr == CR_PAGING) return false;
  if (cr != CR_ESTATUS) {
    last(e, SWV(d->rs1, off));
    return true;
  }
  ins(e, SWV(1, VP_SCR1));
  ins(e, ISA_ENC_I(OP_ANDI, 1, d->rs1, FLAGS_ALL)); /* CR[estatus] holds flag bits only */
  ins(e, SWV(1, off));
  last(e, LWV(1, VP_SCR1));
  return true;
}

/* ---- control transfers ---- */

/* Branch targets become exit stubs: DIRECT if the target lies in the same
 * guest page as the branch, else FAR (chained too, but the link is checked
 * whenever the guest changes its mappings). */
static unsigned direct(uint32_t from, uint32_t to) { return ((from ^ to) & ~PAGE_MASK) ? BX_FAR : BX_DIRECT; }

static void x_branch(em *e, const dinsn *d, uint32_t pc) {
  uint32_t target = pc + d->imm, at = e->at;
  if (d->op == OP_JMP) {
    last(e, ISA_ENC_J(OP_JMP, 1));
    stub(e, direct(pc, target), target, at);
    return;
  }
  if (d->op == OP_CALL) {
    uint32_t ret = pc + 4; /* the guest's return address, not the TC's */
    if (ret >> 16) {
      ins(e, ISA_ENC_I(OP_LUI, REG_LR, 0, ret >> 16));
      if (ret & 0xffff) ins(e, ISA_ENC_I(OP_ORI, REG_LR, REG_LR, ret));
    } else {
      ins(e, ISA_ENC_I(OP_ORI, REG_LR, 0, ret));
    }
    at = e->at;
    last(e, ISA_ENC_J(OP_JMP, 1));
    stub(e, direct(pc, target), target, at);
    return;
  }
  /* Conditional: taken goes to the second stub, fall-through to the first. */
  last(e, ISA_ENC_J(d->op, 2));
  stub(e, direct(pc, pc + 4), pc + 4, 0);
  stub(e, direct(pc, target), target, at);
}

/* jr: an inline cache.  The expansion compares R[rs] with the target it
 * predicts, without touching the flags; on a hit it goes on through a stub
 * of its own, chained like a branch's, and never leaves translated code; on
 * a miss the divu leaves for the monitor, which looks the target up and
 * predicts it from then on (bt_jr_predict: up to BT_JR_PREDICTIONS times).
 * The first prediction is 1, a misaligned address: only a jr that faults
 * anyway can "hit" it.
 *
 *   +0  sw s, SCR(r0)        s: a scratch register other than rs
 *   +4  lui s, hi(predicted)       patched by bt_jr_predict
 *   +8  ori s, s, lo(predicted)    patched by bt_jr_predict
 *  +12  xor s, s, rs         0 iff R[rs] is the prediction
 *  +16  sltu s, zero, s      1 iff it is not
 *  +20  xori s, s, 1         0 iff it is not
 *  +24  divu zero, zero, s   W_PEND (JR): the miss leaves here
 *  +28  lw s, SCR(r0)        unmarked: the jr retires
 *  +32  brk                  W_STUB: gpc = the prediction
 */
enum { JR_LUI = 4, JR_ORI = 8, JR_STUB = 32 };

static void x_jr(em *e, const dinsn *d) {
  uint32_t s = d->rs1 == 1 ? 2 : 1, slot = s == 1 ? VP_SCR1 : VP_SCR2, start = e->at;
  ins(e, SWV(s, slot));
  ins(e, ISA_ENC_I(OP_LUI, s, 0, 0));
  ins(e, ISA_ENC_I(OP_ORI, s, s, 1));
  ins(e, ISA_ENC_R(OP_XOR, s, s, d->rs1));
  ins(e, ISA_ENC_R(OP_SLTU, s, 0, s));
  ins(e, ISA_ENC_I(OP_XORI, s, s, 1));
  emit(e, ISA_ENC_R(OP_DIVU, 0, 0, s), true, (bt_word){e->gpc, start, W_PEND, BX_JR, (uint8_t)d->rs1});
  last(e, LWV(s, slot));
  stub(e, BX_LOOKUP, 1, 0);
}

/* A jr that keeps missing is polymorphic: a return to several callers in
 * turn, a dispatch through a table.  Predicting again at each miss costs
 * two rewritten words (decoded again when they next run) and an unchained
 * and rechained stub, and gains nothing, so after BT_JR_PREDICTIONS the
 * jr keeps its last prediction and a miss only looks the target up.  The
 * count is the stub's description's reg (bt.h). */
uint32_t bt_jr_predict(vm *m, uint32_t start, uint32_t target) {
  bt *b = bt_of(m);
  uint32_t stub = start + JR_STUB;
  bt_word *sw = bt_word_at(b, stub);
  if (sw->reg >= BT_JR_PREDICTIONS) return 0;
  sw->reg++;
  bt_unchain(m, stub);
  bt_word w = *bt_word_at(b, start + JR_LUI);
  uint32_t s = ISA_RD(ld32(m->c->mem + bt_tc_pa(b, start + JR_LUI)));
  bt_put(m, start + JR_LUI, ISA_ENC_I(OP_LUI, s, 0, target >> 16), true, w);
  bt_put(m, start + JR_ORI, ISA_ENC_I(OP_ORI, s, s, target & 0xffff), true, w);
  sw->gpc = target;
  sw->why = (uint8_t)direct(w.gpc, target);
  return stub;
}

/* ---- loads and stores that name the window ---- */

/* An r0-based access reaches the window from translated code, so the
 * translator itself must refuse a guest's: it faults as native hardware
 * would fault on an unmapped page (misalignment first, as the CPU checks). */
static bool window_access(em *e, const dinsn *d) {
  const isa_info *in = &isa_table[d->op];
  if (!isa_has_operand(in, 'm') || d->rs1 != REG_ZERO || d->imm < BT_WINDOW) return false;
  uint32_t size = (d->op == OP_LW || d->op == OP_SW) ? 4 : (d->op == OP_LB || d->op == OP_LBU || d->op == OP_SB) ? 1 : 2;
  bool store = d->op == OP_SW || d->op == OP_SH || d->op == OP_SB;
  uint32_t cause = (d->imm & (size - 1)) ? CAUSE_MISALIGN : store ? CAUSE_PF_STORE : CAUSE_PF_LOAD;
  exit_insn(e, BX_FAULT, cause, d->imm, true);
  return true;
}

/* ---- callouts (adaptive translation, bt_adapt.c) ---- */

/* The instruction at the emitter's gpc kept entering the monitor: a
 * privileged one is copied as a W_CALL word (its trap calls the emulator
 * and the code goes on); a load or store gets a marked W_CALL brk before
 * it (the call makes the shadow entry it needs), then is copied. */
static void x_callout(em *e, int call, uint32_t word) {
  bt_word w = {e->gpc, 0, W_CALL, (uint8_t)call, 0};
  e->first = false;
  if (call == BT_CALL_EMULATE) {
    emit(e, word, false, w);
    return;
  }
  emit(e, ISA_ENC_R(OP_BRK, 0, 0, 0), true, w);
  last(e, word);
}

/* ---- one guest instruction ---- */

/* Privileged instructions after which the monitor must look up the next
 * block afresh: control flow, mode or address space may have changed.
 * (tlbi drops one page: the monitor resumes after it unless that is the
 * page the block runs from; bt_run.c.) */
static bool ends_block(const dinsn *d) {
  switch (d->op) {
  case OP_IRET: case OP_HALT: case OP_WFI: case OP_TLBFLUSH: return true;
  case OP_MTC: return d->imm == CR_PTB || d->imm == CR_PAGING;
  default: return false;
  }
}

/* Expand the instruction at pc; true if it ends the block. */
static bool translate_one(em *e, uint32_t word, uint32_t pc) {
  const bt *b = bt_of(e->m);
  dinsn d;
  e->gpc = pc;
  e->first = true;
  if (!isa_decode(word, &d)) {
    exit_insn(e, BX_FAULT, CAUSE_ILLEGAL, word, true);
    return true;
  }
  const isa_info *in = &isa_table[d.op];
  bool strict = e->m->c->strict_isa;
  switch (in->cls) {
  case CLASS_ORD:
    if (in->fmt == FMT_J) {
      x_branch(e, &d, pc);
      return true;
    }
    if (d.op == OP_JR) {
      x_jr(e, &d);
      return true;
    }
    if (d.op == OP_CALLR) {
      exit_insn(e, BX_CALLR, d.rs1, 0, false);
      return true;
    }
    if (window_access(e, &d)) return true;
    int call = bt_adapt_callout(b, pc, word);
    if (call >= 0) x_callout(e, call, word);
    else last(e, word);
    return false;
  case CLASS_TRAP:
    if (d.op == OP_HCALL) { /* as the CPU: an illegal instruction, which a PV monitor takes (core/hcall.c) */
      exit_insn(e, BX_FAULT, CAUSE_ILLEGAL, word, true);
      return true;
    }
    exit_insn(e, d.op == OP_SYSCALL ? BX_SYSCALL : BX_BREAK, 0, 0, false);
    return true;
  case CLASS_SPEC:
    if (strict) break; /* --isa strict: they trap like privileged ones */
    if (d.op == OP_PUSHF) x_pushf(e);
    else x_popf(e);
    return false;
  case CLASS_PRIV:
    if ((d.op == OP_MFC || d.op == OP_MTC) && d.imm >= NCR) {
      exit_insn(e, BX_FAULT, CAUSE_ILLEGAL, word, true); /* as the CPU: privileged, then illegal */
      return true;
    }
    if (!ends_block(&d) && bt_adapt_callout(b, pc, word) == BT_CALL_EMULATE) return x_callout(e, BT_CALL_EMULATE, word), false;
    if (b->cfg.priv_trap) break;
    if (d.op == OP_CLI) return x_cli(e), false;
    if (d.op == OP_STI) return x_sti(e), false;
    if ((d.op == OP_MFC || d.op == OP_MTC) && x_mfc_mtc(e, &d)) return false;
    break;
  }
  /* Copied unchanged: in real user mode it traps, and the monitor emulates
   * it and resumes after it. */
  last(e, word);
  if (!ends_block(&d)) return false;
  stub(e, BX_LOOKUP, pc + 4, 0);
  return true;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

#ifdef KIT_CHECKS
/* bt.h's rule, checked on every block in the test build: each guest
 * instruction became exactly one unmarked TC word (the one the CPU counts
 * as the guest's retired instruction), or none when it never retires (a
 * fault exit); exit stubs belong to where the guest continues and are all
 * marked. */
static void check_expansions(vm *m, const bt_block *k) {
  bt *b = bt_of(m);
  for (uint32_t i = 0; i < k->ninsns; i++) {
    uint32_t gpc = k->gpc + 4 * i, unmarked = 0;
    bool faults = false;
    for (uint32_t w = 0; w < k->nwords; w++) {
      uint32_t va = k->tc + 4 * w;
      const bt_word *bw = bt_word_at(b, va);
      bool marked = mmu_word_marked(m->c, bt_tc_pa(b, va));
      KIT_ASSERT(bw->kind != W_STUB || marked, "bt_translate: an unmarked exit stub");
      if (bw->kind == W_STUB || bw->gpc != gpc) continue;
      unmarked += !marked;
      faults |= bw->kind == W_EXIT && bw->why == BX_FAULT;
    }
    KIT_ASSERT(unmarked == 1 || (unmarked == 0 && faults), "bt_translate: a guest instruction not one unmarked word");
  }
}
#else
#define check_expansions(m, k) ((void)0)
#endif

bt_block *bt_translate(vm *m, uint32_t gpc, uint32_t gpa) {
  double t0 = now();
  bt *b = bt_of(m);
  em e = {m, bt_reserve(m), gpc, true};
  uint32_t start = e.at;
  const uint8_t *page = m->c->mem + m->base + (gpa & ~PAGE_MASK);
  uint32_t pc = gpc, n = 0;
#if LAB_SOLUTION >= 3
  for (;;) {
    uint32_t word = ld32(page + (pc & PAGE_MASK));
    n++;
    if (translate_one(&e, word, pc)) break;
    pc += 4;
    if ((pc & PAGE_MASK) == 0 || n == BT_MAX_INSNS) { /* the page or the block ends */
      stub(&e, direct(pc - 4, pc), pc, 0);
      break;
    }
  }
#else
  /* Lab 3: scan the block.  From pc = gpc, read each guest word from
   * `page` (the guest page's bytes: offset pc & PAGE_MASK), count it in n
   * and expand it (translate_one, which returns true when that instruction
   * ends the block).  A block that reaches the end of its guest page, or
   * BT_MAX_INSNS instructions, ends with an exit stub to the next pc:
   * stub(&e, direct(last pc, next pc), next pc, 0). */
  (void)page, (void)pc, (void)translate_one;
  LAB_TODO(3, "vmm/bt/bt_translate.c bt_translate: scanning the block");
#endif
  bt_block *k = bt_insert(m, gpc, gpa, start, n, (e.at - start) / 4);
  check_expansions(m, k);
  bt_protect(m, gpa, n);
  b->n.translations++;
  b->n.translated_insns += n;
  m->c->st.cycles += (uint64_t)n * m->c->cost.c[COST_TRANSLATE];
  b->n.translate_seconds += now() - t0;
  return k;
}
