/* vdb_run.c: making the guest go, forward and back.
 *
 * Forward, the guest runs in slices.  While anything must be checked after
 * every instruction (a breakpoint, watchpoint, catchpoint, `trace on`, the
 * goal of until or nexti) a slice is one tick; otherwise it reaches to the
 * next checkpoint.  Between slices the loop looks at the probe counters to
 * see the traps and exits that went by (info traps, trace), checks the stop
 * conditions, and notices Ctrl-C.
 *
 * Backward, reverse-stepi is a jump in time (vdb_rev.c).  reverse-continue
 * looks for the last tick before now at which a stop condition held: from
 * the newest checkpoint before now, it steps forward tick by tick checking
 * the conditions without stopping, remembers the last hit, and if there was
 * none goes one checkpoint further back.  Then it jumps to that tick.
 *
 * A tick in which a fault or an interrupt is taken also runs the handler's
 * first instruction (the faulting instruction does not retire, so it is not
 * a tick of its own); a system call's tick ends at the vector.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "isa_info.h"
#include "vdb.h"

typedef struct goal {
  uint64_t ticks; /* at most this many */
  bool check_first; /* run: a breakpoint where the guest starts stops it there */
  bool to_pc;     /* stop when the pc gets here (until, nexti) */
  uint32_t pc, sp;
  bool check_sp; /* ... with this stack pointer (nexti over a recursive call) */
  int ignore;    /* continue N: go through this many stops */
  /* results */
  bool reached;   /* the ticks ran out or the pc got there */
  char why[1024]; /* what else stopped it (a line per condition), or "" */
} goal;

/* ---- what went by ---- */

/* Record (and with trace, print) the traps, exits and translations that
 * went by between two probes. */
static void run_events(vdb *d, vdb_target *t, const vdb_probe *a, const vdb_probe *b, bool trace) {
  uint64_t now = target_now(t);
  vdb_event e;
  if (b->exits > a->exits) {
    e = (vdb_event){now, EV_EXIT, b->exit, b->exits - a->exits, ""};
    if (t->mode->exit_how) t->mode->exit_how(&t->g, a, b, e.how, sizeof e.how);
    target_record_event(t, &e);
    if (trace) {
      vdb_console_break_line(&t->con);
      vdb_printf(d, "[trace] tick %llu: exit %s at 0x%08x (value 0x%08x)%s%s\n", (unsigned long long)now,
                 t->mode->exit_name(e.t.cause), e.t.pc, e.t.value, e.how[0] ? ": " : "", e.how);
    }
  }
  if (b->traps > a->traps) {
    e = (vdb_event){now, EV_TRAP, b->trap, b->traps - a->traps, ""};
    target_record_event(t, &e);
    if (trace) {
      vdb_regs g;
      target_regs(t, &g);
      vdb_console_break_line(&t->con);
      vdb_printf(d, "[trace] tick %llu: trap %s at 0x%08x (value 0x%08x) -> guest vector 0x%08x%s\n",
                 (unsigned long long)now, cpu_cause_name(e.t.cause), e.t.pc, e.t.value, g.cr[CR_TVEC],
                 (mode_is_monitor(t->mode) && !t->mode->cpu_runs_vcpu) ? " (reflected)" : "");
    }
  }
  if (b->translations > a->translations) {
    vdb_regs g;
    target_regs(t, &g);
    e = (vdb_event){now,
                    EV_TRANSLATE,
                    {0, (uint32_t)b->translations, g.pc, {0}},
                    b->translations - a->translations,
                    "translated a block"};
    target_record_event(t, &e);
    if (trace) {
      vdb_console_break_line(&t->con);
      vdb_printf(d, "[trace] tick %llu: translated a block (pc 0x%08x; %llu blocks so far)\n", (unsigned long long)now,
                 g.pc, (unsigned long long)b->translations);
    }
  }
}

/* ---- progress, on a terminal ----
 * A command that runs for more than a second shows where it is on one
 * line of the terminal (standard error), rewritten twice a second, with the
 * way to stop it; the guest's output erases the line first, and so does
 * the end of the command.  Never in batch mode or from a script, so that
 * transcripts do not depend on the host's speed. */
typedef struct progress {
  vdb *d;
  vdb_target *t;
  double next; /* host time of the next update */
} progress;

static void progress_begin(progress *p, vdb *d, vdb_target *t) {
  *p = (progress){d, t, host_now() + 1.0};
  t->con.progress_to = d->err;
}

