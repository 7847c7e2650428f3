/* shadow.c: shadow page tables, the slides' "nested page tables" kept in
 * software.
 *
 * The real MMU never sees the guest's page tables.  It walks tables that the
 * monitor owns (the shadow), which map guest-virtual addresses straight to
 * host-physical ones.  The monitor builds them lazily:
 *
 *   guest touches va --> real page fault (no shadow entry yet) --> monitor
 *   walks the GUEST's table for va, in the guest's virtual mode:
 *     - the guest's table says no   --> reflect the page fault to the guest
 *     - the guest's table says yes  --> fill the shadow entry and resume:
 *                                       a hidden fault, the guest never knows
 *
 * Two roots, one per virtual mode.  Virtual kernel and virtual user mode
 * both run in real user mode, so the real U bit cannot separate them; the
 * user root holds only the guest's U=1 mappings, so virtual user code can
 * never reach a page the guest kernel keeps to itself.  Where the real MMU
 * can tell the two apart (m->one_root), one root keeps the guest's U bits
 * and serves both.
 *
 * Two things a technique may add, which this file serves without knowing
 * whose they are: a monitor window (m->window_va: the top of the address
 * space is the monitor's, mapped in the virtual-kernel root by
 * m->window_pde, and to the guest never mapped at all), and watched pages
 * (m->wprot: their shadow entries stay read-only, SPTE_WP, so that the
 * guest's writes come to the monitor).  So that watching a page costs a
 * few entries' work, not a search of every table, the entries given W are
 * recorded per guest page as they are made (m->wref, shadow_protect).
 *
 * Tracking guest page-table edits: the ISA says a changed PTE may be used
 * stale until the kernel executes tlbi or tlbflush or rewrites CR[ptb].  The
 * shadow is therefore treated as a (large) TLB: the monitor drops shadow
 * entries exactly when the guest invalidates its TLB, and those instructions
 * are privileged, so they trap to the monitor anyway.  The alternative,
 * write-protecting every guest page-table page, traps on every PTE write;
 * resynchronising on invalidation costs nothing extra.  (That alternative
 * is --shadow trace, trace.c: this file serves it through trace_note, the
 * pages an entry comes from, and shadow_refresh, one entry made again.)  A new
 * address space (a CR[ptb] write, at every guest context switch) would
 * cost a full rebuild through hidden faults, so the shadows of the last
 * few spaces are kept and checked entry by entry when the guest comes
 * back to one (below); a space the guest has not run lately still costs
 * the rebuild: that is the price of shadow paging the ptemod and forkwait
 * microbenchmarks show.
 *
 * Dirty bits: a shadow entry is writable only once the guest's PTE is
 * dirty, so the first write faults (hidden) and the monitor sets D in the
 * guest's PTE as the hardware would.  Entries point only inside the VM's
 * own memory, whatever the guest writes in its tables.
 */
#include <string.h>

#include "mmu.h"
#include "mode.h"

static uint32_t ld(const vm *m, uint32_t hpa) { return ld32(m->c->mem + hpa); }
static void st(vm *m, uint32_t hpa, uint32_t v) { st32(m->c->mem + hpa, v); }

/* A shadow entry at hpa `at`, just written with spte: if it grants W to a
 * watched VM's page, record where (vm.h, shadow_wref). */
static void note_write(vm *m, uint32_t at, uint32_t spte) {
  if (!m->wref || !(spte & PTE_V) || !(spte & PTE_W)) return;
  uint32_t gpa = PTE_ADDR(spte) - m->base;
  if (gpa >= m->size) return; /* (never: entries point inside) */
  shadow_wref *r = &m->wref[gpa >> PAGE_SHIFT];
  if (r->epoch != m->wref_epoch) *r = (shadow_wref){.epoch = m->wref_epoch};
  for (uint32_t i = 0; i < r->n && i < SHADOW_WREFS; i++)
    if (r->at[i] == at) return;
  if (r->n < SHADOW_WREFS) r->at[r->n] = at;
  if (r->n <= SHADOW_WREFS) r->n++;
}

