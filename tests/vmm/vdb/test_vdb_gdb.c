/* test_vdb_gdb.c: the debugger behaves as a gdb user expects.  One test
 * per promise, each in every mode of the mode table where the mode
 * matters:
 *
 *   run_stops_at_entry    break _start; run: stops there, before anything ran
 *   counts_are_positive   stepi -1 and friends are refused and run nothing
 *   breakpoint_addresses  a misaligned pc is refused; an unmapped one pending
 *   backtrace_frames      the frames of tests/vmm/vdb/cases/calls.s, each pc
 *                         and sp as the code makes them (docs/vdb.md's and
 *                         docs/guestos.md's backtraces are `run` blocks,
 *                         which make docs-check runs)
 *   bare_registers        p r1 is p $r1; symbols still win
 *   info_tc_once          info tc: one header, "1 block", an expression
 *   source_is_bounded     source refuses devices, directories, long lines
 *                         and NUL bytes, quickly; so does a script on stdin
 *   slices_are_not_exits  a debugged run ends with bin/vmm's counters,
 *                         however it was sliced (a watcher's pause)
 *   dot_legend_no_overlap every picture has a legend, and graphviz places
 *                         its labels without overlap
 *   ctrl_c_at_guest_input Ctrl-C while the guest shell waits for a line
 *                         stops it and gives it nothing
 *   progress_on_terminal  continue and reverse-continue show progress and
 *                         stop on Ctrl-C
 */
#include "need.h"
#include "vdbtest.h"

static const char *mode_name(int i) { return vmm_modes[i]->name; }

/* ---- run ---- */

START_TEST(run_stops_at_entry) {
  sess s;
  size_t mark = 0;
  sess_open(&s, mode_name(_i), guest_image("kern"), "x\n", 0, 0);
  vdb_target *t = vdb_cur(s.d);
  ok(&s, "stepi 50");
  ok(&s, "break _start");
  fresh(&s, &mark);
  ok(&s, "run");
  const char *o = fresh(&s, &mark);
  ck_assert_msg(strstr(o, "Breakpoint 1, 0x00001000 <_start>\n=> 0x00001000 <_start>:"), "%s", o);
  ck_assert_uint_eq(target_now(t), 0);
  ok(&s, "continue"); /* from a breakpoint: on to the end, not the same stop again */
  ck_assert(t->done);
  ok(&s, "delete");
  ok(&s, "tbreak _start");
  ok(&s, "run");
  ck_assert_uint_eq(target_now(t), 0);
  ck_assert_int_eq(s.d->nbp, 0); /* a tbreak goes when hit */
  sess_close(&s);
}
END_TEST

/* ---- counts ---- */

START_TEST(counts_are_positive) {
  static const char *const bad[] = {"stepi -1",    "nexti -1",         "continue -1",     "reverse-stepi -1",
                                    "stepi 0",     "stepi 0x80000000", "reverse-stepi 0", "backtrace -1",
                                    "si -5 + 1"};
  sess s;
  sess_open(&s, mode_name(_i), guest_image("kern"), "x\n", 0, 0);
  vdb_target *t = vdb_cur(s.d);
  ok(&s, "stepi 40");
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    fflush(s.out);
    size_t mark = s.len;
    ck_assert_msg(vdb_exec(s.d, bad[i]) != 0, "%s was accepted", bad[i]);
    ck_assert_msg(target_now(t) == 40 && !t->done, "%s moved the guest to tick %llu", bad[i],
                  (unsigned long long)target_now(t));
    const char *o = fresh(&s, &mark);
    ck_assert_msg(strstr(o, "must be positive"), "%s: %s", bad[i], o);
  }
  ok(&s, "stepi 2");
  ok(&s, "reverse-stepi 2");
  ck_assert_uint_eq(target_now(t), 40);
  sess_close(&s);
}
END_TEST

/* ---- breakpoints ---- */

