/* mmu.h: the CPU's memory path, shared by the interpreter and the MMU.
 *
 * Fast path (inline here): one direct-mapped TLB probe and a permission
 * test against the group of the current mode.  Everything else, a miss, a
 * fault, the first write to a clean page, a write to a page that holds
 * decoded instructions, paging turned off, goes to mmu_slow() in mmu.c. */
#ifndef MMU_H
#define MMU_H

#include <string.h>

#include "cpu.h"

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* Host pointer for an access of kind `need` (P_R, P_W or P_X) at va, or
 * NULL with *cause set to the page-fault cause. */
uint8_t *mmu_slow(cpu *c, uint32_t va, uint32_t need, uint32_t *cause);

static inline uint8_t *mmu_access(cpu *c, uint32_t va, uint32_t need, uint32_t *cause) {
  if (likely(c->cr[CR_PAGING] & 1)) {
    tlb_entry *e = &c->tlb[(va >> PAGE_SHIFT) & (c->tlb_size - 1)];
    if (likely(e->tag == ((va & ~PAGE_MASK) | c->tag_lo) && ((e->perm >> c->perm_shift) & need))) {
      c->st.tlb_hits++;
      return c->mem + ((size_t)e->ppn << PAGE_SHIFT) + (va & PAGE_MASK);
    }
  }
  return mmu_slow(c, va, need, cause);
}

/* Decoded instructions of physical page ppn, decoding it on first use. */
dinsn *mmu_code_page(cpu *c, uint32_t ppn);
/* Is the word at physical pa marked as inserted code? */
static inline bool mmu_word_marked(const cpu *c, uint32_t pa) {
  const uint8_t *bits = c->marks[pa >> PAGE_SHIFT];
  uint32_t w = (pa & PAGE_MASK) >> 2;
  return bits && (bits[w >> 3] >> (w & 7)) & 1;
}
/* Drop the decoded copy of page ppn (its bytes changed). */
void mmu_code_drop(cpu *c, uint32_t ppn);
/* Give back the decoded copy of page ppn: it holds no code any more. */
void mmu_code_free(cpu *c, uint32_t ppn);
/* Reserve (false: cannot) and release the decoded copies of all pages. */
bool mmu_code_init(cpu *c);
void mmu_code_fini(cpu *c);
/* Every page "not decoded yet" and its decoded words zero, as after
 * mmu_code_init (for a machine's memory reused: cpu.c); false if the host
 * cannot give the memory back zeroed. */
bool mmu_code_clear(cpu *c);
/* The word at physical pa was written: decode it again at its next fetch
 * (self-modifying code works, and data sharing a page with code costs only
 * a trip through the slow path).  A slot that was never decoded is left
 * alone, so that a write to data beside code does not commit host memory
 * for that part of the page. */
static inline void mmu_code_forget(cpu *c, uint32_t pa) {
  dinsn *d = c->code[pa >> PAGE_SHIFT];
  if (d && d[(pa & PAGE_MASK) >> 2].op != OP_UNDECODED) d[(pa & PAGE_MASK) >> 2].op = OP_UNDECODED;
}

static inline uint32_t ld32(const uint8_t *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v; /* the host is little-endian like the simulated CPU */
}
static inline void st32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static inline uint16_t ld16(const uint8_t *p) {
  uint16_t v;
  memcpy(&v, p, 2);
  return v;
}
static inline void st16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }

#endif
