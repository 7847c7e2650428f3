/* test_multi.c: several guests on one machine (docs/multi.md).
 *
 * In process, through guest.h and the scheduler, in every monitor mode
 * (the loop index picks the mode):
 *   - two and three guests side by side: each one's console output, end,
 *     instruction counts and registers are those of the guest alone;
 *   - weights: 2:1 gives 2:1 of the ticks at a fixed point of time;
 *   - attackers: a spinner, a halter and three guests that wreck their
 *     machines cannot stop the guest OS beside them; the monitor-cost
 *     attackers get their share of modeled cycles and no more; the table
 *     of docs/multi.md that make bench writes is complete and in bounds;
 *   - isolation: three pattern guests (tests/vmm/run/pattern.s) with canary
 *     pages between them: no fault missed, no pattern crossed, no canary
 *     or monitor table touched.
 * Through bin/vmm: console prefixes, per-guest files, input routing, the
 * JSON report, exit statuses, config errors (each bad line's message).
 */
#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guestrun.h"
#include "mmu.h"
#include "run/multi.h"

#define G "build/guests/"
#define NMODES 4
static const char *const modes[NMODES] = {"trap", "bt", "hw", "hw-shadow"};

/* The guest OS that runs in a mode: trap needs the NOSPECIAL kernel. */
static const char *guestos_for(const char *mode) {
  return strcmp(mode, "trap") == 0 ? G "guestos-nospecial.img" : G "guestos.img";
}

/* ---- machines of guests, in process ---- */

#define MAXG 8
#define CANARY_BYTE 0xa5

typedef struct conbuf {
  char text[16384];
  size_t len;
} conbuf;

static void cb_putc(void *ctx, int ch) {
  conbuf *b = ctx;
  if (b->len + 1 < sizeof b->text) b->text[b->len++] = (char)ch;
  b->text[b->len] = 0;
}
static int cb_getc(void *ctx) {
  (void)ctx;
  return -1;
}
static int cb_status(void *ctx) {
  (void)ctx;
  return 2; /* end of input */
}

typedef struct machine {
  vmm_opts o;
  cpu *c;
  int n;
  uint32_t gap; /* canary bytes before each guest and after the last */
  image img[MAXG];
  guest g[MAXG];
  conbuf out[MAXG];
  sched_guest q[MAXG];
  sched s;
} machine;

/* n guests of `mode` from image files, `mem` bytes each (0: 256K), with
 * `gap` canary bytes around each one. */
static machine *make(const char *mode, const char *const *images, const uint32_t *mem, int n, uint32_t gap,
                     uint64_t quantum) {
  machine *t = calloc(1, sizeof *t);
  ck_assert_ptr_nonnull(t);
  t->o = (vmm_opts){.mode = mode, .tlb = 64};
  cost_profile(&t->o.cost, "modern");
  t->n = n;
  t->gap = gap;
  const vmm_mode *md = mode_find(mode, &t->o);
  ck_assert_ptr_nonnull(md);
  uint64_t total = gap;
  for (int i = 0; i < n; i++) total += guest_footprint(md, &t->o, mem && mem[i] ? mem[i] : 256u << 10) + gap;
  t->c = guest_machine(&t->o, total);
  ck_assert_ptr_nonnull(t->c);
  memset(t->c->mem, CANARY_BYTE, t->c->mem_size); /* the gaps keep it */
  uint32_t base = gap;
  for (int i = 0; i < n; i++) {
    char err[256];
    ck_assert_msg(image_read(images[i], &t->img[i], err, sizeof err) == 0, "%s (run make first)", err);
    uint32_t size = mem && mem[i] ? mem[i] : 256u << 10;
    memset(t->c->mem + base, 0, guest_footprint(md, &t->o, size)); /* as calloc'd */
    char *name = malloc(16);
    snprintf(name, 16, "g%d", i);
    ck_assert_int_eq(guest_init(&t->g[i], md, &t->o, t->c, name, base, size, (uint32_t)i + 1), 0);
    console_dev con = {.ctx = &t->out[i], .putc = cb_putc, .getc = cb_getc, .status = cb_status};
    ck_assert_int_eq(guest_load(&t->g[i], &t->img[i], con, err, sizeof err), 0);
    t->q[i] = (sched_guest){.g = &t->g[i], .weight = 1};
    base = t->g[i].end + gap;
  }
  sched_init(&t->s, t->q, n, quantum);
  return t;
}

