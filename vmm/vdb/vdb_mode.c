/* vdb_mode.c: the monitor modes the debugger can drive, one row each.
 *
 * A row says how to build the machine for a guest, how to run it for a
 * number of guest ticks, what the guest believes its CPU to be, how to copy
 * it for a checkpoint, and which of the monitor's own structures it has
 * (shadow tables, nested tables, a translation cache, a VCPU).  The rest of
 * the debugger asks only through the row: adding a mode is adding a row.
 *
 *   native     cpu_run on the bare CPU
 *   trap       vm_run: trap-and-emulate, shadow paging
 *   bt         vm_run with a translator attached (struct bt)
 *   hw         hw_vm_run: guest mode, VM exits, nested paging
 *   hw-shadow  the same with shadow paging
 *
 * The setup mirrors each mode's *_run in vmm/ (native.c, vm.c, bt_run.c,
 * hw.c), stopping short of running.
 */
#include <stdlib.h>
#include <string.h>

#include "bt/bt.h"
#include "disasm.h"
#include "hw/hw.h"
#include "isa_info.h"
#include "snapshot.h"
#include "vdb.h"
#include "core/vm_snapshot.h"

static cpu *new_machine(const vdb_opts *o, uint32_t bytes, char *err, size_t len) {
  cpu *c = cpu_new(bytes, o->tlb);
  if (!c) {
    snprintf(err, len, "cannot make a machine with %u bytes of memory and %u TLB entries", bytes, o->tlb);
    return NULL;
  }
  c->cost = o->cost;
  c->strict_isa = o->strict_isa;
  return c;
}

static uint64_t sum(const uint64_t *v, int n) {
  uint64_t s = 0;
  for (int i = 0; i < n; i++)
    s += v[i];
  return s;
}

static const char *cause_name(uint32_t c) { return cpu_cause_name(c); }

/* ================= native: the guest on the bare CPU ================= */

static int native_load(vdb_target *t, const vdb_opts *o, char *err, size_t len) {
  char why[256];
  t->c = new_machine(o, o->mem, err, len);
  if (!t->c) return -1;
  if (load_image(t->c, &t->img, 0, t->c->mem_size, why, sizeof why) != 0) {
    snprintf(err, len, "%s: %s", t->path, why);
    return -1;
  }
  cpu_reset(t->c, t->img.entry);
  vdb_console_attach(&t->con, &t->c->con);
  t->gbase = 0;
  t->gsize = t->c->mem_size;
  return 0;
}

static void native_unload(vdb_target *t) {
  cpu_free(t->c);
  t->c = NULL;
}

static uint64_t native_now(const vdb_target *t) { return t->c->st.insns + t->c->st.idle_ticks; }

static enum cpu_exit native_advance(vdb_target *t, uint64_t ticks) { return cpu_run(t->c, ticks); }

static void native_guest(const vdb_target *t, vdb_regs *g) {
  memcpy(g->r, t->c->r, sizeof g->r);
  g->pc = t->c->pc;
  g->flags = t->c->flags;
  memcpy(g->cr, t->c->cr, sizeof g->cr);
  g->timer_left = t->c->timer_left;
}

static void native_probe(const vdb_target *t, vdb_probe *p) {
  *p = (vdb_probe){0};
  p->traps = sum(t->c->st.traps, NCAUSES);
  p->trap = t->c->trap;
}

static void *native_snap_take(const vdb_target *t) { return snap_take(t->c); }
static void native_snap_restore(vdb_target *t, const void *s) { snap_restore(t->c, s); }
static void native_snap_free(void *s) { snap_free(s); }
static size_t native_snap_bytes(const void *s) { return snap_bytes(s); }

static void native_report(const vdb_target *t, vm_report *r) {
  r->mode = "native";
  r->exit = t->done ? t->exit : EXIT_BUDGET;
  r->halt_code = t->c->halt_code;
  r->last_trap = t->c->trap;
  r->pc = t->c->pc;
  r->st = t->c->st;
  r->cycles = cpu_cycles(t->c);
}

/* ============ trap: trap-and-emulate with shadow page tables ============ */

/* The monitor's own vm_create (vmm/core/vm.c) builds the machine and the VM,
 * with `extra` monitor pages; then the debugger's console replaces the
 * host one. */
