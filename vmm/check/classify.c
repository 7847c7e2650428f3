/* classify.c: bin/vmm --classify, Popek and Goldberg by experiment.
 *
 * For every instruction of the ISA table, build one instance, run it once
 * from each of a set of machine states, and watch what happens.  The
 * declared class in isa.h is NOT consulted: the point is to check it.
 *
 *   states: mode {kernel, user} x interrupts {off, on} x control registers
 *           {set A, set B} (every control register but ptb differs)
 *
 *   privileged          traps (CAUSE_PRIV) in user mode, never in kernel mode
 *   control-sensitive   where it runs, changes the mode, IE, a control
 *                       register, the memory map (TLB contents, page-table
 *                       base, paging), or device state (I/O, halt, wait)
 *   behavior-sensitive  where it runs, its ordinary effect (registers,
 *                       condition flags, memory) differs between states
 *                       that differ only in mode, IE or control registers
 *
 * Popek and Goldberg (1974): a monitor built on trap-and-emulate exists if
 * every sensitive instruction is privileged.  An instruction that is
 * sensitive but not privileged breaks the theorem; on this ISA those are
 * pushf and popf, unless --isa strict makes them trap.
 */
#include <stdlib.h>
#include <string.h>

#include "isa_info.h"
#include "mmu.h"
#include "core/vmm.h"
#include "classify.h"

/* r2 and memory operands point into the probe page, whose PTE is changed
 * in memory after its translation is cached: an instruction that reloads
 * the memory map (tlbi r2, tlbflush, mtc ptb) then shows it. */
enum { CODE = 0x1000, STACK = 0x3000, PROBE = 0x5000, DATA = PROBE, FRAME_A = 0x5000, FRAME_B = 0x6000,
       PT = 0x8000, PD = 0x9000, CMEM = 0x10000 };

typedef struct outcome {
  bool ran;        /* completed without any trap */
  uint32_t cause;  /* else: the trap */
  bool control;    /* changed control state */
  uint32_t r[NREGS];
  uint32_t cc;
  uint64_t mem_hash;
} outcome;

typedef struct verdict {
  bool traps_user, traps_kernel, privileged, control, behavior;
  int user_cause, kernel_cause; /* a trap seen in that mode, or -1 */
} verdict;

/* One instance of an instruction: each operand into the fields its kind
 * names (isa.h), with fixed registers (r1 in rd, r2 in rs1, r3 in rs2) and
 * small values that point at mapped memory. */
static uint32_t instance(const isa_info *in, uint32_t cr) {
  uint32_t w = (uint32_t)in->opcode << 24;
  for (const char *p = in->ops; *p; p++) {
    const isa_operand *k = isa_operand_kind(*p);
    if (!k) continue;
    w |= ISA_FIELD_PUT(k->reg, k->reg == FIELD_RD ? 1 : k->reg == FIELD_RS1 ? 2 : 3);
    uint32_t imm = 0;
    switch (k->form) {
    case FORM_SIGNED:
    case FORM_UNSIGNED: imm = 4; break;
    case FORM_MEM: imm = 8; break; /* 8(r2): in the data page */
    case FORM_TARGET: imm = 2; break;
    case FORM_CREG: imm = cr; break;
    case FORM_PORT: imm = in->opcode == OP_IN ? PORT_CONS_STATUS : PORT_CONS_DATA; break;
    }
    w |= ISA_FIELD_PUT(k->imm, imm);
  }
  return w;
}

static uint64_t hash_mem(const cpu *c) {
  uint64_t h = 1469598103934665603ull;
  for (uint32_t i = 0; i < c->mem_size; i++) h = (h ^ c->mem[i]) * 1099511628211ull;
  return h;
}

static void st_phys(cpu *c, uint32_t pa, uint32_t v) { st32(c->mem + pa, v); }

/* A small machine: identity-mapped pages 0..15 (user, writable), the probe
 * page's translation cached in the TLB and then changed in memory, so that
 * any instruction that touches the memory map shows it. */
