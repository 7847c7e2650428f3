/* lockstep.c: run native and a monitor mode side by side, tick by tick,
 * and stop at the first difference the guest could observe (lockstep.h
 * has the design; lockstep_side.c the machines).
 *
 * One tick of the pair:
 *
 *   before: note the native pc, mode and instruction, for the report
 *   run:    native one tick, the monitor side one tick
 *   after:  compare the views, the console bytes each wrote, the word the
 *           tick's instruction stored (sw/sh/sb at c->last_ea, pushf at
 *           the new sp); every `every` ticks (and at the end) all memory
 *
 * Comparing all memory at every tick would cost a megabyte of memcmp per
 * guest instruction.  The stored word catches almost everything at the
 * instruction that did it; what it misses (a walker setting A or D, a
 * monitor storing somewhere wrong) the periodic comparison catches, and a
 * second run from reset then compares all memory at every tick of that
 * interval to name the instruction.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "disasm.h"
#include "isa_info.h"
#include "lockstep.h"
#include "mmu.h"

/* ---- modes ---- */

/* The monitor mode to compare with native: a row of the mode table. */
static const vmm_mode *find_mode(const vmm_opts *o) {
  const vmm_mode *md = mode_find(o->mode, o);
  return md && mode_is_monitor(md) ? md : NULL;
}

bool lockstep_has_mode(const char *mode) {
  const vmm_mode *md = mode_find(mode, NULL);
  return md && mode_is_monitor(md);
}

const char *lockstep_modes(void) { return mode_names(true); }

/* The traced variants: the monitor modes that shadow page tables. */
static const vmm_mode *traced_nth(int i) {
  for (int k = 0, n = 0; k < mode_count(true); k++)
    if (mode_takes(mode_nth(k, true), "--shadow") && n++ == i) return mode_nth(k, true);
  return NULL;
}

int lockstep_variants(void) {
  int n = mode_count(true);
  while (traced_nth(n - mode_count(true))) n++;
  return n;
}

const char *lockstep_variant(int i, vmm_opts *o) {
  static char names[16][48];
  const vmm_mode *md = i < mode_count(true) ? mode_nth(i, true) : traced_nth(i - mode_count(true));
  if (!md || i >= 16) cpu_panic("lockstep_variant: no such variant");
  o->mode = md->name;
  o->shadow_trace = i >= mode_count(true);
  snprintf(names[i], sizeof names[i], "%s%s", md->name, o->shadow_trace ? " --shadow trace" : "");
  return names[i];
}

/* ---- comparing two views ---- */

/* The first field that differs, as one line in `what`; false if none. */
static bool views_differ(const ls_view *a, const ls_view *b, const char *mode, char *what, size_t len) {
#define DIFF(cond, ...)                  \
  if (cond) {                            \
    snprintf(what, len, __VA_ARGS__);    \
    return true;                         \
  }
  DIFF(a->done != b->done || (a->done && a->exit != b->exit), "how the machine ended: native %s, %s %s",
       a->done ? cpu_exit_name(a->exit) : "running", mode, b->done ? cpu_exit_name(b->exit) : "running");
  DIFF(a->done && a->exit == EXIT_HALT && a->halt_code != b->halt_code, "halt code: native %u, %s %u",
       a->halt_code, mode, b->halt_code);
  DIFF(a->pc != b->pc, "pc: native 0x%08x, %s 0x%08x", a->pc, mode, b->pc);
  DIFF((a->flags & FLAG_KM) != (b->flags & FLAG_KM), "mode: native %s, %s %s",
       (a->flags & FLAG_KM) ? "kernel" : "user", mode, (b->flags & FLAG_KM) ? "kernel" : "user");
  DIFF(a->flags != b->flags, "flags: native 0x%02x, %s 0x%02x", a->flags, mode, b->flags);
  for (int i = 1; i < NREGS; i++)
    DIFF(a->r[i] != b->r[i], "%s: native 0x%08x, %s 0x%08x", isa_reg_name((unsigned)i), a->r[i], mode, b->r[i]);
  for (int i = 0; i < NCR; i++)
    DIFF(a->cr[i] != b->cr[i], "CR[%s]: native 0x%08x, %s 0x%08x", isa_cr_name((uint32_t)i), a->cr[i], mode,
         b->cr[i]);
  DIFF(a->timer_left != b->timer_left, "timer ticks left: native %u, %s %u", a->timer_left, mode, b->timer_left);
  DIFF(a->irq != b->irq, "pending interrupts: native 0x%x, %s 0x%x", a->irq, mode, b->irq);
  DIFF(a->waiting != b->waiting, "waiting in wfi: native %d, %s %d", a->waiting, mode, b->waiting);
  DIFF(a->con_irq != b->con_irq, "console interrupt enabled: native %d, %s %d", a->con_irq, mode, b->con_irq);
  DIFF(a->ticks != b->ticks, "ticks: native %llu, %s %llu", (unsigned long long)a->ticks, mode,
       (unsigned long long)b->ticks);
  DIFF(a->user_insns != b->user_insns, "user-mode instructions: native %llu, %s %llu",
       (unsigned long long)a->user_insns, mode, (unsigned long long)b->user_insns);
#undef DIFF
  return false;
}

