/* vdb_rev.c: time, and going back in it.
 *
 * The simulation is deterministic: from the same state, with the same
 * console input, the machine does the same thing.  So going back needs no
 * undo log of every write, only:
 *
 *   checkpoints  a deep copy of the whole machine (memory, TLB, counters;
 *                under a monitor the VM struct too) every `every` ticks;
 *   the log      how the machine was run since reset: a list of runs,
 *                "reps runs of len ticks from tick start", run-length
 *                encoded (stepping a million times is one entry).
 *
 * Tick T is reached by restoring the last checkpoint at or before T and
 * replaying the log from there, cutting the last run short at T:
 *
 *   ticks    0        every      2*every     T        end of history
 *            |ck0--------|ck1--------|ck2------*---------|
 *                                     restore, replay ^
 *
 * Why replay the same runs rather than one long run: under a monitor, where
 * a run of the real CPU starts and ends shows in the counters (each world
 * entry refills the fetch window through the TLB).  Replaying the same runs
 * makes the state at T exactly the one the forward run had: registers,
 * memory, TLB and every counter.
 *
 * A mode that cannot copy itself (no snap_take) keeps only the reset
 * checkpoint, and reaching it means loading the guest again: slower, as
 * every jump replays from reset, but just as exact.
 *
 * Going forward from a point in the past drops the recorded future (the
 * log after now and the checkpoints beyond it): the user may now run it
 * differently, e.g. stepping where it once continued.  The console's input
 * record and the count of output already shown belong to the whole session
 * and stay (vdb_console.c).
 *
 * Invariants: ck[0].tick == 0; checkpoint ticks ascend; every checkpoint
 * sits where one run ended and the next began; log entries are contiguous
 * from tick 0 to the end of history; only the last entry may have len 0
 * (a run that finished the guest without a tick).
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "vdb.h"

static uint64_t entry_end(const rev_call *e) { return e->start + e->len * e->reps; }

uint64_t rev_end(const vdb_target *t) {
  const vdb_timeline *tl = &t->tl;
  return tl->nlog ? entry_end(&tl->log[tl->nlog - 1]) : 0;
}

static void free_snap(vdb_target *t, guest_snap *snap) {
  (void)t;
  guest_snap_free(snap);
}

static int take(vdb_target *t) {
  vdb_timeline *tl = &t->tl;
  if (tl->nck == tl->ckcap) {
    int cap = tl->ckcap ? 2 * tl->ckcap : 8;
    rev_ckpt *p = realloc(tl->ck, sizeof *p * (size_t)cap);
    if (!p) return -1;
    tl->ck = p;
    tl->ckcap = cap;
  }
  guest_snap *snap = guest_snap_take(&t->g);
  if (!snap) return -1;
  tl->ck[tl->nck++] = (rev_ckpt){target_now(t), snap, vdb_console_pos(&t->con), t->done, t->exit};
  /* Too many: keep reset and the newest, drop every other one between,
   * and take them half as often from now on. */
  if (tl->nck > tl->max) {
    int k = 1;
    for (int i = 1; i < tl->nck; i++) {
      if (i % 2 == 1 && i != tl->nck - 1)
        free_snap(t, tl->ck[i].snap);
      else
        tl->ck[k++] = tl->ck[i];
    }
    tl->nck = k;
    tl->every *= 2;
  }
  return 0;
}

int rev_init(vdb_target *t, uint64_t every, int max) {
  vdb_timeline *tl = &t->tl;
  *tl = (vdb_timeline){0};
  tl->every0 = tl->every = every ? every : VDB_CKPT_EVERY;
  tl->max = max >= 2 ? max : VDB_CKPT_MAX;
  return take(t);
}

void rev_free(vdb_target *t) {
  vdb_timeline *tl = &t->tl;
  for (int i = 0; i < tl->nck; i++)
    free_snap(t, tl->ck[i].snap);
  free(tl->ck);
  free(tl->log);
  *tl = (vdb_timeline){0};
}

static void log_run(vdb_target *t, uint64_t start, uint64_t len) {
  vdb_timeline *tl = &t->tl;
  if (tl->nlog) {
    rev_call *last = &tl->log[tl->nlog - 1];
    if (last->len == len && len > 0 && entry_end(last) == start) {
      last->reps++;
      return;
    }
  }
  if (tl->nlog == tl->logcap) {
    size_t cap = tl->logcap ? 2 * tl->logcap : 16;
    rev_call *p = realloc(tl->log, sizeof *p * cap);
    if (!p) cpu_panic("rev: out of host memory for the log");
    tl->log = p;
    tl->logcap = cap;
  }
  tl->log[tl->nlog++] = (rev_call){start, len, 1};
}

