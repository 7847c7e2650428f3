/* vdb_mem.c: looking at memory and at the tables that map it.
 *
 *   x/FMT ADDR    guest-virtual, through the guest's own page table
 *   xp/FMT ADDR   guest-physical          xh/FMT ADDR  host-physical
 *   disassemble   guest-virtual, with the image's symbols
 *   info pt       the guest's table, or one walk level by level
 *   info tlb      the real TLB          info shadow / info npt  the monitor's
 *   translate     guest-virtual -> guest-physical -> host-physical
 *
 * Every walk here is the debugger's own, without side effects: the MMU's
 * walk (cpu/mmu.c) and the monitor's (vmm/core/shadow.c) set A and D bits, and
 * looking must not change what the guest will do.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "disasm.h"
#include "mmu.h"
#include "vdb.h"

/* ---- walks ---- */

bool mem_guest_walk(const vdb_target *t, uint32_t va, pt_walk *w, bool *paging) {
  vdb_regs g;
  target_regs(t, &g);
  *paging = g.cr[CR_PAGING] & 1;
  if (!*paging) {
    *w = (pt_walk){.va = va, .pa = va, .level = va < t->gsize ? 3 : 2, .pte = PTE_V | PTE_W | PTE_U};
    return va < t->gsize;
  }
  return pt_walk_in(t->c->mem + t->gbase, t->gsize, g.cr[CR_PTB], va, w);
}

int mem_read(const vdb_target *t, int space, uint32_t addr, void *buf, uint32_t len, uint32_t *bad) {
  uint8_t *out = buf;
  for (uint32_t i = 0; i < len;) {
    uint32_t a = addr + i, n = PAGE_SIZE - (a & PAGE_MASK), host;
    if (n > len - i) n = len - i;
    if (space == SP_GVA) {
      pt_walk w;
      bool paging;
      if (!mem_guest_walk(t, a, &w, &paging)) goto fail;
      host = t->gbase + w.pa;
    } else if (space == SP_GPA) {
      if (a >= t->gsize || t->gsize - a < n) goto fail;
      host = t->gbase + a;
    } else {
      host = a;
    }
    if (!cpu_phys_read(t->c, host, out + i, n)) goto fail;
    i += n;
    continue;
  fail:
    if (bad) *bad = a;
    return -1;
  }
  return 0;
}

void pte_bits_str(uint32_t bits, char *buf, size_t len) {
  snprintf(buf, len, "%s%s%s%s%s", bits & PTE_V ? "V" : "-", bits & PTE_W ? "W" : "-", bits & PTE_U ? "U" : "-",
           bits & PTE_A ? "A" : "-", bits & PTE_D ? "D" : "-");
}

/* ---- x, xp, xh ---- */

int mem_parse_fmt(const char **s, vdb_fmt *f) {
  const char *p = *s;
  if (*p != '/') return 0;
  p++;
  if (isdigit((unsigned char)*p)) {
    char *end;
    unsigned long n = strtoul(p, &end, 10);
    if (n == 0 || n > 4096) return -1;
    f->count = (unsigned)n;
    p = end;
  }
  for (; *p && !isspace((unsigned char)*p); p++) {
    if (strchr("xduotcasi", *p)) {
      f->letter = *p;
      if (*p == 'c') f->size = 1;
    } else if (*p == 'b')
      f->size = 1;
    else if (*p == 'h')
      f->size = 2;
    else if (*p == 'w')
      f->size = 4;
    else {
      *s = p;
      return -1;
    }
  }
  *s = p;
  return 1;
}

static void char_str(uint32_t c, char *buf, size_t len) {
  if (c == '\n')
    snprintf(buf, len, "'\\n'");
  else if (c == '\t')
    snprintf(buf, len, "'\\t'");
  else if (c == '\\' || c == '\'')
    snprintf(buf, len, "'\\%c'", (char)c);
  else if (c >= 32 && c < 127)
    snprintf(buf, len, "'%c'", (char)c);
  else
    snprintf(buf, len, "'\\x%02x'", c & 0xff);
}

