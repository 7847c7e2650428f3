/* npt.c: hardware nested paging, the MMU's second dimension.
 *
 * In guest mode with nested paging on (vmcs.npt_root set) the MMU
 * translates in two steps.  The guest's own page table, rooted at the
 * guest's CR[ptb], maps guest-virtual to guest-physical addresses; the
 * monitor's nested table, rooted at npt_root, maps guest-physical to
 * host-physical ones.  Both have the format of pt.h (a directory and a
 * table, V W U A D), and every guest-physical address the walk meets, that
 * of each guest table entry as well as the final page, goes through the
 * nested table first:
 *
 *        guest CR[ptb]      guest PDE          guest PTE
 *            |                  |                  |
 *            v                  v                  v
 *   nested: nPD -> nPT     nPD -> nPT         nPD -> nPT
 *            |                  |                  |
 *            v                  v                  v
 *        read gPDE  -----> read gPTE  -----> the page (host-physical)
 *
 *   references per TLB miss: 2 + 1 + 2 + 1 + 2 = 8 = (2+1)*(2+1) - 1,
 *   against 2 for a native walk (or a walk of shadow tables).
 *
 * With the guest's paging off, guest-physical = guest-virtual and only the
 * last nested walk remains: 2 references.  The TLB caches the combined
 * translation, guest-virtual to host-physical, tagged with the VM
 * identifier, so the fast path in mmu.h is the native one.  (With the
 * guest's paging off that fast path is skipped, as it tests CR[paging];
 * every access then comes here and hits the TLB here.)
 *
 * Two kinds of fault, kept apart as the hardware keeps them:
 *  - the guest's table says no: a page fault for the guest, with its
 *    virtual address, through the guest's vector (or an exit, if the
 *    monitor put page faults in the exception bitmap);
 *  - the nested table says no: a nested-page fault (VMX_CAUSE_NPF), a VM
 *    exit with both addresses; the guest never sees it.
 *
 * A and D bits are kept in both tables.  The walker sets the guest PTE's A
 * on every fill and D on the first write, as natively; each is a write to
 * a guest table page, so it needs a writable nested entry.  It sets the
 * nested PTE's A on every nested translation and D on every write through
 * it, which a monitor can use to find the pages a guest dirtied.  The
 * nested U bit is ignored.
 */
#include "mmu.h"
#include "vmx.h"

/* Kept in a TLB entry's bits beside the guest PTE's low bits (which the
 * fast path never reads): the nested PTE of the page is writable and
 * dirty, so a write that hits the entry needs no walk (see npt_slow). */
#define NPT_BITS_NW 0x100u

/* How a walk may touch the machine. */
enum walk_kind {
  WALK_FILL,    /* a TLB miss: count references, set A and D, fill the TLB */
  WALK_RECHECK, /* a TLB hit lacking the cached permission (the first
                   write to a clean page, any write to a page of decoded
                   instructions): walk again for the bits, counting
                   nothing, since the TLB did hit */
  WALK_PEEK,    /* cpu_translate_peek: no side effects at all */
};

typedef struct walk2d {
  cpu *c;
  enum walk_kind kind;
  uint32_t va, need;
  unsigned grefs, nrefs; /* references of the guest and nested dimensions */
} walk2d;

/* What a walk found for va. */
typedef struct xlate {
  uint32_t gpte;     /* the guest PTE (made up when guest paging is off) */
  uint32_t gpte_hpa; /* where it is, host-physical; 0 when paging is off */
  uint32_t gpt_gpa;  /* ... and guest-physical */
  uint32_t gpt_npte; /* the nested PTE of the guest table page */
  uint32_t hpa;      /* host-physical address of va */
  uint32_t npte_pa;  /* the nested PTE of the final page */
} xlate;

static uint32_t rd(const cpu *c, uint32_t hpa) { return ld32(c->mem + hpa); }

/* Set bits in the entry at hpa the way the walker does: as a memory
 * write, so that decoded instructions in that page are decoded again. */
static void set_bits(walk2d *w, uint32_t hpa, uint32_t bits) {
  cpu *c = w->c;
  uint32_t v = rd(c, hpa);
  if (w->kind == WALK_PEEK || (v & bits) == bits) return;
  st32(c->mem + hpa, v | bits);
  cpu_phys_written(c, hpa, 4);
}

/* A nested fault: write the exit information the NPF exit will carry. */
static uint32_t nested_fault(walk2d *w, uint32_t gpa, bool walker, bool write, bool present) {
  if (w->kind != WALK_PEEK) {
    uint32_t q = w->need | (walker ? VMX_NPF_WALK : 0) | (write ? VMX_NPF_WRITE : 0) | (present ? VMX_NPF_PRESENT : 0);
    w->c->vmcs->exit = (vmx_exit_info){.reason = VMX_EXIT_NPF, .qual = q, .gpa = gpa, .gva = w->va};
  }
  return VMX_CAUSE_NPF;
}

