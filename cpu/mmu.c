/* mmu.c: the page walker, the TLB and the slow path of every access.
 *
 * The TLB is direct-mapped: virtual page v lives in entry v mod tlb_size.
 * An entry caches one PTE's translation and its permissions for the three
 * groups (kernel, user, user running monitor code: cpu.h).  Write
 * permission is cached only once the page is dirty and holds no decoded
 * instructions, so that the first write, and every write to code, comes
 * here.
 *
 * Writing CR[ptb], turning paging on or off, tlbflush and tlbi drop entries;
 * nothing else does (as on x86 without PCIDs).  A monitor window's entries
 * are the same in every address space: they survive all but tlbi and
 * cpu_tlb_flush_all.  The monitor's hardware-assist mode tags entries with
 * a VM identifier (tag_lo) instead.
 */
#include <stdlib.h>
#include <sys/mman.h>

#include "mmu.h"
#include "vmx.h"

/* The walk: pt.h's, over the machine's memory from CR[ptb] (the picture
 * of the split is there).  Two memory references per miss.  Fills *pte and
 * *pte_pa; returns false if an entry is not valid or points outside
 * memory.  Counts the references in *refs. */
static bool walk(const cpu *c, uint32_t va, uint32_t *pte, uint32_t *pte_pa, unsigned *refs) {
  int level = pt_find(c->mem, c->mem_size, c->cr[CR_PTB], va, pte_pa, pte);
  *refs = level ? 2 : 1;
  return level == 3;
}

/* Permissions of one group, from a PTE, as the architecture defines them. */
static uint32_t pte_perm(uint32_t pte) { return P_R | P_X | ((pte & PTE_W) ? P_W : 0); }

/* The cached permission groups for a PTE mapping va. */
static uint16_t entry_perm(const cpu *c, uint32_t va, uint32_t pte) {
  uint32_t arch = pte_perm(pte);
  uint32_t fast = arch;
  if (!(pte & PTE_D) || c->code[pte >> PAGE_SHIFT]) fast &= ~P_W;
  KIT_ASSERT(!(fast & P_W) || ((pte & PTE_D) && !c->code[pte >> PAGE_SHIFT]),
             "entry_perm: write cached for a clean page or one holding decoded instructions");
  uint32_t user = (pte & PTE_U) ? fast : 0;
  if (c->mon_lo && va >= c->mon_lo) user = 0; /* the window: only the monitor's code may touch it */
  return (uint16_t)(fast << PSHIFT_KERNEL | user << PSHIFT_USER | fast << PSHIFT_MONITOR);
}

/* Is the access allowed by the architecture (ignoring the dirty and code
 * restrictions of the fast path)? */
static bool arch_allows(const cpu *c, uint32_t va, uint32_t pte, uint32_t need) {
  uint32_t arch = pte_perm(pte);
  bool window = c->mon_lo && va >= c->mon_lo;
  if (c->perm_shift == PSHIFT_USER && (!(pte & PTE_U) || window)) arch = 0;
  return (arch & need) != 0;
}

static void set_pte_bits(cpu *c, uint32_t pte_pa, uint32_t bits) {
  uint32_t pte = ld32(c->mem + pte_pa);
  if ((pte & bits) != bits) {
    st32(c->mem + pte_pa, pte | bits);
    cpu_phys_written(c, pte_pa, 4); /* a write like any other: code there, a watcher */
  }
}

uint8_t *mmu_slow(cpu *c, uint32_t va, uint32_t need, uint32_t *cause) {
  uint32_t pa;
  /* Guest mode with nested paging: the two-dimensional walk (npt.c). */
  if (unlikely(c->vmcs != NULL) && c->vmcs->npt_root) return npt_slow(c, va, need, cause);
  if (!(c->cr[CR_PAGING] & 1)) {
    /* Paging off: physical = virtual, no TLB, every mode sees everything. */
    if (va >= c->mem_size) goto fault;
    pa = va;
  } else {
    uint32_t key = (va & ~PAGE_MASK) | c->tag_lo;
    tlb_entry *e = &c->tlb[(va >> PAGE_SHIFT) & (c->tlb_size - 1)];
    uint32_t pte, pte_pa;
    if (e->tag == key) {
      c->st.tlb_hits++; /* a hit that lacked a fast permission */
      pte_pa = e->pte;
      pte = (e->ppn << PAGE_SHIFT) | e->bits; /* the TLB's copy, not memory's */
    } else {
      unsigned refs;
      bool ok = walk(c, va, &pte, &pte_pa, &refs);
      c->st.tlb_misses++;
      c->st.walk_refs += refs;
      c->st.cycles += (uint64_t)refs * c->cost.c[COST_WALK_REF];
      if (!ok) goto fault;
      set_pte_bits(c, pte_pa, PTE_A);
      pte |= PTE_A;
      e->tag = key;
      e->ppn = pte >> PAGE_SHIFT;
      e->pte = pte_pa;
      e->bits = (uint16_t)(pte & PAGE_MASK);
      e->perm = entry_perm(c, va, pte);
    }
    if (!arch_allows(c, va, pte, need)) goto fault;
    if (need == P_W) {
      if (!(pte & PTE_D)) {
        set_pte_bits(c, pte_pa, PTE_D);
        pte |= PTE_D;
      }
    }
    e->bits = (uint16_t)(pte & PAGE_MASK);
    e->perm = entry_perm(c, va, pte);
    pa = (e->ppn << PAGE_SHIFT) | (va & PAGE_MASK);
  }
  if (need == P_W) mmu_code_forget(c, pa);
  return c->mem + pa;
fault:
  *cause = pt_fault_cause(need);
  return NULL;
}

