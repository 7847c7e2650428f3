/* snapshot.c: copying a machine and putting it back (see snapshot.h). */
#include "snapshot.h"

#include <stdlib.h>
#include <string.h>

#include "mmu.h"

#define MARK_BYTES (PAGE_SIZE / 32) /* a page's bitmap of marked words */

/* Memory is kept a page at a time, and only the pages that are not all
 * zero: most of a machine is (a guest's unused memory, an empty
 * translation cache, unused shadow tables), and a debugger keeps dozens of
 * checkpoints. */
struct cpu_snap {
  cpu regs;       /* the struct itself; its pointers are not used */
  uint32_t *at;   /* per page: 1 + its index in pages, or 0: all zero */
  uint8_t *pages; /* the other pages, PAGE_SIZE bytes each */
  uint32_t npages_kept;
  tlb_entry *tlb;
  uint8_t *code;  /* per physical page: 1 if it had decoded instructions */
  uint8_t *marks; /* NULL, or per page: a present byte then MARK_BYTES */
};

cpu_snap *snap_take(const cpu *c) {
  cpu_snap *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  s->regs = *c;
  s->at = malloc(sizeof *s->at * c->npages);
  s->tlb = malloc(sizeof *s->tlb * c->tlb_size);
  s->code = malloc(c->npages);
  if (!s->at || !s->tlb || !s->code) {
    snap_free(s);
    return NULL;
  }
  uint32_t kept = 0;
  for (uint32_t p = 0; p < c->npages; p++)
    s->at[p] = cpu_page_zero(c->mem + (size_t)p * PAGE_SIZE) ? 0 : ++kept;
  s->npages_kept = kept;
  if (kept && !(s->pages = malloc((size_t)kept * PAGE_SIZE))) {
    snap_free(s);
    return NULL;
  }
  for (uint32_t p = 0; p < c->npages; p++)
    if (s->at[p]) memcpy(s->pages + (size_t)(s->at[p] - 1) * PAGE_SIZE, c->mem + (size_t)p * PAGE_SIZE, PAGE_SIZE);
  memcpy(s->tlb, c->tlb, sizeof *s->tlb * c->tlb_size);
  for (uint32_t p = 0; p < c->npages; p++)
    s->code[p] = c->code[p] != NULL;
  if (c->marks) {
    s->marks = calloc(c->npages, 1 + MARK_BYTES);
    if (!s->marks) {
      snap_free(s);
      return NULL;
    }
    for (uint32_t p = 0; p < c->npages; p++)
      if (c->marks[p]) {
        s->marks[p * (1 + MARK_BYTES)] = 1;
        memcpy(s->marks + p * (1 + MARK_BYTES) + 1, c->marks[p], MARK_BYTES);
      }
  }
  return s;
}

/* The translator's marks on words, as they were. */
static void restore_marks(cpu *c, const cpu_snap *s) {
  if (!s->marks) {
    if (c->marks)
      for (uint32_t p = 0; p < c->npages; p++)
        free(c->marks[p]);
    free(c->marks);
    c->marks = NULL;
    return;
  }
  if (!c->marks && !(c->marks = calloc(c->npages, sizeof *c->marks))) cpu_panic("snap_restore: out of host memory");
  for (uint32_t p = 0; p < c->npages; p++) {
    const uint8_t *m = s->marks + p * (1 + MARK_BYTES);
    if (!m[0]) {
      free(c->marks[p]);
      c->marks[p] = NULL;
      continue;
    }
    if (!c->marks[p] && !(c->marks[p] = malloc(MARK_BYTES))) cpu_panic("snap_restore: out of host memory");
    memcpy(c->marks[p], m + 1, MARK_BYTES);
  }
}

void snap_restore(cpu *c, const cpu_snap *s) {
  if (s->regs.mem_size != c->mem_size || s->regs.tlb_size != c->tlb_size)
    cpu_panic("snap_restore: a snapshot of another machine");
  /* The host's side of the machine stays as it is. */
  uint8_t *mem = c->mem;
  dinsn **code = c->code, *dcode = c->dcode;
  tlb_entry *tlb = c->tlb;
  uint8_t **marks = c->marks;
  uint16_t *watch = c->watch;
  cpu_watcher *watchers = c->watchers;
  uint32_t nwatchers = c->nwatchers;
  console_dev con = c->con;
  int stop = c->stop_request;
  *c = s->regs;
  c->mem = mem;
  c->code = code;
  c->dcode = dcode;
  c->tlb = tlb;
  c->marks = marks;
  c->watch = watch; /* who watches is the host's business, as now */
  c->watchers = watchers;
  c->nwatchers = nwatchers;
  restore_marks(c, s);
  con.rx_irq_enabled = s->regs.con.rx_irq_enabled;
  c->con = con;
  c->stop_request = stop;
  for (uint32_t p = 0; p < c->npages; p++) {
    uint8_t *to = c->mem + (size_t)p * PAGE_SIZE;
    if (s->at[p])
      memcpy(to, s->pages + (size_t)(s->at[p] - 1) * PAGE_SIZE, PAGE_SIZE);
    else
      memset(to, 0, PAGE_SIZE);
  }

  /* The decoded cache: the same pages as then, all to be decoded again
   * (mmu_code_page may touch the TLB, so the TLB is copied after it). */
  for (uint32_t p = 0; p < c->npages; p++) {
    if (s->code[p]) {
      if (c->code[p])
        mmu_code_drop(c, p);
      else if (!mmu_code_page(c, p))
        cpu_panic("snap_restore: out of host memory");
    } else {
      mmu_code_free(c, p);
    }
  }
  memcpy(c->tlb, s->tlb, sizeof *c->tlb * c->tlb_size);
  /* The fetch window points into the decoded cache of its page. */
  if (c->fetch_va != FETCH_NONE) {
    c->fetch = c->code[c->fetch_pa >> PAGE_SHIFT];
    if (!c->fetch) cpu_panic("snap_restore: fetch window without a decoded page");
  } else {
    c->fetch = NULL;
  }
}

void snap_free(cpu_snap *s) {
  if (!s) return;
  free(s->marks);
  free(s->at);
  free(s->pages);
  free(s->tlb);
  free(s->code);
  free(s);
}

size_t snap_bytes(const cpu_snap *s) {
  return sizeof *s + (sizeof *s->at + 1) * s->regs.npages + (size_t)s->npages_kept * PAGE_SIZE +
         sizeof *s->tlb * s->regs.tlb_size +
         (s->marks ? (size_t)s->regs.npages * (1 + MARK_BYTES) : 0);
}