static void fmt_value(const vdb_target *t, char letter, unsigned size, uint32_t v, char *buf, size_t len) {
  int32_t sv = size == 1 ? (int8_t)v : size == 2 ? (int16_t)v : (int32_t)v;
  char sym[80], c[16];
  switch (letter) {
  case 'd': snprintf(buf, len, "%d", sv); break;
  case 'u': snprintf(buf, len, "%u", v); break;
  case 'o': snprintf(buf, len, "0%o", v); break;
  case 'c':
    char_str(v & 0xff, c, sizeof c);
    snprintf(buf, len, "%d %s", (int8_t)v, c);
    break;
  case 't':
    for (unsigned i = 0; i < size * 8 && i + 1 < len; i++)
      buf[i] = (v >> (size * 8 - 1 - i)) & 1 ? '1' : '0';
    buf[size * 8 < len ? size * 8 : len - 1] = 0;
    break;
  case 'a':
    target_symbolize(t, v, sym, sizeof sym);
    snprintf(buf, len, "0x%08x%s", v, sym);
    break;
  default: snprintf(buf, len, "0x%0*x", (int)size * 2, v); break;
  }
}

/* One disassembled line, as x/i and disassemble print it. */
static void insn_line(vdb *d, const vdb_target *t, int space, uint32_t addr, uint32_t word, const char *label) {
  char text[128];
  vdb_regs g;
  target_regs(t, &g);
  dis_insn(word, addr, &t->img, text, sizeof text);
  vdb_printf(d, "%s0x%08x%s:  %s\n", space == SP_GVA && addr == g.pc ? "=> " : "   ", addr, label, text);
}

static int examine(vdb *d, const char *args, int space) {
  vdb_target *t = vdb_cur(d);
  const char *p = skip_ws(args);
  vdb_fmt f = d->x_fmt;
  f.count = 1;
  int r = mem_parse_fmt(&p, &f);
  if (r < 0) return vdb_error(d, "Bad format '%s' (count, then x d u o t c a s i, then b h w).", skip_ws(args));
  if (f.letter == 'i' || f.letter == 's' || f.letter == 'a') f.size = f.letter == 'a' ? 4 : f.size;
  p = skip_ws(p);
  uint32_t addr;
  if (*p) {
    if (vdb_eval(d, p, &addr) != 0) return -1;
  } else if (d->x_space == space) {
    addr = d->x_next;
  } else {
    return vdb_error(d, "Argument required (starting address).");
  }
  d->x_fmt = f;
  d->x_space = space;
  uint32_t bad;
  char sym[80] = "", item[96];
  if (f.letter == 'i') {
    for (unsigned k = 0; k < f.count; k++, addr += 4) {
      uint32_t word;
      if (mem_read(t, space, addr, &word, 4, &bad) != 0)
        return vdb_error(d, "Cannot access memory at address 0x%08x", bad);
      if (space == SP_GVA) target_symbolize(t, addr, sym, sizeof sym);
      insn_line(d, t, space, addr, word, sym);
      d->x_next = addr + 4;
    }
  } else if (f.letter == 's') {
    for (unsigned k = 0; k < f.count; k++) {
      char s[512];
      size_t n = 0;
      uint32_t a = addr;
      for (;; a++) {
        uint8_t b;
        if (mem_read(t, space, a, &b, 1, &bad) != 0) {
          if (a == addr) return vdb_error(d, "Cannot access memory at address 0x%08x", bad);
          break;
        }
        if (!b || n > sizeof s - 8) break;
        if (b == '\n')
          s[n++] = '\\', s[n++] = 'n';
        else if (b == '"' || b == '\\')
          s[n++] = '\\', s[n++] = (char)b;
        else if (b >= 32 && b < 127)
          s[n++] = (char)b;
        else
          n += (size_t)snprintf(s + n, 5, "\\%03o", b);
      }
      s[n] = 0;
      if (space == SP_GVA) target_symbolize(t, addr, sym, sizeof sym);
      vdb_printf(d, "0x%08x%s:  \"%s\"\n", addr, sym, s);
      addr = a + 1;
      d->x_next = addr;
    }
  } else {
    unsigned per = f.size == 4 ? 4 : 8;
    for (unsigned k = 0; k < f.count; k++, addr += f.size) {
      uint32_t v = 0;
      if (mem_read(t, space, addr, &v, f.size, &bad) != 0) {
        if (k % per) vdb_printf(d, "\n");
        return vdb_error(d, "Cannot access memory at address 0x%08x", bad);
      }
      if (k % per == 0) {
        if (space == SP_GVA) target_symbolize(t, addr, sym, sizeof sym);
        vdb_printf(d, "0x%08x%s:", addr, sym);
      }
      fmt_value(t, f.letter, f.size, v, item, sizeof item);
      vdb_printf(d, "  %s", item);
      if (k % per == per - 1 || k == f.count - 1) vdb_printf(d, "\n");
      d->x_next = addr + f.size;
    }
  }
  /* An empty line goes on from here with the same format. */
  static const char *const names[] = {[SP_GVA] = "x", [SP_GPA] = "xp", [SP_HPA] = "xh"};
  char again[32];
  snprintf(again, sizeof again, "%s/%u%c%c", names[space], f.count, f.letter,
           f.size == 1   ? 'b'
           : f.size == 2 ? 'h'
                         : 'w');
  free(d->last);
  d->last = strdup(again);
  return 0;
}