/* One nested translation for a read, guest-physical gpa to host-physical
 * *hpa: the monitor's directory, then its table, two references; sets the
 * nested PTE's A and returns its address in *npte_pa.  `walker`: gpa is
 * that of a guest table entry.  0 or VMX_CAUSE_NPF. */
static uint32_t nested(walk2d *w, uint32_t gpa, bool walker, uint32_t *hpa, uint32_t *npte_pa) {
#if LAB_SOLUTION >= 5
  const cpu *c = w->c;
  uint32_t pde_pa = PDE_AT(c->vmcs->npt_root, gpa); /* vmx_run checked the root */
  w->nrefs++;
  uint32_t pde = rd(c, pde_pa);
  if (!(pde & PTE_V) || (pde >> PAGE_SHIFT) >= c->npages) return nested_fault(w, gpa, walker, false, false);
  *npte_pa = PTE_AT(pde, gpa);
  w->nrefs++;
  uint32_t pte = rd(c, *npte_pa);
  if (!(pte & PTE_V) || (pte >> PAGE_SHIFT) >= c->npages) return nested_fault(w, gpa, walker, false, false);
  set_bits(w, *npte_pa, PTE_A);
  *hpa = PTE_ADDR(pte) | PGOFF(gpa);
  return 0;
#else
  /* Lab 5: the nested dimension, one guest-physical address.  Walk the
   * monitor's table, rooted at host-physical w->c->vmcs->npt_root, in the
   * format of pt.h: the directory entry for PDX(gpa), then the table entry
   * for PTX(gpa) (PDE_AT and PTE_AT give their addresses).  Count each of the two references in w->nrefs.
   * An entry that is invalid, or names a page past the machine's memory
   * (c->npages), is a nested fault: return nested_fault(w, gpa, walker,
   * false, false).  Otherwise set A in the nested PTE (set_bits), give
   * its address in *npte_pa and the host-physical address in *hpa. */
  (void)w, (void)gpa, (void)walker, (void)hpa, (void)npte_pa;
  LAB_TODO(5, "cpu/npt.c nested");
#endif
}

/* A write through a nested entry already translated: it must be writable;
 * the write dirties it. */
static uint32_t nested_write(walk2d *w, uint32_t gpa, bool walker, uint32_t npte_pa) {
  if (!(rd(w->c, npte_pa) & PTE_W)) return nested_fault(w, gpa, walker, true, true);
  set_bits(w, npte_pa, PTE_D);
  return 0;
}

/* The walker writes bits into the guest PTE (A, or D). */
static uint32_t guest_pte_set(walk2d *w, xlate *x, uint32_t bits) {
  if (!x->gpte_hpa || (x->gpte & bits) == bits) return 0;
  uint32_t f = nested_write(w, x->gpt_gpa, true, x->gpt_npte);
  if (f) return f;
  set_bits(w, x->gpte_hpa, bits);
  x->gpte |= bits;
  return 0;
}

/* The translation of w->va, both dimensions; sets the guest PTE's A.
 * 0, a guest page-fault cause, or VMX_CAUSE_NPF. */
static uint32_t translate(walk2d *w, xlate *x) {
  const cpu *c = w->c;
  uint32_t va = w->va, hpa, f;
  *x = (xlate){0};
  if (!(c->cr[CR_PAGING] & 1)) {
    x->gpte = (va & ~PAGE_MASK) | PTE_V | PTE_W | PTE_U | PTE_A | PTE_D; /* no guest protection */
  } else {
#if LAB_SOLUTION >= 5
    uint32_t pde_gpa = PDE_AT(c->cr[CR_PTB], va), npte;
    if ((f = nested(w, pde_gpa, true, &hpa, &npte))) return f;
    w->grefs++;
    uint32_t gpde = rd(c, hpa);
    if (!(gpde & PTE_V)) return pt_fault_cause(w->need);
    x->gpt_gpa = PTE_AT(gpde, va);
    if ((f = nested(w, x->gpt_gpa, true, &x->gpte_hpa, &x->gpt_npte))) return f;
    w->grefs++;
    x->gpte = rd(c, x->gpte_hpa);
    if (!(x->gpte & PTE_V)) return pt_fault_cause(w->need);
#else
    /* Lab 5: the guest dimension, with every guest-physical address it
     * meets put through the nested one (nested(), walker = true):
     * the guest's directory entry at guest-physical PDE_AT(CR[ptb], va),
     * then its table entry.  Each guest reference counts in w->grefs;
     * a nested fault returns at once; an invalid guest entry is the
     * guest's page fault (pt_fault_cause(w->need)).  Fill x->gpt_gpa and
     * x->gpte_hpa (where the guest PTE is), x->gpt_npte (the nested PTE
     * of its page: the walker's A and D writes need it) and x->gpte. */
    (void)hpa;
    LAB_TODO(5, "cpu/npt.c translate with the guest's paging on");
#endif
  }
  /* The page must exist before anything is marked, as natively: a PTE
   * naming a page outside (guest) memory faults without setting A. */
  if ((f = nested(w, (x->gpte & ~PAGE_MASK) | (va & PAGE_MASK), false, &x->hpa, &x->npte_pa))) return f;
  if (w->kind == WALK_PEEK) return 0;
  return guest_pte_set(w, x, PTE_A); /* on every fill, allowed or not */
}

