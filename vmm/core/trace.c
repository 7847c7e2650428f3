/* trace.c: traced shadow page tables (--shadow trace), VMware's way.
 *
 * Lazy shadow paging (shadow.c, the default) treats the shadow as a large
 * TLB: the guest may edit its page tables freely, and the monitor drops
 * shadow entries when the guest invalidates its TLB (tlbi, tlbflush, a
 * CR[ptb] write), instructions that trap anyway.  Tracing, as VMware's
 * monitor did, keeps the shadow up to date instead:
 *
 *   the shadow is built from a guest page directory or page table
 *        --> that guest page is TRACED: every shadow entry mapping it
 *            withholds W (SPTE_WP, as bt's watched code pages)
 *   the guest stores to a traced page --> a store fault, which the guest
 *        never sees (an exit of the monitor's: trace_fault, from exit.c)
 *        --> the monitor performs the store (COST_EMULATE) and remakes or
 *            drops the shadow entries built from the word it changed
 *            (COST_SHADOW_FILL each; a directory entry's whole table,
 *            COST_SHADOW_SCAN), and charges the page's protection when it
 *            becomes traced (COST_WRITE_PROTECT)
 *   the guest invalidates --> the shadow is already right: the monitor
 *        only drops what the REAL TLB holds (tlbi: one page; tlbflush
 *        and a CR[ptb] write of the same space: all of it; trap.c)
 *
 * The guest's TLB semantics stay as natively: a traced store changes the
 * shadow but not the real TLB, whose entries (a TLB of the same size and
 * shape as the native one) keep the old translation until the guest
 * invalidates it, so a kernel that reads through a stale entry before its
 * tlbi reads what the native TLB would give it.  (Where the monitor
 * flushes the real TLB for its own reasons, a world switch between the
 * two roots of trap mode, early-vtx's VM exits, the guest sees its new
 * entry sooner; lazy keeps the old one longer than a native TLB would.
 * The ISA allows both, docs/reliability.md; nothing the kit's kernels or
 * generated kernels do depends on it.)
 *
 * Which pages are traced: the directory (CR[ptb]) and every page table
 * the CURRENT address space's shadow entries were built from, marked as
 * each entry is made (shadow.c calls trace_note).  Another address space
 * kept for later is not traced: switching back to it is an invalidation
 * anyway, and shadow.c checks its entries then, as lazy does.  A page
 * stops being traced when the guest switches address space, or the
 * shadow is thrown away (trace_forget: every page at once); then only
 * the pages the checked entries come from are traced again, and a page
 * that is no longer a page table takes one more fault at its next store,
 * which gives W back (as bt does for a page that no longer holds code).
 *
 * The trade-off: a traced store costs an exit where lazy's costs nothing;
 * lazy pays at the invalidation instead (a resync, then a hidden fault to
 * refill the entry).  A kernel that edits many entries and invalidates
 * once (fork) is cheaper lazy; one that edits an entry it keeps using
 * (ptemod's accessed entries) is cheaper traced.  bench/shadow.c measures
 * both, docs/compare.md shows them.
 */
#include <stdlib.h>
#include <string.h>

#include "isa_info.h"
#include "mmu.h"
#include "mode.h"

/* What a traced guest page is to the current space's shadow. */
enum { ROLE_PD = 1, ROLE_PT = 2, ROLE_MULTI = 4 /* a page table under more than one directory index */ };

typedef struct trace_page {
  uint32_t gen;  /* traced while gen == m->trace_gen */
  uint16_t pdx;  /* ROLE_PT: the directory index it serves */
  uint8_t role;
} trace_page;

int trace_attach(vm *m) {
  uint32_t pages = m->size >> PAGE_SHIFT;
  m->trace = calloc(pages, sizeof *m->trace);
  if (!m->trace) return -1;
  if (!m->wref) { /* the record of writable entries, if no technique keeps one */
    m->wref = calloc(pages, sizeof *m->wref);
    if (!m->wref) return trace_free(m), -1;
    m->trace_wref = true;
  }
  m->trace_gen = 1;
  m->n.traced = true;
  return 0;
}

void trace_free(vm *m) {
  free(m->trace);
  if (m->trace_wref) free(m->wref);
  m->trace = NULL;
  if (m->trace_wref) m->wref = NULL;
  m->trace_wref = false;
}

int trace_clone(vm *to, const vm *from) {
  if (!from->trace) return 0;
  uint32_t pages = from->size >> PAGE_SHIFT;
  to->trace = malloc(pages * sizeof *to->trace);
  if (to->trace) memcpy(to->trace, from->trace, pages * sizeof *to->trace);
  if (from->trace_wref) {
    to->wref = malloc(pages * sizeof *to->wref);
    if (to->wref) memcpy(to->wref, from->wref, pages * sizeof *to->wref);
  }
  if (!to->trace || (from->trace_wref && !to->wref)) {
    free(to->trace), to->trace = NULL;
    if (from->trace_wref) free(to->wref), to->wref = NULL;
    return -1;
  }
  return 0;
}