START_TEST(breakpoint_addresses) {
  sess s;
  size_t mark = 0;
  sess_open(&s, mode_name(_i), guest_image("kern"), "x\n", 0, 0);
  vdb_target *t = vdb_cur(s.d);
  static const char *const refused[] = {"break 0x1002", "tbreak uloop+1", "pbreak 0x8021", "pbreak 0x100000",
                                        "pbreak 0xfffffffc"};
  for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
    ck_assert_msg(vdb_exec(s.d, refused[i]) != 0, "%s was accepted", refused[i]);
    ck_assert_int_eq(s.d->nbp, 0);
  }
  const char *o = fresh(&s, &mark);
  ck_assert_msg(strstr(o, "0x00001002 is not on an instruction boundary"), "%s", o);
  ck_assert_msg(strstr(o, "Guest-physical 0x00100000 is beyond guest memory"), "%s", o);
  /* At reset paging is off and 0x00400018 is past memory: pending. */
  ok(&s, "break uloop");
  o = fresh(&s, &mark);
  ck_assert_msg(strstr(o, "Breakpoint 1 at 0x00400018 <uloop> (pending: not mapped now)"), "%s", o);
  ok(&s, "info breakpoints");
  o = fresh(&s, &mark);
  ck_assert_msg(strstr(o, "0x00400018  <uloop> (pending)"), "%s", o);
  ok(&s, "continue"); /* ... and it stops there once the user program is mapped */
  o = fresh(&s, &mark);
  ck_assert_msg(strstr(o, "Breakpoint 1, 0x00400018 <uloop>"), "%s", o);
  ok(&s, "break uloop+8");
  o = fresh(&s, &mark);
  ck_assert_msg(strstr(o, "Breakpoint 2 at 0x00400020 <uloop+8>\n"), "%s", o);
  ok(&s, "info breakpoints");
  o = fresh(&s, &mark);
  ck_assert_msg(!strstr(o, "pending"), "%s", o);
  ck_assert(!t->done);
  sess_close(&s);
}
END_TEST

/* ---- backtrace ---- */

static uint32_t sym(const vdb_target *t, const char *name) {
  uint32_t a;
  ck_assert_msg(image_lookup(&t->img, name, &a) == 0, "no symbol %s", name);
  return a;
}

/* Stopped in leaf, called by middle, called by outer, called by main,
 * called by _start: each frame's pc is the return address its callee
 * uses, each sp what the frames calls.s makes leave it at. */
START_TEST(backtrace_frames) {
  sess s;
  size_t mark = 0;
  sess_open(&s, mode_name(_i), guest_image("calls"), NULL, 0, 0);
  vdb_target *t = vdb_cur(s.d);
  ok(&s, "break leaf.lin");
  ok(&s, "continue");
  vdb_regs g;
  target_regs(t, &g);
  uint32_t sp = g.r[REG_SP], top = sym(t, "stack_top");
  struct {
    uint32_t pc, sp;
    const char *name;
  } want[] = {
      {sym(t, "leaf.lin"), sp, " <leaf.lin>"},
      {sym(t, "middle.loop") + 4, sp, " <middle.loop+4>"},   /* push lr, pushf: 8 bytes */
      {sym(t, "outer.lafter"), sp + 8, " <outer.lafter>"},     /* addi sp, sp, -12 */
      {sym(t, "main.lret"), sp + 8 + 12, " <main.lret>"},      /* push lr */
      {sym(t, "main") - 4, sp + 8 + 12 + 4, " <_start+24>"},  /* after call main */
  };
  ck_assert_uint_eq(want[4].sp, top);
  fresh(&s, &mark);
  ok(&s, "backtrace");
  const char *o = fresh(&s, &mark);
  for (int i = 0; i < 5; i++) {
    char line[128];
    snprintf(line, sizeof line, "#%-2d 0x%08x%-28s sp 0x%08x\n", i, want[i].pc, want[i].name, want[i].sp);
    ck_assert_msg(strstr(o, line), "frame %d should be\n%sin\n%s", i, line, o);
  }
  ck_assert_msg(strstr(o, "Backtrace stopped: _start is where the guest starts.\n"), "%s", o);
  ck_assert_msg(!strstr(o, "#5"), "%s", o);
  ok(&s, "bt 2");
  o = fresh(&s, &mark);
  ck_assert_msg(strstr(o, "#1 ") && !strstr(o, "#2 ") && strstr(o, "(More stack frames follow...)"), "%s", o);
  /* In an epilogue: the frame popped already, lr reloaded. */
  ok(&s, "delete");
  ok(&s, "break middle.lret");
  ok(&s, "continue");
  ok(&s, "bt");
  o = fresh(&s, &mark);
  target_regs(t, &g);
  char line[128];
  snprintf(line, sizeof line, "#1  0x%08x%-28s sp 0x%08x\n", sym(t, "outer.lafter"), " <outer.lafter>", g.r[REG_SP]);
  ck_assert_msg(strstr(o, line), "%s\nin\n%s", line, o);
  sess_close(&s);
}
END_TEST