static void destroy(machine *t) {
  for (int i = 0; i < t->n; i++) {
    free((char *)t->g[i].name);
    guest_free(&t->g[i]);
    image_free(&t->img[i]);
  }
  cpu_free(t->c);
  free(t);
}

/* Bytes of the gaps that are no longer the canary. */
static uint64_t canary_damage(const machine *t) {
  uint64_t bad = 0;
  uint32_t at = 0; /* the gap before guest 0, then the one after each */
  for (int i = 0; i <= t->n; i++) {
    for (uint32_t k = 0; k < t->gap; k++) bad += t->c->mem[at + k] != CANARY_BYTE;
    if (i < t->n) at = t->g[i].end;
  }
  return bad;
}

/* What a guest ended with, to compare with the same guest alone. */
typedef struct outcome {
  char out[16384];
  guest_view v;
} outcome;

static void outcome_of(const machine *t, int i, outcome *o) {
  memcpy(o->out, t->out[i].text, sizeof o->out);
  guest_view_get(&t->g[i], &o->v);
}

static void same_outcome(const char *what, const outcome *a, const outcome *b) {
  if (strcmp(a->out, b->out) != 0) fprintf(stderr, "---- alone:\n%s---- beside others:\n%s----\n", a->out, b->out);
  ck_assert_msg(strcmp(a->out, b->out) == 0, "%s: console output differs (printed above)", what);
  ck_assert_msg(a->v.done == b->v.done && a->v.exit == b->v.exit, "%s: ended differently", what);
  ck_assert_uint_eq(a->v.halt_code, b->v.halt_code);
  ck_assert_uint_eq(a->v.ticks, b->v.ticks);
  ck_assert_uint_eq(a->v.user_insns, b->v.user_insns);
  ck_assert_uint_eq(a->v.pc, b->v.pc);
  for (int r = 0; r < NREGS; r++) ck_assert_msg(a->v.r[r] == b->v.r[r], "%s: r%d differs", what, r);
}

/* Each image alone, in the same mode, to its end (or `limit` ticks). */
static void alone(const char *mode, const char *const *images, const uint32_t *mem, int n, uint64_t limit,
                  outcome *res) {
  for (int i = 0; i < n; i++) {
    machine *t = make(mode, &images[i], mem ? &mem[i] : NULL, 1, 0, 0);
    t->q[0].limit = limit;
    sched_run(&t->s, 0);
    outcome_of(t, 0, &res[i]);
    destroy(t);
  }
}

/* ---- same output beside others ---- */

START_TEST(two_and_three_guests) {
  const char *mode = modes[_i];
  const char *images[3] = {guestos_for(mode), G "test-timer.img", G "test-tlb.img"};
  static outcome solo[3], with[3];
  uint32_t mem[3] = {1u << 20, 1u << 20, 1u << 20};
  alone(mode, images, mem, 3, 0, solo);
  for (int n = 2; n <= 3; n++) {
    machine *t = make(mode, images, mem, n, 0, 3000); /* short slices: many switches */
    ck_assert_int_eq(sched_run(&t->s, 0), 0);
    for (int i = 0; i < n; i++) {
      char what[64];
      snprintf(what, sizeof what, "%s, guest %d of %d", mode, i, n);
      outcome_of(t, i, &with[i]);
      same_outcome(what, &solo[i], &with[i]);
    }
    ck_assert_uint_gt(t->s.switches, 10);
    /* A switch flushes the TLB exactly where entries carry no VM tag. */
    ck_assert_uint_eq(t->s.flushes, mode_find(mode, &t->o)->tagged ? 0 : t->s.switches);
    destroy(t);
  }
}
END_TEST

