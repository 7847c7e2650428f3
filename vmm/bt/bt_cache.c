/* bt_cache.c: the translation cache.
 *
 * Translate once, reuse.  A block is found by its KEY:
 *
 *   (guest virtual pc, guest-physical page the code was read from)
 *
 * The virtual pc alone is not enough, because the guest may map the same
 * virtual page to other memory later (a new address space, exec loading
 * another program); the physical page alone is not enough, because a
 * translation bakes virtual addresses in (call's return address, branch
 * targets).  Everything else a translation depends on is fixed for a run
 * (--bt-priv, --isa) or is checked when the code runs (the VCPU page holds
 * the virtual flags and control registers; the guest's registers are live).
 *
 * Storage is a bump allocator over the TC pages: blocks are appended, and
 * the only way to free one is to free them all.  That one operation, the
 * FLUSH, serves both invalidation (the guest wrote code that was
 * translated) and eviction (no room for the next block): simple, and with
 * chained jumps between blocks, the only policy that never leaves a jump
 * into freed space.  A flush leaves the TC's bytes in place, so the monitor
 * may let the expansion the CPU is in finish before it leaves.
 *
 * Chaining: an exit stub whose target is a known guest pc is patched, the
 * first time it is taken, into a jump straight to the target's translation,
 * so that the next time no exit happens at all.  Within one guest page that
 * is always safe: the mapping of the page the code runs from cannot change
 * without an exit to the monitor.  A jump into another page is recorded as
 * a LINK, and undone if the guest ever maps that page elsewhere: the guest
 * can only change its mappings through tlbi, tlbflush or a new ptb, all
 * emulated by the monitor, which then checks the links (bt_check_links).
 *
 * Self-modifying code: every guest page that code was translated from is
 * write-protected in the shadow page tables (m->wprot), so the guest's
 * writes to it come to the monitor (bt_run.c), which performs them.  Every
 * write that is not a guest store (the monitor's own emulation, the walk's
 * A and D bits, the protected stores just named) reaches guest memory
 * through cpu_phys_written, where the translator watches (bt_written): a
 * write that touched a translated word flushes the cache at once.
 */
#include <stdlib.h>
#include <string.h>

#include "bt.h"
#include "disasm.h"
#include "isa_info.h"
#include "mmu.h"

/* ---- making and freeing ---- */

uint32_t bt_host_pages(const bt_config *cfg) {
  return 2 + (cfg->tc_pages ? cfg->tc_pages : BT_DEFAULT_TC_PAGES); /* page table, VCPU page, TC */
}

static bool alloc_tables(bt *b, uint32_t gpages) {
  b->words = calloc(b->tc_words, sizeof *b->words);
  b->hash = malloc(BT_HASH * sizeof *b->hash);
  b->xlated = calloc(gpages, sizeof *b->xlated);
  b->prot = calloc(gpages, sizeof *b->prot);
  b->wprot = calloc(gpages, 1);
  b->wref = calloc(gpages, sizeof *b->wref);
  b->cap = 256;
  b->blocks = malloc(b->cap * sizeof *b->blocks);
  return b->words && b->hash && b->xlated && b->prot && b->wprot && b->wref && b->blocks;
}

/* The CPU's watch (cpu_watch): a change to guest memory by anyone but an
 * instruction's own store (which the shadow never lets reach translated
 * code: bt_protect) comes here, whoever made it: the monitor emulating an
 * instruction (pushf under --isa strict) or performing a protected store
 * for the guest, the software walk of the guest's tables setting A and D
 * (shadow.c), the loader.  If it touched a translated word, every
 * translation goes at once, before the next guest instruction; the caller
 * in bt_run.c sees the generation change and never resumes old code. */
static void bt_written(void *ctx, uint32_t pa, uint32_t len) {
  vm *m = ctx;
  bt *b = bt_of(m);
  if (!bt_overlaps(b, pa - m->base, len)) return;
  b->n.tc_invalidations++;
  bt_flush(m);
}