static void progress_show(progress *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void progress_show(progress *p, const char *fmt, ...) {
  if (!p->d->progress) return;
  double now = host_now();
  if (now < p->next) return;
  p->next = now + 0.5;
  char line[160];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  vdb_console *k = &p->t->con;
  vdb_console_break_line(k);
  fflush(p->d->out);
  int n = fprintf(p->d->err, "\r%s", line) - 1;
  if (n < k->progress_len) fprintf(p->d->err, "%*s", k->progress_len - n, "");
  fflush(p->d->err);
  k->progress_len = n > k->progress_len ? n : k->progress_len;
}

static void progress_end(progress *p) { vdb_console_erase_progress(&p->t->con); }

/* ---- showing where we are ---- */

static void run_show_location(vdb *d, vdb_target *t) {
  vdb_regs g;
  target_regs(t, &g);
  mem_show_insn(d, t, g.pc);
}

void run_show_stop(vdb *d, vdb_target *t, const char *why) {
  vdb_console_break_line(&t->con);
  if (why && *why) vdb_printf(d, "%s\n", why);
  if (t->done) {
    char r[200];
    target_finish_reason(t, r, sizeof r);
    vdb_printf(d, "[vm %d %s, tick %llu]\n", t->id, r, (unsigned long long)target_now(t));
    return;
  }
  run_show_location(d, t);
  info_show_displays(d);
}

static int not_running(vdb *d, vdb_target *t) {
  char r[200];
  target_finish_reason(t, r, sizeof r);
  return vdb_error(d, "The guest is not running (%s). Use run to start again, or reverse-stepi.", r);
}

/* ---- forward ---- */

/* Ctrl-C interrupted the guest's wait for console input (vdb_console.c):
 * the run from tick `from` is void from that read on.  Find the read's
 * tick by halving (lo: a run to it reads nothing new; the read lies in
 * (lo, hi]), with the fence up so that no probe waits, and leave the guest
 * at the tick just before it, the void future forgotten. */
static void back_before_read(vdb_target *t, uint64_t from) {
  vdb_console *k = &t->con;
  uint64_t lo = from, hi = target_now(t), ran;
  k->fence = true;
  t->c->stop_request = 0;
  while (hi - lo > 1) {
    uint64_t mid = lo + (hi - lo) / 2;
    k->tripped = false;
    rev_goto(t, lo);
    rev_advance(t, mid - lo, &ran);
    if (k->tripped)
      hi = target_now(t) < hi ? target_now(t) : hi;
    else
      lo = mid;
  }
  k->tripped = false;
  rev_goto(t, lo);
  rev_drop_future(t, lo);
  k->fence = false;
}

/* Run toward the goal; fills g->why when something else stopped it.
 * Shows nothing: the caller shows the stop. */
static int go(vdb *d, vdb_target *t, goal *g) {
  if (t->done) return not_running(d, t);
  d->interrupted = 0;
  t->c->stop_request = 0;
  t->con.interrupted = &d->interrupted;
  term_arm(d, &t->c->stop_request);
  bool fine = bp_any_fine(d, t) || g->to_pc;
  g->why[0] = 0;
  g->reached = false;
  uint64_t left = g->ticks;
  progress pr;
  progress_begin(&pr, d, t);
  if (g->check_first && fine) { /* nothing ran: only a breakpoint at the pc can hold */
    vdb_probe p;
    vdb_watch_pre w = {0};
    t->mode->probe(&t->g, &p);
    if (bp_after(d, t, &w, &p, &p, true, g->why, sizeof g->why)) left = 0;
  }
  while (left > 0) {
    uint64_t slice = 1;
    if (!fine) {
      slice = rev_until_checkpoint(t);
      if (slice > left) slice = left;
    }
    vdb_probe a, b;
    vdb_watch_pre w = {0};
    t->mode->probe(&t->g, &a);
    if (fine) bp_before(d, t, &w);
    uint64_t ran, from = target_now(t);
    enum cpu_exit ex = rev_advance(t, slice, &ran);
    if (t->con.tripped) { /* Ctrl-C while it waited for input */
      back_before_read(t, from);
      snprintf(g->why, sizeof g->why, "Interrupted.");
      break;
    }
    left -= ran < left ? ran : left;
    t->mode->probe(&t->g, &b);
    run_events(d, t, &a, &b, d->trace);
    if (t->done) break;
    if (ran == 0) { /* Ctrl-C before anything ran */
      bp_unmark(t, &w);
      snprintf(g->why, sizeof g->why, "Interrupted.");
      break;
    }
    if (fine && bp_after(d, t, &w, &a, &b, true, g->why, sizeof g->why)) {
      if (g->ignore-- > 0) continue;
      break;
    }
    if (g->to_pc) {
      vdb_regs r;
      target_regs(t, &r);
      if (r.pc == g->pc && (!g->check_sp || r.r[REG_SP] == g->sp)) {
        g->reached = true;
        break;
      }
    }
    if (ex == EXIT_STOP || d->interrupted) {
      snprintf(g->why, sizeof g->why, "Interrupted.");
      break;
    }
    progress_show(&pr, "[vm %d running: tick %llu%s; Ctrl-C stops it]", t->id, (unsigned long long)target_now(t),
                  fine ? ", checking every tick" : "");
  }
  progress_end(&pr);
  if (!left) g->reached = true;
  term_disarm();
  t->c->stop_request = 0; /* a Ctrl-C that came after the last run is spent */
  t->con.interrupted = NULL;
  d->interrupted = 0;
  return 0;
}

static int go_show(vdb *d, vdb_target *t, goal *g) {
  if (go(d, t, g) != 0) return -1;
  run_show_stop(d, t, g->why);
  return 0;
}

/* A count: 1 to 2^31-1, as gdb's are ints.  Values are 32-bit, so -1 is
 * 0xffffffff: read with the top bit set, a count is negative. */
static int count_arg(vdb *d, const char *args, uint64_t *n) {
  *n = 1;
  args = skip_ws(args);
  if (!*args) return 0;
  uint32_t v;
  if (vdb_eval(d, args, &v) != 0) return -1;
  if (v == 0 || v > 0x7fffffffu) return vdb_error(d, "The count must be positive (%d is not).", (int32_t)v);
  *n = v;
  return 0;
}

int cmd_run(vdb *d, const char *args) {
  (void)args;
  vdb_target *t = vdb_cur(d);
  rev_restart(t);
  bp_refresh_watch(d, t);
  vdb_printf(d, "Starting vm %d (%s, %s) from reset.\n", t->id, t->mode->name, t->path);
  goal g = {.ticks = UINT64_MAX, .check_first = true};
  return go_show(d, t, &g);
}

int cmd_continue(vdb *d, const char *args) {
  uint64_t n;
  if (count_arg(d, args, &n) != 0) return -1;
  if (n == 2) vdb_printf(d, "Will ignore the next stop.\n");
  if (n > 2) vdb_printf(d, "Will ignore the next %llu stops.\n", (unsigned long long)(n - 1));
  goal g = {.ticks = UINT64_MAX, .ignore = (int)(n > 0x7fffffff ? 0x7fffffff : n - 1)};
  return go_show(d, vdb_cur(d), &g);
}

int cmd_stepi(vdb *d, const char *args) {
  uint64_t n;
  if (count_arg(d, args, &n) != 0) return -1;
  goal g = {.ticks = n};
  return go_show(d, vdb_cur(d), &g);
}

/* Does the instruction at pc come back to pc + 4 (a call, a system call)? */
static bool call_like(vdb_target *t, uint32_t pc) {
  uint32_t word;
  dinsn in;
  if (mem_read(t, SP_GVA, pc, &word, 4, NULL) != 0 || !isa_decode(word, &in)) return false;
  return in.op == OP_CALL || in.op == OP_CALLR || in.op == OP_SYSCALL;
}

int cmd_nexti(vdb *d, const char *args) {
  uint64_t n;
  if (count_arg(d, args, &n) != 0) return -1;
  vdb_target *t = vdb_cur(d);
  goal g = {0};
  for (uint64_t k = 0; k < n; k++) {
    vdb_regs r;
    target_regs(t, &r);
    if (call_like(t, r.pc))
      g = (goal){.ticks = UINT64_MAX, .to_pc = true, .pc = r.pc + 4, .sp = r.r[REG_SP], .check_sp = true};
    else
      g = (goal){.ticks = 1};
    if (go(d, t, &g) != 0) return -1;
    if (!g.reached || t->done) break; /* something else stopped it */
  }
  run_show_stop(d, t, g.why);
  return 0;
}

int cmd_until(vdb *d, const char *args) {
  uint32_t a;
  if (vdb_eval(d, args, &a) != 0) return -1;
  goal g = {.ticks = UINT64_MAX, .to_pc = true, .pc = a};
  return go_show(d, vdb_cur(d), &g);
}

/* ---- backward ---- */

int cmd_reverse_stepi(vdb *d, const char *args) {
  uint64_t n;
  if (count_arg(d, args, &n) != 0) return -1;
  vdb_target *t = vdb_cur(d);
  uint64_t now = target_now(t);
  const char *why = NULL;
  if (n > now) {
    n = now;
    why = "No more reverse-execution history.";
  }
  rev_goto(t, now - n);
  bp_refresh_watch(d, t);
  run_show_stop(d, t, why);
  return 0;
}

int cmd_reverse_continue(vdb *d, const char *args) {
  (void)args;
  vdb_target *t = vdb_cur(d);
  uint64_t now = target_now(t), found = 0;
  bool hit = false;
  char why[1024] = "", w2[1024];
  d->interrupted = 0;
  term_arm(d, NULL);
  progress pr;
  progress_begin(&pr, d, t);
  /* Arrivals at ticks (C, E] are checked by stepping from checkpoint C. */
  uint64_t e = now ? now - 1 : 0;
  int i = rev_ckpt_at_or_before(t, e);
  while (now > 0 && !d->interrupted) {
    uint64_t c = t->tl.ck[i].tick;
    if (c < e) {
      rev_restore_ckpt(t, i);
      bp_refresh_watch(d, t);
      for (uint64_t tick = c; tick < e && !t->done && !d->interrupted; tick++) {
        if ((tick & 1023) == 0)
          progress_show(&pr, "[vm %d searching back from tick %llu: at tick %llu, %d checkpoint%s to go; Ctrl-C stops]",
                        t->id, (unsigned long long)now, (unsigned long long)tick, i, i == 1 ? "" : "s");
        vdb_probe a, b;
        vdb_watch_pre w;
        t->mode->probe(&t->g, &a);
        bp_before(d, t, &w);
        target_advance(t, 1);
        t->mode->probe(&t->g, &b);
        if (bp_after(d, t, &w, &a, &b, false, w2, sizeof w2)) {
          hit = true;
          found = target_now(t);
          memcpy(why, w2, sizeof why);
        }
      }
    }
    if (hit || i == 0) break;
    e = c;
    i--;
  }
  term_disarm();
  progress_end(&pr);
  if (d->interrupted) {
    d->interrupted = 0;
    rev_goto(t, now);
    bp_refresh_watch(d, t);
    run_show_stop(d, t, "Interrupted.");
    return 0;
  }
  rev_goto(t, hit ? found : 0);
  bp_refresh_watch(d, t);
  run_show_stop(d, t, hit ? why : "No more reverse-execution history.");
  return 0;
}

int cmd_info_history(vdb *d, const char *args) {
  (void)args;
  vdb_target *t = vdb_cur(d);
  const vdb_timeline *tl = &t->tl;
  uint64_t now = target_now(t), end = rev_end(t);
  size_t bytes = 0;
  for (int i = 0; i < tl->nck; i++)
    if (tl->ck[i].snap) bytes += guest_snap_bytes(tl->ck[i].snap);
  vdb_printf(d, "vm %d is at tick %llu; history recorded from tick 0 to tick %llu", t->id, (unsigned long long)now,
             (unsigned long long)end);
  if (now < end)
    vdb_printf(d, " (%llu tick%s of it lie%s ahead: going forward runs %s again)\n", (unsigned long long)(end - now),
               end - now == 1 ? "" : "s", end - now == 1 ? "s" : "", end - now == 1 ? "it" : "them");
  else
    vdb_printf(d, "\n");
  vdb_printf(d, "checkpoints: %d (at most %d, one every %llu ticks now), %zu KiB:", tl->nck, tl->max,
             (unsigned long long)tl->every, bytes >> 10);
  for (int i = 0; i < tl->nck; i++)
    vdb_printf(d, " %llu", (unsigned long long)tl->ck[i].tick);
  vdb_printf(d, "\n");
  uint64_t runs = 0;
  for (size_t i = 0; i < tl->nlog; i++)
    runs += tl->log[i].reps;
  vdb_printf(d, "log: %llu run%s in %zu entr%s; %llu ticks replayed so far to go back\n", (unsigned long long)runs,
             runs == 1 ? "" : "s", tl->nlog, tl->nlog == 1 ? "y" : "ies", (unsigned long long)tl->replayed);
  vdb_printf(d, "console: %llu input bytes recorded (%llu read by the guest), %llu output bytes written\n",
             (unsigned long long)t->con.rec_len, (unsigned long long)t->con.in_pos,
             (unsigned long long)t->con.out_count);
  return 0;
}
