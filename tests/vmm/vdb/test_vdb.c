/* test_vdb.c: the debugger, bin/vdb.
 *
 * Guests are the .s files of tests/vdb, assembled here into build/vdb-tests.
 *
 *   transcripts     every tests/vmm/vdb/cases/NAME.cmd runs in batch mode in every
 *                   mode and must print exactly tests/vmm/vdb/cases/NAME.MODE.out
 *                   (stdout and stderr merged).  The .cmd file's header says which
 *                   guest, what console input, extra options, and the exit
 *                   status expected.  After a deliberate change, regenerate
 *                   with VKIT_UPDATE_EXPECTED=1 and READ the diff.
 *   reverse         going back lands in exactly the state the forward run
 *                   had at that tick (registers, all memory, TLB, every
 *                   counter, the VM), across timer interrupts, system calls,
 *                   idle ticks and console input, with checkpoints thinned.
 *   commands        the parser: names, aliases, prefixes, ambiguity; the
 *                   expression evaluator; bad input of every kind.
 *   terminal        bin/vdb on a pseudo-terminal: completion, history, the
 *                   repeated empty line, Ctrl-C of a running guest and at
 *                   the prompt.
 *   batch           bin/vdb's exit status (graders rely on it).
 */
#include <dirent.h>

#include "need.h"
#include "vdbtest.h"

/* ---- the machine's whole state, as a hash ---- */

static uint64_t fnv(uint64_t h, const void *p, size_t n) {
  const uint8_t *b = p;
  for (size_t i = 0; i < n; i++)
    h = (h ^ b[i]) * 0x100000001b3ull;
  return h;
}

/* Architectural state: what the guest can see (its registers and memory). */
static uint64_t arch_hash(const vdb_target *t) {
  vdb_regs g;
  target_regs(t, &g);
  uint64_t h = fnv(0xcbf29ce484222325ull, &g, sizeof g);
  return fnv(h, t->c->mem + t->gbase, t->gsize);
}

/* Everything: all of host memory (the shadow pool too), the real CPU, its
 * TLB and counters, the VM, the console position, finished or not. */
static uint64_t full_hash(const vdb_target *t) {
  const cpu *c = t->c;
  uint64_t h = arch_hash(t);
  h = fnv(h, c->mem, c->mem_size);
  h = fnv(h, c->r, sizeof c->r);
  h = fnv(h, &c->pc, sizeof c->pc);
  h = fnv(h, &c->flags, sizeof c->flags);
  h = fnv(h, c->cr, sizeof c->cr);
  h = fnv(h, c->tlb, sizeof *c->tlb * c->tlb_size);
  h = fnv(h, &c->st, sizeof c->st);
  h = fnv(h, &c->trap, sizeof c->trap);
  h = fnv(h, &c->timer_left, sizeof c->timer_left);
  h = fnv(h, &c->irq, sizeof c->irq);
  h = fnv(h, &c->fetch_va, sizeof c->fetch_va);
  h = fnv(h, &c->last_ea, sizeof c->last_ea);
  h = fnv(h, &c->waiting, sizeof c->waiting);
  h = fnv(h, &c->perm_shift, sizeof c->perm_shift);
  if (t->m) {
    const vm *m = t->m;
    const vcpu *v = &m->v;
    h = fnv(h, v->r, sizeof v->r);
    h = fnv(h, &v->pc, sizeof v->pc);
    h = fnv(h, &v->flags, sizeof v->flags);
    h = fnv(h, v->cr, sizeof v->cr);
    h = fnv(h, &v->irq, sizeof v->irq);
    h = fnv(h, &v->timer_left, sizeof v->timer_left);
    h = fnv(h, &v->waiting, sizeof v->waiting);
    h = fnv(h, &v->con.rx_irq_enabled, sizeof v->con.rx_irq_enabled);
    h = fnv(h, m->cur.root, sizeof m->cur.root);
    h = fnv(h, &m->pool_used, sizeof m->pool_used);
    h = fnv(h, &m->gst, sizeof m->gst);
    h = fnv(h, &m->seen_insns, sizeof m->seen_insns);
    h = fnv(h, &m->n, sizeof m->n);
    h = fnv(h, &m->done, sizeof m->done);
    h = fnv(h, &m->last_trap, sizeof m->last_trap);
  }
  h = fnv(h, &t->con.in_pos, sizeof t->con.in_pos);
  h = fnv(h, &t->con.out_count, sizeof t->con.out_count);
  h = fnv(h, &t->done, sizeof t->done);
  return h;
}