/* The first differing word of guest memory at or after `from`, or -1. */
static int64_t memory_differs(const ls_side *a, const ls_side *b, uint32_t from, uint32_t to) {
  if (memcmp(a->gmem + from, b->gmem + from, to - from) == 0) return -1;
  for (uint32_t pa = from; pa < to; pa += 4)
    if (memcmp(a->gmem + pa, b->gmem + pa, 4) != 0) return pa;
  return -1;
}

static void word_diff(const ls_side *a, const ls_side *b, uint32_t pa, const char *mode, char *what, size_t len) {
  snprintf(what, len, "M32[0x%08x] (guest-physical): native 0x%08x, %s 0x%08x", pa, ld32(a->gmem + pa), mode,
           ld32(b->gmem + pa));
}

/* Escape console bytes for the one-line report. */
static void show_bytes(const char *p, size_t n, char *buf, size_t len) {
  size_t k = 0;
  for (size_t i = 0; i < n && k + 6 < len; i++) {
    unsigned char ch = (unsigned char)p[i];
    if (ch >= 32 && ch < 127 && ch != '"' && ch != '\\') buf[k++] = (char)ch;
    else k += (size_t)snprintf(buf + k, len - k, ch == '\n' ? "\\n" : "\\x%02x", ch);
  }
  buf[k] = 0;
}

/* ---- one tick ---- */

/* The native side before the tick, for the report and the store check. */
typedef struct ls_before {
  uint32_t pc, flags, tvec;
  bool fetched; /* the word at pc could be fetched */
  uint32_t word;
  uint64_t traps, idle; /* traps taken so far (all causes), idle ticks */
  uint64_t by_cause[NCAUSES];
} ls_before;

/* The machine's traps of every cause: counts only grow, so the sum tells
 * whether a tick took one (cheaper than comparing the counts, every tick). */
static uint64_t traps_taken(const cpu *c) {
  uint64_t n = 0;
  for (int i = 0; i < NCAUSES; i++) n += c->st.traps[i];
  return n;
}

static bool fetch_word(const cpu *c, uint32_t pc, uint32_t *word) {
  uint32_t pa;
  if ((pc & 3) || cpu_translate_peek(c, pc, P_X, &pa) != 0 || pa > c->mem_size - 4) return false;
  *word = ld32(c->mem + pa);
  return true;
}

static void look_ahead(const cpu *c, ls_before *b) {
  b->pc = c->pc;
  b->flags = c->flags;
  b->tvec = c->cr[CR_TVEC];
  b->traps = traps_taken(c);
  for (int i = 0; i < NCAUSES; i++) b->by_cause[i] = c->st.traps[i]; /* (for the report: which cause) */
  b->idle = c->st.idle_ticks;
  b->word = 0; /* (when it cannot be fetched) */
  b->fetched = fetch_word(c, c->pc, &b->word);
}