static trace_page *page_of(const vm *m, uint32_t gpa) {
  return gpa < m->size ? &m->trace[gpa >> PAGE_SHIFT] : NULL;
}

bool trace_traced(const vm *m, uint32_t gpa) {
  const trace_page *t = m->trace ? page_of(m, gpa) : NULL;
  return t && t->gen == m->trace_gen;
}

void trace_forget(vm *m) {
  if (m->trace) m->trace_gen++;
}

/* Guest page gpa becomes traced in `role`: the entries that let the guest
 * write it lose W, and the real TLB forgets them (it may cache W). */
static void trace_mark(vm *m, uint32_t gpa, uint8_t role, uint32_t d) {
  trace_page *t = page_of(m, gpa);
  if (!t) return; /* (never: a walk that got this far stayed inside) */
  if (t->gen != m->trace_gen) {
    *t = (trace_page){.gen = m->trace_gen, .role = role, .pdx = (uint16_t)d};
    m->n.traced_pages++;
    shadow_protect_entries(m, gpa); /* charged COST_WRITE_PROTECT */
    cpu *c = m->c;
    uint32_t ppn = (m->base + gpa) >> PAGE_SHIFT;
    for (uint32_t i = 0; i < c->tlb_size; i++)
      if (c->tlb[i].tag && c->tlb[i].ppn == ppn) c->tlb[i].tag = 0;
    c->fetch_va = FETCH_NONE;
    return;
  }
  if ((role & ROLE_PT) && (t->role & ROLE_PT) && t->pdx != d) t->role |= ROLE_MULTI;
  if ((role & ROLE_PT) && !(t->role & ROLE_PT)) t->pdx = (uint16_t)d;
  t->role |= role;
}

void trace_note(vm *m, uint32_t va) {
  if (!m->trace || !(m->v.cr[CR_PAGING] & 1)) return; /* paging off: no tables */
  uint32_t pd = m->v.cr[CR_PTB] & ~PAGE_MASK, d = PDX(va);
  trace_mark(m, pd, ROLE_PD, 0);
  uint32_t pde_gpa = PDE_AT(m->v.cr[CR_PTB], va);
  if (pde_gpa > m->size - 4) return;
  uint32_t pde = ld32(m->c->mem + m->base + pde_gpa);
  if ((pde & PTE_V) && PTE_ADDR(pde) < m->size) trace_mark(m, PTE_ADDR(pde), ROLE_PT, d);
}

void trace_written(vm *m, uint32_t gpa, uint32_t len) {
  if (!len || !trace_traced(m, gpa)) return;
  const trace_page t = *page_of(m, gpa); /* (a copy: the updates may mark pages) */
  uint32_t page = gpa & ~PAGE_MASK, i = (gpa & PAGE_MASK) >> 2; /* the entry written (stores are aligned) */
  uint32_t changed = 0;
  bool paging = m->v.cr[CR_PAGING] & 1;
  if (paging && (t.role & ROLE_PD) && page == (m->v.cr[CR_PTB] & ~PAGE_MASK))
    changed += shadow_drop_table(m, i); /* a directory entry: its table's entries came from the old one */
  if (paging && (t.role & ROLE_PT)) {
    if (!(t.role & ROLE_MULTI)) {
      changed += shadow_refresh(m, PT_VA(t.pdx, i));
    } else { /* every index of the directory that names this table */
      uint32_t pd = m->v.cr[CR_PTB] & ~PAGE_MASK;
      for (uint32_t d = 0; d < PT_ENTRIES && pd + 4 * d < m->size; d++) {
        uint32_t pde = ld32(m->c->mem + m->base + pd + 4 * d);
        if ((pde & PTE_V) && PTE_ADDR(pde) == page) changed += shadow_refresh(m, PT_VA(d, i));
      }
      m->c->st.cycles += m->c->cost.c[COST_SHADOW_SCAN];
    }
  }
  m->n.traced_updates += changed;
}

/* ---- the exit: a store to a traced page ---- */

/* The translation the CPU faulted on: the real TLB's entry for va if it
 * holds one (a stale one, perhaps: natively the store would go where it
 * says), else the shadow's.  Fills the host-physical page and the entry's
 * low bits; *at: the shadow entry (0 if none). */