/* ---- reverse execution lands exactly where the forward run was ---- */

#define MAXREC 400
typedef struct rec {
  uint64_t tick, hash;
} rec;

static void record(sess *s, rec *r, int *n) {
  vdb_target *t = vdb_cur(s->d);
  ck_assert_int_lt(*n, MAXREC);
  r[(*n)++] = (rec){target_now(t), full_hash(t)};
}

static void go_back_to(sess *s, const rec *r) {
  vdb_target *t = vdb_cur(s->d);
  char cmd[64];
  uint64_t now = target_now(t);
  ck_assert_uint_ge(now, r->tick);
  snprintf(cmd, sizeof cmd, "reverse-stepi %llu", (unsigned long long)(now - r->tick));
  if (now > r->tick) ok(s, cmd);
  ck_assert_uint_eq(target_now(t), r->tick);
  ck_assert_msg(full_hash(t) == r->hash, "state at tick %llu differs after going back", (unsigned long long)r->tick);
}

static void reverse_exact(const char *mode) {
  sess s;
  rec r[MAXREC], hits[MAXREC];
  int n = 0, nhits = 0;
  /* Checkpoints every 16 ticks, at most 4: they thin out many times. */
  sess_open(&s, mode, guest_image("kern"), "x\n", 16, 4);
  vdb_target *t = vdb_cur(s.d);
  uint32_t on_timer;
  ck_assert_int_eq(image_lookup(&t->img, "on_timer", &on_timer), 0);
  ok(&s, "break on_timer"); /* every timer interrupt, as the kernel sees it */
  record(&s, r, &n);
  for (int i = 0; i < 40; i++) { /* boot, paging on, into user mode */
    ok(&s, "stepi");
    record(&s, r, &n);
  }
  do {
    ok(&s, "stepi 25"); /* runs of 25 ticks, unless the breakpoint stops one */
    record(&s, r, &n);
  } while (target_now(t) < 100);
  while (!t->done) {
    ok(&s, "continue");
    record(&s, r, &n);
  }
  for (int i = 0; i < n; i++) {
    ck_assert_int_eq(rev_goto(t, r[i].tick), 0);
    vdb_regs g;
    target_regs(t, &g);
    if (g.pc == on_timer && i && r[i].tick != r[i - 1].tick) hits[nhits++] = r[i];
  }
  ck_assert_int_eq(rev_goto(t, r[n - 1].tick), 0);
  ck_assert(full_hash(t) == r[n - 1].hash);
  ck_assert_int_ge(nhits, 5);
  ck_assert_uint_gt(t->c->st.idle_ticks + (t->m ? t->m->gst.idle_ticks : 0), 0);
  uint64_t end_arch = arch_hash(t);

  /* Back to each recorded tick, newest first, then a few at random. */
  for (int i = n - 1; i >= 0; i--)
    go_back_to(&s, &r[i]);
  ok(&s, "continue"); /* to the first on_timer hit */
  ck_assert_uint_eq(target_now(t), hits[0].tick);
  ck_assert(full_hash(t) == hits[0].hash);
  unsigned seed = 12345;
  for (int k = 0; k < 20; k++) {
    seed = seed * 1103515245 + 12345;
    const rec *x = &r[(seed >> 8) % (unsigned)n];
    if (x->tick <= target_now(t)) go_back_to(&s, x);
  }

  /* Forward again to the end, without watching: the same end. */
  ok(&s, "delete");
  ok(&s, "continue");
  ck_assert(t->done);
  ck_assert(arch_hash(t) == end_arch);

  /* Run again from reset, stopping at every hit; then reverse-continue
   * from the end visits every hit, newest first, in exactly the state
   * this forward run had.  (Under a monitor the runs' slicing shows in
   * the TLB counters, so states are compared with the same run's.) */
  ok(&s, "break on_timer");
  ok(&s, "run");
  nhits = 0;
  while (!t->done) {
    hits[nhits++] = (rec){target_now(t), full_hash(t)};
    ok(&s, "continue");
  }
  ck_assert_int_ge(nhits, 5);
  for (int i = nhits - 1; i >= 0; i--) {
    ok(&s, "reverse-continue");
    ck_assert_uint_eq(target_now(t), hits[i].tick);
    ck_assert_msg(full_hash(t) == hits[i].hash, "reverse-continue to tick %llu: state differs",
                  (unsigned long long)hits[i].tick);
  }
  ok(&s, "reverse-continue"); /* none left: reset */
  ck_assert_uint_eq(target_now(t), 0);
  ck_assert(full_hash(t) == r[0].hash);
  /* The guest's output was shown once, however often time was replayed. */
  ck_assert_uint_eq(t->con.out_shown, 3); /* "0\nx", shown again by run */
  ck_assert_uint_eq(t->con.out_count, 0);
  sess_close(&s);
}