void mem_show_insn(vdb *d, vdb_target *t, uint32_t addr) {
  uint32_t word;
  char sym[80];
  target_symbolize(t, addr, sym, sizeof sym);
  if (mem_read(t, SP_GVA, addr, &word, 4, NULL) != 0)
    vdb_printf(d, "=> 0x%08x%s:  (not mapped: the fetch will fault)\n", addr, sym);
  else
    insn_line(d, t, SP_GVA, addr, word, sym);
}

int cmd_x(vdb *d, const char *args) { return examine(d, args, SP_GVA); }
int cmd_xp(vdb *d, const char *args) { return examine(d, args, SP_GPA); }
int cmd_xh(vdb *d, const char *args) { return examine(d, args, SP_HPA); }

/* ---- disassemble ---- */

int cmd_disassemble(vdb *d, const char *args) {
  vdb_target *t = vdb_cur(d);
  vdb_regs g;
  target_regs(t, &g);
  uint32_t start = g.pc, end = 0;
  const char *fn = NULL;
  char *s = strdup(skip_ws(args)), *comma = strchr(s, ',');
  if (!s) cpu_panic("vdb: out of host memory");
  if (comma) *comma = 0;
  int rc = 0;
  if (*skip_ws(s) && vdb_eval(d, s, &start) != 0) rc = -1;
  if (rc == 0 && comma) {
    const char *e = skip_ws(comma + 1);
    bool rel = *e == '+';
    uint32_t v;
    if (vdb_eval(d, rel ? e + 1 : e, &v) != 0)
      rc = -1;
    else
      end = rel ? start + v : v;
    if (rc == 0 && end <= start) rc = vdb_error(d, "Empty range 0x%08x to 0x%08x.", start, end);
  }
  free(s);
  if (rc) return rc;
  uint32_t off = 0;
  if (!comma) {
    fn = image_symbol_at(&t->img, start, &off);
    if (fn && off < 0x10000) {
      start -= off;
      end = image_symbol_after(&t->img, start); /* the next symbol, or 0 */
      if (!end || end - start > 4096) end = start + 64;
    } else {
      fn = NULL;
      end = start + 64;
    }
  }
  start &= ~3u;
  if (end - start > 16384) return vdb_error(d, "Range too long (%u bytes; at most 16384).", end - start);
  uint32_t first, where;
  if (mem_read(t, SP_GVA, start, &first, 4, &where) != 0)
    return vdb_error(d, "Cannot access memory at address 0x%08x", where);
  if (fn)
    vdb_printf(d, "Dump of assembler code for %s:\n", fn);
  else
    vdb_printf(d, "Dump of assembler code from 0x%08x to 0x%08x:\n", start, end);
  for (uint32_t a = start; a < end; a += 4) {
    uint32_t word, bad;
    if (mem_read(t, SP_GVA, a, &word, 4, &bad) != 0) return vdb_error(d, "Cannot access memory at address 0x%08x", bad);
    char label[80];
    if (fn)
      snprintf(label, sizeof label, " <+%u>", a - start);
    else
      target_symbolize(t, a, label, sizeof label);
    insn_line(d, t, SP_GVA, a, word, label);
  }
  vdb_printf(d, "End of assembler dump.\n");
  return 0;
}

/* ---- the TLB ---- */

static void perm_str(unsigned p, char *buf) {
  buf[0] = p & P_R ? 'r' : '-';
  buf[1] = p & P_W ? 'w' : '-';
  buf[2] = p & P_X ? 'x' : '-';
  buf[3] = 0;
}