static int make_vm(vdb_target *t, const vdb_opts *o, uint32_t extra, char *err, size_t len) {
  host_console hc;
  host_console_init(&hc, t->con.out, NULL);
  vmm_opts vo = {.mode = o->mode,
                 .mem = o->mem,
                 .tlb = o->tlb,
                 .strict_isa = o->strict_isa,
                 .cost = o->cost,
                 .image = t->path,
                 .console = &hc};
  if (vm_create(&vo, &t->img, extra, &t->m) != 0) {
    snprintf(err, len, "%s: cannot make a VM for it (see above)", t->path);
    return -1;
  }
  t->c = t->m->c;
  vdb_console_attach(&t->con, &t->m->v.con);
  t->gbase = t->m->base;
  t->gsize = t->m->size;
  return 0;
}

static int trap_load(vdb_target *t, const vdb_opts *o, char *err, size_t len) { return make_vm(t, o, 0, err, len); }

static void trap_unload(vdb_target *t) {
  free(t->m);
  t->m = NULL;
  cpu_free(t->c);
  t->c = NULL;
}

static uint64_t vm_now(const vdb_target *t) { return t->m->gst.insns + t->m->gst.idle_ticks; }

/* The end of a monitor's run: Ctrl-C leaves the VM able to go on. */
static enum cpu_exit vm_outcome(vm *m) {
  if (!m->done) return EXIT_BUDGET;
  if (m->exit == EXIT_STOP) {
    m->done = false;
    return EXIT_STOP;
  }
  return m->exit;
}

static enum cpu_exit trap_advance(vdb_target *t, uint64_t ticks) {
  vm_run(t->m, ticks);
  return vm_outcome(t->m);
}

static void trap_guest(const vdb_target *t, vdb_regs *g) {
  const vcpu *v = &t->m->v;
  memcpy(g->r, v->r, sizeof g->r);
  g->pc = v->pc;
  g->flags = v->flags;
  memcpy(g->cr, v->cr, sizeof g->cr);
  g->timer_left = v->timer_left;
}

static void trap_probe(const vdb_target *t, vdb_probe *p) {
  const vm *m = t->m;
  *p = (vdb_probe){0};
  p->traps = sum(m->n.reflected, NCAUSES);
  p->trap = m->last_trap;
  p->exits = m->n.world_switches;
  p->exit = m->c->trap;
  p->emulated = sum(m->n.emulated, 256);
  p->fills = m->n.shadow_fills;
  p->guest_faults = m->n.guest_page_faults;
  if (m->bt) p->translations = m->bt->n.translations;
}

/* What the monitor did with a world switch, from the counters it moved. */
static void trap_exit_how(const vdb_target *t, const vdb_probe *a, const vdb_probe *b, char *buf, size_t len) {
  (void)t;
  if (b->emulated > a->emulated && b->exit.cause == CAUSE_PRIV) {
    char text[60];
    dis_insn(b->exit.value, b->exit.pc, NULL, text, sizeof text);
    snprintf(buf, len, "emulated %s", text);
  } else if (b->fills > a->fills && b->guest_faults == a->guest_faults) {
    snprintf(buf, len, "hidden page fault: shadow filled");
  } else if (b->traps > a->traps) {
    snprintf(buf, len, "reflected to the guest");
  } else {
    snprintf(buf, len, "handled by the monitor");
  }
}

static void *trap_snap_take(const vdb_target *t) { return vm_snap_take(t->m); }
static void trap_snap_restore(vdb_target *t, const void *s) { vm_snap_restore(t->m, s); }
static void vm_snap_free_any(void *s) { vm_snap_free(s); }
static size_t vm_snap_bytes_any(const void *s) { return vm_snap_bytes(s); }

static void trap_report(const vdb_target *t, vm_report *r) {
  vm_report_fill(t->m, r);
  r->mode = "trap";
}

static int trap_shadow_roots(const vdb_target *t, vdb_root *out, int max) {
  static const char *const names[2] = {"kernel", "user"};
  const vm *m = t->m;
  int n = 0;
  for (int i = 0; i < (m->one_root ? 1 : 2) && n < max; i++)
    out[n++] =
        (vdb_root){m->one_root ? "guest" : names[i], m->cur.root[i].pd, m->cur.root[i].pd && t->c->cr[CR_PTB] == m->cur.root[i].pd};
  return n;
}