/* The same image twice: two VMs that know nothing of each other. */
START_TEST(same_image_twice) {
  const char *mode = modes[_i];
  const char *images[2] = {guestos_for(mode), guestos_for(mode)};
  static outcome solo[1], with[2];
  uint32_t mem[2] = {1u << 20, 1u << 20};
  alone(mode, images, mem, 1, 0, solo);
  machine *t = make(mode, images, mem, 2, 0, 7000);
  sched_run(&t->s, 0);
  for (int i = 0; i < 2; i++) {
    outcome_of(t, i, &with[i]);
    same_outcome(mode, &solo[0], &with[i]);
  }
  ck_assert_msg(strstr(with[0].out, "init exited with status 0, halting") && with[0].v.halt_code == 0,
                "the guest OS ran");
  destroy(t);
}
END_TEST

/* ---- weights ---- */

START_TEST(weights_share_the_cpu) {
  const char *mode = modes[_i];
  const char *images[3] = {G "multi-spin.img", G "multi-spin.img", G "multi-halter.img"};
  machine *t = make(mode, images, NULL, 3, 0, 10000);
  t->q[0].weight = 2;
  ck_assert_int_eq(sched_run(&t->s, 2000000), 3); /* nobody finishes: they never stop */
  ck_assert_uint_eq(t->s.ticks, 2000000);
  ck_assert_uint_eq(guest_ticks(&t->g[0]) + guest_ticks(&t->g[1]) + guest_ticks(&t->g[2]), 2000000);
  /* The share each used: ticks for the spinners (a cycle a tick), more
   * than its ticks for the halter, whose halts and wfis the monitor
   * handles (sched.c). */
  uint64_t a = t->q[0].used, b = t->q[1].used, c = t->q[2].used;
  ck_assert_uint_eq(a, guest_ticks(&t->g[0]));
  double ab = (double)a / (double)b, bc = (double)b / (double)c;
  ck_assert_msg(ab > 1.95 && ab < 2.05, "%s: weight 2 against 1 got %llu:%llu", mode, (unsigned long long)a,
                (unsigned long long)b);
  ck_assert_msg(bc > 0.95 && bc < 1.05, "%s: equal weights got %llu:%llu", mode, (unsigned long long)b,
                (unsigned long long)c);
  destroy(t);
}
END_TEST

/* ---- attackers ---- */

START_TEST(attackers_cannot_starve) {
  const char *mode = modes[_i];
  enum { OS, SPIN, HALT, NOVEC, DOUBLE, IDLE, N };
  const char *images[N] = {guestos_for(mode),         G "multi-spin.img",   G "multi-halter.img",
                           G "multi-die-novector.img", G "multi-die-double.img", G "multi-die-idle.img"};
  static outcome solo[N], with[N];
  const uint64_t limit = 4000000; /* --max-steps: far more than the guest OS needs */
  uint32_t mem[N] = {1u << 20, 0, 0, 0, 0, 0};
  alone(mode, images, mem, N, limit, solo);
  machine *t = make(mode, images, mem, N, 0, 20000);
  for (int i = 0; i < N; i++) t->q[i].limit = limit;
  ck_assert_int_eq(sched_run(&t->s, 0), 0);
  for (int i = 0; i < N; i++) {
    char what[64];
    snprintf(what, sizeof what, "%s, guest %d", mode, i);
    outcome_of(t, i, &with[i]);
    same_outcome(what, &solo[i], &with[i]);
  }
  ck_assert_msg(with[OS].v.done && with[OS].v.exit == EXIT_HALT && with[OS].v.halt_code == 0, "%s: the guest OS", mode);
  ck_assert_msg(!with[SPIN].v.done && with[SPIN].v.ticks == limit, "the spinner runs to its limit");
  ck_assert_msg(!with[HALT].v.done && with[HALT].v.ticks == limit, "the halter runs to its limit");
  ck_assert_int_eq(with[NOVEC].v.exit, EXIT_NOVECTOR);
  ck_assert_int_eq(with[DOUBLE].v.exit, EXIT_DOUBLE);
  ck_assert_int_eq(with[IDLE].v.exit, EXIT_IDLE);
  destroy(t);
}
END_TEST

/* The monitor-cost attackers (tests/vmm/run/tcflush.s ...): beside each,
 * the guest OS prints what it prints alone, and by its end the attacker
 * has used its share of modeled cycles and no more: a slice is quantum
 * ticks or quantum x SCHED_CYCLES_PER_TICK cycles, so the attacker's
 * cycles stay within that per round (plus one slice's overrun), however
 * much monitor work each of its ticks costs. */