int bt_attach(vm *m, const bt_config *cfg, uint32_t pa) {
  cpu *c = m->c;
  bt *b = bt_of(m);
  memset(b, 0, sizeof *b);
  b->cfg = *cfg;
  if (!b->cfg.tc_pages) b->cfg.tc_pages = BT_DEFAULT_TC_PAGES;
  if (b->cfg.tc_pages > BT_MAX_TC_PAGES || (uint64_t)pa + bt_host_pages(&b->cfg) * PAGE_SIZE > c->mem_size)
    cpu_panic("bt_attach: the monitor's pages do not fit");
  b->pt_pa = pa;
  b->vcpu_pa = pa + PAGE_SIZE;
  b->tc_pa = pa + 2 * PAGE_SIZE;
  b->tc_words = b->cfg.tc_pages * (PAGE_SIZE / 4);
  b->gpages = m->size >> PAGE_SHIFT;
  if (!alloc_tables(b, b->gpages)) {
    bt_free(b);
    return -1;
  }
  b->gen = 1;
  bt_flush_tables(b);
  if (cpu_watch(c, m->base, m->base + m->size, bt_written, m) != 0) {
    bt_free(b);
    return -1;
  }

  /* The window's page table: TC pages read and execute, the VCPU page
   * read and write.  U=1 so that real user mode, where translations run,
   * can reach them; the CPU keeps guest code out (bt.h). */
  uint8_t *pt = c->mem + b->pt_pa;
  memset(pt, 0, PAGE_SIZE);
  memset(c->mem + b->vcpu_pa, 0, PAGE_SIZE);
  b->tc_va = BT_TC_VA;
  for (uint32_t i = 0; i < b->cfg.tc_pages; i++)
    st32(pt + 4 * (BT_TC_FIRST + i), (b->tc_pa + i * PAGE_SIZE) | PTE_V | PTE_U | PTE_A | PTE_D);
  st32(pt + 4 * BT_VCPU_PAGE, b->vcpu_pa | PTE_V | PTE_W | PTE_U | PTE_A | PTE_D);

  m->wprot = b->wprot;
  m->wref = b->wref;
  m->window_va = BT_WINDOW;
  m->window_pde = b->pt_pa | PTE_V;
  m->one_root = true; /* the monitor group sees U=0 pages (bt_run.c) */
  cpu_set_window(c, BT_WINDOW);
  /* The console's data and status ports, a kernel's commonest privileged
   * instructions, are passed through to translated code (the CPU's I/O
   * bitmap for the window): the guest's copied in and out reach its
   * virtual console without an exit, priced as the monitor's model of the
   * device (dev_model_in), the way VMware's translator emulated simple
   * device accesses in the translation cache.  Control, which changes the
   * VCPU's interrupt state, still leaves translated code (bt_run.c). */
  c->mon_io = cfg->priv_trap ? 0 : 1u << PORT_CONS_DATA | 1u << PORT_CONS_STATUS;
  shadow_drop_all(m); /* the kernel root is rebuilt with the window in it */
  return 0;
}

void bt_free(bt *b) {
  if (!b) return;
  if (b->xlated)
    for (uint32_t i = 0; i < b->gpages; i++) free(b->xlated[i]);
  free(b->xlated);
  free(b->words);
  free(b->hash);
  free(b->prot);
  free(b->wprot);
  free(b->wref);
  free(b->blocks);
  free(b->links);
  b->xlated = NULL, b->words = NULL, b->hash = NULL, b->prot = NULL, b->wprot = NULL, b->blocks = NULL;
  b->wref = NULL;
  b->links = NULL;
}