int cmd_info_tlb(vdb *d, const char *args) {
  (void)args;
  const cpu *c = vdb_cur(d)->c;
  int valid = 0;
  for (uint32_t i = 0; i < c->tlb_size; i++)
    valid += c->tlb[i].tag != 0;
  vdb_printf(d, "TLB: %u entries, direct-mapped (entry = virtual page mod %u); %d valid\n", c->tlb_size, c->tlb_size,
             valid);
  if (mode_is_monitor(vdb_cur(d)->mode))
    vdb_printf(d, "(the real TLB caches the monitor's tables: guest-virtual -> host-physical)\n");
  if (valid) vdb_printf(d, "entry  virtual       host-physical  pte    kernel user monitor\n");
  for (uint32_t i = 0; i < c->tlb_size; i++) {
    const tlb_entry *e = &c->tlb[i];
    if (!e->tag) continue;
    char bits[8], k[4], u[4], m[4];
    pte_bits_str(e->bits, bits, sizeof bits);
    perm_str(e->perm >> PSHIFT_KERNEL & 7, k);
    perm_str(e->perm >> PSHIFT_USER & 7, u);
    perm_str(e->perm >> PSHIFT_MONITOR & 7, m);
    uint32_t vmid = (e->tag & PAGE_MASK) >> 1;
    vdb_printf(d, "%5u  0x%08x -> 0x%08x     %s  %s    %s  %s", i, e->tag & ~PAGE_MASK, e->ppn << PAGE_SHIFT, bits, k,
               u, m);
    if (vmid) vdb_printf(d, "  vmid %u", vmid);
    vdb_printf(d, "\n");
  }
  vdb_printf(d, "(w shows only once a page is dirty and holds no decoded code: other writes take the slow path)\n");
  vdb_printf(d, "counters: hits %llu, misses %llu, walk references %llu, flushes %llu\n",
             (unsigned long long)c->st.tlb_hits, (unsigned long long)c->st.tlb_misses,
             (unsigned long long)c->st.walk_refs, (unsigned long long)c->st.tlb_flushes);
  return 0;
}

/* ---- page tables ---- */

/* One walk, level by level; `space` names the addresses of the table. */
static void show_walk(vdb *d, const pt_walk *w, const char *space) {
  char bits[8];
  vdb_printf(d, "  0x%08x = directory %u, table %u, offset 0x%03x\n", w->va, w->va >> 22, (w->va >> 12) & 0x3ff,
             w->va & PAGE_MASK);
  if (w->level == 0 && w->outside) {
    vdb_printf(d, "  PDE at %s 0x%08x: outside memory: page fault\n", space, w->pde_at);
    return;
  }
  pte_bits_str(w->pde, bits, sizeof bits);
  vdb_printf(d, "  PDE at %s 0x%08x: 0x%08x  %s", space, w->pde_at, w->pde, bits);
  if (w->level == 0) {
    vdb_printf(d, "  not valid: page fault\n");
    return;
  }
  vdb_printf(d, "  -> page table at 0x%08x\n", w->pde & ~PAGE_MASK);
  if (w->level == 1 && w->outside) {
    vdb_printf(d, "  PTE at %s 0x%08x: outside memory: page fault\n", space, w->pte_at);
    return;
  }
  pte_bits_str(w->pte, bits, sizeof bits);
  vdb_printf(d, "  PTE at %s 0x%08x: 0x%08x  %s", space, w->pte_at, w->pte, bits);
  if (w->level == 1) {
    vdb_printf(d, "  not valid: page fault\n");
    return;
  }
  if (w->level == 2) {
    vdb_printf(d, "  -> page 0x%08x, outside memory: page fault\n", w->pte & ~PAGE_MASK);
    return;
  }
  vdb_printf(d, "  -> page at 0x%08x\n", w->pte & ~PAGE_MASK);
}

static int guest_walk_show(vdb *d, vdb_target *t, uint32_t va, pt_walk *w) {
  vdb_regs g;
  target_regs(t, &g);
  bool paging;
  bool ok = mem_guest_walk(t, va, w, &paging);
  if (!paging) {
    vdb_printf(d, "guest paging is off: guest-physical = guest-virtual\n");
    if (!ok) vdb_printf(d, "  0x%08x is beyond guest memory (0x%x bytes)\n", va, t->gsize);
    return ok;
  }
  vdb_printf(d, "guest page table at guest-physical 0x%08x:\n", g.cr[CR_PTB] & ~PAGE_MASK);
  show_walk(d, w, "gpa");
  return ok;
}