START_TEST(monitor_cost_attackers) {
  const char *mode = modes[_i];
  static const char *const attackers[] = {G "multi-tcflush.img", G "multi-shadow.img", G "multi-exits.img",
                                          G "multi-ptchurn.img", G "multi-spin.img"};
  static outcome solo[1], with[1];
  const char *os = guestos_for(mode);
  uint32_t mem[2] = {1u << 20, 1u << 20};
  alone(mode, &os, mem, 1, 0, solo);
  for (size_t a = 0; a < sizeof attackers / sizeof attackers[0]; a++) {
    const char *images[2] = {os, attackers[a]};
    machine *t = make(mode, images, mem, 2, 0, 0);
    t->s.until = &t->g[0];
    ck_assert_int_eq(sched_run(&t->s, 0), 1); /* back when the guest OS ends: the attacker never does */
    char what[128];
    snprintf(what, sizeof what, "%s beside %s", mode, attackers[a]);
    outcome_of(t, 0, &with[0]);
    same_outcome(what, &solo[0], &with[0]);
    /* A round is a slice of each; the guest OS never sits one out. */
    uint64_t share = (t->q[0].slices + 1) * t->s.quantum * SCHED_CYCLES_PER_TICK;
    uint64_t used = guest_cycles(&t->g[1]), slack = 2000000; /* a slice's overrun, not yet repaid */
    ck_assert_msg(used <= share + slack, "%s: the attacker used %llu modeled cycles, its share is %llu", what,
                  (unsigned long long)used, (unsigned long long)share);
    ck_assert_msg(!guest_done(&t->g[1]) && guest_ticks(&t->g[1]) > 0, "%s: the attacker ran", what);
    destroy(t);
  }
}
END_TEST

/* The table of docs/multi.md from `make bench` (bench/attack.c, written
 * in by make docs-update): a marked figure for every mode and attacker,
 * each within the bound of 2.5. */
START_TEST(attack_table_in_docs) {
  static const char *const attackers[] = {"tcflush", "shadow", "exits", "ptchurn", "spin"};
  FILE *f = fopen("docs/multi.md", "r");
  ck_assert_ptr_nonnull(f);
  static char text[1 << 17];
  text[fread(text, 1, sizeof text - 1, f)] = 0;
  fclose(f);
  for (int m = 0; m < NMODES; m++)
    for (int k = 0; k < 5; k++) {
      char mark[96];
      snprintf(mark, sizeof mark, "<!--{bench.attackers.%s.%s.ratio|.2~}-->", modes[m], attackers[k]);
      const char *at = strstr(text, mark);
      ck_assert_msg(at != NULL, "docs/multi.md: no figure %s", mark);
      const char *num = at;
      while (num > text && (isdigit((unsigned char)num[-1]) || num[-1] == '.')) num--;
      double x = strtod(num, NULL);
      ck_assert_msg(num < at && x > 0 && x <= 2.5, "docs/multi.md: %s beside %s takes %.2f times its time alone",
                    modes[m], attackers[k], x);
    }
}
END_TEST

/* ---- isolation ---- */

START_TEST(isolation_patterns) {
  const char *mode = modes[_i];
  const char *images[3] = {G "multi-pattern.img", G "multi-pattern.img", G "multi-pattern.img"};
  uint32_t mem[3] = {256u << 10, 320u << 10, 384u << 10};
  machine *t = make(mode, images, mem, 3, 64u << 10, 2000);
  ck_assert_int_eq(sched_run(&t->s, 0), 0);
  for (int i = 0; i < 3; i++) {
    guest_view v;
    guest_view_get(&t->g[i], &v);
    char want[64];
    snprintf(want, sizeof want, "memory: %u KiB\n", mem[i] >> 10);
    ck_assert_msg(strstr(t->out[i].text, want), "%s guest %d:\n%s", mode, i, t->out[i].text);
    ck_assert_msg(strstr(t->out[i].text, "SUMMARY: 5 passed, 0 failed"), "%s guest %d:\n%s", mode, i, t->out[i].text);
    ck_assert_msg(v.done && v.exit == EXIT_HALT && v.halt_code == 0, "%s guest %d did not pass", mode, i);
    ck_assert_uint_eq(guest_outside(&t->g[i]), 0);
    /* From the host: the guest's memory holds its own last pattern. */
    uint32_t first, bad = 0;
    ck_assert_int_eq(image_lookup(&t->img[i], "pat_end", &first), 0);
    first = (first + PAGE_MASK) & ~PAGE_MASK;
    for (uint32_t a = first; a < mem[i]; a += 4)
      bad += ld32(t->c->mem + t->g[i].base + a) != a * 0x9e3779b1u + mem[i] + 3;
    ck_assert_msg(bad == 0, "%s guest %d: %u words are not its pattern", mode, i, bad);
  }
  ck_assert_msg(canary_damage(t) == 0, "%s: the canary pages between the guests changed", mode);
  destroy(t);
}
END_TEST

