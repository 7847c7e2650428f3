/* hcall.c: paravirtualization, the third answer to popf (docs/pv.md).
 *
 * Trap-and-emulate fails on this ISA because pushf and popf are sensitive
 * but do not trap in user mode.  The strict ISA (--isa strict) makes them
 * trap; binary translation (bt/) rewrites them; paravirtualization changes
 * the guest instead: its kernel knows it runs on a monitor and asks it
 * for what it needs, with the instruction hcall, instead of executing
 * instructions the monitor would have to catch.  Three things change in a
 * PV kernel (guestos built with -D PV):
 *
 *   interrupt flag  cli/sti/pushf/popf become stores and loads of `vif` in
 *                   an area shared with the monitor: no exit at all
 *   page tables     one PV_MMU call writes a list of entries and drops
 *                   the TLB entries they need, instead of a tlbi each
 *   console         bytes go into a ring in the shared area; one
 *                   PV_CONSOLE call writes them all, instead of an out each
 *
 * The hypercall arrives on the one exit path: on the bare CPU hcall is an
 * illegal instruction (cpu/exec.c), so under trap and bt the monitor,
 * which owns real kernel mode, gets it as a trap (vm_handle_trap, exit.c)
 * and takes it here if --pv is on and the guest is in virtual kernel
 * mode; otherwise it is reflected, as the bare CPU would deliver it.
 *
 * The guest is not trusted: every address it names is checked against its
 * own memory before anything is written, and a bad call gets an error in
 * r1 (PV_ENOSYS, PV_EINVAL), never a stop of the monitor.
 */
#include "isa_info.h"
#include "mmu.h"
#include "mode.h"
#include "pv.h"

_Static_assert(sizeof((pv_counters *)0)->calls == PV_NCALLS * sizeof(uint64_t), "pv_counters counts every call");

/* The shared area, in host memory; NULL if the guest named none. */
static uint8_t *shared(const vm *m) { return m->pv_page ? m->c->mem + m->base + m->pv_page : NULL; }

/* Is [gpa, gpa + len) inside guest memory, gpa word-aligned? */
static bool inside(const vm *m, uint32_t gpa, uint64_t len) {
  return !(gpa & 3) && (uint64_t)gpa + len <= m->size;
}

/* A word of guest memory written by the monitor: the CPU's watchers
 * (bt's translated pages) hear of it, as of the guest's own store. */
static void guest_store(vm *m, uint32_t gpa, uint32_t val) {
  uint8_t *p = m->c->mem + m->base + gpa;
  if (ld32(p) == val) return;
  st32(p, val);
  cpu_phys_written(m->c, m->base + gpa, 4);
}

/* ---- the shared area and the VCPU ---- */

void pv_enter(vm *m) {
  if (!m->pv || !m->pv_page) return;
  guest_store(m, m->pv_page + PV_VIF, (m->v.flags & FLAG_IE) ? 1 : 0);
  guest_store(m, m->pv_page + PV_PENDING, m->v.irq ? 1 : 0);
}

/* Only virtual kernel mode owns vif: user mode never sees interrupts
 * disabled (its IE is the one iret restored). */
void pv_exit(vm *m) {
  if (!m->pv || !m->pv_page || vm_user(m)) return;
  if (ld32(shared(m) + PV_VIF)) m->v.flags |= FLAG_IE;
  else m->v.flags &= ~FLAG_IE;
}

/* ---- the calls: each returns r1 ---- */

static int32_t pv_setup(vm *m) {
  uint32_t gpa = m->v.r[2];
  if (gpa == 0 || (gpa & (PV_SHARED_ALIGN - 1)) || !inside(m, gpa, PV_SHARED_SIZE)) return PV_EINVAL;
  m->pv_page = gpa;
  guest_store(m, gpa + PV_VIF, (m->v.flags & FLAG_IE) ? 1 : 0);
  return 0;
}

/* Every entry is checked before the first is applied: a bad list changes
 * nothing.  Each dropped TLB entry is what a tlbi would have cost the
 * monitor (a shadow sync); the exit it would have cost is saved. */
static int32_t pv_mmu(vm *m) {
  uint32_t list = m->v.r[2], n = m->v.r[3];
  if (n == 0 || n > PV_MMU_MAX || !inside(m, list, 12ull * n)) return PV_EINVAL;
  const uint8_t *e = m->c->mem + m->base + list;
  for (uint32_t i = 0; i < n; i++)
    if (!inside(m, ld32(e + 12 * i), 4)) return PV_EINVAL;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t pte = ld32(e + 12 * i), val = ld32(e + 12 * i + 4), va = ld32(e + 12 * i + 8);
    guest_store(m, pte, val);
    m->pvn.pte_updates++;
    if (va == PV_NO_VA) continue;
    shadow_invalidate(m, va);
    m->n.shadow_syncs++;
    m->pvn.tlb_drops++;
    m->c->st.cycles += m->c->cost.c[COST_SHADOW_SYNC];
  }
  return (int32_t)n;
}

/* The ring's indices are the guest's: at most a ring's worth goes out
 * (the last bytes, if the guest ran past its own consumer). */
static int32_t pv_console(vm *m) {
  uint8_t *p = shared(m);
  if (!p) return PV_EINVAL;
  uint32_t prod = ld32(p + PV_PROD), cons = ld32(p + PV_CONS), n = prod - cons;
  if (n > PV_RING_SIZE) n = PV_RING_SIZE, cons = prod - PV_RING_SIZE;
  for (uint32_t i = 0; i < n; i++)
    console_port_out(&m->v.con, PORT_CONS_DATA, p[PV_RING + ((cons + i) & (PV_RING_SIZE - 1))]);
  guest_store(m, m->pv_page + PV_CONS, prod);
  m->pvn.console_bytes += n;
  m->c->st.cycles += (uint64_t)n * m->c->cost.c[COST_IO]; /* each byte still reaches the device */
  return (int32_t)n;
}

/* vif is the virtual IE already (pv_exit): the run loop delivers what is
 * pending before the guest runs again. */
static int32_t pv_irq(vm *m) {
  (void)m;
  return 0;
}

static int32_t pv_idle(vm *m) {
  if (!m->pv_page) return PV_EINVAL;
  guest_store(m, m->pv_page + PV_VIF, 1);
  m->v.flags |= FLAG_IE;
  m->v.waiting = true;
  return 0;
}

static int32_t (*const calls[PV_NCALLS])(vm *m) = {
    [PV_SETUP] = pv_setup, [PV_MMU] = pv_mmu, [PV_CONSOLE] = pv_console, [PV_IRQ] = pv_irq, [PV_IDLE] = pv_idle,
};

bool hcall_take(vm *m, const trap_info *t) {
  if (!m->pv || vm_user(m) || t->cause != CAUSE_ILLEGAL || t->value != ISA_ENC_R(OP_HCALL, 0, 0, 0)) return false;
  uint32_t nr = m->v.r[1];
  int32_t res;
  m->c->st.cycles += m->c->cost.c[COST_EMULATE]; /* the monitor reads the call */
  if (nr < PV_NCALLS) {
    m->pvn.calls[nr]++;
    res = calls[nr](m);
    if (res == PV_EINVAL) m->pvn.errors++;
  } else {
    m->pvn.unknown++;
    res = PV_ENOSYS;
  }
  m->v.r[1] = (uint32_t)res;
  vm_retire(m);
  return true;
}
