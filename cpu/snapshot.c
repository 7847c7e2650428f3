/* snapshot.c: copying a machine and putting it back (see snapshot.h). */
#include "snapshot.h"

#include <stdlib.h>
#include <string.h>

#include "mmu.h"

#define MARK_BYTES (PAGE_SIZE / 32) /* a page's bitmap of marked words */

struct cpu_snap {
  cpu regs;     /* the struct itself; its pointers are not used */
  uint8_t *mem; /* mem_size bytes */
  tlb_entry *tlb;
  uint8_t *code;  /* per physical page: 1 if it had decoded instructions */
  uint8_t *marks; /* NULL, or per page: a present byte then MARK_BYTES */
};

cpu_snap *snap_take(const cpu *c) {
  cpu_snap *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  s->regs = *c;
  s->mem = malloc(c->mem_size);
  s->tlb = malloc(sizeof *s->tlb * c->tlb_size);
  s->code = malloc(c->npages);
  if (!s->mem || !s->tlb || !s->code) {
    snap_free(s);
    return NULL;
  }
  memcpy(s->mem, c->mem, c->mem_size);
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
  memcpy(c->mem, s->mem, c->mem_size);

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
  free(s->mem);
  free(s->tlb);
  free(s->code);
  free(s);
}

size_t snap_bytes(const cpu_snap *s) {
  return sizeof *s + s->regs.mem_size + sizeof *s->tlb * s->regs.tlb_size + s->regs.npages +
         (s->marks ? (size_t)s->regs.npages * (1 + MARK_BYTES) : 0);
}