START_TEST(reverse_native) { reverse_exact("native"); }
END_TEST

START_TEST(reverse_trap) { reverse_exact("trap"); }
END_TEST

/* The modes added as rows after the first two. */
START_TEST(reverse_bt) { reverse_exact("bt"); }
END_TEST

START_TEST(reverse_hw) {
  reverse_exact("hw");
  reverse_exact("hw-shadow");
}
END_TEST

/* Going forward from the past drops the recorded future; stepping where
 * the first run continued gives the same architectural state. */
static void rewrite_future(const char *mode) {
  sess s;
  sess_open(&s, mode, guest_image("kern"), "y\n", 32, 8);
  vdb_target *t = vdb_cur(s.d);
  ok(&s, "continue");
  ck_assert(t->done);
  uint64_t end = target_now(t), h = arch_hash(t);
  ok(&s, "reverse-stepi 200");
  ck_assert_uint_eq(target_now(t), end - 200);
  ok(&s, "stepi 150");
  ck_assert_uint_eq(rev_end(t), end - 50); /* the old future is gone */
  ok(&s, "break on_syscall");
  ok(&s, "delete");
  ok(&s, "continue");
  ck_assert_uint_eq(target_now(t), end);
  ck_assert(arch_hash(t) == h);
  ok(&s, "run"); /* from reset: the recorded input is given again */
  ck_assert(t->done);
  ck_assert(arch_hash(t) == h);
  sess_close(&s);
}

START_TEST(future_native) { rewrite_future("native"); }
END_TEST

START_TEST(future_trap) { rewrite_future("trap"); }
END_TEST

/* Watchpoints of each kind stop where the access happens, forward and
 * back; they leave no trace in the machine. */
static void watch_kinds(const char *mode) {
  sess s;
  size_t mark = 0;
  sess_open(&s, mode, guest_image("kern"), "", 0, 0);
  vdb_target *t = vdb_cur(s.d);
  ok(&s, "watch sum");
  ok(&s, "continue");
  const char *o = fresh(&s, &mark);
  ck_assert_msg(strstr(o, "Watchpoint 1: 0x00401000 <sum> changed: old value 0x00000000, new value 0x00000001"), "%s",
                o);
  ok(&s, "continue");
  o = fresh(&s, &mark);
  ck_assert_msg(strstr(o, "old value 0x00000001, new value 0x00000003"), "%s", o);
  uint64_t h = full_hash(t);
  ok(&s, "delete");
  ok(&s, "rwatch sum");
  ok(&s, "awatch ticks");
  ok(&s, "continue"); /* the timer handler reads ticks first */
  o = fresh(&s, &mark);
  ck_assert_msg(strstr(o, "Access watchpoint 3: ") && strstr(o, "<ticks> read"), "%s", o);
  ok(&s, "continue"); /* ... and writes it */
  o = fresh(&s, &mark);
  ck_assert_msg(strstr(o, "<ticks> written"), "%s", o);
  ok(&s, "reverse-continue");
  o = fresh(&s, &mark);
  ck_assert_msg(strstr(o, "<ticks> read"), "%s", o);
  ok(&s, "delete 3");
  ok(&s, "reverse-continue"); /* nothing reads sum: back to reset */
  o = fresh(&s, &mark);
  ck_assert_msg(strstr(o, "No more reverse-execution history."), "%s", o);
  ok(&s, "delete");
  ok(&s, "watch sum");
  ok(&s, "continue 2");
  ck_assert(full_hash(t) == h); /* watching left no trace */
  sess_close(&s);
}

START_TEST(watch_native) { watch_kinds("native"); }
END_TEST

START_TEST(watch_trap) { watch_kinds("trap"); }
END_TEST

START_TEST(watch_other_modes) {
  watch_kinds("bt");
  watch_kinds("hw");
  watch_kinds("hw-shadow");
}
END_TEST

/* ---- commands ---- */