/* ---- expressions ---- */

START_TEST(bare_registers) {
  sess s;
  sess_open(&s, mode_name(_i), guest_image("kern"), "x\n", 0, 0);
  ok(&s, "break uloop");
  ok(&s, "continue 2");
  static const char *const pairs[][2] = {{"r1", "$r1"},      {"r4 + 1", "$r4 + 1"}, {"sp", "$sp"},
                                         {"pc", "$pc"},      {"lr", "$lr"},         {"ptb", "$ptb"},
                                         {"flags", "$flags"}, {"tick", "$tick"},     {"r15", "$r15"}};
  char err[256];
  for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
    vdb_val a, b;
    ck_assert_msg(expr_eval(s.d, vdb_cur(s.d), pairs[i][0], &a, err, sizeof err) == 0, "%s: %s", pairs[i][0], err);
    ck_assert_int_eq(expr_eval(s.d, vdb_cur(s.d), pairs[i][1], &b, err, sizeof err), 0);
    ck_assert_msg(a.v == b.v && a.addr == b.addr, "%s is not %s", pairs[i][0], pairs[i][1]);
  }
  vdb_val v;
  ck_assert_int_eq(expr_eval(s.d, vdb_cur(s.d), "ticks", &v, err, sizeof err), 0); /* a symbol */
  ck_assert_uint_eq(v.v, 0x10c8);
  ck_assert_int_ne(expr_eval(s.d, vdb_cur(s.d), "r16", &v, err, sizeof err), 0);
  ck_assert_msg(strstr(err, "No symbol \"r16\""), "%s", err);
  ok(&s, "p r4");
  ok(&s, "x/2x sp - 8");
  ok(&s, "info registers r4 sp");
  sess_close(&s);
}
END_TEST

/* ---- info tc ---- */

static int count(const char *hay, const char *needle) {
  int n = 0;
  for (const char *p = hay; (p = strstr(p, needle)); p++) n++;
  return n;
}

START_TEST(info_tc_once) {
  sess s;
  size_t mark = 0;
  sess_open(&s, "bt", guest_image("kern"), "x\n", 0, 0);
  ok(&s, "stepi 3");
  fresh(&s, &mark);
  ok(&s, "info tc");
  const char *o = fresh(&s, &mark);
  ck_assert_msg(count(o, "translation cache:") == 1, "%s", o);
  ck_assert_msg(strstr(o, "translation cache: 1 block, 8 of 65536 words used"), "%s", o);
  ck_assert_msg(count(o, "block 0x") == 1, "%s", o);
  for (const char *c = o; *c; c++) /* no trailing blanks */
    ck_assert_msg(!(c[0] == ' ' && c[1] == '\n'), "a line ends in a blank:\n%s", o);
  ok(&s, "info tc _start+4");
  o = fresh(&s, &mark);
  ck_assert_msg(strstr(o, "block 0x00001000"), "%s", o);
  ck_assert_int_ne(vdb_exec(s.d, "info tc nosuch"), 0);
  ok(&s, "continue");
  ok(&s, "info tc");
  o = fresh(&s, &mark);
  ck_assert_msg(count(o, "translation cache:") == 1 && strstr(o, " blocks, "), "%s", o);
  sess_close(&s);
}
END_TEST

/* ---- source ---- */

