/* hw_mode.c: --mode hw and --mode hw-shadow as rows of the mode table
 * (core/mode.h), and what the debugger shows of a VMCS. */
#include <string.h>

#include "hw.h"
#include "isa_info.h"

static int attach_nested(vm *m, const vmm_opts *o) {
  (void)o;
  return hw_attach(m, false);
}
static int attach_shadow(vm *m, const vmm_opts *o) {
  (void)o;
  return hw_attach(m, true);
}

static uint64_t sum(const uint64_t *v, int n) {
  uint64_t s = 0;
  for (int i = 0; i < n; i++) s += v[i];
  return s;
}

static void hw_probe(const guest *g, mode_probe *p) {
  const hw_vm *h = hw_of(g->m);
  *p = (mode_probe){0};
  p->traps = sum(g->c->st.traps, NCAUSES); /* in guest mode traps are the CPU's */
  p->trap = g->c->trap;
  /* (A watcher's slices are pauses, not exits: core/vm.h.) */
  p->exits = sum(h->s.n.exits, NVMX_EXITS);
  p->exit = (trap_info){h->s.exit.reason, h->s.exit.value, h->s.exit.pc, {0}};
  p->emulated = sum(h->m.n.emulated, 256);
  p->fills = h->m.n.shadow_fills;
  p->guest_faults = h->m.n.guest_page_faults;
}

static void hw_exit_how(const guest *g, const mode_probe *a, const mode_probe *b, char *buf, size_t len) {
  const vmx_exit_info *e = &hw_of(g->m)->s.exit;
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

static int hw_npt_roots(const guest *g, mode_root *out, int max) {
  const hw_vm *h = hw_of(g->m);
  if (h->shadow || max < 1) return 0;
  out[0] = (mode_root){"nested", h->s.npt_root, true};
  return 1;
}

static int hws_shadow_roots(const guest *g, mode_root *out, int max) {
  const hw_vm *h = hw_of(g->m);
  if (!h->shadow || max < 1) return 0;
  out[0] = (mode_root){"guest", h->m.cur.root[0].pd, h->m.cur.root[0].pd && h->s.guest.cr[CR_PTB] == h->m.cur.root[0].pd};
  return 1;
}

static void hw_vcpu_info(const guest *g, int id, FILE *f) {
  const hw_vm *h = hw_of(g->m);
  const vmcs *s = &h->s;
  const vcpu *v = &h->m.v; /* the VMCS's guest state, as of the last exit */
  char fl[64];
  vm_show_flags(v->flags, fl, sizeof fl);
  fprintf(f, "VCPU of vm %d (%s): the VMCS guest-state area, kept by the CPU\n", id, g->name);
  fprintf(f, "  pc          0x%08x\n", v->pc);
  fprintf(f, "  flags       0x%08x [%s]  guest %s mode (really: guest mode runs it)\n", v->flags, fl,
          (v->flags & FLAG_KM) ? "kernel" : "user");
  fprintf(f, "  pending     0x%08x, timer period %u, %u ticks left, %s\n", v->irq, v->cr[CR_TIMER],
          v->cr[CR_TIMER] ? v->timer_left : 0, v->waiting ? "waiting (wfi)" : "running");
  fprintf(f, "  paging      %s", h->shadow ? "shadow (the monitor's tables in the VMCS)" : "nested");
  if (!h->shadow) fprintf(f, ", nested root at host-physical 0x%08x", s->npt_root);
  fprintf(f, "\n  controls    vmid %u, exits on:%s%s%s%s%s, exceptions 0x%x, cr reads 0x%x, cr writes 0x%x\n", s->vmid,
          s->exits & VMX_CTL_HALT ? " halt" : "", s->exits & VMX_CTL_WFI ? " wfi" : "",
          s->exits & VMX_CTL_IO ? " io" : "", s->exits & VMX_CTL_TLB ? " tlb" : "",
          s->exits & VMX_CTL_EXTINT ? " extint" : "", s->exc_bitmap, s->cr_read, s->cr_write);
  if (sum(s->n.exits, NVMX_EXITS) == 0)
    fprintf(f, "  last exit   none yet\n");
  else
    fprintf(f, "  last exit   %s, qualification 0x%x, value 0x%08x, at 0x%08x\n", vmx_exit_name(s->exit.reason),
            s->exit.qual, s->exit.value, s->exit.pc);
  fprintf(f, "  entries     %llu; exits:", (unsigned long long)s->n.entries);
  for (uint32_t i = 0; i < NVMX_EXITS; i++)
    if (s->n.exits[i]) fprintf(f, " %s=%llu", vmx_exit_name(i), (unsigned long long)s->n.exits[i]);
  fprintf(f, "\n  guest ticks %llu (%llu instructions, %llu idle)\n", (unsigned long long)vm_ticks(&h->m),
          (unsigned long long)h->m.gst.insns, (unsigned long long)h->m.gst.idle_ticks);
}

#define HW_ROW                          \
  .tagged = true,                       \
  .cpu_runs_vcpu = true,                \
  .vm_size = sizeof(hw_vm),             \
  .extra = hw_extra,                    \
  .reset = hw_reset,                    \
  .run = hw_run,                        \
  .inject = hw_inject,                  \
  .report = hw_report,                  \
  .outside = hw_outside,                \
  .exit_name = vmx_exit_name,           \
  .nexit_reasons = NVMX_EXITS,          \
  .probe = hw_probe,                    \
  .exit_how = hw_exit_how,              \
  .vcpu_info = hw_vcpu_info,            \
  .no_tc = "no translation cache in this mode (only --mode bt translates)"

const vmm_mode mode_hw = {
    .name = "hw",
    .what = "hardware assist: the guest in guest mode, VM exits, nested paging (--paging)",
    .options = "--paging --vpid",
    .attach = attach_nested,
    .npt_roots = hw_npt_roots,
    .no_shadow = "no shadow page tables: nested paging (the CPU walks the guest's table and the nested one)",
    HW_ROW,
};

const vmm_mode mode_hw_shadow = {
    .name = "hw-shadow",
    .what = "hardware assist with shadow paging, as the first VT-x parts (the same as --mode hw --paging shadow)",
    .options = "--vpid --shadow",
    .attach = attach_shadow,
    .shadow_roots = hws_shadow_roots,
    .no_npt = "no nested paging in hw-shadow mode: the monitor keeps shadow tables instead",
    HW_ROW,
};