static bool faulted_on(vm *m, uint32_t va, uint32_t *hpage, uint32_t *bits, uint32_t *at) {
  cpu *c = m->c;
  const tlb_entry *e = &c->tlb[(va >> PAGE_SHIFT) & (c->tlb_size - 1)];
  *at = shadow_entry(m, shadow_current(m), va);
  if (e->tag == ((va & ~PAGE_MASK) | c->tag_lo)) {
    *hpage = e->ppn << PAGE_SHIFT;
    *bits = e->bits;
    return true;
  }
  if (!*at) return false;
  uint32_t spte = ld32(c->mem + *at);
  *hpage = PTE_ADDR(spte);
  *bits = spte & PAGE_MASK;
  return true;
}

bool trace_fault(vm *m, const trap_info *t) {
  if (!m->trace || t->cause != CAUSE_PF_STORE) return false;
  cpu *c = m->c;
  uint32_t va = t->value, hpage, bits, at;
  if (m->window_va && va >= m->window_va) return false;
  if (!faulted_on(m, va, &hpage, &bits, &at) || (bits & (PTE_V | SPTE_WP)) != (PTE_V | SPTE_WP)) return false;
  /* Only the withheld W may have refused it: not a kernel page (U=0,
   * where one root serves both modes) reached from user mode. */
  if (vm_user(m) && !(bits & PTE_U)) return false;
  if (hpage < m->base || hpage - m->base >= m->size) return false; /* (never: entries point inside) */
  uint32_t gpa = hpage - m->base + PGOFF(va);
  if (m->wprot && m->wprot[gpa >> PAGE_SHIFT]) return false; /* the technique's watched page */
  if (!trace_traced(m, gpa)) {
    /* No longer a page table: W comes back, and the store runs again. */
    if (at && PTE_ADDR(ld32(c->mem + at)) == hpage) shadow_allow_write(m, at, gpa);
    cpu_tlb_flush_page(c, va);
    return true;
  }
  /* The store, decoded: the CPU's trap record carries it (trap, bt's
   * user mode); a VM exit does not, so read it where the guest ran it. */
  dinsn d = t->insn;
  if (d.op != OP_SW && d.op != OP_SH && d.op != OP_SB && d.op != OP_PUSHF) {
    uint32_t pc_gpa, w;
    if (guest_peek(m, t->pc, P_X, &pc_gpa) != 0 || !isa_decode((w = ld32(c->mem + m->base + pc_gpa)), &d))
      cpu_panic("trace_fault: a store fault from no store");
  }
  uint32_t hpa = m->base + gpa, len = 4, val = m->v.r[d.rd];
  switch (d.op) {
  case OP_SW: st32(c->mem + hpa, val); break;
  case OP_SH: st16(c->mem + hpa, (uint16_t)val), len = 2; break;
  case OP_SB: c->mem[hpa] = (uint8_t)val, len = 1; break;
  case OP_PUSHF: /* the flags the CPU would have pushed: the guest's own under hw */
    st32(c->mem + hpa, m->mode->cpu_runs_vcpu ? m->v.flags : c->flags);
    m->v.r[REG_SP] = va;
    break;
  default: cpu_panic("trace_fault: a store fault from no store");
  }
  m->n.traced_writes++;
  c->st.cycles += c->cost.c[COST_EMULATE];
  cpu_phys_written(c, hpa, len); /* decoded code there; a technique's watch */
  trace_written(m, gpa, len);
  if (vm_user(m)) m->gst.user_insns++;
  vm_retire(m);
  return true;
}

/* Traced, the shadow already holds the guest's new entries: an
 * invalidation drops only what the real TLB caches, as the native TLB
 * would, charged as its flush.  It is still counted in shadow_syncs, the
 * guest's invalidations the shadow followed (a translator checks its
 * links at each: bt/). */
static void trace_invalidate(vm *m, uint32_t va, bool all) {
  if (all)
    cpu_tlb_flush(m->c, false);
  else if (!m->window_va || va < m->window_va) /* the window is the monitor's (shadow_invalidate) */
    cpu_tlb_flush_page(m->c, va);
  m->n.shadow_syncs++;
  m->c->st.cycles += m->c->cost.c[COST_TLB_FLUSH];
}

bool trace_emulate(vm *m, const dinsn *d) {
  switch (d->op) {
  case OP_TLBI: trace_invalidate(m, m->v.r[d->rs1], false); break;
  case OP_TLBFLUSH: trace_invalidate(m, 0, true); break;
  case OP_MTC: {
    if (d->imm != CR_PTB && d->imm != CR_PAGING) return false;
    uint32_t old = m->v.cr[d->imm], val = m->v.r[d->rs1];
    m->v.cr[d->imm] = d->imm == CR_PAGING ? val & 1 : val;
    if (!shadow_sync_traced(m)) { /* another space: the lab's emu_mtc, as lazily */
      m->v.cr[d->imm] = old;
      return false;
    }
    trace_invalidate(m, 0, true); /* the same space, traced: only the TLB */
    break;
  }
  default: return false;
  }
  vm_retire(m);
  return true;
}
