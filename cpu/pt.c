/* pt.c: walking and visiting page tables of the one shape (pt.h), without
 * side effects. */
#include "pt.h"

#include <stdlib.h>
#include <string.h>

#include "cpu.h"

bool pt_walk_in(const uint8_t *mem, uint32_t size, uint32_t ptb, uint32_t va, pt_walk *w) {
  *w = (pt_walk){.va = va, .ptb = PTE_ADDR(ptb), .pde_at = PDE_AT(ptb, va)};
  w->level = pt_find(mem, size, ptb, va, &w->pte_at, &w->pte);
  w->refs = w->level ? 2 : 1;
  if (w->level == 0) {
    w->outside = size < 4 || w->pde_at > size - 4;
    if (!w->outside) w->pde = pt_rd32(mem, w->pde_at);
    return false;
  }
  w->pde = pt_rd32(mem, w->pde_at);
  if (w->level == 1) {
    w->outside = w->pte_at > size - 4;
    if (!w->outside) w->pte = pt_rd32(mem, w->pte_at);
    return false;
  }
  if (w->level == 3) w->pa = PTE_ADDR(w->pte) | PGOFF(va);
  return w->level == 3;
}

void pt_each(const uint8_t *mem, uint32_t size, uint32_t root, bool (*fn)(void *ctx, const pt_entry *e), void *ctx) {
  for (uint32_t d = 0; d < PT_ENTRIES; d++) {
    pt_entry e = {.va = PT_VA(d, 0), .pde_at = PTE_ADDR(root) + 4 * d};
    if (size < 4 || e.pde_at > size - 4) return;
    e.pde = pt_rd32(mem, e.pde_at);
    if (!(e.pde & PTE_V) || !fn(ctx, &e)) continue;
    for (uint32_t t = 0; t < PT_ENTRIES; t++) {
      e.va = PT_VA(d, t);
      e.pte_at = PTE_ADDR(e.pde) + 4 * t;
      if (e.pte_at > size - 4) break;
      e.pte = pt_rd32(mem, e.pte_at);
      if (e.pte & PTE_V) fn(ctx, &e);
    }
  }
}

typedef struct runs {
  pt_run *r;
  int n, cap;
  uint32_t size;
} runs;

static bool add_run(void *ctx, const pt_entry *e) {
  runs *u = ctx;
  if (!e->pte_at) return true; /* a directory entry: visit its table */
  if ((e->pte >> PAGE_SHIFT) >= (u->size >> PAGE_SHIFT)) return true;
  uint32_t pa = PTE_ADDR(e->pte), bits = e->pte & PTE_BITS;
  pt_run *last = u->n ? &u->r[u->n - 1] : NULL;
  if (last && last->bits == bits && last->va + last->pages * PAGE_SIZE == e->va &&
      last->pa + last->pages * PAGE_SIZE == pa) {
    last->pages++;
    return true;
  }
  if (u->n == u->cap) {
    u->cap = u->cap ? 2 * u->cap : 16;
    pt_run *p = realloc(u->r, sizeof *p * (size_t)u->cap);
    if (!p) cpu_panic("pt_runs: out of host memory");
    u->r = p;
  }
  u->r[u->n++] = (pt_run){e->va, pa, 1, bits};
  return true;
}

int pt_runs(const uint8_t *mem, uint32_t size, uint32_t ptb, pt_run **out) {
  runs u = {.size = size};
  pt_each(mem, size, ptb, add_run, &u);
  *out = u.r;
  return u.n;
}