START_TEST(command_lookup) {
  char err[300];
  struct {
    const char *group, *word, *want;
  } cases[] = {
      {NULL, "c", "continue"},
      {NULL, "cont", "continue"},
      {NULL, "si", "stepi"},
      {NULL, "rsi", "reverse-stepi"},
      {NULL, "rc", "reverse-continue"},
      {NULL, "reverse-c", "reverse-continue"},
      {NULL, "b", "break"},
      {NULL, "tb", "tbreak"},
      {NULL, "disas", "disassemble"},
      {NULL, "disp", "display"},
      {NULL, "i", "info"},
      {NULL, "p", "print"},
      {NULL, "x", "x"},
      {NULL, "xp", "xp"},
      {NULL, "q", "quit"},
      {"info", "r", "registers"},
      {"info", "reg", "registers"},
      {"info", "b", "breakpoints"},
      {"info", "sh", "shadow"},
      {"info", "tlb", "tlb"},
      {"catch", "t", NULL},
      {"catch", "tr", NULL},
      {"catch", "tra", NULL},
      {"catch", "trap", "trap"},
      {"catch", "e", "exit"},
      {NULL, "s", NULL},
      {NULL, "bogus", NULL},
      {"info", "s", NULL},
      {"info", "st", "stats"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const vdb_cmd *c = cmd_find(cases[i].group, cases[i].word, strlen(cases[i].word), err, sizeof err);
    if (cases[i].want)
      ck_assert_msg(c && strcmp(c->name, cases[i].want) == 0, "%s %s", cases[i].group ? cases[i].group : "",
                    cases[i].word);
    else
      ck_assert_msg(!c && *err, "%s should not resolve", cases[i].word);
  }
  ck_assert(!cmd_find(NULL, "s", 1, err, sizeof err));
  ck_assert_msg(strstr(err, "Ambiguous command \"s\"") && strstr(err, "stepi") && strstr(err, "source"), "%s", err);
  /* Every command and subcommand has both helps and a handler, and names
   * are unique within their group. */
  for (int i = 0; i < vdb_ncmds; i++) {
    ck_assert(vdb_cmds[i].fn && *vdb_cmds[i].help && vdb_cmds[i].usage);
    for (int j = 0; j < i; j++)
      ck_assert(!(strcmp(vdb_cmds[i].name, vdb_cmds[j].name) == 0 &&
                  ((!vdb_cmds[i].group && !vdb_cmds[j].group) ||
                   (vdb_cmds[i].group && vdb_cmds[j].group && strcmp(vdb_cmds[i].group, vdb_cmds[j].group) == 0))));
  }
}
END_TEST

START_TEST(expressions) {
  sess s;
  sess_open(&s, "native", guest_image("kern"), NULL, 0, 0);
  char err[256];
  struct {
    const char *e;
    uint32_t want;
  } good[] = {
      {"1+2*3", 7},
      {"(1+2)*3", 9},
      {"10/3", 3},
      {"10%3", 1},
      {"1<<4|3", 19},
      {"0xf0 & 0x3c", 0x30},
      {"0x80000000 >> 31", 1},
      {"-1", 0xffffffff},
      {"~0", 0xffffffff},
      {"!5", 0},
      {"'A'", 65},
      {"'\\n'", 10},
      {"uloop", 0x400018},
      {"uloop+8", 0x400020},
      {"$pc", 0x1000},
      {"$sp", 0},
      {"$r0 + 1", 1},
      {"$ptb", 0},
      {"$tick", 0},
      {"6 ^ 3", 5},
      {"1 << 32", 0},
      {"-uloop + uloop", 0},
      {"  2 * ( 3 + 4 ) ", 14},
  };
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    vdb_val v;
    ck_assert_msg(expr_eval(s.d, vdb_cur(s.d), good[i].e, &v, err, sizeof err) == 0, "%s: %s", good[i].e, err);
    ck_assert_msg(v.v == good[i].want, "%s = %u, not %u", good[i].e, v.v, good[i].want);
  }
  const char *bad[] = {"",
                       "1+",
                       "(1",
                       "1)",
                       "nosuch",
                       "$nosuch",
                       "1/0",
                       "5%0",
                       "0x",
                       "12abc",
                       "'",
                       "'ab'",
                       "$9",
                       "$r16",
                       "@",
                       "1 2",
                       ("((((((((((((((((((((((((((((((((((((((((((((((((((((("
                        "(((((((((((((((((((((((((((((((((((((((((((((((((((1")};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    vdb_val v;
    err[0] = 0;
    ck_assert_msg(expr_eval(s.d, vdb_cur(s.d), bad[i], &v, err, sizeof err) != 0, "'%s' evaluated", bad[i]);
    ck_assert_msg(*err && !strchr(err, '\n'), "'%s': no one-line message", bad[i]);
  }
  sess_close(&s);
}
END_TEST