static cpu *machine(bool kernel, bool ie, int crset, bool strict) {
  cpu *c = cpu_new(CMEM, 64);
  if (!c) cpu_panic("classify: out of host memory");
  for (uint32_t p = 1; p < 16; p++) st_phys(c, PT + 4 * p, (p << PAGE_SHIFT) | PTE_V | PTE_W | PTE_U | PTE_A | PTE_D);
  st_phys(c, PD, PT | PTE_V);
  st_phys(c, FRAME_A, 0xaaaaaaaau);
  st_phys(c, FRAME_B, 0xbbbbbbbbu);
  st_phys(c, STACK, 0x3f);      /* what popf would load: every flag */
  st_phys(c, DATA + 8, 0x1234); /* what loads would read */
  cpu_reset(c, CODE);
  c->trap_to_host = true; /* every trap comes back here, in either mode */
  c->strict_isa = strict;
  c->cr[CR_PTB] = PD;
  c->cr[CR_PAGING] = 1;
  uint32_t va;
  uint8_t *h = mmu_access(c, PROBE, P_R, &va); /* warm the TLB */
  (void)h;
  st_phys(c, PT + 4 * (PROBE >> PAGE_SHIFT), FRAME_B | PTE_V | PTE_W | PTE_U | PTE_A | PTE_D);
  for (int i = 1; i < NREGS; i++) c->r[i] = 0x100 * (uint32_t)i + 7;
  c->r[2] = DATA;
  c->r[REG_SP] = STACK;
  static const uint32_t set[2][NCR] = {
      {[CR_TVEC] = 0x4000, [CR_EPC] = 0x1100, [CR_ESTATUS] = FLAG_KM, [CR_CAUSE] = 6, [CR_BADVA] = 0x10,
       [CR_TIMER] = 0, [CR_SCRATCH] = 0x55},
      {[CR_TVEC] = 0x4800, [CR_EPC] = 0x1200, [CR_ESTATUS] = FLAG_IE, [CR_CAUSE] = 3, [CR_BADVA] = 0x20,
       [CR_TIMER] = 1000, [CR_SCRATCH] = 0x66},
  };
  for (int i = 0; i < NCR; i++)
    if (i != CR_PTB && i != CR_PAGING) c->cr[i] = set[crset][i];
  c->timer_left = c->cr[CR_TIMER];
  c->flags = (kernel ? FLAG_KM : 0) | (ie ? FLAG_IE : 0) | FLAG_Z;
  c->perm_shift = kernel ? PSHIFT_KERNEL : PSHIFT_USER;
  st32(c->mem + CODE, 0);
  return c;
}

static bool probe_still_cached(const cpu *c) {
  const tlb_entry *e = &c->tlb[(PROBE >> PAGE_SHIFT) & (c->tlb_size - 1)];
  return e->tag == (PROBE | c->tag_lo) && e->ppn == (FRAME_A >> PAGE_SHIFT);
}

static outcome run_one(uint32_t word, bool kernel, bool ie, int crset, bool strict) {
  cpu *c = machine(kernel, ie, crset, strict);
  cpu_phys_write(c, CODE, &word, 4);
  uint32_t cr0[NCR], flags0 = c->flags;
  memcpy(cr0, c->cr, sizeof cr0);
  uint64_t io0 = c->st.io;
  enum cpu_exit ex = cpu_run(c, 1);
  outcome o = {0};
  o.ran = ex != EXIT_TRAP;
  o.cause = c->trap.cause;
  if (o.ran) {
    o.control = (c->flags & (FLAG_KM | FLAG_IE)) != (flags0 & (FLAG_KM | FLAG_IE)) ||
                memcmp(c->cr, cr0, sizeof cr0) != 0 || !probe_still_cached(c) || c->st.io != io0 ||
                ex == EXIT_HALT || c->waiting;
    memcpy(o.r, c->r, sizeof o.r);
    o.cc = c->flags & FLAGS_CC;
    o.mem_hash = hash_mem(c);
  }
  cpu_free(c);
  return o;
}

