/* report.c: what bin/vmm says at the end of a run: the --stats table, the
 * --stats-json object, and the exit status with its one-line reason.
 *
 * The JSON keys are a contract that tests and graders outside the code
 * rely on (docs/vmm.md lists them); add keys, never rename them. */
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "cli.h"
#include "isa_info.h"
#include "json.h"
#include "core/mode.h"
#include "core/pv.h"
#include "runner.h"

double host_now(void) {
  struct timeval tv;
  gettimeofday(&tv, NULL);
  return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* --mode bt: the translator's counters, and the slides' figure ("950,000
 * translations at 3 us each = 3 s, 5% of the boot") for this run. */
static void report_bt_table(FILE *f, const vm_report *r) {
  const bt_counters *b = &r->bt;
  fprintf(f, "bt: translations=%llu translated_instructions=%llu tc_hits=%llu tc_misses=%llu\n",
          (unsigned long long)b->translations, (unsigned long long)b->translated_insns,
          (unsigned long long)b->tc_hits, (unsigned long long)b->tc_misses);
  fprintf(f, "bt: tc_invalidations=%llu tc_evictions=%llu chained=%llu exits=%llu protected_writes=%llu\n",
          (unsigned long long)b->tc_invalidations, (unsigned long long)b->tc_evictions,
          (unsigned long long)b->chained, (unsigned long long)b->exits, (unsigned long long)b->protected_writes);
  double each = b->translations ? b->translate_seconds / (double)b->translations : 0.0;
  fprintf(f, "%llu translations at %.2f \u00b5s each = %.6f s, %.1f%% of the run\n",
          (unsigned long long)b->translations, each * 1e6, b->translate_seconds,
          r->host_seconds > 0 ? 100.0 * b->translate_seconds / r->host_seconds : 0.0);
}

/* --mode hw: VM entries, exits by reason, the nested walk's references. */
static void report_hw_table(FILE *f, const vm_report *r) {
  const hw_counters *h = &r->hw;
  fprintf(f, "hw: paging=%s vpid=%s vm_entries=%llu nested_walk_refs=%llu\nvm exits:", h->paging,
          h->vpid ? "on" : "off", (unsigned long long)h->vm_entries, (unsigned long long)h->nested_walk_refs);
  for (uint32_t i = 0; i < NVMX_EXITS; i++)
    if (h->vm_exits[i]) fprintf(f, " %s=%llu", vmx_exit_name(i), (unsigned long long)h->vm_exits[i]);
  fprintf(f, "\n");
}

static void report_hw_json(json *j, const vm_report *r) {
  const hw_counters *h = &r->hw;
  json_object(j, "hw");
  json_str(j, "paging", h->paging);
  json_bool(j, "vpid", h->vpid);
  json_u64(j, "vm_entries", h->vm_entries);
  json_object(j, "vm_exits");
  for (uint32_t i = 0; i < NVMX_EXITS; i++) json_u64(j, vmx_exit_name(i), h->vm_exits[i]);
  json_end(j);
  json_u64(j, "nested_walk_refs", h->nested_walk_refs);
  json_u64(j, "tlb_misses", r->st.tlb_misses);
  json_u64(j, "walk_refs", r->st.walk_refs);
  json_end(j);
}

void report_table(FILE *f, const vm_report *r) {
  const cpu_stats *s = &r->st;
  fprintf(f, "---- %s, mode %s ----\n", r->name, r->mode);
  fprintf(f, "%-22s %14llu\n", "instructions", (unsigned long long)s->insns);
  fprintf(f, "%-22s %14llu\n", "  user", (unsigned long long)s->user_insns);
  fprintf(f, "%-22s %14llu\n", "  kernel", (unsigned long long)(s->insns - s->user_insns));
  fprintf(f, "%-22s %14llu\n", "idle ticks", (unsigned long long)s->idle_ticks);
  fprintf(f, "%-22s %14llu\n", "modeled cycles", (unsigned long long)r->cycles);
  fprintf(f, "%-22s %14.3f\n", "host seconds", r->host_seconds);
  fprintf(f, "traps:");
  for (int i = 0; i < NCAUSES; i++)
    if (s->traps[i]) fprintf(f, " %s=%llu", cpu_cause_name((uint32_t)i), (unsigned long long)s->traps[i]);
  fprintf(f, "\n");
  fprintf(f, "tlb: hits=%llu misses=%llu walk_refs=%llu flushes=%llu\n", (unsigned long long)s->tlb_hits,
          (unsigned long long)s->tlb_misses, (unsigned long long)s->walk_refs,
          (unsigned long long)s->tlb_flushes);
  if (!r->monitored) return;
  const vmm_counters *n = &r->vmm;
  uint64_t emulated = 0;
  fprintf(f, "emulated:");
  for (int op = 0; op < 256; op++)
    if (n->emulated[op]) {
      fprintf(f, " %s=%llu", isa_table[op].name, (unsigned long long)n->emulated[op]);
      emulated += n->emulated[op];
    }
  fprintf(f, "\nreflected:");
  for (int i = 0; i < NCAUSES; i++)
    if (n->reflected[i]) fprintf(f, " %s=%llu", cpu_cause_name((uint32_t)i), (unsigned long long)n->reflected[i]);
  fprintf(f,
          "\nmonitor: world_switches=%llu shadow_fills=%llu guest_page_faults=%llu shadow_syncs=%llu "
          "shadow_reuses=%llu\n",
          (unsigned long long)n->world_switches, (unsigned long long)n->shadow_fills,
          (unsigned long long)n->guest_page_faults, (unsigned long long)n->shadow_syncs,
          (unsigned long long)n->shadow_reuses);
  if (n->traced)
    fprintf(f, "traced shadow: traced_writes=%llu traced_pages=%llu traced_updates=%llu\n",
            (unsigned long long)n->traced_writes, (unsigned long long)n->traced_pages,
            (unsigned long long)n->traced_updates);
  uint64_t total = n->direct_insns + emulated;
  fprintf(f, "guest instructions: %llu direct (%.2f%%), %llu emulated\n", (unsigned long long)n->direct_insns,
          total ? 100.0 * (double)n->direct_insns / (double)total : 0.0, (unsigned long long)emulated);
  if (r->translated) report_bt_table(f, r);
  if (r->hw_assist) report_hw_table(f, r);
  if (r->paravirt) {
    const pv_counters *p = &r->pv;
    fprintf(f, "pv: setup=%llu mmu=%llu console=%llu irq=%llu idle=%llu unknown=%llu errors=%llu\n",
            (unsigned long long)p->calls[PV_SETUP], (unsigned long long)p->calls[PV_MMU],
            (unsigned long long)p->calls[PV_CONSOLE], (unsigned long long)p->calls[PV_IRQ],
            (unsigned long long)p->calls[PV_IDLE], (unsigned long long)p->unknown, (unsigned long long)p->errors);
    fprintf(f, "pv: pte_updates=%llu tlb_drops=%llu console_bytes=%llu\n", (unsigned long long)p->pte_updates,
            (unsigned long long)p->tlb_drops, (unsigned long long)p->console_bytes);
  }
}

static void report_bt_json(json *j, const vm_report *r) {
  const bt_counters *b = &r->bt;
  json_object(j, "bt");
  json_u64(j, "translations", b->translations);
  json_u64(j, "translated_instructions", b->translated_insns);
  json_u64(j, "tc_hits", b->tc_hits);
  json_u64(j, "tc_misses", b->tc_misses);
  json_u64(j, "tc_invalidations", b->tc_invalidations);
  json_u64(j, "tc_evictions", b->tc_evictions);
  json_double(j, "translate_seconds", b->translate_seconds);
  json_u64(j, "chained", b->chained);
  json_u64(j, "exits", b->exits);
  json_u64(j, "protected_writes", b->protected_writes);
  json_u64(j, "callouts", b->callouts);
  json_u64(j, "adapted_instructions", b->adapted_insns);
  json_u64(j, "unadapted_instructions", b->unadapted_insns);
  json_u64(j, "retranslations", b->retranslations);
  json_end(j);
}

/* --pv on: the hypercalls, by call (core/pv.h), and what they did. */
static void report_pv_json(json *j, const vm_report *r) {
  static const char *const names[PV_NCALLS] = {
#define PV_CALL_NAME(NAME, s, n, m) [n] = s,
      PV_CALL_TABLE(PV_CALL_NAME)
#undef PV_CALL_NAME
  };
  const pv_counters *p = &r->pv;
  uint64_t total = p->unknown;
  for (int i = 0; i < PV_NCALLS; i++) total += p->calls[i];
  json_object(j, "pv");
  json_u64(j, "hypercalls", total);
  json_object(j, "calls");
  for (int i = 0; i < PV_NCALLS; i++) json_u64(j, names[i], p->calls[i]);
  json_end(j);
  json_u64(j, "unknown", p->unknown);
  json_u64(j, "errors", p->errors);
  json_u64(j, "pte_updates", p->pte_updates);
  json_u64(j, "tlb_drops", p->tlb_drops);
  json_u64(j, "console_bytes", p->console_bytes);
  json_end(j);
}

static void report_members(json *j, const vm_report *r) {
  const cpu_stats *s = &r->st;
  json_str(j, "name", r->name);
  json_str(j, "mode", r->mode);
  json_str(j, "exit", cpu_exit_name(r->exit));
  json_u64(j, "halt_code", r->halt_code);
  json_u64(j, "instructions", s->insns);
  json_u64(j, "user_instructions", s->user_insns);
  json_u64(j, "kernel_instructions", s->insns - s->user_insns);
  json_u64(j, "idle_ticks", s->idle_ticks);
  json_u64(j, "cycles", r->cycles);
  json_double(j, "host_seconds", r->host_seconds);
  json_u64(j, "io", s->io);
  json_object(j, "traps");
  for (int i = 0; i < NCAUSES; i++) json_u64(j, cpu_cause_name((uint32_t)i), s->traps[i]);
  json_end(j);
  json_object(j, "tlb");
  json_u64(j, "hits", s->tlb_hits);
  json_u64(j, "misses", s->tlb_misses);
  json_u64(j, "walk_refs", s->walk_refs);
  json_u64(j, "flushes", s->tlb_flushes);
  json_end(j);
  if (!r->monitored) return;
  const vmm_counters *n = &r->vmm;
  json_object(j, "vmm");
  json_object(j, "emulated");
  uint64_t emulated = 0;
  for (int op = 0; op < 256; op++) {
    const isa_info *in = &isa_table[op];
    if (in->name && (in->cls == CLASS_PRIV || in->cls == CLASS_SPEC)) json_u64(j, in->name, n->emulated[op]);
    emulated += n->emulated[op];
  }
  json_end(j);
  json_object(j, "reflected");
  for (int i = 0; i < NCAUSES; i++) json_u64(j, cpu_cause_name((uint32_t)i), n->reflected[i]);
  json_end(j);
  json_u64(j, "world_switches", n->world_switches);
  json_u64(j, "shadow_fills", n->shadow_fills);
  json_u64(j, "guest_page_faults", n->guest_page_faults);
  json_u64(j, "shadow_syncs", n->shadow_syncs);
  json_u64(j, "shadow_resets", n->shadow_resets);
  json_u64(j, "shadow_reuses", n->shadow_reuses);
  json_u64(j, "direct_instructions", n->direct_insns);
  json_u64(j, "emulated_instructions", emulated);
  if (n->traced) { /* --shadow trace only: a lazy run's keys stay as they were */
    json_str(j, "shadow", "trace");
    json_u64(j, "traced_writes", n->traced_writes);
    json_u64(j, "traced_pages", n->traced_pages);
    json_u64(j, "traced_updates", n->traced_updates);
  }
  json_end(j);
  if (r->translated) report_bt_json(j, r);
  if (r->hw_assist) report_hw_json(j, r);
  if (r->paravirt) report_pv_json(j, r);
}

void report_json_members(struct json *j, const vm_report *r) { report_members(j, r); }

int report_json(const char *path, const vm_report *r) {
  cli_out o;
  char err[300];
  int status = cli_out_open(&o, path, err, sizeof err);
  if (status == 0) {
    json j;
    json_init(&j, o.f);
    json_object(&j, NULL);
    report_members(&j, r);
    json_end(&j);
    status = cli_out_close(&o, err, sizeof err);
  }
  if (status) fprintf(stderr, "vmm: %s\n", err);
  return status;
}

static void dump_registers(const guest_view *c) {
  for (int i = 0; i < NREGS; i++)
    fprintf(stderr, "r%-2d %08x%s", i, c->r[i], i % 4 == 3 ? "\n" : "  ");
  fprintf(stderr, "pc  %08x  flags %08x (%s, IE=%d)\n", c->pc, c->flags,
          (c->flags & FLAG_KM) ? "kernel" : "user", (c->flags & FLAG_IE) ? 1 : 0);
  for (int i = 0; i < NCR; i++)
    fprintf(stderr, "%-8s%08x%s", isa_cr_name((uint32_t)i), c->cr[i], i % 4 == 3 || i == NCR - 1 ? "\n" : "  ");
}

/* The statuses are cli/status.h's; vmm.h names the same numbers. */
_Static_assert(VMM_EX_USAGE == CLI_EX_USAGE && VMM_EX_DATAERR == CLI_EX_DATAERR && VMM_EX_NOINPUT == CLI_EX_NOINPUT &&
                   VMM_EX_GUEST == CLI_EX_GUEST && VMM_EX_OSERR == CLI_EX_OSERR && VMM_EX_IOERR == CLI_EX_IOERR &&
                   VMM_EX_STEPS == CLI_EX_STEPS && VMM_EX_DIVERGED == CLI_EX_DIVERGED,
               "vmm.h and cli/status.h disagree on an exit status");

/* A halt code as an exit status; a code that does not pass through says
 * so in one line (cli/status.h). */
static int report_halt_status(const vm_report *r) {
  int status = cli_guest_status(r->halt_code);
  if (status == CLI_EX_HALT_CODE)
    fprintf(stderr, "vmm: %s: halted with code %u (exit status %d: codes above %d would read as vmm's own)\n",
            r->name, r->halt_code, status, CLI_GUEST_MAX);
  return status;
}

int report_status(const vm_report *r, const guest_view *c) {
  const trap_info *t = &r->last_trap;
  switch (r->exit) {
  case EXIT_HALT: return report_halt_status(r);
  case EXIT_BUDGET:
    fprintf(stderr, "vmm: %s: step budget exhausted after %llu instructions at pc 0x%08x\n", r->name,
            (unsigned long long)r->st.insns, r->pc);
    if (c) dump_registers(c);
    return VMM_EX_STEPS;
  case EXIT_NOVECTOR:
    fprintf(stderr, "vmm: %s: unhandled trap %s (value 0x%08x) at pc 0x%08x: no trap vector set\n", r->name,
            cpu_cause_name(t->cause), t->value, t->pc);
    break;
  case EXIT_DOUBLE:
    fprintf(stderr, "vmm: %s: double fault: %s (value 0x%08x) at the trap vector 0x%08x\n", r->name,
            cpu_cause_name(t->cause), t->value, t->pc);
    break;
  case EXIT_IDLE:
    fprintf(stderr, "vmm: %s: idle forever at pc 0x%08x: wfi with no timer and no input to wake it\n",
            r->name, r->pc);
    break;
  case EXIT_STOP: fprintf(stderr, "vmm: %s: stopped\n", r->name); break;
  case EXIT_TRAP:
  case EXIT_VMEXIT: /* (vmx_run turns it into an exit reason: never here) */
    fprintf(stderr, "vmm: %s: trap %s at pc 0x%08x left unhandled by the monitor\n", r->name,
            cpu_cause_name(t->cause), t->pc);
    break;
  }
  if (c) dump_registers(c);
  return VMM_EX_GUEST;
}
