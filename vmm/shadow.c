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
 * never reach a page the guest kernel keeps to itself.
 *
 * Tracking guest page-table edits: the ISA says a changed PTE may be used
 * stale until the kernel executes tlbi or tlbflush or rewrites CR[ptb].  The
 * shadow is therefore treated as a (large) TLB: the monitor drops shadow
 * entries exactly when the guest invalidates its TLB, and those instructions
 * are privileged, so they trap to the monitor anyway.  The alternative,
 * write-protecting every guest page-table page, would trap on every PTE
 * write; resynchronising on invalidation costs nothing extra, and a new
 * address space (a CR[ptb] write, at every guest context switch) costs a
 * full rebuild through hidden faults: that is the price of shadow paging
 * the ptemod and forkwait microbenchmarks show.
 *
 * Dirty bits: a shadow entry is writable only once the guest's PTE is
 * dirty, so the first write faults (hidden) and the monitor sets D in the
 * guest's PTE as the hardware would.  Entries point only inside the VM's
 * own memory, whatever the guest writes in its tables.
 */
#include <string.h>

#include "bt.h"
#include "mmu.h"
#include "vm.h"

static uint32_t ld(const vm *m, uint32_t hpa) { return ld32(m->c->mem + hpa); }
static void st(vm *m, uint32_t hpa, uint32_t v) { st32(m->c->mem + hpa, v); }

/* A zeroed page from the pool, or 0 when the pool is used up. */
static uint32_t pool_alloc(vm *m) {
  if (m->pool_used == SHADOW_POOL) return 0;
  uint32_t pa = m->pool + m->pool_used++ * PAGE_SIZE;
  memset(m->c->mem + pa, 0, PAGE_SIZE);
  return pa;
}

void shadow_init(vm *m) {
  m->pool_used = 0;
  m->root[0].pd = m->root[1].pd = 0;
}

void shadow_drop_all(vm *m) {
  shadow_init(m);
  cpu_tlb_flush(m->c, false); /* the monitor's own flush, not the guest's */
}

uint32_t shadow_current(vm *m) {
#if LAB_SOLUTION >= 4
  shadow_root *r = &m->root[m->one_root ? 0 : vm_user(m)];
#else
  /* Lab 4: one root for both virtual modes, so a page the guest kernel
   * touched stays mapped when the guest drops to virtual user mode.  Pick
   * m->root[0] in virtual kernel mode, m->root[1] in virtual user mode
   * (vm_user), and always m->root[0] when m->one_root (hw-shadow, where
   * the real U bit separates the modes). */
  shadow_root *r = &m->root[0];
#endif
  if (!r->pd) {
    r->pd = pool_alloc(m);
    if (!r->pd) {
      m->n.shadow_resets++;
      shadow_drop_all(m);
      r->pd = pool_alloc(m);
    }
    /* --mode bt: the kernel root maps the monitor window (bt.h). */
    if (m->window_pde && r == &m->root[0]) st(m, r->pd + 1023 * 4, m->window_pde);
  }
  return r->pd;
}

/* The guest's MMU, in software: the same walk as cpu/mmu.c, over the
 * guest's tables in guest-physical memory.  Sets A (and D for a write) in
 * the guest's PTE as the hardware would.  Returns 0 or the fault cause;
 * fills *gpa and the guest PTE's flags. */
static int guest_walk(const vm *m, uint32_t va, uint32_t need, uint32_t *gpa, uint32_t *flags, bool touch) {
  uint32_t cause = need == P_W ? CAUSE_PF_STORE : need == P_X ? CAUSE_PF_FETCH : CAUSE_PF_LOAD;
  const vcpu *v = &m->v;
  if (!(v->cr[CR_PAGING] & 1)) {
    if (va >= m->size) return (int)cause;
    *gpa = va;
    *flags = PTE_V | PTE_W | PTE_U | PTE_A | PTE_D; /* paging off: no protection */
    return 0;
  }
#if LAB_SOLUTION >= 4
  uint32_t pde_gpa = (v->cr[CR_PTB] & ~PAGE_MASK) + ((va >> 22) << 2);
  if (pde_gpa > m->size - 4) return (int)cause;
  uint32_t pde = ld(m, m->base + pde_gpa);
  if (!(pde & PTE_V)) return (int)cause;
  uint32_t pte_gpa = (pde & ~PAGE_MASK) + (((va >> PAGE_SHIFT) & 0x3ff) << 2);
  if (pte_gpa > m->size - 4) return (int)cause;
  uint32_t pte = ld(m, m->base + pte_gpa);
  if (!(pte & PTE_V) || (pte >> PAGE_SHIFT) >= (m->size >> PAGE_SHIFT)) return (int)cause;
  /* As the real MMU does: the walk fills the TLB, setting A, before the
   * permissions are checked, so an access they refuse still sets A. */
  bool allowed = !(vm_user(m) && !(pte & PTE_U)) && !(need == P_W && !(pte & PTE_W));
  uint32_t bits = PTE_A | (allowed && need == P_W ? PTE_D : 0);
  if (touch && (pte & bits) != bits) {
    pte |= bits;
    cpu_phys_write(m->c, m->base + pte_gpa, &pte, 4);
  }
  if (!allowed) return (int)cause;
  *gpa = (pte & ~PAGE_MASK) | (va & PAGE_MASK);
  *flags = pte & PAGE_MASK;
  return 0;
#else
  /* Lab 4: walk the GUEST's two-level table as cpu/mmu.c walks a real one
   * (the picture is in cpu/mmu.c): the directory at guest-physical
   * CR[ptb] (v->cr), index va >> 22; its entry names a page table, index
   * bits 21..12 of va; its entry names the page.  Entries hold
   * guest-physical addresses: read them at host-physical m->base + gpa
   * (ld), and fault (return cause) on an invalid entry, or one that
   * points past guest memory (m->size).  Then, as the hardware does: set
   * A in the guest PTE, and D too for an allowed write, when `touch`
   * (with cpu_phys_write, so that the CPU sees the change), even if the
   * access is then refused; refuse a virtual-user access to a U=0 page
   * and a write to a W=0 page.  On success fill *gpa and *flags (the
   * PTE's low 12 bits). */
  (void)gpa, (void)flags, (void)touch, (void)ld;
  LAB_TODO(4, "vmm/shadow.c guest_walk with the guest's paging on");
#endif
}