START_TEST(source_is_bounded) {
  sess s;
  size_t mark = 0;
  sess_open(&s, "native", guest_image("kern"), NULL, 0, 0);
  char longf[128], nulf[128], okf[128], cmd[300];
  snprintf(longf, sizeof longf, TDIR "/long.%d.vdb", (int)getpid());
  snprintf(nulf, sizeof nulf, TDIR "/nul.%d.vdb", (int)getpid());
  snprintf(okf, sizeof okf, TDIR "/ok.%d.vdb", (int)getpid());
  FILE *f = fopen(longf, "w");
  fprintf(f, "print 1\n# %*s\nprint 2\n", 4096, "x"); /* the second line is 1 too long (docs/vdb.md: 4096) */
  fclose(f);
  f = fopen(nulf, "w");
  fprintf(f, "print 1\nprint 2");
  fputc(0, f);
  fprintf(f, "\nprint 3\n");
  fclose(f);
  f = fopen(okf, "w");
  fprintf(f, "# %*s\nprint 4\n", 4096 - 2, "x"); /* exactly at the limit */
  fclose(f);
  double t0 = now_s();
  static const char *const refused[] = {"source /dev/zero", "source /dev/null", ("source " TDIR), "source /nonexistent"};
  for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
    ck_assert_msg(vdb_exec(s.d, refused[i]) != 0, "%s was accepted", refused[i]);
  ck_assert_msg(now_s() - t0 < 5, "refusing took %.1f s", now_s() - t0);
  const char *o = fresh(&s, &mark);
  ck_assert_msg(strstr(o, "/dev/zero: not a regular file"), "%s", o);
  snprintf(cmd, sizeof cmd, "source %s", longf);
  ck_assert_int_ne(vdb_exec(s.d, cmd), 0);
  o = fresh(&s, &mark);
  ck_assert_msg(strstr(o, "$1 = 1") && !strstr(o, "$2") && strstr(o, ":2: not a command line"), "%s", o);
  snprintf(cmd, sizeof cmd, "source %s", nulf);
  ck_assert_int_ne(vdb_exec(s.d, cmd), 0);
  o = fresh(&s, &mark);
  ck_assert_msg(strstr(o, "$2 = 1") && !strstr(o, "$3") && strstr(o, ":2: not a command line"), "%s", o);
  snprintf(cmd, sizeof cmd, "source %s", okf);
  ok(&s, cmd);
  o = fresh(&s, &mark);
  ck_assert_msg(strstr(o, "$3 = 4"), "%s", o);
  unlink(longf), unlink(nulf), unlink(okf);
  sess_close(&s);
}
END_TEST

/* bin/vdb reading commands from /dev/zero: one error, exit 1, at once
 * (it used to grow without bound).  The child is killed after 20 s. */
START_TEST(script_from_dev_zero) {
  need_exec(VDB_BIN, "run make");
  const char *img = guest_image("kern");
  pid_t pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    int z = open("/dev/zero", O_RDONLY), n = open("/dev/null", O_WRONLY);
    dup2(z, 0), dup2(n, 1), dup2(n, 2);
    alarm(20);
    execl(VDB_BIN, VDB_BIN, img, (char *)NULL);
    _exit(127);
  }
  int st;
  waitpid(pid, &st, 0);
  ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 1, "status 0x%x", st);
}
END_TEST

/* ---- counters ---- */

/* The guest run as bin/vmm runs it: one guest_run to its end. */
static void one_run(const char *mode, const char *path, vm_report *r) {
  image img;
  char err[256];
  ck_assert_msg(image_read(path, &img, err, sizeof err) == 0, "%s", err);
  vmm_opts o = {.mode = mode, .mem = 1u << 20, .tlb = 64, .image = path};
  cost_profile(&o.cost, "modern");
  o.hw_shadow = strcmp(mode, "hw-shadow") == 0;
  guest g;
  ck_assert(guest_create(&g, mode_find(mode, &o), &o, &img, (console_dev){0}, 0, err, sizeof err) == 0);
  guest_run(&g, UINT64_MAX);
  memset(r, 0, sizeof *r);
  guest_report(&g, r);
  guest_destroy(&g);
  image_free(&img);
}