static void trap_vcpu_info(const vdb_target *t, FILE *f) {
  const vm *m = t->m;
  const vcpu *v = &m->v;
  char fl[64];
  flags_str(v->flags, fl, sizeof fl);
  fprintf(f, "VCPU of vm %d (%s): the CPU as the guest believes it to be\n", t->id, t->path);
  fprintf(f, "  pc          0x%08x\n", v->pc);
  fprintf(f, "  flags       0x%08x [%s]\n", v->flags, fl);
  fprintf(f, "  mode        virtual %s mode (the real CPU runs it in user mode)\n",
          (v->flags & FLAG_KM) ? "kernel" : "user");
  fprintf(f, "  IE          virtual %d (real IE stays 1: the monitor keeps the timer)\n", (v->flags & FLAG_IE) ? 1 : 0);
  fprintf(f, "  pending     0x%08x", v->irq);
  for (uint32_t i = 0; i < NCAUSES; i++)
    if (v->irq & (1u << i)) fprintf(f, " %s", cpu_cause_name(i));
  fprintf(f, "\n");
  fprintf(f, "  timer       period %u, %u ticks left\n", v->cr[CR_TIMER], v->cr[CR_TIMER] ? v->timer_left : 0);
  fprintf(f, "  waiting     %s\n", v->waiting ? "yes (wfi)" : "no");
  fprintf(f, "  console     input interrupt %s\n", v->con.rx_irq_enabled ? "enabled" : "disabled");
  fprintf(f, "  memory      guest-physical 0x0-0x%x at host-physical 0x%08x\n", m->size - 1, m->base);
  fprintf(f, "  shadow      kernel root 0x%08x, user root 0x%08x, pool %u of %u pages\n", m->cur.root[0].pd, m->cur.root[1].pd,
          m->pool_used, SHADOW_POOL);
  fprintf(f, "  guest ticks %llu (%llu instructions, %llu idle)\n",
          (unsigned long long)(m->gst.insns + m->gst.idle_ticks), (unsigned long long)m->gst.insns,
          (unsigned long long)m->gst.idle_ticks);
  if (sum(m->n.reflected, NCAUSES))
    fprintf(f, "  last reflected trap: %s value 0x%08x at 0x%08x\n", cpu_cause_name(m->last_trap.cause),
            m->last_trap.value, m->last_trap.pc);
  else
    fprintf(f, "  last reflected trap: none yet\n");
}

/* ============ bt: binary translation of the guest kernel ============ */

static int bt_load(vdb_target *t, const vdb_opts *o, char *err, size_t len) {
  bt_config cfg = {false, false, 0};
  if (make_vm(t, o, bt_host_pages(&cfg), err, len) != 0) return -1;
  if (!bt_attach(t->m, &cfg, t->m->pool + SHADOW_POOL * PAGE_SIZE)) {
    snprintf(err, len, "out of host memory for the translation cache");
    return -1;
  }
  return 0;
}

static void bt_unload(vdb_target *t) {
  if (t->m && t->m->bt) bt_free(t->m->bt);
  trap_unload(t);
}

static void bt_report(const vdb_target *t, vm_report *r) {
  vm_report_fill(t->m, r);
  r->mode = "bt";
  r->translated = true;
  r->bt = t->m->bt->n;
  r->bt.translate_seconds = 0; /* host time: never in a transcript */
}

static void bt_tc_info(const vdb_target *t, FILE *f, const char *args) {
  vm *m = t->m;
  const bt *b = m->bt;
  char *end;
  const char *p = args;
  while (*p == ' ' || *p == '\t')
    p++;
  if (!*p) {
    fprintf(f, "translation cache: %u blocks, %u of %u words used\n", b->nblocks, b->tc_used, b->tc_words);
    bt_dump(f, m);
    return;
  }
  uint32_t a = (uint32_t)strtoul(p, &end, 0);
  int shown = 0;
  for (uint32_t i = 0; i < b->nblocks; i++) {
    const bt_block *k = &b->blocks[i];
    if (a >= k->gpc && a - k->gpc < 4u * k->ninsns) bt_dump_block(f, m, k), shown++;
  }
  if (!shown) fprintf(f, "no translation holds guest pc 0x%08x\n", a);
}

