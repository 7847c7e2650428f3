/* pt.h: the shape of a page table, drawn once.
 *
 * Every two-level walk in the kit (the CPU's in mmu.c, the nested one in
 * npt.c, the monitor's walk of a guest's tables in vmm/core/shadow.c, the
 * debugger's and the checkers' looks at any table) reads tables of this
 * one shape, and splits an address with these macros.
 *
 * A virtual address (or, for the nested table, a guest-physical one):
 *
 *    31          22 21          12 11            0
 *   +--------------+--------------+---------------+
 *   |   PDX(va)    |   PTX(va)    |   PGOFF(va)   |
 *   +--------------+--------------+---------------+
 *          |               |
 *   root -> directory[PDX] -> table[PTX] -> page + PGOFF
 *
 * One entry, either level (PDE or PTE):
 *
 *    31                     12 11          5   4   3   2   1   0
 *   +-------------------------+-------------+---+---+---+---+---+
 *   |  physical page number   |   ignored   | D | A | U | W | V |
 *   +-------------------------+-------------+---+---+---+---+---+
 *
 *   V valid   W writable   U user may access   A accessed   D dirty
 * A page directory entry uses only V and the page number: the permissions
 * that count are the PTE's.  The walker sets A (PTE) on every fill and D on
 * the first write through the entry.  Bits 5..11 are ignored by the
 * hardware: a monitor may keep its own marks there (SPTE_WP, shadow.c).
 */
#ifndef PT_H
#define PT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "isa.h"

#define PAGE_SIZE 4096u
#define PAGE_SHIFT 12
#define PAGE_MASK 0xfffu
#define PT_ENTRIES 1024u /* entries in a directory or a table */

enum {
  PTE_V = 1u << 0,
  PTE_W = 1u << 1,
  PTE_U = 1u << 2,
  PTE_A = 1u << 3,
  PTE_D = 1u << 4,
  PTE_BITS = PTE_V | PTE_W | PTE_U | PTE_A | PTE_D,
};

#define PDX(va) ((uint32_t)(va) >> 22)
#define PTX(va) (((uint32_t)(va) >> PAGE_SHIFT) & (PT_ENTRIES - 1))
#define PGOFF(va) ((uint32_t)(va) & PAGE_MASK)
/* The page (or table) an entry names, and the address of an entry. */
#define PTE_ADDR(e) ((uint32_t)(e) & ~PAGE_MASK)
#define PDE_AT(root, va) (PTE_ADDR(root) + 4 * PDX(va))
#define PTE_AT(pde, va) (PTE_ADDR(pde) + 4 * PTX(va))
/* The first address a directory entry (index d) or table entry maps. */
#define PT_VA(d, t) ((uint32_t)(d) << 22 | (uint32_t)(t) << PAGE_SHIFT)

/* The kinds of access (also the permission bits a TLB entry caches). */
enum { P_R = 1, P_W = 2, P_X = 4 };

/* The page fault an access of kind `need` takes, and back. */
static inline uint32_t pt_fault_cause(uint32_t need) {
  return need == P_W ? CAUSE_PF_STORE : need == P_X ? CAUSE_PF_FETCH : CAUSE_PF_LOAD;
}
static inline uint32_t pt_fault_access(uint32_t cause) {
  return cause == CAUSE_PF_STORE ? P_W : cause == CAUSE_PF_FETCH ? P_X : P_R;
}

/* A walk of the table at root in flat memory mem[0, size), without side
 * effects: the CPU's walk (mmu.c) is this one plus setting A and D, and
 * the debugger and the checkers look with it. */
typedef struct pt_walk {
  uint32_t va, ptb;
  uint32_t pde_at, pde, pte_at, pte;
  int level;     /* how far it got: 0 no PDE, 1 no PTE, 2 page outside memory, 3 mapped */
  bool outside;  /* the PDE or PTE itself lies outside memory */
  unsigned refs; /* the walker's memory references: 1, or 2 once the PDE is valid */
  uint32_t pa;
} pt_walk;
static inline uint32_t pt_rd32(const uint8_t *mem, uint32_t at) {
  uint32_t v;
  memcpy(&v, mem + at, 4); /* the host is little-endian like the simulated CPU */
  return v;
}

/* THE walk (pt_find): the table at ptb in flat memory mem[0, size), for va.  Returns
 * how far it got: 0 no valid PDE (or it lies outside memory), 1 no valid
 * PTE (the same), 2 the PTE names a page outside memory, 3 mapped; from 1
 * on *pte_at is the PTE's address, from 2 on *pte the PTE.  It reads and
 * writes nothing else: the CPU's walk (mmu.c) sets A and D around it and
 * counts its references (1, or 2 once the PDE is valid). */
static inline int pt_find(const uint8_t *mem, uint32_t size, uint32_t ptb, uint32_t va, uint32_t *pte_at,
                          uint32_t *pte) {
  uint32_t pde_at = PDE_AT(ptb, va), pde;
  if (size < 4 || pde_at > size - 4 || !((pde = pt_rd32(mem, pde_at)) & PTE_V)) return 0;
  *pte_at = PTE_AT(pde, va);
  if (*pte_at > size - 4 || !((*pte = pt_rd32(mem, *pte_at)) & PTE_V)) return 1;
  return (*pte >> PAGE_SHIFT) < (size >> PAGE_SHIFT) ? 3 : 2;
}

/* The same walk, reporting everything it saw (the debugger's `info pt`,
 * the checkers); true when va is mapped. */
bool pt_walk_in(const uint8_t *mem, uint32_t size, uint32_t ptb, uint32_t va, pt_walk *w);

/* Every valid entry of the table at root in mem[0, size): fn(ctx, e) is
 * called for each valid directory entry (e->pte_at = 0) and, when it
 * returns true and the table lies in memory, for each valid entry of its
 * table.  (A false from a table entry's call is ignored.) */
typedef struct pt_entry {
  uint32_t va; /* the first address the entry maps */
  uint32_t pde_at, pde;
  uint32_t pte_at, pte; /* 0 when visiting the directory entry */
} pt_entry;
void pt_each(const uint8_t *mem, uint32_t size, uint32_t root, bool (*fn)(void *ctx, const pt_entry *e), void *ctx);

/* Every mapping of a table, in runs of consecutive pages with the same
 * bits (the debugger's `info pt` and pictures); *out is malloc'd. */
typedef struct pt_run {
  uint32_t va, pa, pages, bits;
} pt_run;
int pt_runs(const uint8_t *mem, uint32_t size, uint32_t ptb, pt_run **out);

#endif