static void show_runs(vdb *d, const pt_run *r, int n, const char *from, const char *to) {
  if (!n) {
    vdb_printf(d, "  (no valid mappings)\n");
    return;
  }
  vdb_printf(d, "  %-26s %-13s pages  bits\n", from, to);
  for (int i = 0; i < n; i++) {
    char bits[8];
    pte_bits_str(r[i].bits, bits, sizeof bits);
    vdb_printf(d, "  0x%08x-0x%08x -> 0x%08x  %6u  %s\n", r[i].va, r[i].va + r[i].pages * PAGE_SIZE - 1, r[i].pa,
               r[i].pages, bits);
  }
}

int cmd_info_pt(vdb *d, const char *args) {
  vdb_target *t = vdb_cur(d);
  if (*skip_ws(args)) {
    uint32_t va;
    pt_walk w;
    if (vdb_eval(d, args, &va) != 0) return -1;
    if (guest_walk_show(d, t, va, &w)) vdb_printf(d, "guest-physical 0x%08x\n", w.pa);
    return 0;
  }
  vdb_regs g;
  target_regs(t, &g);
  if (!(g.cr[CR_PAGING] & 1)) {
    vdb_printf(d, "guest paging is off: guest-virtual = guest-physical, 0x0-0x%x (ptb 0x%08x)\n", t->gsize - 1,
               g.cr[CR_PTB]);
    return 0;
  }
  pt_run *r;
  int n = pt_runs(t->c->mem + t->gbase, t->gsize, g.cr[CR_PTB], &r);
  vdb_printf(d, "guest page table at guest-physical 0x%08x (paging on):\n", g.cr[CR_PTB] & ~PAGE_MASK);
  show_runs(d, r, n, "guest-virtual", "guest-phys");
  free(r);
  return 0;
}

const char shadow_agrees[] = "= guest";

/* How a shadow entry compares with the guest's view of the same page. */
static const char *shadow_verdict(const vdb_target *t, uint32_t va, uint32_t spte) {
  pt_walk w;
  bool paging;
  if (t->c->mon_lo && va >= t->c->mon_lo) return "the monitor's window (not the guest's)";
  if (!mem_guest_walk(t, va, &w, &paging)) return "stale: the guest no longer maps it";
  if (t->gbase + (w.pa & ~PAGE_MASK) != (spte & ~PAGE_MASK)) return "stale: the guest maps it elsewhere";
  uint32_t gpte = w.pte;
  if ((gpte & PTE_W) && !(spte & PTE_W))
    return (gpte & PTE_D) ? "read-only here, writable for the guest" : "read-only until the first write sets D";
  if (!(gpte & PTE_W) && (spte & PTE_W)) return "writable here, read-only for the guest";
  return shadow_agrees;
}

int shadow_runs(const vdb_target *t, uint32_t pd, shadow_run **out) {
  const cpu *c = t->c;
  shadow_run *r = NULL;
  int n = 0, cap = 0;
  for (uint32_t i = 0; i < 1024 && pd; i++) {
    uint32_t pde = ld32(c->mem + pd + 4 * i);
    if (!(pde & PTE_V) || (pde & ~PAGE_MASK) > c->mem_size - PAGE_SIZE) continue;
    for (uint32_t j = 0; j < 1024; j++) {
      uint32_t spte = ld32(c->mem + (pde & ~PAGE_MASK) + 4 * j);
      if (!(spte & PTE_V)) continue;
      uint32_t va = i << 22 | j << PAGE_SHIFT;
      const char *v = shadow_verdict(t, va, spte);
      if (n && r[n - 1].bits == (spte & 0x1f) && r[n - 1].verdict == v &&
          r[n - 1].va + r[n - 1].pages * PAGE_SIZE == va &&
          r[n - 1].hpa + r[n - 1].pages * PAGE_SIZE == (spte & ~PAGE_MASK)) {
        r[n - 1].pages++;
        continue;
      }
      if (n == cap) {
        cap = cap ? 2 * cap : 16;
        shadow_run *p = realloc(r, sizeof *p * (size_t)cap);
        if (!p) cpu_panic("shadow_runs: out of host memory");
        r = p;
      }
      r[n++] = (shadow_run){va, spte & ~PAGE_MASK, 1, spte & 0x1f, v};
    }
  }
  *out = r;
  return n;
}