/* ============ hw: hardware assist, nested or shadow paging ============ */

static hw_vm *hw(const vdb_target *t) { return t->priv; }

static int hw_load_paging(vdb_target *t, const vdb_opts *o, bool shadow, char *err, size_t len) {
  char why[256];
  uint32_t size = (o->mem + PAGE_MASK) & ~PAGE_MASK;
  hw_vm *h = calloc(1, sizeof *h);
  if (!h) {
    snprintf(err, len, "out of host memory");
    return -1;
  }
  t->priv = h;
  t->c = new_machine(o, size + hw_extra(size), err, len);
  if (!t->c) return -1;
  hw_vm_init(h, t->c, t->path, 0, size, shadow, 1);
  t->m = &h->m;
  if (load_image(t->c, &t->img, h->m.base, size, why, sizeof why) != 0) {
    snprintf(err, len, "%s: %s", t->path, why);
    return -1;
  }
  vdb_console_attach(&t->con, &h->m.v.con); /* the console, through I/O exits */
  hw_vm_reset(h, t->img.entry);
  t->gbase = h->m.base;
  t->gsize = h->m.size;
  return 0;
}

static int hw_load(vdb_target *t, const vdb_opts *o, char *err, size_t len) {
  return hw_load_paging(t, o, false, err, len);
}
static int hws_load(vdb_target *t, const vdb_opts *o, char *err, size_t len) {
  return hw_load_paging(t, o, true, err, len);
}

static void hw_unload(vdb_target *t) {
  free(t->priv);
  t->priv = NULL;
  t->m = NULL;
  cpu_free(t->c);
  t->c = NULL;
}

static enum cpu_exit hw_advance(vdb_target *t, uint64_t ticks) {
  hw_vm_run(hw(t), ticks);
  return vm_outcome(t->m);
}

static void hw_guest(const vdb_target *t, vdb_regs *g) {
  const hw_vm *h = hw(t);
  const vmx_state *s = &h->s.guest;
  memcpy(g->r, s->r, sizeof g->r);
  g->pc = s->pc;
  g->flags = s->flags;
  memcpy(g->cr, s->cr, sizeof g->cr);
  g->timer_left = s->timer_left;
  if (h->shadow) { /* the VMCS holds the shadow root; the guest believes its own */
    g->cr[CR_PTB] = h->m.v.cr[CR_PTB];
    g->cr[CR_PAGING] = h->m.v.cr[CR_PAGING];
  }
}

static void hw_probe(const vdb_target *t, vdb_probe *p) {
  const hw_vm *h = hw(t);
  *p = (vdb_probe){0};
  p->traps = sum(t->c->st.traps, NCAUSES); /* in guest mode traps are the CPU's */
  p->trap = t->c->trap;
  /* The budget's end is a preempt exit: the debugger's slicing, not the
   * guest's doing, so it is not shown as one. */
  p->exits = sum(h->s.n.exits, NVMX_EXITS) - h->s.n.exits[VMX_EXIT_PREEMPT];
  p->exit = (trap_info){h->s.exit.reason, h->s.exit.value, h->s.exit.pc};
  p->emulated = sum(h->m.n.emulated, 256);
  p->fills = h->m.n.shadow_fills;
  p->guest_faults = h->m.n.guest_page_faults;
}

static void hw_exit_how(const vdb_target *t, const vdb_probe *a, const vdb_probe *b, char *buf, size_t len) {
  const vmx_exit_info *e = &hw(t)->s.exit;
  (void)a, (void)b;
  switch (e->reason) {
  case VMX_EXIT_EXCEPTION:
  case VMX_EXIT_INTERRUPT: snprintf(buf, len, "cause %s", cpu_cause_name(e->qual)); break;
  case VMX_EXIT_IO:
    snprintf(buf, len, "%s port 0x%x", e->qual & VMX_IO_OUT ? "out" : "in", e->qual & ~VMX_IO_OUT);
    break;
  case VMX_EXIT_CR_READ:
  case VMX_EXIT_CR_WRITE: snprintf(buf, len, "control register %s", isa_cr_name(e->qual)); break;
  case VMX_EXIT_NPF: snprintf(buf, len, "guest-physical 0x%08x (guest-virtual 0x%08x)", e->gpa, e->gva); break;
  default: snprintf(buf, len, "%s", ""); break;
  }
}

