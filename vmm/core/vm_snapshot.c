/* vm_snapshot.c: copying a VM with its machine (see vm_snapshot.h). */
#include "vm_snapshot.h"

#include <stdlib.h>

#include "bt/bt.h"

struct vm_snap {
  hw_vm h; /* the VM (h.m), and for hw_snap_* the rest of hw_vm */
  bt *bt;  /* a clone of the translator, or NULL */
  cpu_snap *machine;
};

static vm_snap *take(const vm *m) {
  vm_snap *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  s->h.m = *m;
  s->machine = snap_take(m->c);
  if (!s->machine || (m->bt && !(s->bt = bt_clone(m->bt)))) {
    vm_snap_free(s);
    return NULL;
  }
  return s;
}

/* Put the VM struct back, keeping what belongs to the host. */
static void restore(vm *m, const vm *from, const bt *b) {
  cpu *c = m->c;
  const char *name = m->name;
  console_dev con = m->v.con;
  bt *mine = m->bt;
  *m = *from;
  m->c = c;
  m->name = name;
  con.rx_irq_enabled = from->v.con.rx_irq_enabled;
  m->v.con = con;
  m->bt = mine;
  if (b) { /* the translator as it was: a fresh clone, the snapshot stays */
    bt *k = bt_clone(b);
    if (!k) cpu_panic("vm_snap_restore: out of host memory for the translator");
    bt_free(m->bt);
    m->bt = k;
    m->wprot = k->wprot; /* vm.wprot points into the translator */
  }
}

vm_snap *vm_snap_take(const vm *m) { return take(m); }

void vm_snap_restore(vm *m, const vm_snap *s) {
  snap_restore(m->c, s->machine);
  restore(m, &s->h.m, s->bt);
}

vm_snap *hw_snap_take(const hw_vm *h) {
  vm_snap *s = take(&h->m);
  if (s) {
    vm m = s->h.m;
    s->h = *h;
    s->h.m = m;
  }
  return s;
}

void hw_snap_restore(hw_vm *h, const vm_snap *s) {
  snap_restore(h->m.c, s->machine);
  vm m = h->m;
  *h = s->h;
  h->m = m;
  restore(&h->m, &s->h.m, s->bt);
}

void vm_snap_free(vm_snap *s) {
  if (!s) return;
  if (s->bt) bt_free(s->bt);
  snap_free(s->machine);
  free(s);
}

size_t vm_snap_bytes(const vm_snap *s) { return sizeof *s + snap_bytes(s->machine); }