/* Forget everything recorded after tick `now` (we are going forward from
 * the past, perhaps differently). */
void rev_drop_future(vdb_target *t, uint64_t now) {
  vdb_timeline *tl = &t->tl;
  if (now >= rev_end(t)) {
    /* At the end: only a finishing run of no ticks can lie ahead. */
    if (tl->nlog && tl->log[tl->nlog - 1].len == 0) tl->nlog--;
    return;
  }
  while (tl->nck > 1 && tl->ck[tl->nck - 1].tick > now)
    free_snap(t, tl->ck[--tl->nck].snap);
  size_t i = 0;
  while (i < tl->nlog && entry_end(&tl->log[i]) <= now)
    i++;
  rev_call e = tl->log[i];
  tl->nlog = i;
  uint64_t k = (now - e.start) / e.len, off = (now - e.start) % e.len;
  if (k) tl->log[tl->nlog++] = (rev_call){e.start, e.len, k}; /* within the old length */
  if (off) log_run(t, e.start + k * e.len, off);
  target_forget_events_after(t, now);
}

uint64_t rev_until_checkpoint(const vdb_target *t) {
  const vdb_timeline *tl = &t->tl;
  uint64_t due = tl->ck[tl->nck - 1].tick + tl->every, now = target_now(t);
  return due > now ? due - now : 1;
}

static bool finished(enum cpu_exit ex) { return ex != EXIT_BUDGET && ex != EXIT_STOP; }

enum cpu_exit rev_advance(vdb_target *t, uint64_t ticks, uint64_t *ran) {
  uint64_t start = target_now(t);
  rev_drop_future(t, start);
  enum cpu_exit ex = target_advance(t, ticks);
  uint64_t now = target_now(t);
  *ran = now - start;
  if (now > start || finished(ex)) log_run(t, start, now - start);
  if (finished(ex)) {
    t->done = true;
    t->exit = ex;
  } else if (now >= t->tl.ck[t->tl.nck - 1].tick + t->tl.every) {
    take(t); /* out of host memory: go on without this one */
  }
  return ex;
}

int rev_ckpt_at_or_before(const vdb_target *t, uint64_t tick) {
  int i = t->tl.nck - 1;
  while (i > 0 && t->tl.ck[i].tick > tick)
    i--;
  return i;
}

void rev_restore_ckpt(vdb_target *t, int i) {
  const rev_ckpt *c = &t->tl.ck[i];
  guest_snap_restore(&t->g, c->snap);
  vdb_console_seek(&t->con, c->con);
  t->done = c->done;
  t->exit = c->exit;
}

/* Replay the log from the current state (at a run boundary) up to tick
 * `to`, and the finishing run there if the history ends with one. */
static void replay(vdb_target *t, uint64_t to) {
  vdb_timeline *tl = &t->tl;
  t->c->stop_request = 0; /* a replay is never interrupted (term_arm is off) */
  uint64_t now = target_now(t);
  size_t i = 0;
  while (i < tl->nlog && entry_end(&tl->log[i]) <= now && tl->log[i].len)
    i++;
  for (; i < tl->nlog; i++) {
    const rev_call *e = &tl->log[i];
    if (e->len == 0) { /* the finishing run at the very end */
      if (now == to && !t->done) {
        enum cpu_exit ex = target_advance(t, 0);
        if (finished(ex)) t->done = true, t->exit = ex;
      }
      break;
    }
    assert((now - e->start) % e->len == 0);
    for (uint64_t k = (now - e->start) / e->len; k < e->reps && now < to && !t->done; k++) {
      uint64_t step = e->len < to - now ? e->len : to - now;
      enum cpu_exit ex = target_advance(t, step);
      uint64_t after = target_now(t);
      if (finished(ex))
        t->done = true, t->exit = ex;
      else if (after != now + step)
        cpu_panic("rev: replay did not follow the recorded run");
      tl->replayed += after - now;
      now = after;
    }
    if (now >= to && !(i + 1 < tl->nlog && tl->log[i + 1].len == 0)) break;
  }
}

int rev_goto(vdb_target *t, uint64_t tick) {
  if (tick > rev_end(t)) return -1;
  rev_restore_ckpt(t, rev_ckpt_at_or_before(t, tick));
  replay(t, tick);
  target_forget_events_after(t, tick);
  return 0;
}

void rev_restart(vdb_target *t) {
  vdb_timeline *tl = &t->tl;
  rev_restore_ckpt(t, 0);
  while (tl->nck > 1)
    free_snap(t, tl->ck[--tl->nck].snap);
  tl->nlog = 0;
  tl->every = tl->every0;
  tl->replayed = 0;
  t->con.out_shown = 0; /* a new run: its output is new */
  t->nring = 0;
}