static void *hw_snap_take_any(const vdb_target *t) { return hw_snap_take(hw(t)); }
static void hw_snap_restore_any(vdb_target *t, const void *s) { hw_snap_restore(hw(t), s); }

static void hw_report(const vdb_target *t, vm_report *r) {
  hw_report_fill(hw(t), r);
  r->mode = hw(t)->shadow ? "hw-shadow" : "hw";
}

static int hw_npt_roots(const vdb_target *t, vdb_root *out, int max) {
  const hw_vm *h = hw(t);
  if (h->shadow || max < 1) return 0;
  out[0] = (vdb_root){"nested", h->s.npt_root, true};
  return 1;
}

static int hws_shadow_roots(const vdb_target *t, vdb_root *out, int max) {
  const hw_vm *h = hw(t);
  if (!h->shadow || max < 1) return 0;
  out[0] = (vdb_root){"guest", h->m.cur.root[0].pd, h->m.cur.root[0].pd && h->s.guest.cr[CR_PTB] == h->m.cur.root[0].pd};
  return 1;
}

static void hw_vcpu_info(const vdb_target *t, FILE *f) {
  const hw_vm *h = hw(t);
  const vmcs *s = &h->s;
  const vmx_state *g = &s->guest;
  char fl[64];
  flags_str(g->flags, fl, sizeof fl);
  fprintf(f, "VCPU of vm %d (%s): the VMCS guest-state area, kept by the CPU\n", t->id, t->path);
  fprintf(f, "  pc          0x%08x\n", g->pc);
  fprintf(f, "  flags       0x%08x [%s]  guest %s mode (really: guest mode runs it)\n", g->flags, fl,
          (g->flags & FLAG_KM) ? "kernel" : "user");
  fprintf(f, "  pending     0x%08x, timer period %u, %u ticks left, %s\n", g->irq, g->cr[CR_TIMER],
          g->cr[CR_TIMER] ? g->timer_left : 0, g->waiting ? "waiting (wfi)" : "running");
  fprintf(f, "  paging      %s", h->shadow ? "shadow (the monitor's tables in the VMCS)" : "nested");
  if (!h->shadow) fprintf(f, ", nested root at host-physical 0x%08x", s->npt_root);
  fprintf(f, "\n  controls    vmid %u, exits on:%s%s%s%s%s, exceptions 0x%x, cr reads 0x%x, cr writes 0x%x\n", s->vmid,
          s->exits & VMX_CTL_HALT ? " halt" : "", s->exits & VMX_CTL_WFI ? " wfi" : "",
          s->exits & VMX_CTL_IO ? " io" : "", s->exits & VMX_CTL_TLB ? " tlb" : "",
          s->exits & VMX_CTL_EXTINT ? " extint" : "", s->exc_bitmap, s->cr_read, s->cr_write);
  fprintf(f, "  last exit   %s, qualification 0x%x, value 0x%08x, at 0x%08x\n", vmx_exit_name(s->exit.reason),
          s->exit.qual, s->exit.value, s->exit.pc);
  fprintf(f, "  entries     %llu; exits:", (unsigned long long)s->n.entries);
  for (uint32_t i = 0; i < NVMX_EXITS; i++)
    if (s->n.exits[i]) fprintf(f, " %s=%llu", vmx_exit_name(i), (unsigned long long)s->n.exits[i]);
  fprintf(f, "\n  guest ticks %llu (%llu instructions, %llu idle)\n",
          (unsigned long long)(h->m.gst.insns + h->m.gst.idle_ticks), (unsigned long long)h->m.gst.insns,
          (unsigned long long)h->m.gst.idle_ticks);
}

/* ================= the table ================= */

#define NO_NPT "no nested paging in this mode"
#define NO_TC "no translation cache in this mode (only --mode bt translates)"

