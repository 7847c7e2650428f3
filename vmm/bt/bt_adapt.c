/* bt_adapt.c: adaptive binary translation (--bt-adaptive, on by default).
 *
 * Translated code still enters the monitor for some guest instructions:
 * a privileged instruction the translator copied (tlbi, a read of the
 * timer, all of them under --bt-priv trap) traps and is emulated, and a
 * load or store whose page the shadow lacks takes a hidden fault that the
 * monitor fills.  Each such entry is a world switch and a trap, and the
 * return into the TC.  VMware's translator (Adams and Agesen, ASPLOS 2006,
 * section 3.2) watched for guest instructions that keep doing this and
 * translated them again so that they stop: the new translation calls the
 * monitor's handler in line, a CALLOUT, and goes on.
 *
 *   count      every monitor entry from translated code, by the guest pc
 *              of the instruction whose trap or fault brought control
 *              there (bt_adapt_note, called by bt_run.c after handling it)
 *   decide     at BT_ADAPT_THRESHOLD entries the instruction becomes HOT
 *              if a callout can stand for its exit (eligible below), else
 *              NEVER (it is not counted again)
 *   translate  the block it was found in is translated again; the
 *              translator asks bt_adapt_callout for each instruction, so
 *              the new block, and every block made from now on, holds the
 *              callout.  The old block's first word becomes a jump to the
 *              new one: jumps chained into it, and a resume inside it,
 *              still work, and bt_find finds the new block first.
 *   review     an access callout that seldom spares a fault is taken out
 *              again (bt_adapt_called), for good
 *   call       the callout word traps (the kit's CPU reaches C only that
 *              way) and bt_run.c runs the SAME handler the exit would
 *              (vm_emulate; shadow_fault), charged COST_CALLOUT in place
 *              of the world switch and the trap (bt_adapt_charge).
 *
 * The threshold: translating a block again costs COST_TRANSLATE for each
 * of its instructions (600 cycles under early-vtx; a block averages about
 * ten), and each callout saves a world switch and a trap (1,100 cycles
 * there, 520 under modern).  Eight entries repay a block of ten under
 * early-vtx and most of one under modern, and an instruction that traps
 * only during start-up (a few times) is never translated again.
 *
 * Eligible instructions, those whose exit a callout can stand for:
 *   BT_CALL_EMULATE  privileged instructions after which the translation
 *                    goes on (not iret, halt, wfi, tlbflush, mtc of ptb or
 *                    paging: they end the block, and the monitor must look
 *                    again), copied by the translator: tlbi, mfc of the
 *                    timer, and under --bt-priv trap cli, sti, mfc, and
 *                    mtc but of the timer (the run's budget was cut to
 *                    the timer's period: a new one must end the run).  After the call, the handler leaves after all
 *                    when the emulation needs the monitor's loop (tlbi of
 *                    the page the code runs from, an interrupt it made
 *                    deliverable).
 *   BT_CALL_ACCESS   loads and stores (not pushf, popf, whose expansions
 *                    hold their access in the middle, nor the window's).
 *                    The call fills the shadow entry the access lacks,
 *                    exactly as its hidden fault would have.
 *
 * The hook for other reasons to enter the monitor: a store that faults
 * because the monitor traces the page it writes (a guest page table under
 * traced shadow paging) comes through bt_run.c's page_fault like a hidden
 * fault; calling bt_adapt_note there after the monitor has handled it, and
 * making the BT_CALL_ACCESS callout (bt_run.c, callout_access) do the
 * traced write's work before the store, is all it takes.
 *
 * Equivalence: a callout does what the exit would have done, at the same
 * guest instruction, before the same guest-visible effect; the guest sees
 * the same instructions, traps and memory (the lockstep checker runs bt
 * with adaptation on and off against native).
 */
#include "bt.h"
#include "isa_info.h"
#include "mmu.h"

static uint32_t slot_of(uint32_t gpc) { return ((gpc >> 2) * 2654435761u) >> 22 & (BT_ADAPT_SLOTS - 1); }

/* The record of gpc, made if `make` (NULL: not there, or the table full). */
static bt_hot *hot_at(bt *b, uint32_t gpc, bool make) {
  for (uint32_t i = slot_of(gpc), n = 0; n < BT_ADAPT_SLOTS; i = (i + 1) & (BT_ADAPT_SLOTS - 1), n++) {
    bt_hot *h = &b->hot[i];
    if (h->gpc == gpc + 1) return h;
    if (h->gpc == 0) {
      if (!make || b->nhot >= BT_ADAPT_SLOTS / 2) return NULL; /* half full: probes stay short */
      b->nhot++;
      h->gpc = gpc + 1;
      return h;
    }
  }
  return NULL;
}

static bool is_access(const dinsn *d) {
  switch (d->op) {
  case OP_LW: case OP_LH: case OP_LHU: case OP_LB: case OP_LBU: case OP_SW: case OP_SH: case OP_SB:
    return !(d->rs1 == REG_ZERO && d->imm >= BT_WINDOW); /* the window's fault exits */
  default: return false;
  }
}

/* What a callout for word would call, or -1 if none can stand for its exit
 * (the translator, bt_translate.c, copies exactly these privileged
 * instructions and lets them trap). */