/* After the tick: did its instruction store, and to which guest-physical
 * word?  The instruction is the one at the old pc, or the handler's first
 * when a trap or interrupt came first.  A store leaves its base register
 * as it was (its address is c->last_ea); pushf leaves sp at its address. */
static bool stored_word(const cpu *c, const ls_before *b, uint32_t *pa) {
  uint32_t word = b->word, ea;
  bool ran = b->fetched;
  if (c->st.idle_ticks != b->idle) return false;
  if (traps_taken(c) != b->traps) ran = fetch_word(c, b->tvec, &word);
  dinsn d;
  if (!ran || !isa_decode(word, &d)) return false;
  switch (d.op) {
  case OP_SW:
  case OP_SH:
  case OP_SB: ea = c->last_ea; break;
  case OP_PUSHF: ea = c->r[REG_SP]; break;
  default: return false;
  }
  return cpu_translate_peek(c, ea & ~3u, P_W, pa) == 0 && *pa <= c->mem_size - 4;
}

/* The instruction the tick ran, for the report: the one at the pc before
 * it, or the trap handler's first when a trap or interrupt came first. */
static void describe_tick(const cpu *c, const ls_before *b, const image *img, ls_result *res) {
  res->insn_pc = b->pc;
  res->insn_word = b->word;
  res->insn_fetched = b->fetched;
  res->insn_kernel = (b->flags & FLAG_KM) != 0;
  char dis[64] = "(the pc cannot be fetched)", where[48] = "";
  if (b->fetched) dis_insn(b->word, b->pc, img, dis, sizeof dis);
  uint32_t off;
  const char *sym = img ? image_symbol_at(img, b->pc, &off) : NULL;
  if (sym && off) snprintf(where, sizeof where, " <%.30s+%u>", sym, off);
  else if (sym) snprintf(where, sizeof where, " <%.30s>", sym);
  snprintf(res->insn_where, sizeof res->insn_where, "0x%08x%s", b->pc, where);
  int cause = -1;
  for (int i = 0; i < NCAUSES; i++)
    if (c->st.traps[i] != b->by_cause[i]) cause = i;
  if (c->st.idle_ticks != b->idle)
    snprintf(res->insn_text, sizeof res->insn_text, "an idle tick in wfi");
  else if (cause >= CAUSE_TIMER)
    snprintf(res->insn_text, sizeof res->insn_text, "%s interrupt, then the handler at 0x%08x",
             cpu_cause_name((uint32_t)cause), b->tvec);
  else if (cause >= 0)
    snprintf(res->insn_text, sizeof res->insn_text, "%.60s  (trap %s, then the handler's first)", dis,
             cpu_cause_name((uint32_t)cause));
  else
    snprintf(res->insn_text, sizeof res->insn_text, "%s", dis);
}

/* ---- a pass: from reset until a difference or the end ---- */

enum pass_end { PASS_AGREE, PASS_DIVERGED, PASS_MEMDIFF, PASS_ERROR };

typedef struct ls_pair {
  const vmm_mode *mode;
  ls_side n, o; /* native, other */
  ls_record *rec;
} ls_pair;

static void pair_free(ls_pair *p) {
  ls_side_free(&p->n);
  ls_side_free(&p->o);
  free(p->n.out);
  free(p->o.out);
  memset(&p->n, 0, sizeof p->n);
  memset(&p->o, 0, sizeof p->o);
}

static int pair_make(ls_pair *p, const vmm_opts *o, const image *img, FILE *report) {
  char err[256];
  ls_console_init(&p->n, p->rec);
  ls_console_init(&p->o, p->rec);
  int rc = ls_side_make(&p->n, &mode_native, o, img, err, sizeof err);
  if (rc == 0) rc = ls_side_make(&p->o, p->mode, o, img, err, sizeof err);
  if (rc != 0) {
    if (report) fprintf(report, "vmm: --lockstep %s: %s\n", p->mode->name, err);
    pair_free(p);
  }
  return rc;
}

/* Run a pass.  Full memory comparisons every `every` ticks, and at every
 * tick from `precise_from` on.  On PASS_MEMDIFF res->at_tick is the tick of
 * the last full comparison that agreed. */