static verdict classify_one(const isa_info *in, bool strict) {
  verdict v = {.user_cause = -1, .kernel_cause = -1};
  /* Control-register instructions: try every register and combine. */
  int ncr = isa_has_operand(in, 'c') ? NCR : 1;
  for (int cr = 0; cr < ncr; cr++) {
    uint32_t w = instance(in, (uint32_t)cr);
    outcome o[2][2][2];
    for (int k = 0; k < 2; k++)
      for (int ie = 0; ie < 2; ie++)
        for (int s = 0; s < 2; s++) o[k][ie][s] = run_one(w, k, ie, s, strict);
    for (int ie = 0; ie < 2; ie++)
      for (int s = 0; s < 2; s++) {
        if (!o[0][ie][s].ran) v.user_cause = (int)o[0][ie][s].cause;
        if (!o[1][ie][s].ran) v.kernel_cause = (int)o[1][ie][s].cause;
        if (!o[0][ie][s].ran && o[0][ie][s].cause == CAUSE_PRIV) v.traps_user = true;
        if (!o[1][ie][s].ran && o[1][ie][s].cause == CAUSE_PRIV) v.traps_kernel = true;
      }
    const outcome *all = &o[0][0][0];
    const outcome *ran = NULL;
    for (int i = 0; i < 8; i++) {
      if (!all[i].ran) continue;
      if (all[i].control) v.control = true;
      if (!ran) {
        ran = &all[i];
      } else if (memcmp(ran->r, all[i].r, sizeof ran->r) != 0 || ran->cc != all[i].cc ||
                 ran->mem_hash != all[i].mem_hash) {
        v.behavior = true;
      }
    }
  }
  v.privileged = v.traps_user && !v.traps_kernel;
  return v;
}

static const char *kind(const verdict *v) {
  bool sensitive = v->control || v->behavior;
  return v->privileged ? (sensitive ? "both" : "privileged") : sensitive ? "sensitive" : "neither";
}

bool classify_agrees(bool strict, const isa_info *in, char *why, size_t len) {
  verdict v = classify_one(in, strict);
  bool sensitive = v.control || v.behavior;
  bool want_priv = in->cls == CLASS_PRIV || (in->cls == CLASS_SPEC && strict);
  bool want_sens = in->cls == CLASS_PRIV || in->cls == CLASS_SPEC;
  if (v.privileged == want_priv && sensitive == want_sens) return true;
  snprintf(why, len, "%s declared %s but measured %s", in->name, isa_class_name(in->cls), kind(&v));
  return false;
}

int classify_main(FILE *f, bool strict) {
  int breakers = 0;
  char names[256] = "";
  fprintf(f, "Popek-Goldberg classification by experiment (%s ISA)\n\n", strict ? "strict" : "real");
  fprintf(f, "%-10s %-10s %-8s %-8s %-8s %-9s %-10s %s\n", "insn", "declared", "trap in", "trap in", "control",
          "behavior", "measured", "");
  fprintf(f, "%-10s %-10s %-8s %-8s %-8s %-9s %-10s %s\n", "", "", "user", "kernel", "sensit.", "sensit.", "", "");
  for (int op = 0; op < 256; op++) {
    const isa_info *in = &isa_table[op];
    if (!in->name) continue;
    verdict v = classify_one(in, strict);
    bool breaks = (v.control || v.behavior) && !v.privileged;
    breakers += breaks;
    if (breaks) snprintf(names + strlen(names), sizeof names - strlen(names), " %s", in->name);
    fprintf(f, "%-10s %-10s %-8s %-8s %-8s %-9s %-10s %s\n", in->name, isa_class_name(in->cls),
            v.user_cause < 0 ? "-" : cpu_cause_name((uint32_t)v.user_cause),
            v.kernel_cause < 0 ? "-" : cpu_cause_name((uint32_t)v.kernel_cause), v.control ? "yes" : "no",
            v.behavior ? "yes" : "no", kind(&v), breaks ? "<-- sensitive, not privileged" : "");
  }
  fprintf(f, "\nverdict: ");
  if (breakers == 0) {
    fprintf(f, "classically virtualizable: every sensitive instruction is privileged\n");
  } else {
    fprintf(f, "NOT classically virtualizable: %d sensitive instruction%s not privileged:%s\n", breakers,
            breakers == 1 ? " is" : "s are", names);
  }
  return breakers;
}