/* The guest's permission check, as mmu.c's for native mode.  Guest mode
 * has no monitor window, so user and monitor groups are alike. */
static bool guest_allows(const cpu *c, uint32_t gpte, uint32_t need) {
  uint32_t p = P_R | P_X | ((gpte & PTE_W) ? P_W : 0);
  if (c->perm_shift != PSHIFT_KERNEL && !(gpte & PTE_U)) p = 0;
  return (p & need) != 0;
}

/* The permission groups the fast path may use: writes only once both
 * dimensions are dirty and the page holds no decoded instructions. */
static uint16_t entry_bits(const cpu *c, const xlate *x) {
  uint32_t npte = rd(c, x->npte_pa);
  return (uint16_t)((x->gpte & PAGE_MASK & 0xff) | ((npte & PTE_W) && (npte & PTE_D) ? NPT_BITS_NW : 0));
}

static uint16_t fast_perm(const cpu *c, const xlate *x) {
  uint32_t npte = rd(c, x->npte_pa), fast = P_R | P_X;
  if ((x->gpte & PTE_W) && (x->gpte & PTE_D) && (npte & PTE_W) && (npte & PTE_D) && !c->code[x->hpa >> PAGE_SHIFT])
    fast |= P_W;
  uint32_t user = (x->gpte & PTE_U) ? fast : 0;
  return (uint16_t)(fast << PSHIFT_KERNEL | user << PSHIFT_USER | user << PSHIFT_MONITOR);
}

/* After the translation: the guest's permission, then for a write the
 * nested permission and the dirty bits of both dimensions. */
static uint32_t access_check(walk2d *w, xlate *x) {
  uint32_t f;
  if (!guest_allows(w->c, x->gpte, w->need)) return pt_fault_cause(w->need);
  if (w->need != P_W) return 0;
  if ((f = nested_write(w, (x->gpte & ~PAGE_MASK) | (w->va & PAGE_MASK), false, x->npte_pa))) return f;
  return guest_pte_set(w, x, PTE_D);
}

uint8_t *npt_slow(cpu *c, uint32_t va, uint32_t need, uint32_t *cause) {
  tlb_entry *e = &c->tlb[(va >> PAGE_SHIFT) & (c->tlb_size - 1)];
  uint32_t key = (va & ~PAGE_MASK) | c->tag_lo, pa, f;
  walk2d w = {c, WALK_FILL, va, need, 0, 0};
  xlate x;
  if (e->tag == key) {
    c->st.tlb_hits++;
    bool dirty = (e->bits & (PTE_W | PTE_D | NPT_BITS_NW)) == (PTE_W | PTE_D | NPT_BITS_NW);
    if (((e->perm >> c->perm_shift) & need) /* guest paging off: a plain hit */
        || (need == P_W && dirty && guest_allows(c, e->bits, P_W))) { /* a write to decoded code */
      pa = (e->ppn << PAGE_SHIFT) | (va & PAGE_MASK);
      goto done;
    }
    w.kind = WALK_RECHECK;
  }
  f = translate(&w, &x);
  if (w.kind == WALK_FILL) {
    c->st.tlb_misses++;
    c->st.walk_refs += w.grefs + w.nrefs;
    c->vmcs->n.nested_refs += w.nrefs;
    c->st.cycles += (uint64_t)w.grefs * c->cost.c[COST_WALK_REF] + (uint64_t)w.nrefs * c->cost.c[COST_NESTED_REF];
  }
  if (f) goto fault;
  /* Filled before the permission check, as natively. */
  e->tag = key;
  e->ppn = x.hpa >> PAGE_SHIFT;
  e->pte = x.gpte_hpa;
  e->bits = entry_bits(c, &x);
  e->perm = fast_perm(c, &x);
  if ((f = access_check(&w, &x))) goto fault;
  e->bits = entry_bits(c, &x);
  e->perm = fast_perm(c, &x);
  pa = x.hpa;
done:
  if (need == P_W) mmu_code_forget(c, pa); /* a write to decoded instructions: decode again */
  return c->mem + pa;
fault:
  *cause = f;
  return NULL;
}

int npt_peek(const cpu *c, uint32_t va, int access, uint32_t *pa) {
  walk2d w = {(cpu *)c, WALK_PEEK, va, (uint32_t)access, 0, 0}; /* PEEK writes nothing */
  xlate x;
  uint32_t f = translate(&w, &x);
  if (!f && !guest_allows(c, x.gpte, w.need)) f = pt_fault_cause(w.need);
  if (!f && w.need == P_W && !(rd(c, x.npte_pa) & PTE_W)) f = VMX_CAUSE_NPF;
  if (f) return (int)f;
  *pa = x.hpa;
  return 0;
}