int bt_clone(bt *k, const bt *b) {
  *k = *b;
  k->words = NULL, k->hash = NULL, k->xlated = NULL, k->prot = NULL, k->wprot = NULL, k->blocks = NULL;
  k->wref = NULL;
  k->links = NULL;
  if ((b->links_cap && !(k->links = malloc(b->links_cap * sizeof *k->links))) || !alloc_tables(k, b->gpages)) {
    bt_free(k);
    return -1;
  }
  if (b->nlinks) memcpy(k->links, b->links, b->nlinks * sizeof *b->links);
  k->cap = b->cap;
  bt_block *blocks = realloc(k->blocks, b->cap * sizeof *b->blocks);
  if (!blocks) {
    bt_free(k);
    return -1;
  }
  k->blocks = blocks;
  memcpy(k->words, b->words, b->tc_high * sizeof *b->words); /* (the rest: zero in both) */
  memcpy(k->hash, b->hash, BT_HASH * sizeof *b->hash);
  memcpy(k->blocks, b->blocks, b->nblocks * sizeof *b->blocks);
  memcpy(k->prot, b->prot, b->gpages * sizeof *b->prot);
  memcpy(k->wprot, b->wprot, b->gpages);
  memcpy(k->wref, b->wref, b->gpages * sizeof *b->wref);
  for (uint32_t i = 0; i < b->gpages; i++)
    if (b->xlated[i]) {
      if (!(k->xlated[i] = malloc(PAGE_SIZE / 32))) {
        bt_free(k);
        return -1;
      }
      memcpy(k->xlated[i], b->xlated[i], PAGE_SIZE / 32);
    }
  return 0;
}

/* ---- lookup and insert ---- */

static uint32_t hash_pc(uint32_t gpc) { return ((gpc >> 2) * 2654435761u) >> (32 - BT_HASH_BITS); }

bt_block *bt_find(bt *b, uint32_t gpc, uint32_t gpa) {
#if LAB_SOLUTION >= 3
  for (int32_t i = b->hash[hash_pc(gpc)]; i >= 0; i = b->blocks[i].next) {
    bt_block *k = &b->blocks[i];
    if (k->gpc == gpc && ((k->gpa ^ gpa) & ~PAGE_MASK) == 0) return k;
  }
  return NULL;
#else
  /* Lab 3: find the block whose key is (gpc, the guest-physical PAGE of
   * gpa), or NULL.  b->hash[hash_pc(gpc)] is the index in b->blocks of the
   * newest block with that hash (-1: none); each block's `next` is the
   * next older one in the same chain (bt_insert builds the chains).  As
   * it is, nothing is ever found, so every lookup translates again. */
  (void)b, (void)gpc, (void)gpa, (void)hash_pc;
  return NULL;
#endif
}

uint32_t bt_reserve(vm *m) {
  bt *b = bt_of(m);
  if (b->tc_used + BT_MAX_BLOCK_WORDS > b->tc_words) {
    b->n.tc_evictions++;
    bt_flush(m);
  }
  return b->tc_va + b->tc_used * 4;
}

bt_block *bt_insert(vm *m, uint32_t gpc, uint32_t gpa, uint32_t tc, uint32_t ninsns, uint32_t nwords) {
  bt *b = bt_of(m);
  if (b->nblocks == b->cap) {
    bt_block *nb = realloc(b->blocks, 2 * b->cap * sizeof *nb);
    if (!nb) cpu_panic("bt_insert: out of host memory");
    b->blocks = nb;
    b->cap *= 2;
  }
  bt_block *k = &b->blocks[b->nblocks];
#if LAB_SOLUTION >= 3
  *k = (bt_block){gpc, gpa, tc, (uint16_t)ninsns, (uint16_t)nwords, b->hash[hash_pc(gpc)], false};
  b->hash[hash_pc(gpc)] = (int32_t)b->nblocks++;
#else
  /* Lab 3: put the new block at the head of its hash chain (see bt_find):
   * its `next` is the chain's old head, and the head becomes its index. */
  *k = (bt_block){gpc, gpa, tc, (uint16_t)ninsns, (uint16_t)nwords, -1, false};
  b->nblocks++;
#endif
  b->tc_used += nwords;
  return k;
}