int cpu_translate_peek(const cpu *c, uint32_t va, int access, uint32_t *pa) {
  if (c->vmcs && c->vmcs->npt_root) return npt_peek(c, va, access, pa);
  if (!(c->cr[CR_PAGING] & 1)) {
    if (va >= c->mem_size) return (int)pt_fault_cause((uint32_t)access);
    *pa = va;
    return 0;
  }
  uint32_t pte, pte_pa;
  unsigned refs;
  if (!walk(c, va, &pte, &pte_pa, &refs) || !arch_allows(c, va, pte, (uint32_t)access))
    return (int)pt_fault_cause((uint32_t)access);
  *pa = (pte & ~PAGE_MASK) | (va & PAGE_MASK);
  return 0;
}

static void flush(cpu *c, bool count, bool window) {
  if (unlikely(c->vmcs != NULL)) { /* guest mode: only this VM's entries */
    for (uint32_t i = 0; i < c->tlb_size; i++)
      if ((c->tlb[i].tag & PAGE_MASK) == c->tag_lo) c->tlb[i].tag = 0;
  } else if (c->mon_lo && !window) { /* the window's entries stay (cpu.h) */
    for (uint32_t i = 0; i < c->tlb_size; i++)
      if ((c->tlb[i].tag & ~PAGE_MASK) < c->mon_lo) c->tlb[i].tag = 0;
  } else {
    memset(c->tlb, 0, sizeof(tlb_entry) * c->tlb_size);
  }
  c->fetch_va = FETCH_NONE;
  if (count) {
    c->st.tlb_flushes++;
    c->st.cycles += c->cost.c[COST_TLB_FLUSH];
  }
}

void cpu_tlb_flush(cpu *c, bool count) { flush(c, count, false); }
void cpu_tlb_flush_all(cpu *c, bool count) { flush(c, count, true); }

void cpu_tlb_flush_page(cpu *c, uint32_t va) {
  tlb_entry *e = &c->tlb[(va >> PAGE_SHIFT) & (c->tlb_size - 1)];
  if ((e->tag & ~PAGE_MASK) == (va & ~PAGE_MASK)) e->tag = 0;
  c->fetch_va = FETCH_NONE;
}

/* A page's decoded copy takes twice the page's size (8 bytes a word), and
 * most pages that hold code hold data too.  The copies live in one mapping
 * reserved for the whole machine, zero-filled (OP_UNDECODED) by the host on
 * first touch, so that only the parts where code was fetched cost host
 * memory: with 64 guests of the guest OS this is about 60 KiB a guest. */
#define CODE_WORDS (PAGE_SIZE / 4)
#define CODE_BYTES (sizeof(dinsn) * CODE_WORDS)

