/* snapshot.c: a guest and the machine under it, copied and put back (the
 * debugger's checkpoints, mode.h).
 *
 * The machine's copy is cpu/snapshot.c's.  A VM is plain data apart from
 * its machine pointer, its name and the host's ends of its console, all
 * the host's and kept on the way back, and whatever its technique owns
 * through pointers (a translator's tables), which the row's clone hook
 * copies and its detach hook frees.  The shadow page tables, a translation
 * cache and a nested table live in machine memory, so they come back with
 * the machine. */
#include <stdlib.h>
#include <string.h>

#include "mode.h"
#include "snapshot.h"

struct guest_snap {
  guest g;    /* the guest's own fields: counters, how it stopped */
  vm *m;      /* a copy of the mode's VM (vm_size bytes), or NULL natively */
  cpu_snap *machine;
};

/* A byte copy of from's VM, then what its technique owns. */
static vm *vm_copy(const guest *g, const vm *from) {
  vm *m = malloc(g->mode->vm_size);
  if (!m) return NULL;
  memcpy(m, from, g->mode->vm_size);
  if (g->mode->clone && g->mode->clone(m, from) != 0) {
    free(m);
    return NULL;
  }
  if (trace_clone(m, from) != 0) { /* --shadow trace's pages (trace.c) */
    if (g->mode->detach) g->mode->detach(m);
    free(m);
    return NULL;
  }
  return m;
}

static void vm_copy_free(const guest *g, vm *m) {
  if (!m) return;
  trace_free(m);
  if (g->mode->detach) g->mode->detach(m);
  free(m);
}

guest_snap *guest_snap_take(const guest *g) {
  guest_snap *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  s->g = *g;
  s->machine = snap_take(g->c);
  if (!s->machine || (g->m && !(s->m = vm_copy(g, g->m)))) {
    guest_snap_free(s);
    return NULL;
  }
  return s;
}

void guest_snap_restore(guest *g, const guest_snap *s) {
  snap_restore(g->c, s->machine);
  g->st = s->g.st;
  g->done = s->g.done;
  g->exit = s->g.exit;
  if (!g->m) return;
  /* The VM as it was, with fresh copies of what its technique owns (the
   * snapshot stays, for the next time back); the host's parts stay. */
  vm *k = vm_copy(g, s->m);
  if (!k) cpu_panic("guest_snap_restore: out of host memory");
  console_dev con = g->m->v.con;
  con.rx_irq_enabled = s->m->v.con.rx_irq_enabled;
  trace_free(g->m);
  if (g->mode->detach) g->mode->detach(g->m);
  memcpy(g->m, k, g->mode->vm_size);
  free(k); /* its owned parts now belong to g->m */
  g->m->c = g->c;
  g->m->name = g->name;
  g->m->v.con = con;
}

void guest_snap_free(guest_snap *s) {
  if (!s) return;
  vm_copy_free(&s->g, s->m);
  snap_free(s->machine);
  free(s);
}

/* The host memory the copies hold: the machine's and the VM's. */
size_t guest_snap_bytes(const guest_snap *s) { return snap_bytes(s->machine) + (s->m ? s->g.mode->vm_size : 0); }