/* ---- the config file ---- */

START_TEST(config_good) {
  multi_config cfg;
  char err[256];
  const char *text = "# three guests\n"
                     "\n"
                     "A   build/a.img   mem=512K weight=2   # a comment\n"
                     "b-2 build/b.img   console=out/b.txt input\n"
                     "  C.x build/a.img mem=0x20000 console=prefix weight=1000\n";
  ck_assert_msg(config_parse(&cfg, "t.cfg", text, 1u << 20, err, sizeof err) == 0, "%s", err);
  ck_assert_int_eq(cfg.n, 3);
  ck_assert_str_eq(cfg.g[0].name, "A");
  ck_assert_str_eq(cfg.g[0].image, "build/a.img");
  ck_assert_uint_eq(cfg.g[0].mem, 512u << 10);
  ck_assert_uint_eq(cfg.g[0].weight, 2);
  ck_assert_ptr_null(cfg.g[0].console);
  ck_assert(!cfg.g[0].input);
  ck_assert_int_eq(cfg.g[0].line, 3);
  ck_assert_str_eq(cfg.g[1].name, "b-2");
  ck_assert_uint_eq(cfg.g[1].mem, 1u << 20);
  ck_assert_uint_eq(cfg.g[1].weight, 1);
  ck_assert_str_eq(cfg.g[1].console, "out/b.txt");
  ck_assert(cfg.g[1].input);
  ck_assert_str_eq(cfg.g[2].name, "C.x");
  ck_assert_uint_eq(cfg.g[2].mem, 0x20000);
  ck_assert_uint_eq(cfg.g[2].weight, 1000);
  ck_assert_ptr_null(cfg.g[2].console);
  ck_assert_int_eq(config_find(&cfg, "C.x"), 2);
  config_free(&cfg);

  char *const imgs[3] = {"build/guests/guestos.img", "x/guestos.img", "other"};
  ck_assert_int_eq(config_images(&cfg, imgs, 3, 4096, err, sizeof err), 0);
  ck_assert_str_eq(cfg.g[0].name, "guestos");
  ck_assert_str_eq(cfg.g[1].name, "guestos.2");
  ck_assert_str_eq(cfg.g[2].name, "other");
  ck_assert_uint_eq(cfg.g[2].mem, 4096);
  config_free(&cfg);
}
END_TEST

static const struct {
  const char *text, *msg;
} bad_configs[] = {
    {"A\n", "c.cfg:1: expected NAME IMAGE [options] (options: mem=SIZE, weight=N, console=FILE, input)"},
    {"# x\nA a.img\nA b.img\n", "c.cfg:3: guest A is already on line 2"},
    {"A+ a.img\n", "c.cfg:1: bad guest name 'A+' (letters, digits, '.', '_', '-'; at most 31)"},
    {"A a.img mem=3\n", "c.cfg:1: bad mem=3 (4K to 1G)"},
    {"A a.img mem=2G\n", "c.cfg:1: bad mem=2G (4K to 1G)"},
    {"A a.img mem=1M mem=2M\n", "c.cfg:1: mem= given twice"},
    {"A a.img weight=0\n", "c.cfg:1: bad weight=0 (1 to 1000)"},
    {"A a.img weight=1001\n", "c.cfg:1: bad weight=1001 (1 to 1000)"},
    {"A a.img weight=x\n", "c.cfg:1: bad weight=x (1 to 1000)"},
    {"A a.img console=\n", "c.cfg:1: console= needs a file (or prefix)"},
    {"A a.img console=o\nB a.img console=o\n", "c.cfg:2: console file o is already A's (line 1)"},
    {"A a.img input\n\nB a.img input\n", "c.cfg:3: only one guest can read the input: A (line 1) already does"},
    {"A a.img speed=9\n", "c.cfg:1: unknown option 'speed=9' (options: mem=SIZE, weight=N, console=FILE, input)"},
    {"A a.img 1 2 3 4 5 6 7\n", "c.cfg:1: too many fields"},
    {"# nothing\n\n", "c.cfg: no guests (a line is NAME IMAGE [options])"},
};