static int eligible(const bt *b, uint32_t word) {
  dinsn d;
  if (!isa_decode(word, &d)) return -1;
  if (is_access(&d)) return BT_CALL_ACCESS;
  switch (d.op) {
  case OP_TLBI: return BT_CALL_EMULATE;
  case OP_CLI: case OP_STI: return b->cfg.priv_trap ? BT_CALL_EMULATE : -1;
  case OP_MFC: /* the timer's reading, or any under --bt-priv trap */
    if (d.imm >= NCR) return -1;
    return b->cfg.priv_trap || d.imm == CR_TIMER ? BT_CALL_EMULATE : -1;
  case OP_MTC: /* not the timer: the run's budget was cut to its period */
    if (d.imm >= NCR || d.imm == CR_PTB || d.imm == CR_PAGING || d.imm == CR_TIMER) return -1;
    return b->cfg.priv_trap ? BT_CALL_EMULATE : -1;
  default: return -1;
  }
}

int bt_adapt_callout(const bt *b, uint32_t gpc, uint32_t word) {
  if (b->cfg.no_adapt || !b->nhot) return -1;
  bt_hot *h = hot_at((bt *)(uintptr_t)b, gpc, false); /* (a lookup only: nothing is made) */
  if (!h || h->state != HOT_CALLOUT) return -1;
  return eligible(b, word);
}

/* The block whose words hold TC address va (blocks never overlap). */
static bt_block *block_at(bt *b, uint32_t va) {
  for (uint32_t i = 0; i < b->nblocks; i++) {
    bt_block *k = &b->blocks[i];
    if (va >= k->tc && va - k->tc < 4u * k->nwords) return k;
  }
  return NULL;
}

/* Translate block k again (an instruction in it now a callout, or no longer) and send
 * the old one's entry to the new.  Waits while the TC has no room: a flush
 * here would overwrite the code the CPU is running. */
static void retranslate(vm *m, bt_block *k) {
  bt *b = bt_of(m);
  if (k->superseded || b->tc_used + BT_MAX_BLOCK_WORDS > b->tc_words) return;
  uint32_t old = k->tc, gpc = k->gpc, gpa = k->gpa;
  k->superseded = true; /* (k may move: bt_insert can grow the table) */
  const bt_block *n = bt_translate(m, gpc, gpa);
  /* A chained jump, like a stub's (bt.h, W_STUB): a boundary where the
   * guest is at gpc, the block's first instruction not yet begun. */
  bt_put(m, old, ISA_ENC_J(OP_JMP, (n->tc - old) >> 2), true, (bt_word){gpc, old, W_STUB, BX_CHAINED, 0});
  b->n.retranslations++;
}

void bt_adapt_note(vm *m, uint32_t va) {
  bt *b = bt_of(m);
  if (b->cfg.no_adapt || !bt_in_tc(b, va) || va >= b->tc_va + 4 * b->tc_used) return;
  const bt_word *w = bt_word_at(b, va);
  if (w->kind == W_CALL || w->kind == W_STUB) return;
  bt_hot *h = hot_at(b, w->gpc, true);
  if (!h || h->state == HOT_NEVER) return;
  uint32_t threshold = b->cfg.adapt_threshold ? b->cfg.adapt_threshold : BT_ADAPT_THRESHOLD;
  if (h->state == HOT_COUNTING && ++h->count < threshold) return;
  bt_block *k = block_at(b, va);
  if (!k) return;
  if (h->state == HOT_COUNTING) {
    const uint8_t *page = m->c->mem + m->base + (k->gpa & ~PAGE_MASK);
    uint32_t word = ld32(page + (w->gpc & PAGE_MASK));
    if (eligible(b, word) < 0) {
      h->state = HOT_NEVER;
      return;
    }
    h->state = HOT_CALLOUT;
    b->n.adapted_insns++;
  }
  /* Hot, and entering the monitor from a block made before it was: that
   * block is translated again (another block holding the same instruction
   * comes here when it traps in its turn). */
  retranslate(m, k);
}

/* An access callout is paid at every execution, a fault only at a page
 * the shadow lacks: a store that faults at the first word of each page it
 * fills, then runs a thousand times without, loses by the callout.  So
 * every BT_ADAPT_REVIEW calls the callout is reviewed, and if fewer than
 * a quarter had a fault to spare, the instruction is translated once more
 * as a plain access and never again made a callout. */
void bt_adapt_called(vm *m, uint32_t va, bool useful) {
  bt *b = bt_of(m);
  bt_hot *h = hot_at(b, bt_word_at(b, va)->gpc, false);
  if (!h || h->state != HOT_CALLOUT) return;
  h->useful += useful;
  if (++h->calls < BT_ADAPT_REVIEW) return;
  bool keep = 4u * h->useful >= h->calls;
  h->calls = h->useful = 0;
  if (keep) return;
  h->state = HOT_NEVER;
  b->n.unadapted_insns++;
  /* The newest translation of the block the CPU is in (it may be running
   * an older one, superseded already). */
  bt_block *k = block_at(b, va);
  if (k && (k = bt_find(b, k->gpc, k->gpa)) != NULL) retranslate(m, k);
}

void bt_adapt_charge(vm *m) {
  cpu *c = m->c;
  c->st.cycles -= c->cost.c[COST_TRAP]; /* charged by the CPU just now, for the trap that stands for the call */
  c->st.cycles += c->cost.c[COST_CALLOUT];
  bt_of(m)->n.callouts++;
}