void bt_put(vm *m, uint32_t va, uint32_t word, bool marked, bt_word info) {
  bt *b = bt_of(m);
  uint32_t pa = bt_tc_pa(b, va);
  st32(m->c->mem + pa, word);
  /* Also drops the CPU's decoded copy of the old word there. */
  if (cpu_mark_word(m->c, pa, marked) != 0) cpu_panic("bt_put: out of host memory");
  *bt_word_at(b, va) = info;
  uint32_t i = (va - b->tc_va) >> 2;
  if (i >= b->tc_high) b->tc_high = i + 1;
}

static uint32_t tc_word(const vm *m, uint32_t va) { return ld32(m->c->mem + bt_tc_pa(bt_of(m), va)); }

/* Rewrite the TC word at va, keeping its mark and its description. */
static void repatch(vm *m, uint32_t va, uint32_t word) {
  bool marked = mmu_word_marked(m->c, bt_tc_pa(bt_of(m), va));
  bt_put(m, va, word, marked, *bt_word_at(bt_of(m), va));
}

/* A stub's patch site is the branch that jumps to it (rewritten in place,
 * so the chained path costs no extra jump) or, for a fall-through stub, the
 * stub itself (its brk becomes a marked jmp).  A link into another page
 * is recorded, to be checked when the guest's mappings change. */
void bt_chain(vm *m, uint32_t stub, const bt_block *k) {
  bt *b = bt_of(m);
  bt_word *s = bt_word_at(b, stub);
  uint32_t site = s->arg, old = tc_word(m, site);
  uint32_t word = ISA_ENC_J(site == stub ? OP_JMP : ISA_OPCODE(old), (k->tc - site) >> 2);
  if (s->why == BX_FAR) {
    if (b->nlinks == b->links_cap) {
      uint32_t cap = b->links_cap ? 2 * b->links_cap : 64;
      bt_link *l = realloc(b->links, cap * sizeof *l);
      if (!l) return; /* no room to remember it: simply do not chain */
      b->links = l;
      b->links_cap = cap;
    }
    b->links[b->nlinks++] = (bt_link){site, old, stub, k->gpc, k->gpa};
  }
  repatch(m, site, word);
  s->why = s->why == BX_FAR ? BX_FAR_CHAINED : BX_CHAINED;
  b->n.chained++;
}

static void unlink_at(vm *m, uint32_t i) {
  bt *b = bt_of(m);
  bt_link *l = &b->links[i];
  repatch(m, l->site, l->word);
  bt_word_at(b, l->stub)->why = BX_FAR;
  *l = b->links[--b->nlinks];
}

void bt_unchain(vm *m, uint32_t stub) {
  bt *b = bt_of(m);
  bt_word *s = bt_word_at(b, stub);
  if (s->why == BX_CHAINED) { /* in the same page: put back the jump to the stub, or the stub */
    uint32_t site = s->arg;
    repatch(m, site, site == stub ? ISA_ENC_R(OP_BRK, 0, 0, 0) : ISA_ENC_J(ISA_OPCODE(tc_word(m, site)), (stub - site) >> 2));
    s->why = BX_DIRECT;
  }
  if (s->why == BX_FAR_CHAINED)
    for (uint32_t i = 0; i < b->nlinks; i++)
      if (b->links[i].stub == stub) unlink_at(m, i);
}

/* Links into a few guest pages (the kernel's code) come in any order: the
 * pages already walked in this check are remembered, a handful of them. */