/* Every kind of bad input gives one line on the error stream, fails the
 * command and leaves the session usable, in every mode, before and after
 * the guest has finished. */
START_TEST(bad_input) {
  static const char *const bad[] = {
      "bogus",
      "s",
      "info",
      "info bogus",
      "info s",
      "catch",
      "catch bogus",
      "catch trap bogus",
      "catch translate x",
      "x/q 0",
      "x/0x 0",
      "x/g 0",
      "x 0x80000000",
      "xp 0x100000",
      "xh 0xfffffffc",
      "x/s 0x7ffffff0",
      "p",
      "p/q 1",
      "p 1 +",
      "print $nosuch",
      "print nosuch",
      "display/q 1",
      "undisplay 9",
      "break nosuch",
      "break 1 +",
      "pbreak",
      "watch",
      "watch 2",
      "rwatch nosuch",
      "delete 99",
      "delete x",
      "until",
      "until nosuch",
      "stepi 0",
      "stepi nosuch",
      "continue -",
      "reverse-stepi x",
      "info pt nosuch",
      "info pt 1/0",
      "translate",
      "translate (",
      "disassemble nosuch",
      "disassemble 0x1000,0x1000",
      "disassemble 0x1000,+100000",
      "disassemble 0x80000000",
      "x/2i 0x100000",
      "trace",
      "trace maybe",
      "vm",
      "vm 2",
      "vm x",
      "dot",
      "dot pt",
      "dot bogus f",
      "dot pt /nonexistent/dir/f.dot",
      "source /nonexistent",
      "help bogus",
      "help info bogus",
      "help run extra",
      "quit nosuch",
      "info registers r99",
      "x/3000000x 0",
  };
  for (int m = 0; m < mode_count(false); m++) { /* every mode, including those added later */
    const char *const modes[] = {vmm_modes[m]->name};
    sess s;
    sess_open(&s, vmm_modes[m]->name, guest_image("fault"), NULL, 0, 0);
    for (int round = 0; round < 2; round++) {
      for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int before = s.d->failures;
        size_t mark = s.len;
        fflush(s.out);
        mark = s.len;
        int rc = vdb_exec(s.d, bad[i]);
        fflush(s.out);
        ck_assert_msg(rc != 0 && s.d->failures == before + 1, "%s: '%s' did not fail once", modes[0], bad[i]);
        if (rc != 0) {
          const char *o = s.buf + mark;
          ck_assert_msg(strchr(o, '\n') == o + strlen(o) - 1, "%s: '%s' printed more than one line: %s", modes[0],
                        bad[i], o);
        }
        ck_assert(!s.d->quit);
      }
      /* Now finished: the forward commands fail too, the rest still work. */
      if (round == 0) ok(&s, "continue");
      ck_assert(vdb_cur(s.d)->done);
      ck_assert_int_ne(vdb_exec(s.d, "stepi"), 0);
      ck_assert_int_ne(vdb_exec(s.d, "continue"), 0);
      ck_assert_int_ne(vdb_exec(s.d, "until 0x1000"), 0);
      ok(&s, "info registers");
      ok(&s, "x/2i 0x1000");
    }
    ok(&s, "reverse-stepi");
    ck_assert(!vdb_cur(s.d)->done);
    sess_close(&s);
  }
}
END_TEST

/* ---- transcripts ---- */

typedef struct script {
  char guest[64], input[256], args[256];
  int status;
} script;

static void script_header(const char *path, script *sc) {
  *sc = (script){"kern", "", "", 0};
  FILE *f = fopen(path, "r");
  ck_assert_ptr_nonnull(f);
  char line[512];
  while (fgets(line, sizeof line, f) && line[0] == '#') {
    line[strcspn(line, "\n")] = 0;
    if (!strncmp(line, "# guest: ", 9)) snprintf(sc->guest, sizeof sc->guest, "%.60s", line + 9);
    if (!strncmp(line, "# input: ", 9)) snprintf(sc->input, sizeof sc->input, "%.250s\n", line + 9);
    if (!strncmp(line, "# args: ", 8)) snprintf(sc->args, sizeof sc->args, "%.250s", line + 8);
    if (!strncmp(line, "# status: ", 10)) sc->status = atoi(line + 10);
  }
  fclose(f);
}