static bool in_pool(const vm *m, uint32_t pa) { return pa >= m->pool && pa < m->pool + SHADOW_POOL * PAGE_SIZE; }

/* Give a page back to the pool: a list threaded through first words. */
static void pool_give(vm *m, uint32_t pa) {
  st(m, pa, m->pool_free);
  m->pool_free = pa;
}

/* Give back a kept space's tables and forget it. */
static void space_free(vm *m, shadow_space *s) {
  for (int i = 0; i < 2; i++) {
    uint32_t pd = s->root[i].pd;
    if (!pd) continue;
    for (uint32_t d = 0; d < PT_ENTRIES; d++) { /* the window's table is not the pool's */
      uint32_t pde = ld(m, pd + 4 * d);
      if ((pde & PTE_V) && in_pool(m, PTE_ADDR(pde))) pool_give(m, PTE_ADDR(pde));
    }
    pool_give(m, pd);
  }
  memset(s, 0, sizeof *s);
}

/* The kept space that ran longest ago, NULL if none is kept. */
static shadow_space *space_oldest(vm *m) {
  shadow_space *o = NULL;
  for (int i = 0; i < SHADOW_KEPT; i++)
    if (m->kept[i].key && (!o || m->kept[i].used < o->used)) o = &m->kept[i];
  return o;
}

/* A zeroed page from the pool, or 0 when the pool is used up.  Kept
 * spaces give their pages back, oldest first, before the pool grows past
 * SHADOW_POOL_KEEP pages: host memory the guest never touched costs
 * nothing, and with many guests running that matters (docs/multi.md). */
static uint32_t pool_alloc(vm *m) {
  uint32_t pa;
  for (;;) {
    if (m->pool_free) {
      pa = m->pool_free;
      m->pool_free = ld(m, pa);
      break;
    }
    shadow_space *o = space_oldest(m);
    if (m->pool_used < (o ? SHADOW_POOL_KEEP : SHADOW_POOL)) {
      pa = m->pool + m->pool_used++ * PAGE_SIZE;
      break;
    }
    if (!o) return 0;
    space_free(m, o);
  }
  KIT_ASSERT(in_pool(m, pa) && m->pool_used <= SHADOW_POOL, "pool_alloc: a page outside the pool");
  memset(m->c->mem + pa, 0, PAGE_SIZE);
  return pa;
}

/* Which guest address space the shadow stands for: what the guest's
 * translations depend on (the monitor's own state, the window and the
 * write-protected pages, is checked entry by entry). */
static uint32_t shadow_key(const vm *m) {
  return (m->v.cr[CR_PAGING] & 1) ? (m->v.cr[CR_PTB] & ~PAGE_MASK) | 2 : 1;
}

void shadow_init(vm *m) {
  m->wref_epoch++; /* no entry of the current space is left */
  trace_forget(m); /* nor any page the shadow was built from */
  memset(&m->cur, 0, sizeof m->cur);
  memset(m->kept, 0, sizeof m->kept);
  m->cur.key = shadow_key(m);
  m->pool_used = 0;
  m->pool_free = 0;
}

int shadow_roots(const vm *m, uint32_t pd[SHADOW_ROOTS]) {
  int n = 0;
  for (int s = -1; s < SHADOW_KEPT; s++)
    for (int i = 0; i < 2; i++) {
      uint32_t r = (s < 0 ? &m->cur : &m->kept[s])->root[i].pd;
      if (r) pd[n++] = r;
    }
  return n;
}

void shadow_drop_all(vm *m) {
  shadow_init(m);
  cpu_tlb_flush(m->c, false); /* the monitor's own flush, not the guest's */
}