/* Stepping, breakpoints, checkpoints every 5000 ticks, continue: the
 * debugger's slices are pauses, so the counters at the end are bin/vmm's,
 * and info vcpu counts no exit of the debugger's. */
START_TEST(slices_are_not_exits) {
  const char *mode = mode_name(_i);
  const char *path = strcmp(mode, "trap") == 0 ? "build/guests/guestos-nospecial.img" : "build/guests/guestos.img";
  sess s;
  sess_open(&s, mode, path, NULL, 5000, 8);
  vdb_target *t = vdb_cur(s.d);
  ok(&s, "stepi 7");
  ok(&s, "break kputs");
  ok(&s, "continue 4");
  ok(&s, "stepi 100");
  ok(&s, "delete");
  ok(&s, "continue");
  ck_assert(t->done);
  vm_report a, b;
  one_run(mode, path, &a);
  target_report(t, &b);
  a.name = b.name = NULL;
  a.host_seconds = b.host_seconds = 0;
  a.bt.translate_seconds = b.bt.translate_seconds = 0;
  ck_assert_msg(a.st.tlb_hits == b.st.tlb_hits, "TLB hits: bin/vmm %llu, vdb %llu", (unsigned long long)a.st.tlb_hits,
                (unsigned long long)b.st.tlb_hits);
  ck_assert_msg(a.hw.vm_entries == b.hw.vm_entries, "VM entries: bin/vmm %llu, vdb %llu",
                (unsigned long long)a.hw.vm_entries, (unsigned long long)b.hw.vm_entries);
  ck_assert_msg(a.hw.vm_exits[VMX_EXIT_PREEMPT] == 0 && b.hw.vm_exits[VMX_EXIT_PREEMPT] == 0, "preempt exits: %llu",
                (unsigned long long)b.hw.vm_exits[VMX_EXIT_PREEMPT]);
  ck_assert_msg(a.cycles == b.cycles, "cycles: bin/vmm %llu, vdb %llu", (unsigned long long)a.cycles,
                (unsigned long long)b.cycles);
  ck_assert_msg(memcmp(&a, &b, sizeof a) == 0, "the reports differ");
  sess_close(&s);
}
END_TEST

/* ---- pictures ---- */

/* Graphviz's layout as xdot: each object's drawing operations.  A label
 * box is the extent of one text operation; a node box its shape's. */
typedef struct gbox {
  int owner; /* the statement that drew it */
  bool text, edge;
  double x0, y0, x1, y1;
  char what[48];
} gbox;

typedef struct gboxes {
  gbox *b;
  int n, cap;
} gboxes;

static void gbox_add(gboxes *g, gbox b) {
  if (g->n == g->cap) {
    g->cap = g->cap ? 2 * g->cap : 256;
    g->b = realloc(g->b, sizeof *g->b * (size_t)g->cap);
    ck_assert_ptr_nonnull(g->b);
  }
  g->b[g->n++] = b;
}

/* One xdot attribute value (already unescaped): its operations. */
static void xdot_ops(gboxes *g, int owner, bool edge, const char *ops) {
  const char *p = ops;
  double size = 14;
  while (*p) {
    while (*p == ' ') p++;
    char op = *p;
    if (!op) break;
    p++;
    char *end;
    if (op == 'F') {
      size = strtod(p, &end);
      long n = strtol(end, &end, 10);
      p = end + 2 + n; /* " -font" */
    } else if (op == 'T') {
      double x = strtod(p, &end), y = strtod(end, &end);
      long j = strtol(end, &end, 10);
      double w = strtod(end, &end);
      long n = strtol(end, &end, 10);
      gbox b = {owner, true, edge, x - (j == 0 ? w / 2 : j > 0 ? w : 0), y - 0.25 * size, 0, y + 0.8 * size, ""};
      b.x1 = b.x0 + w;
      snprintf(b.what, sizeof b.what, "%.*s", (int)(n < 40 ? n : 40), end + 2);
      gbox_add(g, b);
      p = end + 2 + n;
    } else if (op == 'p' || op == 'P' || op == 'L' || op == 'b' || op == 'B') {
      long n = strtol(p, &end, 10);
      gbox b = {owner, false, edge, 1e9, 1e9, -1e9, -1e9, ""};
      for (long i = 0; i < n; i++) {
        double x = strtod(end, &end), y = strtod(end, &end);
        b.x0 = x < b.x0 ? x : b.x0, b.x1 = x > b.x1 ? x : b.x1;
        b.y0 = y < b.y0 ? y : b.y0, b.y1 = y > b.y1 ? y : b.y1;
      }
      if ((op == 'p' || op == 'P') && !edge) gbox_add(g, b); /* a node's shape (edges: their arrowheads) */
      p = end;
    } else if (op == 'e' || op == 'E') {
      for (int i = 0; i < 4; i++) strtod(p, &end), p = end;
    } else if (op == 'c' || op == 'C' || op == 'S' || op == 'I') {
      if (op == 'I')
        for (int i = 0; i < 4; i++) strtod(p, &end), p = end;
      long n = strtol(p, &end, 10);
      p = end + 2 + n;
    } else if (op == 't') {
      strtol(p, &end, 10);
      p = end;
    } else {
      ck_abort_msg("xdot: unknown operation '%c' in %s", op, ops);
    }
  }
}