/* Run one script in one mode through vdb_main, as bin/vdb would. */
static void transcript(const char *name, const char *mode) {
  char cmd[256], exp[256], inpath[256], act[256];
  snprintf(cmd, sizeof cmd, "tests/vmm/vdb/cases/%s.cmd", name);
  snprintf(exp, sizeof exp, "tests/vmm/vdb/cases/%s.%s.out", name, mode);
  snprintf(inpath, sizeof inpath, TDIR "/%s.%s.in", name, mode);
  snprintf(act, sizeof act, TDIR "/%s.%s.actual", name, mode);
  script sc;
  script_header(cmd, &sc);
  guest_image(sc.guest);
  if (strcmp(sc.guest, "kern") != 0) guest_image("kern");
  write_file(inpath, sc.input);
  char img[128];
  snprintf(img, sizeof img, TDIR "/%s.img", sc.guest);
  char *argv[40] = {"vdb", "--batch", "--echo", "--mode", (char *)mode, "--input", inpath};
  int argc = 7;
  char args[256];
  snprintf(args, sizeof args, "%s", sc.args);
  for (char *a = strtok(args, " "); a && argc < 30; a = strtok(NULL, " "))
    argv[argc++] = a;
  argv[argc++] = "-x";
  argv[argc++] = cmd;
  argv[argc++] = img;
  argv[argc] = NULL;
  char *buf;
  size_t len;
  FILE *out = open_memstream(&buf, &len);
  int status = vdb_main(argc, argv, out, out);
  fclose(out);
  write_file(act, buf);
  if (getenv("VKIT_UPDATE_EXPECTED")) write_file(exp, buf);
  char *want = slurp(exp, NULL);
  ck_assert_msg(want, "%s is missing (VKIT_UPDATE_EXPECTED=1 makes it; then read it)", exp);
  ck_assert_msg(strcmp(want, buf) == 0, "transcript differs: diff -u %s %s", exp, act);
  ck_assert_msg(status == sc.status, "%s in %s mode: exit status %d, expected %d", name, mode, status, sc.status);
  free(want);
  free(buf);
}

static void all_transcripts(const char *mode) {
  DIR *dir = opendir("tests/vmm/vdb/cases");
  ck_assert_ptr_nonnull(dir);
  struct dirent *e;
  int n = 0;
  while ((e = readdir(dir))) {
    size_t len = strlen(e->d_name);
    if (len < 5 || strcmp(e->d_name + len - 4, ".cmd") != 0) continue;
    char name[128];
    snprintf(name, sizeof name, "%.*s", (int)(len - 4), e->d_name);
    transcript(name, mode);
    n++;
  }
  closedir(dir);
  ck_assert_int_ge(n, 12);
}

/* Every script in every mode of the table, each with its expected
 * transcript: every view's output is exact in every mode. */
START_TEST(transcripts) { all_transcripts(vmm_modes[_i]->name); }
END_TEST

START_TEST(dot_renders) {
  sess s;
  const char *modes[] = {"native", "trap"};
  need_program("dot", "graphviz");
  for (int m = 0; m < 2; m++) {
    sess_open(&s, modes[m], guest_image("kern"), NULL, 0, 0);
    ok(&s, "break uloop");
    ok(&s, "continue 3");
    const char *kinds[] = {"pt", "shadow", "tlb"};
    for (int k = 0; k < 3; k++) {
      char cmd[128], path[64], sh[256];
      snprintf(path, sizeof path, TDIR "/%s.%s.%d.dot", kinds[k], modes[m], (int)getpid());
      snprintf(cmd, sizeof cmd, "dot %s %s", kinds[k], path);
      ok(&s, cmd);
      if (m == 0 && k == 1) continue; /* native has no shadow: no file */
      size_t len;
      char *text = slurp(path, &len);
      ck_assert_msg(text && strstr(text, "digraph vdb {") && strstr(text, "->"), "%s", path);
      free(text);
      snprintf(sh, sizeof sh, "dot -Tsvg %s -o %s.svg 2>&1", path, path);
      ck_assert_msg(system(sh) == 0, "dot -Tsvg %s failed", path);
    }
    ok(&s, "dot npt " TDIR "/npt.dot");
    sess_close(&s);
  }
}
END_TEST