bool mmu_code_init(cpu *c) {
  void *p = mmap(NULL, (size_t)c->npages * CODE_BYTES, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  c->dcode = p == MAP_FAILED ? NULL : p;
  return c->dcode != NULL;
}

void mmu_code_fini(cpu *c) {
  if (c->dcode) munmap(c->dcode, (size_t)c->npages * CODE_BYTES);
  c->dcode = NULL;
}

bool mmu_code_clear(cpu *c) {
  /* A page given back by mmu_code_free is already zero (or, where madvise
   * is only advice, all its words are marked undecoded, which is the same
   * to the decoder); the pages still decoded are cleared here, by memset,
   * not madvise, which some hosts accept and ignore (the browser
   * edition's). */
  for (uint32_t p = 0; p < c->npages; p++)
    if (c->code[p]) {
      memset(c->code[p], 0, CODE_BYTES);
      c->code[p] = NULL;
    }
  return true;
}

dinsn *mmu_code_page(cpu *c, uint32_t ppn) {
  if (c->code[ppn]) return c->code[ppn];
  c->code[ppn] = c->dcode + (size_t)ppn * CODE_WORDS;
  /* From now on writes to this page must come to the slow path. */
  for (uint32_t i = 0; i < c->tlb_size; i++)
    if (c->tlb[i].tag && c->tlb[i].ppn == ppn)
      c->tlb[i].perm &= (uint16_t) ~(P_W << PSHIFT_KERNEL | P_W << PSHIFT_USER | P_W << PSHIFT_MONITOR);
  return c->code[ppn];
}

void mmu_code_drop(cpu *c, uint32_t ppn) {
  if (c->code[ppn])
    for (uint32_t i = 0; i < CODE_WORDS; i++) mmu_code_forget(c, (ppn << PAGE_SHIFT) + 4 * i);
}

void mmu_code_free(cpu *c, uint32_t ppn) {
  if (!c->code[ppn]) return;
  /* Zero-filled again on its next touch (Linux's MADV_DONTNEED on private
   * anonymous memory), and its host memory given back meanwhile.  Where
   * madvise is only advice (emscripten's returns 0 and does nothing), the
   * words are marked undecoded instead. */
#ifdef __linux__
  if (madvise(c->code[ppn], CODE_BYTES, MADV_DONTNEED) != 0) mmu_code_drop(c, ppn);
#else
  mmu_code_drop(c, ppn);
#endif
  c->code[ppn] = NULL;
}

/* Tell the watchers of the pages [pa, end) touched, a page at a time. */
static void watch_notify(cpu *c, uint32_t pa, uint64_t end) {
  for (uint64_t a = pa; a < end;) {
    uint64_t next = ((a >> PAGE_SHIFT) + 1) << PAGE_SHIFT;
    if (next > end) next = end;
    uint16_t w = c->watch[a >> PAGE_SHIFT];
    if (w) c->watchers[w - 1].fn(c->watchers[w - 1].ctx, (uint32_t)a, (uint32_t)(next - a));
    a = next;
  }
}

void cpu_phys_written(cpu *c, uint32_t pa, uint32_t len) {
  uint64_t end = (uint64_t)pa + len;
  if (end > c->mem_size) end = c->mem_size;
  if (c->watch && pa < end) watch_notify(c, pa, end);
  /* Only the words written: a monitor's store of one word (a protected
   * write under binary translation) keeps the rest of the page decoded. */
  for (uint64_t a = pa & ~3u; a < end; a += 4) {
    if (!c->code[a >> PAGE_SHIFT]) {
      a = ((a >> PAGE_SHIFT) << PAGE_SHIFT) + PAGE_SIZE - 4; /* no code on this page */
      continue;
    }
    mmu_code_forget(c, (uint32_t)a);
  }
}

bool cpu_phys_read(const cpu *c, uint32_t pa, void *dst, uint32_t len) {
  if ((uint64_t)pa + len > c->mem_size) return false;
  memcpy(dst, c->mem + pa, len);
  return true;
}

bool cpu_phys_write(cpu *c, uint32_t pa, const void *src, uint32_t len) {
  if ((uint64_t)pa + len > c->mem_size) return false;
  memcpy(c->mem + pa, src, len);
  cpu_phys_written(c, pa, len);
  return true;
}

int cpu_watch(cpu *c, uint32_t lo, uint32_t hi, cpu_watch_fn fn, void *ctx) {
  if (hi > c->mem_size || lo >= hi || (lo & PAGE_MASK) || (hi & PAGE_MASK))
    cpu_panic("cpu_watch: a range that is not whole pages of memory");
  if (!c->watch && !(c->watch = calloc(c->npages, sizeof *c->watch))) return -1;
  uint32_t k = 0;
  while (k < c->nwatchers && c->watchers[k].fn) k++;
  if (k == c->nwatchers) {
    if (k == 0xffff) return -1;
    cpu_watcher *w = realloc(c->watchers, (k + 1) * sizeof *w);
    if (!w) return -1;
    c->watchers = w;
    c->nwatchers++;
  }
  c->watchers[k] = (cpu_watcher){lo, hi, fn, ctx};
  for (uint32_t p = lo >> PAGE_SHIFT; p < hi >> PAGE_SHIFT; p++) {
    if (c->watch[p]) cpu_panic("cpu_watch: two watchers of one page");
    c->watch[p] = (uint16_t)(k + 1);
  }
  return 0;
}

void cpu_unwatch(cpu *c, void *ctx) {
  for (uint32_t k = 0; k < c->nwatchers; k++) {
    cpu_watcher *w = &c->watchers[k];
    if (!w->fn || w->ctx != ctx) continue;
    for (uint32_t p = w->lo >> PAGE_SHIFT; p < w->hi >> PAGE_SHIFT; p++) c->watch[p] = 0;
    w->fn = NULL;
  }
}

void cpu_set_window(cpu *c, uint32_t mon_lo) {
  cpu_tlb_flush_all(c, false); /* the old window's entries too */
  c->mon_lo = mon_lo;
  c->mon_guard = mon_lo ? mon_lo : (1ull << 32);
}

int cpu_mark_word(cpu *c, uint32_t pa, bool marked) {
  if (pa >= c->mem_size) return -1;
  if (!c->marks && !(c->marks = calloc(c->npages, sizeof *c->marks))) return -1;
  uint8_t **bits = &c->marks[pa >> PAGE_SHIFT];
  if (!*bits && !(*bits = calloc(PAGE_SIZE / 32, 1))) return -1;
  uint32_t w = (pa & PAGE_MASK) >> 2;
  if (marked)
    (*bits)[w >> 3] |= (uint8_t)(1u << (w & 7));
  else
    (*bits)[w >> 3] &= (uint8_t) ~(1u << (w & 7));
  mmu_code_forget(c, pa & ~3u); /* decode it again with the new mark */
  return 0;
}