/* Every label and node box of FILE as graphviz lays it out. */
static void layout(const char *path, gboxes *g) {
  char cmd[300];
  snprintf(cmd, sizeof cmd, "dot -Txdot %s", path);
  FILE *f = popen(cmd, "r");
  ck_assert_ptr_nonnull(f);
  char *text = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&text, &len);
  int ch;
  while ((ch = getc(f)) != EOF) fputc(ch, m);
  fclose(m);
  ck_assert_msg(pclose(f) == 0, "dot -Txdot %s failed", path);
  /* Statements: NAME [attrs]; or A -> B [attrs]; or graph [attrs]; */
  int owner = 0;
  for (const char *p = text; (p = strchr(p, '['));) {
    const char *ls = p;
    while (ls > text && ls[-1] != '\n' && ls[-1] != ';' && ls[-1] != '{') ls--;
    bool edge = false;
    for (const char *q = ls; q + 1 < p; q++) edge |= q[0] == '-' && q[1] == '>';
    bool node_defaults = strncmp(ls + strspn(ls, " \t"), "node", 4) == 0 || strncmp(ls + strspn(ls, " \t"), "edge", 4) == 0;
    owner++;
    p++;
    while (*p && *p != ']') { /* attributes: name=value, value quoted or not */
      while (*p == ' ' || *p == '\t' || *p == '\n' || *p == ',') p++;
      const char *name = p;
      while (*p && *p != '=' && *p != ']') p++;
      if (*p != '=') break;
      size_t nlen = (size_t)(p - name);
      p++;
      char *val = NULL;
      size_t vlen = 0;
      FILE *v = open_memstream(&val, &vlen);
      if (*p == '"') {
        for (p++; *p && *p != '"'; p++) {
          if (*p == '\\' && p[1] == '\n') p++;
          else if (*p == '\\' && (p[1] == '"' || p[1] == '\\')) fputc(*++p, v);
          else fputc(*p, v);
        }
        p++;
      } else if (*p == '<') { /* an HTML-like label: skip it, balanced */
        int depth = 0;
        do depth += *p == '<' ? 1 : *p == '>' ? -1 : 0;
        while (*++p && depth > 0);
      } else {
        while (*p && *p != ',' && *p != ']' && *p != '\n') fputc(*p++, v);
      }
      fclose(v);
      bool draw = (nlen == 7 && !strncmp(name, "_ldraw_", 7)) || (nlen == 6 && !strncmp(name, "_draw_", 6)) ||
                  (nlen == 8 && (!strncmp(name, "_hldraw_", 8) || !strncmp(name, "_tldraw_", 8)));
      bool graph_frame = nlen == 6 && !strncmp(name, "_draw_", 6) && !strncmp(ls + strspn(ls, " \t"), "graph", 5);
      if (draw && !node_defaults && !graph_frame) xdot_ops(g, owner, edge, val);
      free(val);
    }
  }
  free(text);
}

/* No label box meets another object's label or a node it does not label
 * (a point of slack: graphviz rounds its coordinates). */