/* Two guests, switched between; breakpoints belong to their guest. */
START_TEST(two_guests) {
  sess s;
  size_t mark = 0;
  sess_open(&s, "trap", guest_image("kern"), NULL, 0, 0);
  char err[256];
  ck_assert_int_eq(vdb_add_target(s.d, guest_image("spin"), err, sizeof err), 0);
  ok(&s, "break uloop");
  ok(&s, "vm 2");
  ok(&s, "stepi 1000"); /* vm 2 knows nothing of vm 1's breakpoint */
  ck_assert_uint_eq(target_now(vdb_cur(s.d)), 1000);
  ok(&s, "vm list");
  const char *o = fresh(&s, &mark);
  ck_assert_msg(strstr(o, "  1   trap") && strstr(o, "* 2   trap"), "%s", o);
  ok(&s, "vm 1");
  ok(&s, "continue");
  ck_assert_uint_eq(vdb_cur(s.d)->id, 1);
  o = fresh(&s, &mark);
  ck_assert_msg(strstr(o, "Breakpoint 1, 0x00400018 <uloop>"), "%s", o);
  sess_close(&s);
}
END_TEST

/* catch exit takes the exit reasons of the guest's mode. */
START_TEST(exit_reasons) {
  const struct {
    const char *mode, *reason;
    bool ok;
  } cases[] = {
      {"native", "priv", true}, /* accepted; native mode never exits */
      {"trap", "priv", true},   {"trap", "pf-store", true},   {"trap", "io", false}, {"bt", "syscall", true},
      {"hw", "io", true},       {"hw", "nested-fault", true}, {"hw", "priv", false}, {"hw-shadow", "cr-write", true},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    sess s;
    char cmd[64];
    sess_open(&s, cases[i].mode, guest_image("kern"), NULL, 0, 0);
    snprintf(cmd, sizeof cmd, "catch exit %s", cases[i].reason);
    ck_assert_msg((vdb_exec(s.d, cmd) == 0) == cases[i].ok, "%s: %s", cases[i].mode, cmd);
    sess_close(&s);
  }
  sess s;
  size_t mark = 0;
  sess_open(&s, "hw", guest_image("kern"), NULL, 0, 0);
  ok(&s, "catch exit io");
  ok(&s, "continue");
  const char *o = fresh(&s, &mark);
  ck_assert_msg(strstr(o, "Catchpoint 1 (exit io at 0x000010ac"), "%s", o);
  sess_close(&s);
}
END_TEST

/* ---- bin/vdb itself ---- */

START_TEST(batch_status) {
  need_exec(VDB_BIN, "run make");
  const char *img = guest_image("kern");
  const char *okay[] = {VDB_BIN, "--batch", "-ex", "print 1", "-ex", "continue", img, NULL};
  const char *fail[] = {VDB_BIN, "--batch", "-ex", "bogus", "-ex", "print 1", img, NULL};
  const char *fail_x[] = {VDB_BIN, "-batch", "-x", "/nonexistent.cmd", img, NULL};
  const char *quit3[] = {VDB_BIN, "--batch", "-ex", "quit 3", img, NULL};
  const char *noimg[] = {VDB_BIN, "--batch", "/nonexistent.img", NULL};
  const char *usage[] = {VDB_BIN, "--mode", "nosuch", img, NULL};
  const char *script[] = {VDB_BIN, img, NULL}; /* commands from stdin: none */
  ck_assert_int_eq(run_vdb(okay), 0);
  ck_assert_int_eq(run_vdb(fail), 1);
  ck_assert_int_eq(run_vdb(fail_x), 1);
  ck_assert_int_eq(run_vdb(quit3), 3);
  ck_assert_int_eq(run_vdb(noimg), 66);
  ck_assert_int_eq(run_vdb(usage), 64);
  ck_assert_int_eq(run_vdb(script), 0);
}
END_TEST

/* ---- the terminal: readline through a pseudo-terminal (vdbtest.h) ---- */