uint32_t shadow_current(vm *m) {
#if LAB_SOLUTION >= 4
  shadow_root *r = &m->cur.root[m->one_root ? 0 : vm_user(m)];
#else
  /* Lab 4: one root for both virtual modes, so a page the guest kernel
   * touched stays mapped when the guest drops to virtual user mode.  Pick
   * m->cur.root[0] in virtual kernel mode, m->cur.root[1] in virtual user mode
   * (vm_user), and always m->cur.root[0] when m->one_root (the modes whose
   * real MMU separates the two: vm.h). */
  shadow_root *r = &m->cur.root[0];
#endif
  if (!r->pd) {
    r->pd = pool_alloc(m);
    if (!r->pd) {
      m->n.shadow_resets++;
      shadow_drop_all(m);
      r->pd = pool_alloc(m);
    }
    /* The kernel root maps the monitor's window, if it has one. */
    KIT_ASSERT(PGOFF(m->window_va) == 0 && PTX(m->window_va) == 0, "shadow_current: a window of whole tables");
    if (m->window_pde && r == &m->cur.root[0]) st(m, PDE_AT(r->pd, m->window_va), m->window_pde);
  }
  return r->pd;
}

/* The guest's MMU, in software: the same walk as cpu/mmu.c, over the
 * guest's tables in guest-physical memory.  Sets A (and D for a write) in
 * the guest's PTE as the hardware would.  Returns 0 or the fault cause;
 * fills *gpa and the guest PTE's flags.  `user`: an access from (virtual)
 * user mode. */
static int guest_walk(const vm *m, uint32_t va, uint32_t need, bool user, uint32_t *gpa, uint32_t *flags,
                      bool touch) {
  uint32_t cause = need == P_W ? CAUSE_PF_STORE : need == P_X ? CAUSE_PF_FETCH : CAUSE_PF_LOAD;
  const vcpu *v = &m->v;
  if (!(v->cr[CR_PAGING] & 1)) {
    if (va >= m->size) return (int)cause;
    *gpa = va;
    *flags = PTE_V | PTE_W | PTE_U | PTE_A | PTE_D; /* paging off: no protection */
    return 0;
  }
#if LAB_SOLUTION >= 4
  uint32_t pde_gpa = PDE_AT(v->cr[CR_PTB], va);
  if (pde_gpa > m->size - 4) return (int)cause;
  uint32_t pde = ld(m, m->base + pde_gpa);
  if (!(pde & PTE_V)) return (int)cause;
  uint32_t pte_gpa = PTE_AT(pde, va);
  if (pte_gpa > m->size - 4) return (int)cause;
  uint32_t pte = ld(m, m->base + pte_gpa);
  if (!(pte & PTE_V) || (pte >> PAGE_SHIFT) >= (m->size >> PAGE_SHIFT)) return (int)cause;
  /* As the real MMU does: the walk fills the TLB, setting A, before the
   * permissions are checked, so an access they refuse still sets A. */
  bool allowed = !(user && !(pte & PTE_U)) && !(need == P_W && !(pte & PTE_W));
  uint32_t bits = PTE_A | (allowed && need == P_W ? PTE_D : 0);
  if (touch && (pte & bits) != bits) {
    pte |= bits;
    cpu_phys_write(m->c, m->base + pte_gpa, &pte, 4);
  }
  if (!allowed) return (int)cause;
  *gpa = PTE_ADDR(pte) | PGOFF(va);
  *flags = pte & PAGE_MASK;
  return 0;
#else
  /* Lab 4: walk the GUEST's two-level table as cpu/mmu.c walks a real one
   * (the picture is in cpu/pt.h): the directory at guest-physical
   * CR[ptb] (v->cr), index PDX(va); its entry names a page table, index
   * PTX(va); its entry names the page (PDE_AT and PTE_AT give the
   * entries' addresses, PTE_ADDR the page an entry names).  Entries hold
   * guest-physical addresses: read them at host-physical m->base + gpa
   * (ld), and fault (return cause) on an invalid entry, or one that
   * points past guest memory (m->size).  Then, as the hardware does: set
   * A in the guest PTE, and D too for an allowed write, when `touch`
   * (with cpu_phys_write, so that the CPU sees the change), even if the
   * access is then refused; refuse a user access (`user`) to a U=0 page
   * and a write to a W=0 page.  On success fill *gpa and *flags (the
   * PTE's low 12 bits). */
  (void)gpa, (void)flags, (void)touch, (void)user, (void)ld;
  LAB_TODO(4, "vmm/core/shadow.c guest_walk with the guest's paging on");
#endif
}