static void no_overlap(const char *path) {
  gboxes g = {0};
  layout(path, &g);
  int texts = 0;
  for (int i = 0; i < g.n; i++) {
    texts += g.b[i].text;
    for (int k = i + 1; k < g.n; k++) {
      const gbox *a = &g.b[i], *b = &g.b[k];
      if (a->owner == b->owner || (!a->text && !b->text)) continue;
      bool meet = a->x0 < b->x1 - 1 && b->x0 < a->x1 - 1 && a->y0 < b->y1 - 1 && b->y0 < a->y1 - 1;
      ck_assert_msg(!meet, "%s: \"%s\" (%.0f,%.0f-%.0f,%.0f) overlaps \"%s\" (%.0f,%.0f-%.0f,%.0f)", path, a->what,
                    a->x0, a->y0, a->x1, a->y1, b->what, b->x0, b->y0, b->x1, b->y1);
    }
  }
  ck_assert_msg(texts >= 3, "%s: only %d labels laid out", path, texts);
  free(g.b);
}

START_TEST(dot_legend_no_overlap) {
  ck_assert_msg(system("command -v dot >/dev/null 2>&1") == 0, "graphviz's dot is needed (apt-get install graphviz)");
  const char *mode = mode_name(_i);
  const char *os = strcmp(mode, "trap") == 0 ? "build/guests/guestos-nospecial.img" : "build/guests/guestos.img";
  struct {
    const char *image, *stop;
  } at[] = {{guest_image("kern"), "break uloop"}, {os, "break sys_write"}};
  for (int w = 0; w < 2; w++) {
    sess s;
    sess_open(&s, mode, at[w].image, "x\n", 0, 0);
    ok(&s, at[w].stop);
    ok(&s, w ? "continue 3" : "continue 2");
    static const char *const kinds[] = {"pt", "shadow", "npt", "tlb"};
    for (int k = 0; k < 4; k++) {
      char path[128], cmd[200];
      snprintf(path, sizeof path, TDIR "/legend.%s.%s.%d.%d.dot", kinds[k], mode, w, (int)getpid());
      unlink(path);
      snprintf(cmd, sizeof cmd, "dot %s %s", kinds[k], path);
      ok(&s, cmd);
      size_t len;
      char *text = slurp(path, &len);
      if (!text) continue; /* nothing of the kind in this mode: said so, no file */
      ck_assert_msg(strstr(text, "legend [") && strstr(text, "<b>legend</b>"), "%s has no legend", path);
      ck_assert_msg(strstr(text, "edge labels: r w x"), "%s: the legend does not explain the labels", path);
      free(text);
      no_overlap(path);
      unlink(path);
    }
    sess_close(&s);
  }
}
END_TEST

/* ---- the terminal ---- */

static void pty_start(pty *p, const char *const *argv) {
  *p = (pty){0};
  p->pid = forkpty(&p->fd, NULL, NULL, NULL);
  ck_assert_int_ge(p->pid, 0);
  if (p->pid == 0) {
    setenv("VDB_HISTORY", "", 1);
    setenv("INPUTRC", "/dev/null", 1);
    setenv("TERM", "dumb", 1);
    execv(argv[0], (char *const *)argv);
    _exit(127);
  }
}

static void pty_quit(pty *p) {
  type(p, "quit\n");
  int st;
  double end = now_s() + 10;
  while (waitpid(p->pid, &st, WNOHANG) == 0 && now_s() < end) {
    char tmp[4096];
    struct pollfd pf = {p->fd, POLLIN, 0};
    if (poll(&pf, 1, 50) > 0 && read(p->fd, tmp, sizeof tmp) <= 0) usleep(10000);
  }
  if (waitpid(p->pid, &st, WNOHANG) == 0) {
    kill(p->pid, SIGKILL);
    waitpid(p->pid, &st, 0);
  }
  close(p->fd);
}

/* The guest shell waits for a line from the terminal; Ctrl-C stops it at
 * its read, with nothing read; the next line typed is the shell's whole. */