const vdb_mode vdb_modes[] = {
    {
        .name = "native",
        .what = "the guest on the bare CPU, in real kernel mode",
        .exit_name = cause_name,
        .nexit_reasons = NCAUSES,
        .load = native_load,
        .unload = native_unload,
        .now = native_now,
        .advance = native_advance,
        .guest = native_guest,
        .probe = native_probe,
        .snap_take = native_snap_take,
        .snap_restore = native_snap_restore,
        .snap_free = native_snap_free,
        .snap_bytes = native_snap_bytes,
        .report = native_report,
        .no_shadow = "no shadow page tables in native mode: the guest's own tables are the real ones",
        .no_npt = NO_NPT,
        .no_tc = NO_TC,
        .no_vcpu = "no VCPU in native mode: the guest runs on the real CPU (see info registers)",
    },
    {
        .name = "trap",
        .what = "trap-and-emulate: the guest kernel in real user mode, shadow paging",
        .monitor = true,
        .reflects = true,
        .exit_name = cause_name,
        .nexit_reasons = NCAUSES,
        .exit_how = trap_exit_how,
        .load = trap_load,
        .unload = trap_unload,
        .now = vm_now,
        .advance = trap_advance,
        .guest = trap_guest,
        .probe = trap_probe,
        .snap_take = trap_snap_take,
        .snap_restore = trap_snap_restore,
        .snap_free = vm_snap_free_any,
        .snap_bytes = vm_snap_bytes_any,
        .report = trap_report,
        .shadow_roots = trap_shadow_roots,
        .no_npt = NO_NPT,
        .no_tc = NO_TC,
        .vcpu_info = trap_vcpu_info,
    },
    {
        .name = "bt",
        .what = "binary translation: the guest kernel's code translated, shadow paging",
        .monitor = true,
        .reflects = true,
        .exit_name = cause_name,
        .nexit_reasons = NCAUSES,
        .exit_how = trap_exit_how,
        .load = bt_load,
        .unload = bt_unload,
        .now = vm_now,
        .advance = trap_advance,
        .guest = trap_guest,
        .probe = trap_probe,
        .snap_take = trap_snap_take,
        .snap_restore = trap_snap_restore,
        .snap_free = vm_snap_free_any,
        .snap_bytes = vm_snap_bytes_any,
        .report = bt_report,
        .shadow_roots = trap_shadow_roots,
        .no_npt = NO_NPT,
        .tc_info = bt_tc_info,
        .vcpu_info = trap_vcpu_info,
    },
    {
        .name = "hw",
        .what = "hardware assist: the guest in guest mode, VM exits, nested paging",
        .monitor = true,
        .exit_name = vmx_exit_name,
        .nexit_reasons = NVMX_EXITS,
        .exit_how = hw_exit_how,
        .load = hw_load,
        .unload = hw_unload,
        .now = vm_now,
        .advance = hw_advance,
        .guest = hw_guest,
        .probe = hw_probe,
        .snap_take = hw_snap_take_any,
        .snap_restore = hw_snap_restore_any,
        .snap_free = vm_snap_free_any,
        .snap_bytes = vm_snap_bytes_any,
        .report = hw_report,
        .no_shadow = "no shadow page tables: nested paging (the CPU walks the guest's table and the nested one)",
        .npt_roots = hw_npt_roots,
        .no_tc = NO_TC,
        .vcpu_info = hw_vcpu_info,
    },
    {
        .name = "hw-shadow",
        .what = "hardware assist with shadow paging, as the first VT-x parts",
        .monitor = true,
        .exit_name = vmx_exit_name,
        .nexit_reasons = NVMX_EXITS,
        .exit_how = hw_exit_how,
        .load = hws_load,
        .unload = hw_unload,
        .now = vm_now,
        .advance = hw_advance,
        .guest = hw_guest,
        .probe = hw_probe,
        .snap_take = hw_snap_take_any,
        .snap_restore = hw_snap_restore_any,
        .snap_free = vm_snap_free_any,
        .snap_bytes = vm_snap_bytes_any,
        .report = hw_report,
        .shadow_roots = hws_shadow_roots,
        .no_npt = "no nested paging in hw-shadow mode: the monitor keeps shadow tables instead",
        .no_tc = NO_TC,
        .vcpu_info = hw_vcpu_info,
    },
};
const int vdb_nmodes = sizeof vdb_modes / sizeof vdb_modes[0];

const vdb_mode *vdb_mode_find(const char *name) {
  for (int i = 0; i < vdb_nmodes; i++)
    if (strcmp(vdb_modes[i].name, name) == 0) return &vdb_modes[i];
  return NULL;
}
