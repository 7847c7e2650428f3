/* vdb_target.c: a guest being debugged, whatever its mode.
 *
 * A target is an image, a guest of the mode table (core/mode.h) alone on
 * its machine, built and run exactly as bin/vmm builds and runs it, its
 * console, its history (checkpoints and the log of runs, vdb_rev.c) and a
 * ring of the traps and exits seen recently.  The session keeps a list of
 * them: one guest per image on the command line, `vm N` switches.
 */
#include <stdlib.h>
#include <string.h>

#include "vdb.h"

/* The guest, as bin/vmm makes it, with the debugger's console. */
static int load(vdb_target *t, const vdb_opts *o, char *err, size_t len) {
  vmm_opts vo = {.mode = o->mode, .mem = o->mem, .tlb = o->tlb, .strict_isa = o->strict_isa, .cost = o->cost,
                 .image = t->path};
  console_dev con = {0};
  vdb_console_attach(&t->con, &con);
  if (guest_create(&t->g, t->mode, &vo, &t->img, con, 0, err, len) != 0) return -1;
  t->c = t->g.c;
  t->m = t->g.m;
  t->gbase = t->g.base;
  t->gsize = t->g.size;
  return 0;
}

vdb_target *target_new(const vdb_opts *o, const char *path, int id, FILE *out, char *err, size_t len) {
  const vmm_mode *mode = mode_find(o->mode, NULL);
  if (!mode) {
    snprintf(err, len, "unknown mode '%s'", o->mode);
    return NULL;
  }
  if (len) err[0] = 0;
  vdb_target *t = calloc(1, sizeof *t);
  if (!t) {
    snprintf(err, len, "out of host memory");
    return NULL;
  }
  t->id = id;
  t->mode = mode;
  t->o = *o;
  t->path = strdup(path);
  vdb_console_init(&t->con, out, o->guest_in);
  if (!t->path) {
    snprintf(err, len, "out of host memory");
    free(t);
    return NULL;
  }
  if (image_read(path, &t->img, err, len) != 0) {
    free(t->path);
    free(t);
    return NULL;
  }
  if (load(t, o, err, len) != 0 || rev_init(t, o->ckpt_every, o->ckpt_max) != 0) {
    if (!*err) snprintf(err, len, "out of host memory for checkpoints");
    target_free(t);
    return NULL;
  }
  return t;
}

void target_free(vdb_target *t) {
  if (!t) return;
  rev_free(t);
  if (t->c) guest_destroy(&t->g);
  image_free(&t->img);
  vdb_console_free(&t->con);
  free(t->path);
  free(t);
}

uint64_t target_now(const vdb_target *t) { return guest_ticks(&t->g); }

/* The debugger's runs are a watcher's: its slices, steps and Ctrl-C are
 * pauses, invisible to the guest and to every counter (core/mode.h). */
enum cpu_exit target_advance(vdb_target *t, uint64_t ticks) {
  guest_run_watched(&t->g, ticks);
  if (!guest_done(&t->g)) return EXIT_BUDGET;
  guest_view v;
  guest_view_get(&t->g, &v);
  if (v.exit == EXIT_STOP) guest_resume(&t->g); /* Ctrl-C: the guest can go on */
  return v.exit;
}

void target_regs(const vdb_target *t, vdb_regs *g) {
  guest_view v;
  guest_view_get(&t->g, &v);
  memcpy(g->r, v.r, sizeof g->r);
  g->pc = v.pc;
  g->flags = v.flags;
  memcpy(g->cr, v.cr, sizeof g->cr);
  g->timer_left = v.timer_left;
}

void target_report(const vdb_target *t, vm_report *r) {
  *r = (vm_report){0};
  guest_report(&t->g, r);
  r->name = t->path;
  r->host_seconds = 0; /* the debugger prints no host times */
  r->bt.translate_seconds = 0;
}

void target_symbolize(const vdb_target *t, uint32_t addr, char *buf, size_t len) {
  uint32_t off;
  const char *name = image_symbol_at(&t->img, addr, &off);
  /* Far from any symbol (a data address past the image): no name. */
  if (!name || off >= 0x10000)
    snprintf(buf, len, "%s", "");
  else if (off)
    snprintf(buf, len, " <%s+%u>", name, off);
  else
    snprintf(buf, len, " <%s>", name);
}

void target_record_event(vdb_target *t, const vdb_event *e) { t->ring[t->nring++ % VDB_RING] = *e; }

void target_forget_events_after(vdb_target *t, uint64_t tick) {
  uint64_t first = t->nring > VDB_RING ? t->nring - VDB_RING : 0;
  while (t->nring > first && t->ring[(t->nring - 1) % VDB_RING].tick > tick)
    t->nring--;
}

void target_finish_reason(const vdb_target *t, char *buf, size_t len) {
  vm_report r;
  target_report(t, &r);
  const trap_info *tr = &r.last_trap;
  switch (t->exit) {
  case EXIT_HALT: snprintf(buf, len, "halted with code %u", r.halt_code); break;
  case EXIT_NOVECTOR:
    snprintf(buf, len, "unhandled trap %s (value 0x%08x) at pc 0x%08x: no trap vector set", cpu_cause_name(tr->cause),
             tr->value, tr->pc);
    break;
  case EXIT_DOUBLE:
    snprintf(buf, len, "double fault: %s (value 0x%08x) at the trap vector 0x%08x", cpu_cause_name(tr->cause),
             tr->value, tr->pc);
    break;
  case EXIT_IDLE:
    snprintf(buf, len, "idle forever at pc 0x%08x: wfi with no timer and no input to wake it", r.pc);
    break;
  default: snprintf(buf, len, "stopped: %s", cpu_exit_name(t->exit)); break;
  }
}

const char *target_state(const vdb_target *t, char *buf, size_t len) {
  if (t->done) {
    target_finish_reason(t, buf, len);
    return buf;
  }
  vdb_regs g;
  target_regs(t, &g);
  char sym[64];
  target_symbolize(t, g.pc, sym, sizeof sym);
  snprintf(buf, len, "stopped at 0x%08x%s", g.pc, sym);
  return buf;
}