START_TEST(config_bad) {
  multi_config cfg;
  char err[256] = "";
  ck_assert_int_eq(config_parse(&cfg, "c.cfg", bad_configs[_i].text, 1u << 20, err, sizeof err), -1);
  ck_assert_str_eq(err, bad_configs[_i].msg);
}
END_TEST

/* ---- consoles, in process ---- */

static char *contents(FILE *f) {
  fflush(f);
  long n = ftell(f);
  char *buf = calloc(1, (size_t)n + 1);
  rewind(f);
  ck_assert_int_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
  return buf;
}

static void puts_to(console_dev *d, const char *s) {
  for (; *s; s++) d->putc(d->ctx, *s);
}

START_TEST(console_lines) {
  FILE *out = tmpfile();
  ck_assert_ptr_nonnull(out);
  gcon_host host = {.out = out};
  static gcon a, b;
  gcon_init(&a, "A", &host, NULL, NULL);
  gcon_init(&b, "B", &host, NULL, NULL);
  console_dev da = gcon_dev(&a), db = gcon_dev(&b);
  puts_to(&da, "one ");
  puts_to(&db, "two\n");
  puts_to(&da, "line\n\n");
  ck_assert_int_eq(db.status(db.ctx), 2); /* no input: the end at once */
  ck_assert_int_eq(db.getc(db.ctx), -1);
  for (int i = 0; i < GCON_LINE_MAX + 5; i++) da.putc(da.ctx, 'x');
  puts_to(&da, "\nlast");
  gcon_finish(&a);
  gcon_finish(&b);
  char *text = contents(out);
  char want[4096];
  int k = snprintf(want, sizeof want, "[B] two\n[A] one line\n[A] \n[A] ");
  memset(want + k, 'x', GCON_LINE_MAX);
  snprintf(want + k + GCON_LINE_MAX, sizeof want - (size_t)k - GCON_LINE_MAX, "\n[A] xxxxx\n[A] last\n");
  ck_assert_str_eq(text, want);
  free(text);
  fclose(out);
}
END_TEST

/* ---- through bin/vmm ---- */

/* Lines of `out` that start with "[name] ", the prefix cut. */
static char *lines_of(const char *out, const char *name) {
  char prefix[64];
  snprintf(prefix, sizeof prefix, "[%s] ", name);
  size_t pl = strlen(prefix), n = 0;
  char *res = calloc(1, strlen(out) + 1);
  for (const char *p = out; *p;) {
    size_t len = strcspn(p, "\n");
    if (strncmp(p, prefix, pl) == 0) {
      memcpy(res + n, p + pl, len - pl);
      n += len - pl;
      res[n++] = '\n';
    }
    p += len;
    if (*p) p++;
  }
  return res;
}

/* Every line of the output is one guest's, whole. */
static void all_lines_prefixed(const char *out, const char *const *names, int n) {
  for (const char *p = out; *p;) {
    bool ok = false;
    for (int i = 0; i < n; i++) {
      char prefix[64];
      snprintf(prefix, sizeof prefix, "[%s] ", names[i]);
      ok |= strncmp(p, prefix, strlen(prefix)) == 0;
    }
    ck_assert_msg(ok, "a line without a guest's prefix: %.60s", p);
    p += strcspn(p, "\n");
    if (*p) p++;
  }
}