static void show_shadow_root(vdb *d, const vdb_target *t, const vdb_root *root) {
  vdb_printf(d, "shadow root %s: ", root->name);
  if (!root->pd) {
    vdb_printf(d, "not built yet\n");
    return;
  }
  vdb_printf(d, "page directory at host-physical 0x%08x%s\n", root->pd,
             root->active ? " (in use by the real CPU)" : "");
  shadow_run *r;
  int n = shadow_runs(t, root->pd, &r);
  if (!n)
    vdb_printf(d, "  (empty: every access will take a hidden page fault first)\n");
  else
    vdb_printf(d, "  guest-virtual              host-physical  pages  bits   compared with the guest\n");
  for (int i = 0; i < n; i++) {
    char bits[8];
    pte_bits_str(r[i].bits, bits, sizeof bits);
    vdb_printf(d, "  0x%08x-0x%08x -> 0x%08x  %6u  %s  %s\n", r[i].va, r[i].va + r[i].pages * PAGE_SIZE - 1, r[i].hpa,
               r[i].pages, bits, r[i].verdict);
  }
  free(r);
}

static void show_root_walk(vdb *d, const vdb_target *t, const vdb_root *r, uint32_t va) {
  vdb_printf(d, "shadow root %s", r->name);
  if (!r->pd) {
    vdb_printf(d, ": not built yet\n");
    return;
  }
  vdb_printf(d, " (host-physical 0x%08x%s):\n", r->pd, r->active ? ", in use" : "");
  pt_walk w;
  if (pt_walk_in(t->c->mem, t->c->mem_size, r->pd, va, &w)) {
    char bits[8];
    pte_bits_str(w.pte, bits, sizeof bits);
    vdb_printf(d, "  0x%08x -> host-physical 0x%08x  %s  %s\n", va, w.pa, bits, shadow_verdict(t, va, w.pte));
  } else {
    vdb_printf(d, "  0x%08x not filled: the next access takes a hidden page fault (or the guest's own)\n", va);
  }
}

int cmd_info_shadow(vdb *d, const char *args) {
  vdb_target *t = vdb_cur(d);
  if (!t->mode->shadow_roots) {
    vdb_printf(d, "%s\n", t->mode->no_shadow);
    return 0;
  }
  vdb_root roots[4];
  int n = t->mode->shadow_roots(&t->g, roots, 4);
  if (*skip_ws(args)) {
    uint32_t va;
    pt_walk w;
    if (vdb_eval(d, args, &va) != 0) return -1;
    if (guest_walk_show(d, t, va, &w))
      vdb_printf(d, "guest view: 0x%08x -> guest-physical 0x%08x -> host-physical 0x%08x\n", va, w.pa, t->gbase + w.pa);
    else
      vdb_printf(d, "guest view: 0x%08x is not mapped (an access is the guest's own page fault)\n", va);
    for (int i = 0; i < n; i++)
      show_root_walk(d, t, &roots[i], va);
    return 0;
  }
  for (int i = 0; i < n; i++)
    show_shadow_root(d, t, &roots[i]);
  if (t->m) {
    uint32_t pd[SHADOW_ROOTS];
    int kept = 0, nroots = shadow_roots(t->m, pd);
    for (int i = 0; i < SHADOW_KEPT; i++) kept += t->m->kept[i].key != 0;
    vdb_printf(d, "pool: %u of %u pages used at host-physical 0x%08x; %llu fills, %llu syncs, %llu resets\n",
               t->m->pool_used, SHADOW_POOL, t->m->pool, (unsigned long long)t->m->n.shadow_fills,
               (unsigned long long)t->m->n.shadow_syncs, (unsigned long long)t->m->n.shadow_resets);
    vdb_printf(d, "kept: %d other address space%s (%d roots in all), %llu switches back to one\n", kept,
               kept == 1 ? "" : "s", nroots, (unsigned long long)t->m->n.shadow_reuses);
  }
  return 0;
}

/* The nested table maps guest-physical to host-physical, in the PTE
 * format of the guest's own table (cpu/npt.c walks it). */