int guest_translate(const vm *m, uint32_t va, uint32_t need, uint32_t *gpa) {
  uint32_t flags;
  return guest_walk(m, va, need, vm_user(m), gpa, &flags, true);
}

int guest_peek(const vm *m, uint32_t va, uint32_t need, uint32_t *gpa) {
  uint32_t flags;
  return guest_walk(m, va, need, vm_user(m), gpa, &flags, false);
}

/* The shadow entry for a guest page at gpa whose guest PTE has `flags`. */
static uint32_t spte_make(const vm *m, uint32_t gpa, uint32_t flags) {
  /* Real user mode runs both virtual modes, so every shadow entry is U. */
  uint32_t spte = PTE_ADDR(m->base + gpa) | PTE_V | PTE_U | PTE_A | PTE_D;
  if (m->one_root && !(flags & PTE_U)) spte &= ~PTE_U; /* the real MMU tells the modes apart (vm.h) */
#if LAB_SOLUTION >= 4
  if ((flags & PTE_W) && (flags & PTE_D)) spte |= PTE_W;
#else
  /* Lab 4: the dirty bit.  This grants W as soon as the guest's PTE is
   * writable, so the guest's D bit is never set: a later write never
   * faults, and the monitor never sees it.  Grant W only once the guest's
   * PTE is dirty too; the first write then takes a hidden fault, whose
   * guest_walk(..., P_W, ...) sets D as the hardware would. */
  if (flags & PTE_W) spte |= PTE_W;
#endif
  /* A watched page (one holding translated code, say) stays read-only, so
   * that a write to it comes to the monitor. */
  if (m->wprot && m->wprot[gpa >> PAGE_SHIFT] && (spte & PTE_W)) spte = (spte & ~PTE_W) | SPTE_WP;
  /* So does a traced page-table page (--shadow trace: trace.c). */
  if (m->trace && (spte & PTE_W) && trace_traced(m, gpa)) spte = (spte & ~PTE_W) | SPTE_WP;
  /* (vm.h) Entries point only inside the VM's own memory, whatever the
   * guest's tables say; writable only once the guest's PTE is dirty. */
  KIT_ASSERT(gpa < m->size, "spte_make: an entry outside the guest's memory");
  KIT_ASSERT(!(spte & PTE_W) || ((flags & PTE_W) && (flags & PTE_D)), "spte_make: W before the guest's D");
  return spte;
}

uint32_t shadow_entry(const vm *m, uint32_t pd, uint32_t va) {
  if (!pd) return 0;
  uint32_t pde = ld(m, PDE_AT(pd, va));
  return (pde & PTE_V) ? PTE_AT(pde, va) : 0;
}