START_TEST(ctrl_c_at_guest_input) {
  need_exec(VDB_BIN, "run make");
  static pty p;
  const char *argv[] = {VDB_BIN, "-q", "build/guests/guestos.img", NULL};
  pty_start(&p, argv);
  EXPECT(&p, "(vdb) ");
  type(&p, "continue\n");
  EXPECT(&p, "leaves\r\n$ ");
  usleep(300 * 1000);
  type(&p, "\x03");
  EXPECT(&p, "Interrupted.");
  EXPECT(&p, "in r2, 0");
  EXPECT(&p, "(vdb) ");
  type(&p, "continue\n");
  usleep(300 * 1000);
  type(&p, "hello\n");
  EXPECT(&p, "hello, world (from pid 3)");
  EXPECT(&p, "$ ");
  usleep(300 * 1000);
  type(&p, "\x03"); /* again, and at the prompt too */
  EXPECT(&p, "Interrupted.");
  EXPECT(&p, "(vdb) ");
  type(&p, "\x03");
  usleep(200 * 1000);
  type(&p, "continue\n");
  usleep(300 * 1000);
  type(&p, "exit\n");
  EXPECT(&p, "halted with code 0");
  EXPECT(&p, "(vdb) ");
  ck_assert_msg(!strstr(p.buf, "no such program"), "the shell got something it should not have:\n%s", p.buf);
  pty_quit(&p);
}
END_TEST

static uint64_t tick_shown(pty *p) {
  type(p, "p $tick\n");
  EXPECT(p, " = ");
  uint64_t v = strtoull(p->buf + p->seen, NULL, 10);
  EXPECT(p, "(vdb) ");
  return v;
}

START_TEST(progress_on_terminal) {
  need_exec(VDB_BIN, "run make");
  static pty p;
  char spin[128];
  snprintf(spin, sizeof spin, "%s", guest_image("spin"));
  const char *argv[] = {VDB_BIN, "-q", "--input", "/dev/null", spin, NULL};
  pty_start(&p, argv);
  EXPECT(&p, "(vdb) ");
  type(&p, "continue\n");
  EXPECT(&p, "[vm 1 running: tick ");
  EXPECT(&p, "Ctrl-C stops it]");
  type(&p, "\x03");
  EXPECT(&p, "Interrupted.");
  EXPECT(&p, "(vdb) ");
  uint64_t at = tick_shown(&p);
  ck_assert_uint_gt(at, 1000000);
  type(&p, "break 0x2000\n"); /* never reached: the search goes all the way back */
  EXPECT(&p, "(vdb) ");
  type(&p, "reverse-continue\n");
  EXPECT(&p, "[vm 1 searching back from tick ");
  type(&p, "\x03");
  EXPECT(&p, "Interrupted.");
  EXPECT(&p, "(vdb) ");
  ck_assert_uint_eq(tick_shown(&p), at); /* where it was */
  pty_quit(&p);
}
END_TEST

Suite *vdbgdb_suite(void) {
  Suite *s = suite_create("vdbgdb");
  int modes = mode_count(false);
  struct {
    const char *name;
    const TTest *fn;
    int loops; /* 0: once; else over the modes */
  } t[] = {
      {"run_stops_at_entry", run_stops_at_entry, modes},
      {"counts_are_positive", counts_are_positive, modes},
      {"breakpoint_addresses", breakpoint_addresses, modes},
      {"backtrace_frames", backtrace_frames, modes},
      {"bare_registers", bare_registers, modes},
      {"info_tc_once", info_tc_once, 0},
      {"source_is_bounded", source_is_bounded, 0},
      {"script_from_dev_zero", script_from_dev_zero, 0},
      {"slices_are_not_exits", slices_are_not_exits, modes},
      {"dot_legend_no_overlap", dot_legend_no_overlap, modes},
      {"ctrl_c_at_guest_input", ctrl_c_at_guest_input, 0},
      {"progress_on_terminal", progress_on_terminal, 0},
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    TCase *tc = tcase_create(t[i].name);
    if (t[i].loops)
      tcase_add_loop_test(tc, t[i].fn, 0, t[i].loops);
    else
      tcase_add_test(tc, t[i].fn);
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);
  }
  return s;
}
