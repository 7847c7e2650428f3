/* vm_show.c: what a VM under trap-and-emulate (or bt, which shares its
 * VCPU and shadow tables) shows a watcher: the debugger's `info vcpu` and
 * `info shadow`, and the counters it compares to see exits go by.  The
 * mode rows point here (mode.h); natively and under hw the rows have their
 * own. */
#include "disasm.h"
#include "isa_info.h"
#include "mode.h"

static uint64_t sum(const uint64_t *v, int n) {
  uint64_t s = 0;
  for (int i = 0; i < n; i++) s += v[i];
  return s;
}

void vm_show_probe(const guest *g, mode_probe *p) {
  const vm *m = g->m;
  *p = (mode_probe){0};
  p->traps = sum(m->n.reflected, NCAUSES);
  p->trap = m->last_trap;
  p->exits = m->n.world_switches;
  p->exit = m->c->trap;
  p->emulated = sum(m->n.emulated, 256);
  p->fills = m->n.shadow_fills;
  p->guest_faults = m->n.guest_page_faults;
}

/* What the monitor did with a world switch, from the counters it moved. */
void vm_show_exit_how(const guest *g, const mode_probe *a, const mode_probe *b, char *buf, size_t len) {
  (void)g;
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

int vm_show_shadow_roots(const guest *g, mode_root *out, int max) {
  static const char *const names[2] = {"kernel", "user"};
  const vm *m = g->m;
  int n = 0;
  for (int i = 0; i < (m->one_root ? 1 : 2) && n < max; i++)
    out[n++] = (mode_root){m->one_root ? "guest" : names[i], m->cur.root[i].pd,
                           m->cur.root[i].pd && g->c->cr[CR_PTB] == m->cur.root[i].pd};
  return n;
}

void vm_show_flags(uint32_t f, char *buf, size_t len) {
  static const struct {
    uint32_t bit;
    const char *name;
  } names[] = {{FLAG_Z, "Z"}, {FLAG_N, "N"}, {FLAG_C, "C"}, {FLAG_V, "V"}, {FLAG_IE, "IE"}, {FLAG_KM, "KM"}};
  size_t n = 0;
  buf[0] = 0;
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if ((f & names[i].bit) && n < len) n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? " " : "", names[i].name);
}


void vm_show_vcpu(const guest *g, int id, FILE *f) {
  const vm *m = g->m;
  const vcpu *v = &m->v;
  char fl[64];
  vm_show_flags(v->flags, fl, sizeof fl);
  fprintf(f, "VCPU of vm %d (%s): the CPU as the guest believes it to be\n", id, g->name);
  fprintf(f, "  pc          0x%08x\n", v->pc);
  fprintf(f, "  flags       0x%08x [%s]\n", v->flags, fl);
  fprintf(f, "  mode        virtual %s mode (the real CPU runs it in user mode)\n",
          (v->flags & FLAG_KM) ? "kernel" : "user");
  fprintf(f, "  IE          virtual %d (the real CPU runs the guest's code with it: runs are bounded, not interrupted)\n",
          (v->flags & FLAG_IE) ? 1 : 0);
  fprintf(f, "  pending     0x%08x", v->irq);
  for (uint32_t i = 0; i < NCAUSES; i++)
    if (v->irq & (1u << i)) fprintf(f, " %s", cpu_cause_name(i));
  fprintf(f, "\n");
  fprintf(f, "  timer       period %u, %u ticks left\n", v->cr[CR_TIMER], v->cr[CR_TIMER] ? v->timer_left : 0);
  fprintf(f, "  waiting     %s\n", v->waiting ? "yes (wfi)" : "no");
  fprintf(f, "  console     input interrupt %s\n", v->con.rx_irq_enabled ? "enabled" : "disabled");
  fprintf(f, "  memory      guest-physical 0x0-0x%x at host-physical 0x%08x\n", m->size - 1, m->base);
  fprintf(f, "  shadow      kernel root 0x%08x, user root 0x%08x, pool %u of %u pages\n", m->cur.root[0].pd,
          m->cur.root[1].pd, m->pool_used, SHADOW_POOL);
  fprintf(f, "  guest ticks %llu (%llu instructions, %llu idle)\n", (unsigned long long)vm_ticks(m),
          (unsigned long long)m->gst.insns, (unsigned long long)m->gst.idle_ticks);
  if (sum(m->n.reflected, NCAUSES))
    fprintf(f, "  last reflected trap: %s value 0x%08x at 0x%08x\n", cpu_cause_name(m->last_trap.cause),
            m->last_trap.value, m->last_trap.pc);
  else
    fprintf(f, "  last reflected trap: none yet\n");
}