bool shadow_fault(vm *m, uint32_t va, uint32_t cause) {
  /* The monitor's window: to the guest it is never mapped. */
  if (m->window_va && va >= m->window_va) return false;
  uint32_t need = pt_fault_access(cause);
  uint32_t gpa, flags;
  if (guest_walk(m, va, need, vm_user(m), &gpa, &flags, true) != 0) return false;

  uint32_t pd = shadow_current(m);
  KIT_ASSERT(pd != m->cur.root[1].pd || (flags & PTE_U), "shadow_fault: a kernel page in the virtual-user root");
  uint32_t pde_pa = PDE_AT(pd, va);
  uint32_t pde = ld(m, pde_pa);
  if (!(pde & PTE_V)) {
    uint32_t pt = pool_alloc(m);
    if (!pt) { /* out of pool: start over with an empty shadow */
      m->n.shadow_resets++;
      shadow_drop_all(m);
      pd = shadow_current(m);
      pde_pa = PDE_AT(pd, va);
      pt = pool_alloc(m);
    }
    pde = pt | PTE_V;
    st(m, pde_pa, pde);
  }
  /* Made after the pool's last reset: the pages it comes from are traced
   * (trace.c) before the entry exists, so that it withholds W if it maps
   * one of them. */
  trace_note(m, va);
  uint32_t spte = spte_make(m, gpa, flags);
  uint32_t at = PTE_AT(pde, va);
  /* Remember a new entry, to check it if the guest comes back to this
   * address space; past SHADOW_LOG the space is not kept. */
  if (!(ld(m, at) & PTE_V) && m->cur.nlog <= SHADOW_LOG) {
    if (m->cur.nlog < SHADOW_LOG) m->cur.log[m->cur.nlog] = (va & ~PAGE_MASK) | (pd == m->cur.root[1].pd);
    m->cur.nlog++;
  }
  st(m, at, spte);
  note_write(m, at, spte);
  cpu_tlb_flush_page(m->c, va);
  m->n.shadow_fills++;
  m->c->st.cycles += m->c->cost.c[COST_SHADOW_FILL];
  return true;
}

/* ---- address spaces kept across switches ----
 *
 * A guest switches address spaces at every context switch, and comes back
 * to the same few.  Rebuilding the shadow each time through hidden faults
 * is what makes shadow paging slow, so the monitor keeps the shadows of
 * the last SHADOW_KEPT spaces.  It cannot trust them: while another space
 * ran, the guest may have edited this one's tables without any tlbi (it
 * need not: the switch itself is the invalidation).  So on the way back
 * every entry the space filled (its log) is checked against the guest's
 * tables as they are now, and made again or dropped; that costs two
 * memory reads per entry instead of a hidden fault per page.  A guest PTE
 * whose A bit the guest cleared drops the entry, so that the next access
 * sets A again, as a walk of the real MMU would. */

/* The entry a hidden fault would make now in root r (1: the virtual-user
 * root) for va, or 0 if the guest's tables refuse it or the guest has not
 * touched the page since it cleared A (a fill would set A: only an
 * access may do that). */
static uint32_t spte_now(vm *m, int r, uint32_t va) {
  uint32_t gpa, flags;
  if (guest_walk(m, va, P_R, r == 1, &gpa, &flags, false) != 0 || !(flags & PTE_A)) return 0;
  trace_note(m, va);
  return spte_make(m, gpa, flags);
}

#define SPTE_SEEN (1u << 10) /* while checking: this entry was checked */

/* Check every logged entry of the current space against the guest's
 * tables; entries the guest dropped (tlbi) or logged twice leave the log. */
static void space_check(vm *m) {
  shadow_space *s = &m->cur;
  uint32_t n = 0, checked = 0;
  for (uint32_t i = 0; i < s->nlog; i++) {
    uint32_t e = s->log[i], va = e & ~PAGE_MASK, at = shadow_entry(m, s->root[e & 1].pd, va);
    uint32_t old = at ? ld(m, at) : 0;
    if (!(old & PTE_V) || (old & SPTE_SEEN)) continue;
    checked++;
    uint32_t now = spte_now(m, (int)(e & 1), va);
    st(m, at, now ? now | SPTE_SEEN : 0);
    note_write(m, at, now);
    if (now) s->log[n++] = e;
  }
  for (uint32_t i = 0; i < n; i++) {
    uint32_t at = shadow_entry(m, s->root[s->log[i] & 1].pd, s->log[i] & ~PAGE_MASK);
    st(m, at, ld(m, at) & ~SPTE_SEEN);
  }
  m->c->st.cycles += 2 * checked * m->c->cost.c[COST_WALK_REF]; /* the guest's PDE and PTE */
  s->nlog = n;
}