START_TEST(console_prefixes) {
  const char *mode = modes[_i];
  const char *os = guestos_for(mode);
  gr_result a, b, m;
  gr_run(&a, NULL, "--mode", mode, os, NULL);
  gr_run(&b, NULL, "--mode", mode, G "test-traps.img", NULL);
  gr_run(&m, NULL, "--mode", mode, "--quantum", "1000", os, G "test-traps.img", os, NULL);
  ck_assert_msg(m.status == 0, "status %d\n%s", m.status, m.err);
  const char *osname = strcmp(mode, "trap") == 0 ? "guestos-nospecial" : "guestos";
  char osname2[40];
  snprintf(osname2, sizeof osname2, "%s.2", osname);
  const char *names[3] = {osname, "test-traps", osname2};
  all_lines_prefixed(m.out, names, 3);
  char *x = lines_of(m.out, osname), *y = lines_of(m.out, "test-traps"), *z = lines_of(m.out, osname2);
  ck_assert_str_eq(x, a.out);
  ck_assert_str_eq(y, b.out);
  ck_assert_str_eq(z, a.out);
  free(x), free(y), free(z);
  gr_free(&a), gr_free(&b), gr_free(&m);
}
END_TEST

static void temp_path(char *buf, size_t len, const char *what) {
  snprintf(buf, len, "%s/vkit-multi-%d-%s", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid(), what);
}

START_TEST(console_files_and_input) {
  const char *mode = modes[_i];
  const char *os = guestos_for(mode);
  char cfgname[256], fa[256], fb[256], text[1024];
  temp_path(fa, sizeof fa, "A.out");
  temp_path(fb, sizeof fb, "B.out");
  temp_path(cfgname, sizeof cfgname, "two.cfg");
  snprintf(text, sizeof text,
           "# A runs the scripted session, B the shell on standard input\n"
           "A %s console=%s\n"
           "B %s console=%s input weight=3\n"
           "C " G "test-tlb.img\n",
           os, fa, os, fb);
  FILE *f = fopen(cfgname, "w");
  ck_assert_ptr_nonnull(f);
  fputs(text, f);
  fclose(f);
  const char *shell = "tests/guestos/expected/shell.in";
  gr_result script, session, tlb, m;
  gr_run(&script, NULL, "--mode", mode, os, NULL);
  gr_run(&session, shell, "--mode", mode, os, NULL);
  gr_run(&tlb, NULL, "--mode", mode, G "test-tlb.img", NULL);
  gr_run(&m, shell, "--mode", mode, "--config", cfgname, NULL);
  ck_assert_msg(m.status == 0, "status %d\n%s", m.status, m.err);
  char *a = gr_slurp(fa, NULL), *b = gr_slurp(fb, NULL), *c = lines_of(m.out, "C");
  ck_assert_ptr_nonnull(a);
  ck_assert_ptr_nonnull(b);
  ck_assert_str_eq(a, script.out); /* byte for byte, as alone */
  ck_assert_str_eq(b, session.out);
  ck_assert_str_eq(c, tlb.out);
  ck_assert_msg(strstr(b, "$ ") != NULL, "B ran the shell");
  const char *names[1] = {"C"};
  all_lines_prefixed(m.out, names, 1);
  free(a), free(b), free(c);
  gr_free(&script), gr_free(&session), gr_free(&tlb);
  gr_free(&m);
  /* --input moves the keyboard: now A reads it and B sees its end. */
  gr_run(&m, shell, "--mode", mode, "--config", cfgname, "--input", "A", NULL);
  ck_assert_int_eq(m.status, 0);
  a = gr_slurp(fa, NULL);
  b = gr_slurp(fb, NULL);
  ck_assert_msg(strstr(a, "$ ") != NULL && strstr(b, "$ ") == NULL, "--input A: A has the shell");
  free(a), free(b);
  gr_free(&m);
  unlink(fa), unlink(fb), unlink(cfgname);
}
END_TEST