static enum pass_end run_pass(ls_pair *p, const vmm_opts *o, const ls_opts *lo, const image *img, uint64_t every,
                              uint64_t precise_from, FILE *out, ls_result *res) {
  const char *mode = p->mode->name;
  ls_side *n = &p->n, *t = &p->o;
  ls_view vn, vt;
  ls_before b;
  uint64_t last_good = 0, tick = 0;
  for (;;) {
    if (o->max_steps && tick == o->max_steps) break;
    look_ahead(n->c, &b);
    guest_run(&n->g, 1);
    guest_run(&t->g, 1);
    tick++;
    guest_view_get(&n->g, &vn);
    guest_view_get(&t->g, &vt);
    /* (the field walk, not memcmp first: in the sanitizer build a library
     * call, checked, costs more than the walk, twice a tick) */
    bool diff = views_differ(&vn, &vt, mode, res->what, sizeof res->what);
    if (!diff && (n->out_len != t->out_len || (n->out_len && memcmp(n->out, t->out, n->out_len) != 0))) {
      char a[48], c[48];
      show_bytes(n->out, n->out_len, a, sizeof a);
      show_bytes(t->out, t->out_len, c, sizeof c);
      snprintf(res->what, sizeof res->what, "console output: native \"%s\", %s \"%s\"", a, mode, c);
      diff = true;
    }
    uint32_t pa32;
    if (!diff && !lo->no_store_check && stored_word(n->c, &b, &pa32) && memcmp(n->gmem + pa32, t->gmem + pa32, 4)) {
      word_diff(n, t, pa32, mode, res->what, sizeof res->what);
      diff = true;
    }
    bool last = vn.done || (o->max_steps && tick == o->max_steps);
    bool full = tick >= precise_from || tick % every == 0 || last;
    int64_t pa = -1;
    if (!diff && full) {
      res->compares++;
      pa = memory_differs(n, t, 0, n->gsize);
      if (pa >= 0 && tick < precise_from && tick - last_good > 1) {
        word_diff(n, t, (uint32_t)pa, mode, res->what, sizeof res->what);
        res->ticks = tick;
        res->at_tick = last_good;
        return PASS_MEMDIFF;
      }
      if (pa >= 0) {
        word_diff(n, t, (uint32_t)pa, mode, res->what, sizeof res->what);
        diff = true;
      }
      last_good = tick;
    }
    if (diff) {
      res->at_tick = tick;
      res->ticks = tick;
      res->native = vn;
      res->other = vt;
      describe_tick(n->c, &b, img, res);
      return PASS_DIVERGED;
    }
    if (out && n->out_len) fwrite(n->out, 1, n->out_len, out);
    n->out_len = t->out_len = 0;
    if (vn.done) break;
  }
  if (out) fflush(out);
  res->ticks = tick;
  res->exit = vn.done ? vn.exit : EXIT_BUDGET;
  res->halt_code = vn.halt_code;
  res->native = vn;
  res->other = vt;
  return PASS_AGREE;
}

int lockstep_run(const vmm_opts *o, const ls_opts *lo, const image *img, ls_result *res) {
  memset(res, 0, sizeof *res);
  res->verdict = LS_ERROR;
  ls_pair p = {.mode = find_mode(o)};
  if (!p.mode) {
    if (lo->report)
      fprintf(lo->report, "vmm: --lockstep: no monitor mode '%s' to compare (modes: %s)\n", o->mode,
              lockstep_modes());
    return VMM_EX_USAGE;
  }
  ls_record rec = {.in = lo->in, .eof = lo->in == NULL, .flush = lo->out};
  rec.tty = lo->in && isatty(fileno(lo->in));
  p.rec = &rec;
  uint64_t every = lo->every ? lo->every : LS_EVERY;
  int rc;
  if ((rc = pair_make(&p, o, img, lo->report)) != 0) goto done;
  enum pass_end e = run_pass(&p, o, lo, img, every, UINT64_MAX, lo->out, res);
  if (e == PASS_MEMDIFF) {
    /* Again from reset, comparing all memory at every tick of the interval
     * where the difference appeared. */
    ls_result first = *res;
    pair_free(&p);
    if ((rc = pair_make(&p, o, img, lo->report)) != 0) goto done;
    e = run_pass(&p, o, lo, img, every, first.at_tick + 1, NULL, res);
    res->compares += first.compares;
    if (e != PASS_DIVERGED) { /* the replay did not reproduce it */
      *res = first;
      res->at_tick = first.ticks;
      snprintf(res->insn_text, sizeof res->insn_text, "(not reproduced by the replay: nondeterminism)");
      e = PASS_DIVERGED;
    }
  }
  res->verdict = e == PASS_AGREE ? LS_AGREE : LS_DIVERGED;
  res->outside = ls_side_outside(&p.o);
  rc = 0;
done:
  pair_free(&p);
  free(rec.buf);
  return rc;
}