void bt_check_links(vm *m) {
  bt *b = bt_of(m);
  enum { SEEN = 8 };
  uint32_t vpage[SEEN], gpage[SEEN], nseen = 0;
  for (uint32_t i = 0; i < b->nlinks;) {
    const bt_link *l = &b->links[i];
    uint32_t k = 0, gpa;
    while (k < nseen && vpage[k] != (l->gpc & ~PAGE_MASK)) k++;
    if (k == nseen) { /* not walked yet (past SEEN pages, slot SEEN-1 is reused) */
      k = nseen < SEEN ? nseen++ : SEEN - 1;
      vpage[k] = l->gpc & ~PAGE_MASK;
      gpage[k] = guest_peek(m, l->gpc, P_X, &gpa) == 0 ? gpa & ~PAGE_MASK : 1; /* 1: no mapping */
    }
    if (gpage[k] == (l->gpa & ~PAGE_MASK)) i++;
    else unlink_at(m, i); /* (the last link moved to i: look at it next) */
  }
  b->syncs_seen = m->n.shadow_syncs;
}

/* ---- flushing: invalidation and eviction ---- */

void bt_flush_tables(bt *b) {
  b->tc_used = 0;
  b->nblocks = 0;
  for (uint32_t i = 0; i < BT_HASH; i++) b->hash[i] = -1;
  for (uint32_t i = 0; i < b->nprot; i++) {
    uint32_t p = b->prot[i];
    memset(b->xlated[p], 0, PAGE_SIZE / 32);
    b->wprot[p] = 0;
  }
  b->nprot = 0;
  b->nlinks = 0;
  b->gen++;
}

/* The pages stay read-only in the shadow until the guest next writes
 * them: that write faults, finds the page no longer protected, and the
 * ordinary shadow fill makes it writable.  Charged to the guest whose
 * code or whose eviction caused it (cost.h). */
void bt_flush(vm *m) {
  bt_flush_tables(bt_of(m));
  m->c->st.cycles += m->c->cost.c[COST_TC_FLUSH];
}

/* ---- write protection of translated guest pages ---- */

void bt_protect(vm *m, uint32_t gpa, uint32_t ninsns) {
  bt *b = bt_of(m);
  uint32_t page = gpa >> PAGE_SHIFT;
  if (!b->xlated[page] && !(b->xlated[page] = calloc(PAGE_SIZE / 32, 1))) cpu_panic("bt_protect: out of host memory");
  for (uint32_t k = 0, w = (gpa & PAGE_MASK) >> 2; k < ninsns; k++, w++) b->xlated[page][w >> 3] |= (uint8_t)(1u << (w & 7));
  if (b->wprot[page]) return;
  b->wprot[page] = 1;
  b->prot[b->nprot++] = page;
  shadow_protect(m, page << PAGE_SHIFT);
}

bool bt_overlaps(const bt *b, uint32_t gpa, uint32_t len) {
#if LAB_SOLUTION >= 3
  const uint8_t *bits = b->xlated[gpa >> PAGE_SHIFT];
  if (!bits) return false;
  for (uint32_t a = gpa & ~3u; a < gpa + len; a += 4) {
    uint32_t w = (a & PAGE_MASK) >> 2;
    if ((bits[w >> 3] >> (w & 7)) & 1) return true;
  }
  return false;
#else
  /* Lab 3: invalidation.  A guest write of len bytes at gpa hit a page
   * holding translated code; return true if it touched a translated WORD
   * (then the monitor flushes the cache), false for data beside the code.
   * bt_protect keeps, per guest page, a bitmap of translated words:
   * b->xlated[page] (NULL: none), bit w of byte w >> 3 for word w of the
   * page.  As it is, rewritten code keeps running its old translation. */
  (void)b, (void)gpa, (void)len;
  return false;
#endif
}

/* ---- --dump-tc: each block beside its translation ---- */

static const char *exit_name(unsigned why) {
  static const char *const names[] = {
#define BT_EXIT_NAME(name, s, m) [BX_##name] = s,
      BT_EXIT_TABLE(BT_EXIT_NAME)
#undef BT_EXIT_NAME
  };
  return why < NBT_EXITS ? names[why] : "?";
}