int cmd_info_npt(vdb *d, const char *args) {
  vdb_target *t = vdb_cur(d);
  vdb_root roots[4];
  int n = t->mode->npt_roots ? t->mode->npt_roots(&t->g, roots, 4) : 0;
  if (!n) {
    vdb_printf(d, "%s\n", t->mode->no_npt);
    return 0;
  }
  if (*skip_ws(args)) {
    uint32_t gpa;
    if (vdb_eval(d, args, &gpa) != 0) return -1;
    for (int i = 0; i < n; i++) {
      pt_walk w;
      vdb_printf(d, "nested table %s at host-physical 0x%08x:\n", roots[i].name, roots[i].pd);
      bool ok = pt_walk_in(t->c->mem, t->c->mem_size, roots[i].pd, gpa, &w);
      show_walk(d, &w, "hpa");
      if (ok)
        vdb_printf(d, "guest-physical 0x%08x -> host-physical 0x%08x\n", gpa, w.pa);
      else
        vdb_printf(d, "guest-physical 0x%08x is not mapped: an access is a nested page fault\n", gpa);
    }
    return 0;
  }
  for (int i = 0; i < n; i++) {
    pt_run *r;
    int k = pt_runs(t->c->mem, t->c->mem_size, roots[i].pd, &r);
    vdb_printf(d, "nested table %s at host-physical 0x%08x:\n", roots[i].name, roots[i].pd);
    show_runs(d, r, k, "guest-physical", "host-phys");
    free(r);
  }
  return 0;
}

int cmd_translate(vdb *d, const char *args) {
  vdb_target *t = vdb_cur(d);
  uint32_t va;
  pt_walk w;
  if (vdb_eval(d, args, &va) != 0) return -1;
  vdb_printf(d, "guest-virtual  0x%08x\n", va);
  if (!guest_walk_show(d, t, va, &w)) {
    vdb_printf(d, "-> not mapped: a guest access faults (%s)\n", "the guest's own page fault");
    return 0;
  }
  vdb_printf(d, "guest-physical 0x%08x\n", w.pa);
  uint32_t hpa;
  vdb_root nr[2];
  int nn = t->mode->npt_roots ? t->mode->npt_roots(&t->g, nr, 2) : 0;
  if (nn) {
    pt_walk nw;
    bool ok = pt_walk_in(t->c->mem, t->c->mem_size, nr[0].pd, w.pa, &nw);
    vdb_printf(d, "nested table at host-physical 0x%08x:\n", nr[0].pd);
    show_walk(d, &nw, "hpa");
    if (!ok) {
      vdb_printf(d, "-> not mapped: an access is a nested page fault (the monitor's)\n");
      return 0;
    }
    hpa = nw.pa;
  } else if (mode_is_monitor(t->mode)) {
    hpa = t->gbase + w.pa;
    vdb_printf(d, "  guest memory starts at host-physical 0x%08x\n", t->gbase);
  } else {
    hpa = w.pa;
    vdb_printf(d, "  (native: guest-physical is host-physical)\n");
  }
  vdb_printf(d, "host-physical  0x%08x\n", hpa);
  if (t->mode->shadow_roots) {
    vdb_root roots[4];
    int n = t->mode->shadow_roots(&t->g, roots, 4);
    for (int i = 0; i < n; i++)
      show_root_walk(d, t, &roots[i], va);
  }
  const cpu *c = t->c;
  const tlb_entry *e = &c->tlb[(va >> PAGE_SHIFT) & (c->tlb_size - 1)];
  if (e->tag && (e->tag & ~PAGE_MASK) == (va & ~PAGE_MASK)) {
    char k[4], u[4];
    perm_str(e->perm >> PSHIFT_KERNEL & 7, k);
    perm_str(e->perm >> PSHIFT_USER & 7, u);
    vdb_printf(d, "TLB entry %u: 0x%08x -> host-physical 0x%08x (kernel %s, user %s)\n",
               (va >> PAGE_SHIFT) & (c->tlb_size - 1), va & ~PAGE_MASK, e->ppn << PAGE_SHIFT, k, u);
  } else {
    vdb_printf(d, "TLB: no entry for this page (the next access walks %s)\n",
               nn                 ? "the guest's table and the nested table"
               : mode_is_monitor(t->mode) ? "the shadow table"
                                  : "the page table");
  }
  return 0;
}