bool shadow_sync_traced(const vm *m) {
  return m->trace && shadow_key(m) == m->cur.key && m->cur.nlog <= SHADOW_LOG;
}

void shadow_sync_all(vm *m) {
  uint32_t key = shadow_key(m);
  /* Traced (trace.c), the current space already follows every edit of
   * the guest's tables: the real TLB's stale entries go, as natively, and
   * the shadow stays.  A space the guest comes back to was not traced
   * while away: it is checked as below, and traced anew. */
  if (shadow_sync_traced(m)) {
    cpu_tlb_flush(m->c, false);
    return;
  }
  trace_forget(m);
  m->wref_epoch++; /* every entry left in the current space is made again (space_check) */
  if (m->cur.nlog > SHADOW_LOG) space_free(m, &m->cur); /* lost count: cannot be checked */
  if (key != m->cur.key) {
    shadow_space next = {.key = key};
    for (int i = 0; i < SHADOW_KEPT; i++)
      if (m->kept[i].key == key) {
        next = m->kept[i];
        memset(&m->kept[i], 0, sizeof m->kept[i]);
        m->n.shadow_reuses++;
      }
    if (m->cur.root[0].pd || m->cur.root[1].pd) {
      shadow_space *slot = NULL;
      for (int i = 0; i < SHADOW_KEPT && !slot; i++)
        if (!m->kept[i].key) slot = &m->kept[i];
      if (!slot) {
        slot = space_oldest(m);
        space_free(m, slot);
      }
      *slot = m->cur;
      slot->used = ++m->space_clock;
    }
    m->cur = next;
  }
  space_check(m);
  cpu_tlb_flush(m->c, false);
}

/* ---- write protection of watched pages (bt's translated code) ---- */

/* The slow way: every table of both current roots (the window's aside). */
static void protect_scan(vm *m, uint32_t hpa) {
  uint8_t *mem = m->c->mem;
  uint32_t tables = 0;
  for (int r = 0; r < 2; r++) {
    uint32_t pd = m->cur.root[r].pd;
    if (!pd) continue;
    for (uint32_t i = 0; i < PT_ENTRIES - 1; i++) { /* the last: the window, never guest memory */
      uint32_t pde = ld(m, pd + 4 * i);
      if (!(pde & PTE_V)) continue;
      uint8_t *pt = mem + PTE_ADDR(pde);
      tables++;
      for (uint32_t j = 0; j < PT_ENTRIES; j++) {
        uint32_t pte = ld32(pt + 4 * j);
        if ((pte & PTE_V) && (pte & PTE_W) && PTE_ADDR(pte) == hpa) st32(pt + 4 * j, (pte & ~PTE_W) | SPTE_WP);
      }
    }
  }
  m->c->st.cycles += (uint64_t)tables * m->c->cost.c[COST_SHADOW_SCAN];
}

void shadow_protect(vm *m, uint32_t gpa) {
  shadow_protect_entries(m, gpa);
  cpu_tlb_flush(m->c, false); /* the monitor's own flush, not the guest's */
}

void shadow_protect_entries(vm *m, uint32_t gpa) {
  uint32_t hpa = m->base + PTE_ADDR(gpa);
  shadow_wref *r = &m->wref[gpa >> PAGE_SHIFT];
  m->c->st.cycles += m->c->cost.c[COST_WRITE_PROTECT];
  if (r->epoch == m->wref_epoch && r->n > SHADOW_WREFS) {
    protect_scan(m, hpa);
  } else if (r->epoch == m->wref_epoch) {
    for (uint32_t i = 0; i < r->n; i++) { /* each still W and mapping the page, or made again since */
      uint32_t pte = ld(m, r->at[i]);
      if ((pte & PTE_V) && (pte & PTE_W) && PTE_ADDR(pte) == hpa) st(m, r->at[i], (pte & ~PTE_W) | SPTE_WP);
    }
  }
  r->n = 0; /* none grants W now */
}