/* ---- the report ---- */

static void row(FILE *f, const char *name, uint32_t a, uint32_t b) {
  fprintf(f, "  %-10s 0x%08x  0x%08x%s\n", name, a, b, a != b ? "  *" : "");
}

void lockstep_print(FILE *f, const char *mode, const ls_result *res) {
  const ls_view *a = &res->native, *b = &res->other;
  fprintf(f, "vmm: lockstep: native and %s diverge at tick %llu\n", mode, (unsigned long long)res->at_tick);
  fprintf(f, "  instruction: %s: %s (%s mode", res->insn_where, res->insn_text,
          res->insn_kernel ? "kernel" : "user");
  if (res->insn_fetched) fprintf(f, ", word 0x%08x", res->insn_word);
  fprintf(f, ")\n");
  fprintf(f, "  difference:  %s\n", res->what);
  fprintf(f, "  after it:    %-10s  %-10s\n", "native", mode);
  row(f, "pc", a->pc, b->pc);
  row(f, "flags", a->flags, b->flags);
  for (int i = 1; i < NREGS; i++) row(f, isa_reg_name((unsigned)i), a->r[i], b->r[i]);
  for (int i = 0; i < NCR; i++) row(f, isa_cr_name((uint32_t)i), a->cr[i], b->cr[i]);
  row(f, "timer left", a->timer_left, b->timer_left);
  row(f, "pending", a->irq, b->irq);
  fprintf(f, "  %-10s %10llu  %10llu%s\n", "ticks", (unsigned long long)a->ticks, (unsigned long long)b->ticks,
          a->ticks != b->ticks ? "  *" : "");
  fprintf(f, "  (* marks a difference; flags: KM 0x20, IE 0x10, V 8, C 4, N 2, Z 1)\n");
}

int lockstep_main(const vmm_opts *o, const image *img) {
  ls_opts lo = {.out = stdout, .in = stdin, .report = stderr};
  ls_result res;
  int status = lockstep_run(o, &lo, img, &res);
  if (status) return status; /* (reported) */
  if (res.verdict == LS_DIVERGED) {
    fflush(stdout);
    lockstep_print(stderr, o->mode, &res);
    return VMM_EX_DIVERGED;
  }
  if (res.outside) {
    fprintf(stderr, "vmm: lockstep: native and %s agree for %llu ticks, but the guest changed %llu bytes or "
                    "shadow entries outside its memory\n",
            o->mode, (unsigned long long)res.ticks, (unsigned long long)res.outside);
    return VMM_EX_DIVERGED;
  }
  fprintf(stderr, "vmm: lockstep: native and %s agree for %llu ticks (%s", o->mode, (unsigned long long)res.ticks,
          cpu_exit_name(res.exit));
  if (res.exit == EXIT_HALT) fprintf(stderr, ", code %u", res.halt_code);
  fprintf(stderr, "); %llu full memory comparisons; nothing outside the guest changed\n",
          (unsigned long long)res.compares);
  switch (res.exit) {
  case EXIT_HALT: return cli_guest_status(res.halt_code);
  case EXIT_BUDGET: return VMM_EX_STEPS;
  default: return VMM_EX_GUEST;
  }
}