START_TEST(status_and_report) {
  const char *mode = modes[_i];
  char json[256];
  temp_path(json, sizeof json, "stats.json");
  gr_result m;
  gr_run(&m, NULL, "--mode", mode, "--max-steps", "3000000", "--stats-json", json, guestos_for(mode),
         G "multi-die-double.img", G "multi-spin.img", G "multi-die-novector.img", NULL);
  ck_assert_msg(m.status == 70, "the first failing guest's status: got %d\n%s", m.status, m.err);
  ck_assert_msg(strstr(m.err, "vmm: multi-die-double: double fault: pf-fetch (value 0x7fff0000) at the trap "
                              "vector 0x7fff0000\n"),
                "%s", m.err);
  ck_assert_msg(strstr(m.err, "vmm: multi-spin: step budget exhausted after 3000000 instructions"), "%s", m.err);
  ck_assert_msg(strstr(m.err, "vmm: multi-die-novector: unhandled trap pf-load"), "%s", m.err);
  int lines = 0;
  for (const char *p = m.err; *p; p++) lines += *p == '\n';
  ck_assert_msg(lines == 3, "one line per failed guest:\n%s", m.err);
  char *j = gr_slurp(json, NULL);
  ck_assert_ptr_nonnull(j);
  ck_assert_msg(strstr(j, "\"guests\": [") && strstr(j, "\"total\": {") && strstr(j, "\"scheduler\": {"), "%s", j);
  ck_assert_msg(strstr(j, "\"name\": \"multi-die-double\"") && strstr(j, "\"exit\": \"double fault\""), "%s", j);
  ck_assert_msg(strstr(j, "\"exit_status\": 70"), "%s", j);
  free(j);
  unlink(json);
  gr_free(&m);
}
END_TEST

START_TEST(usage_errors) {
  gr_result r;
  gr_run(&r, NULL, "--mode", "native", G "test-tlb.img", G "test-tlb.img", NULL);
  ck_assert_int_eq(r.status, 64);
  ck_assert_msg(strstr(r.err, "several guests need a monitor"), "%s", r.err);
  gr_free(&r);
  gr_run(&r, NULL, "--mode", "trap", "--quantum", "100", G "test-tlb.img", NULL);
  ck_assert_int_eq(r.status, 64);
  gr_free(&r);
  gr_run(&r, NULL, "--mode", "trap", "--config", "tests/vmm/run/patterns.cfg", G "test-tlb.img", NULL);
  ck_assert_int_eq(r.status, 64);
  ck_assert_msg(strstr(r.err, "--config FILE names the guests: no image with it"), "%s", r.err);
  gr_free(&r);
  gr_run(&r, NULL, "--mode", "trap", "--input", "nobody", G "test-tlb.img", G "test-tlb.img", NULL);
  ck_assert_int_eq(r.status, 64);
  ck_assert_msg(strstr(r.err, "--input: no guest named nobody"), "%s", r.err);
  gr_free(&r);
  gr_run(&r, NULL, "--mode", "hw", "--config", "tests/vmm/run/bad.cfg", NULL);
  ck_assert_int_eq(r.status, 65); /* a malformed input (cli/status.h) */
  ck_assert_str_eq(r.err, "vmm: tests/vmm/run/bad.cfg:6: bad weight=-1 (1 to 1000)\n");
  gr_free(&r);
}
END_TEST

Suite *multi_suite(void) {
  Suite *s = suite_create("multi");
  TCase *tc = tcase_create("side_by_side");
  tcase_set_timeout(tc, 120);
  tcase_add_loop_test(tc, two_and_three_guests, 0, NMODES);
  tcase_add_loop_test(tc, same_image_twice, 0, NMODES);
  tcase_add_loop_test(tc, weights_share_the_cpu, 0, NMODES);
  tcase_add_loop_test(tc, attackers_cannot_starve, 0, NMODES);
  tcase_add_loop_test(tc, monitor_cost_attackers, 0, NMODES);
  tcase_add_test(tc, attack_table_in_docs);
  tcase_add_loop_test(tc, isolation_patterns, 0, NMODES);
  suite_add_tcase(s, tc);

  tc = tcase_create("config_and_console");
  tcase_add_test(tc, config_good);
  tcase_add_loop_test(tc, config_bad, 0, (int)(sizeof bad_configs / sizeof bad_configs[0]));
  tcase_add_test(tc, console_lines);
  suite_add_tcase(s, tc);

  tc = tcase_create("runner");
  tcase_set_timeout(tc, 120);
  tcase_add_loop_test(tc, console_prefixes, 0, NMODES);
  tcase_add_loop_test(tc, console_files_and_input, 0, NMODES);
  tcase_add_loop_test(tc, status_and_report, 0, NMODES);
  tcase_add_test(tc, usage_errors);
  suite_add_tcase(s, tc);
  return s;
}