void shadow_allow_write(vm *m, uint32_t at, uint32_t gpa) {
  uint32_t spte = (ld(m, at) | PTE_W) & ~SPTE_WP;
  (void)gpa;
  st(m, at, spte);
  note_write(m, at, spte);
}

void shadow_invalidate(vm *m, uint32_t va) {
  if (m->window_va && va >= m->window_va) return; /* the monitor's window, not the guest's */
#if LAB_SOLUTION >= 4
  for (int i = 0; i < 2; i++) {
    if (!m->cur.root[i].pd) continue;
    uint32_t pde = ld(m, PDE_AT(m->cur.root[i].pd, va));
    if (pde & PTE_V) st(m, PTE_AT(pde, va), 0);
  }
#else
  /* Lab 4: the guest changed the PTE for va and said so (tlbi).  The
   * shadow still maps va the old way: clear that shadow PTE in EVERY root
   * that has one (m->cur.root[i].pd, 0 = none; its directory entry names the
   * shadow page table, if valid), so the next access takes a hidden fault
   * and refills it from the guest's new entry. */
#endif
  cpu_tlb_flush_page(m->c, va);
}

/* ---- traced page tables: the shadow follows one edit (trace.c) ---- */

uint32_t shadow_refresh(vm *m, uint32_t va) {
  uint32_t changed = 0;
  if (m->window_va && va >= m->window_va) return 0; /* never the guest's */
  for (int r = 0; r < 2; r++) {
    uint32_t at = shadow_entry(m, m->cur.root[r].pd, va);
    uint32_t old = at ? ld(m, at) : 0;
    if (!(old & PTE_V)) continue; /* nothing made yet: the next access fills it */
    /* As space_check: remade if the guest's entry allows it and is
     * accessed, else dropped (the next access walks, and sets A).  The
     * real TLB keeps what it holds until the guest invalidates it. */
    uint32_t now = spte_now(m, r, va);
    if (now == old) continue;
    st(m, at, now);
    note_write(m, at, now);
    changed++;
  }
  m->c->st.cycles += changed * m->c->cost.c[COST_SHADOW_FILL];
  return changed;
}

uint32_t shadow_drop_table(vm *m, uint32_t d) {
  uint32_t changed = 0;
  if (m->window_va && d == PDX(m->window_va)) return 0; /* the monitor's window */
  for (int r = 0; r < 2; r++) {
    uint32_t pd = m->cur.root[r].pd;
    uint32_t pde = pd ? ld(m, pd + 4 * d) : 0;
    if (!(pde & PTE_V)) continue;
    memset(m->c->mem + PTE_ADDR(pde), 0, PAGE_SIZE);
    m->c->st.cycles += m->c->cost.c[COST_SHADOW_SCAN];
    changed++;
  }
  return changed;
}

/* ---- isolation: every entry the monitor made points inside ---- */

typedef struct outside_count {
  const vm *m;
  uint64_t n;
} outside_count;

static bool entry_outside(void *ctx, const pt_entry *e) {
  outside_count *k = ctx;
  const vm *m = k->m;
  if (!e->pte_at) { /* a directory entry: the window's, or a table of the pool */
    if (m->window_pde && e->pde == m->window_pde && e->va == PT_VA(PDX(m->window_va), 0)) return false;
    if (!in_pool(m, PTE_ADDR(e->pde))) return k->n++, false;
    return true;
  }
  uint32_t pa = PTE_ADDR(e->pte);
  if (pa < m->base || pa - m->base >= m->size) k->n++;
  return true;
}

uint64_t shadow_outside(const vm *m) {
  outside_count k = {m, 0};
  uint32_t roots[SHADOW_ROOTS];
  for (int i = 0, nr = shadow_roots(m, roots); i < nr; i++) pt_each(m->c->mem, m->c->mem_size, roots[i], entry_outside, &k);
  return k.n;
}