int guest_translate(const vm *m, uint32_t va, uint32_t need, uint32_t *gpa) {
  uint32_t flags;
  return guest_walk(m, va, need, gpa, &flags, true);
}

int guest_peek(const vm *m, uint32_t va, uint32_t need, uint32_t *gpa) {
  uint32_t flags;
  return guest_walk(m, va, need, gpa, &flags, false);
}

bool shadow_fault(vm *m, uint32_t va, uint32_t cause) {
  /* --mode bt reserves the top 4 MiB: to the guest it is never mapped. */
  if (m->window_pde && va >= BT_WINDOW) return false;
  uint32_t need = cause == CAUSE_PF_STORE ? P_W : cause == CAUSE_PF_FETCH ? P_X : P_R;
  uint32_t gpa, flags;
  if (guest_walk(m, va, need, &gpa, &flags, true) != 0) return false;

  /* Real user mode runs both virtual modes, so every shadow entry is U. */
  uint32_t spte = ((m->base + gpa) & ~PAGE_MASK) | PTE_V | PTE_U | PTE_A | PTE_D;
  if (m->one_root && !(flags & PTE_U)) spte &= ~PTE_U; /* hw-shadow: guest kernel mode is real */
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
  /* --mode bt: a page holding translated code stays read-only, so that a
   * write to it comes to the monitor (self-modifying code). */
  if (m->wprot && m->wprot[gpa >> PAGE_SHIFT] && (spte & PTE_W)) spte = (spte & ~PTE_W) | SPTE_WP;

  uint32_t pd = shadow_current(m);
  uint32_t pde_pa = pd + ((va >> 22) << 2);
  uint32_t pde = ld(m, pde_pa);
  if (!(pde & PTE_V)) {
    uint32_t pt = pool_alloc(m);
    if (!pt) { /* out of pool: start over with an empty shadow */
      m->n.shadow_resets++;
      shadow_drop_all(m);
      pd = shadow_current(m);
      pde_pa = pd + ((va >> 22) << 2);
      pt = pool_alloc(m);
    }
    pde = pt | PTE_V;
    st(m, pde_pa, pde);
  }
  st(m, (pde & ~PAGE_MASK) + (((va >> PAGE_SHIFT) & 0x3ff) << 2), spte);
  cpu_tlb_flush_page(m->c, va);
  m->n.shadow_fills++;
  m->c->st.cycles += m->c->cost.c[COST_SHADOW_FILL];
  return true;
}

void shadow_invalidate(vm *m, uint32_t va) {
  if (m->window_pde && va >= BT_WINDOW) return; /* the monitor's window, not the guest's */
#if LAB_SOLUTION >= 4
  for (int i = 0; i < 2; i++) {
    if (!m->root[i].pd) continue;
    uint32_t pde = ld(m, m->root[i].pd + ((va >> 22) << 2));
    if (pde & PTE_V) st(m, (pde & ~PAGE_MASK) + (((va >> PAGE_SHIFT) & 0x3ff) << 2), 0);
  }
#else
  /* Lab 4: the guest changed the PTE for va and said so (tlbi).  The
   * shadow still maps va the old way: clear that shadow PTE in EVERY root
   * that has one (m->root[i].pd, 0 = none; its directory entry names the
   * shadow page table, if valid), so the next access takes a hidden fault
   * and refills it from the guest's new entry. */
#endif
  cpu_tlb_flush_page(m->c, va);
}