START_TEST(terminal) {
  need_exec(VDB_BIN, "run make");
  char kern[128], spin[128]; /* guest_image() returns a static buffer */
  snprintf(kern, sizeof kern, "%s", guest_image("kern"));
  snprintf(spin, sizeof spin, "%s", guest_image("spin"));
  char hist[128];
  snprintf(hist, sizeof hist, TDIR "/history.%d", (int)getpid());
  unlink(hist);
  static pty p;
  p = (pty){0};
  p.pid = forkpty(&p.fd, NULL, NULL, NULL);
  ck_assert_int_ge(p.pid, 0);
  if (p.pid == 0) {
    setenv("VDB_HISTORY", hist, 1);
    setenv("INPUTRC", "/dev/null", 1);
    setenv("TERM", "dumb", 1);
    execl(VDB_BIN, VDB_BIN, "-q", "--input", "/dev/null", kern, spin, (char *)NULL);
    _exit(127);
  }
  EXPECT(&p, "(vdb) ");
  type(&p, "inf\t");
  EXPECT(&p, "info ");
  type(&p, "reg\t");
  EXPECT(&p, "registers ");
  type(&p, "\n");
  EXPECT(&p, "r0  0x00000000");
  EXPECT(&p, "(vdb) ");
  type(&p, "b ulo\t\n"); /* a symbol */
  EXPECT(&p, "Breakpoint 1 at 0x00400018 <uloop>");
  EXPECT(&p, "(vdb) ");
  type(&p, "p $tic\t\n"); /* a register */
  EXPECT(&p, "$1 = 0");
  EXPECT(&p, "(vdb) ");
  type(&p, "\x10\x10\n"); /* Ctrl-P twice: history, "b uloop" again */
  EXPECT(&p, "Breakpoint 2 at 0x00400018 <uloop>");
  EXPECT(&p, "(vdb) ");
  type(&p, "si\n");
  EXPECT(&p, "=> 0x00001004 <_start+4>");
  EXPECT(&p, "(vdb) ");
  type(&p, "\n"); /* an empty line repeats */
  EXPECT(&p, "=> 0x00001008 <_start+8>");
  EXPECT(&p, "(vdb) ");
  type(&p, "vm 2\n");
  EXPECT(&p, "Switching to vm 2");
  EXPECT(&p, "(vdb) ");
  type(&p, "continue\n");
  usleep(300 * 1000);
  type(&p, "\x03"); /* Ctrl-C stops the running guest */
  EXPECT(&p, "Interrupted.");
  EXPECT(&p, "(vdb) ");
  type(&p, "p $r1\n");
  EXPECT(&p, "(vdb) ");
  type(&p, "garbage");
  type(&p, "\x03"); /* at the prompt: the line is dropped */
  usleep(100 * 1000);
  type(&p, "p 6*7\n");
  EXPECT(&p, "= 42");
  ck_assert_msg(!strstr(p.buf, "Undefined command: \"garbage"), "Ctrl-C did not drop the line");
  type(&p, "quit\n");
  int st;
  double end = now_s() + 10;
  while (waitpid(p.pid, &st, WNOHANG) == 0 && now_s() < end) {
    char tmp[4096];
    struct pollfd pf = {p.fd, POLLIN, 0};
    if (poll(&pf, 1, 50) > 0 && read(p.fd, tmp, sizeof tmp) <= 0) usleep(10000);
  }
  if (waitpid(p.pid, &st, WNOHANG) == 0) {
    kill(p.pid, SIGKILL);
    waitpid(p.pid, &st, 0);
    ck_abort_msg("vdb did not quit");
  }
  close(p.fd);
  ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  char *h = slurp(hist, NULL);
  ck_assert_msg(h && strstr(h, "info registers") && strstr(h, "b uloop") && strstr(h, "p 6*7"), "history: %s",
                h ? h : "(none)");
  ck_assert_msg(!strstr(h, "garbage"), "a dropped line went into the history");
  free(h);
  unlink(hist);
}
END_TEST

Suite *vdb_suite(void) {
  Suite *s = suite_create("vdb");
  struct {
    const char *name;
    const TTest *fn;
  } t[] = {
      {"command_lookup", command_lookup},
      {"expressions", expressions},
      {"bad_input", bad_input},
      {"reverse_native", reverse_native},
      {"reverse_trap", reverse_trap},
      {"reverse_bt", reverse_bt},
      {"reverse_hw", reverse_hw},
      {"future_native", future_native},
      {"future_trap", future_trap},
      {"watch_native", watch_native},
      {"watch_trap", watch_trap},
      {"watch_other_modes", watch_other_modes},
      {"exit_reasons", exit_reasons},
      {"dot_renders", dot_renders},
      {"two_guests", two_guests},
      {"batch_status", batch_status},
      {"terminal", terminal},
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    TCase *tc = tcase_create(t[i].name);
    tcase_add_test(tc, t[i].fn);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
  }
  TCase *tc = tcase_create("transcripts");
  tcase_add_loop_test(tc, transcripts, 0, mode_count(false));
  tcase_set_timeout(tc, 120);
  suite_add_tcase(s, tc);
  return s;
}