/* The VCPU-page slot an r0-based load or store of a translation reaches. */
static const char *vcpu_slot(uint32_t word, char *buf, size_t len) {
  const isa_info *in = &isa_table[ISA_OPCODE(word)];
  uint32_t off = (ISA_IMM16(word) - (BT_VCPU_VA & 0xffffu)) & 0xffffu;
  if (!in->name || !isa_has_operand(in, 'm') || ISA_RS1(word) != 0 || off >= PAGE_SIZE) return NULL;
  if (off >= VP_CR && off < VP_CR + 4 * NCR) snprintf(buf, len, "cr %s", isa_cr_name((off - VP_CR) / 4));
  else snprintf(buf, len, "%s", off == VP_SCR1 ? "scr1" : off == VP_SCR2 ? "scr2" : off == VP_VSYS ? "vsys" : off == VP_VPEND ? "vpend" : "?");
  return buf;
}

/* One block, one line per TC word:
 *
 *   guest pc    guest instruction          | TC address   word   translation
 *
 * The guest column is filled on the first word of each guest instruction's
 * expansion; `*` marks inserted words (not counted as the guest's). */
void bt_dump_block(FILE *f, vm *m, const bt_block *k) {
  bt *b = bt_of(m);
  const uint8_t *mem = m->c->mem;
  fprintf(f, "block 0x%08x (guest-physical 0x%08x): %u instructions -> tc 0x%08x, %u words%s\n", k->gpc, k->gpa,
          k->ninsns, k->tc, k->nwords, k->superseded ? ", translated again (adaptive translation)" : "");
  uint32_t shown = 1; /* no guest pc is odd: nothing shown yet */
  for (uint32_t i = 0; i < k->nwords; i++) {
    uint32_t va = k->tc + 4 * i;
    const bt_word *w = bt_word_at(b, va);
    uint32_t tw = ld32(mem + bt_tc_pa(b, va));
    char gtext[64] = "", ttext[64];
    if (w->kind != W_STUB && w->gpc != shown) {
      uint32_t gw = ld32(mem + m->base + k->gpa + (w->gpc - k->gpc));
      char d[48];
      dis_insn(gw, w->gpc, NULL, d, sizeof d);
      snprintf(gtext, sizeof gtext, "%08x  %s", w->gpc, d);
      shown = w->gpc;
    }
    dis_insn(tw, va, NULL, ttext, sizeof ttext);
    bool marked = m->c->marks && mmu_word_marked(m->c, bt_tc_pa(b, va));
    char slot[16], note[64] = "";
    if (w->kind == W_STUB) snprintf(note, sizeof note, "exit %s -> %08x", exit_name(w->why), w->gpc);
    else if (w->kind == W_EXIT) snprintf(note, sizeof note, "exit %s", exit_name(w->why));
    else if (w->kind == W_PEND && w->why == BX_JR) snprintf(note, sizeof note, "exit if the prediction missed");
    else if (w->kind == W_PEND) snprintf(note, sizeof note, "exit if an interrupt is now deliverable");
    else if (w->kind == W_CALL) snprintf(note, sizeof note, "callout: %s", w->why == BT_CALL_EMULATE ? "emulate" : "make the access's shadow entry");
    else if (vcpu_slot(tw, slot, sizeof slot)) snprintf(note, sizeof note, "%s", slot);
    if (*note)
      fprintf(f, "  %-36s | %08x %c %-28s ; %s\n", gtext, va, marked ? '*' : ' ', ttext, note);
    else
      fprintf(f, "  %-36s | %08x %c %s\n", gtext, va, marked ? '*' : ' ', ttext);
  }
}

void bt_dump_head(FILE *f, const vm *m) {
  const bt *b = bt_of(m);
  fprintf(f, "translation cache: %u block%s, %u of %u words used (inserted words marked *)\n", b->nblocks,
          b->nblocks == 1 ? "" : "s", b->tc_used, b->tc_words);
}

void bt_dump(FILE *f, vm *m) {
  bt *b = bt_of(m);
  fprintf(f, "# ");
  bt_dump_head(f, m);
  for (uint32_t i = 0; i < b->nblocks; i++) bt_dump_block(f, m, &b->blocks[i]);
}
