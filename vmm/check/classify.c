/* classify.c: bin/vmm --classify, Popek and Goldberg by experiment.
 *
 * Popek and Goldberg (CACM 17(7), 1974) model a machine state as
 * <E, M, P, R>: storage, mode, program counter, relocation-bounds register.
 * This machine has more: the interrupt flag IE, control registers, a TLB
 * and devices.  The experiment runs one instance of every instruction of
 * the ISA table from each of 16 states,
 *
 *   mode {kernel, user} x IE {off, on} x control registers {set A, set B}
 *     x placement {low, high}: the same program and data, seen through the
 *     page tables at the same virtual addresses, sits 64 KiB further up in
 *     real memory (the paper's relocation by x)
 *
 * and decides each class from what the instruction did (docs/isa.md):
 *
 *   privileged         for every pair of states that differ only in the
 *                      mode (and where it takes no memory trap), it traps in
 *                      user mode and does not trap in kernel mode
 *   control-sensitive  from some state it runs without a trap and changes
 *                      the mode or the memory map (the paper's M and R), or
 *                      IE, a control register or a device (what the paper's
 *                      model leaves out, and a monitor must own as well)
 *   behaviour-sensitive  two states that differ only in the mode (mode-
 *                      sensitive) or only in the placement (location-
 *                      sensitive) give different results, running without a
 *                      trap in both; and, for this machine's extra state,
 *                      two that differ only in IE or in the control registers
 *   user-sensitive     control-sensitive from a user-mode state, or location-
 *                      (or IE-, control-register-) sensitive between two
 *                      user-mode states: what Theorem 3 asks about
 *
 * The declared class in isa.h is NOT consulted: the point is to check it
 * (classify_agrees, and the tests).  A finite set of states can show that
 * an instruction is sensitive; "no" means "not in any of these states".
 */
#include "check/classify.h"

#include <stdlib.h>
#include <string.h>

#include "isa_info.h"
#include "mmu.h"
#include "core/vmm.h"
#include "classify.h"

/* Virtual layout, the same in both placements; physical = virtual + base,
 * base 0 (low) or RELOC (high).  Virtual pages 1..VIEW_PAGES-1 are mapped
 * (user, writable); the page tables are not mapped, so that no view of the
 * program includes a physical address.  r2 and memory operands point into
 * the probe page, whose PTE is changed in memory after its translation is
 * cached: an instruction that reloads the memory map (tlbi r2, tlbflush,
 * mtc ptb) shows it. */
enum { CODE = 0x1000, STACK = 0x3000, PROBE = 0x5000, DATA = PROBE, FRAME_A = 0x5000, FRAME_B = 0x6000,
       PT = 0x8000, PD = 0x9000, VIEW_PAGES = 8, RELOC = 0x10000, CMEM = 0x20000 };
enum { NSTATES = 16 };

/* A state's coordinates, packed in its index. */
static bool st_kernel(int s) { return s & 1; }
static bool st_ie(int s) { return s & 2; }
static int st_crset(int s) { return (s >> 2) & 1; }
static uint32_t st_base(int s) { return (s & 8) ? RELOC : 0; }

/* The machine after one instruction, as a program in it sees it: what the
 * comparisons of the experiment compare. */
typedef struct outcome {
  bool ran;       /* completed without any trap */
  bool mem_trap;  /* else: a memory trap (page fault, misaligned) */
  uint32_t cause; /* the trap */
  unsigned control; /* PG_* bits: what it changed */
  uint32_t r[NREGS], pc, flags, cr[NCR]; /* cr[ptb] left out: it is an address */
  int64_t map[VIEW_PAGES];  /* frame of each virtual page, less the base; -1 unmapped */
  uint64_t view_hash;       /* the mapped pages' contents, through that map */
  bool halted, waiting;
  uint64_t io; /* port accesses */
} outcome;

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

static void st_phys(cpu *c, uint32_t pa, uint32_t v) { st32(c->mem + pa, v); }

static int64_t ld_phys(const cpu *c, uint32_t pa) { return pa <= c->mem_size - 4 ? (int64_t)ld32(c->mem + pa) : (int64_t)-1; }

/* The frame a virtual address reaches now: the TLB's entry if it holds
 * one (the map in force, even if memory says otherwise), else the walk. */
static int64_t frame_of(const cpu *c, uint32_t va) {
  const tlb_entry *e = &c->tlb[(va >> PAGE_SHIFT) & (c->tlb_size - 1)];
  if (e->tag == ((va & ~PAGE_MASK) | c->tag_lo)) return (int64_t)e->ppn << PAGE_SHIFT;
  if (!(c->cr[CR_PAGING] & 1)) return va & ~PAGE_MASK;
  int64_t pde = ld_phys(c, PDE_AT(c->cr[CR_PTB], va));
  if (pde < 0 || !(pde & PTE_V)) return -1;
  int64_t pte = ld_phys(c, PTE_AT((uint32_t)pde, va));
  if (pte < 0 || !(pte & PTE_V)) return -1;
  return PTE_ADDR((uint32_t)pte);
}

static void take_map(const cpu *c, uint32_t base, int64_t map[VIEW_PAGES]) {
  for (uint32_t p = 1; p < VIEW_PAGES; p++) {
    int64_t f = frame_of(c, p << PAGE_SHIFT);
    map[p] = f < 0 || (uint64_t)f + PAGE_SIZE > c->mem_size ? -1 : f - (int64_t)base;
  }
  map[0] = -1;
}

static uint64_t hash_view(const cpu *c, uint32_t base, const int64_t map[VIEW_PAGES]) {
  uint64_t h = 1469598103934665603ull;
  for (int p = 1; p < VIEW_PAGES; p++) {
    if (map[p] < 0) {
      h = (h ^ 0xff) * 1099511628211ull;
      continue;
    }
    const uint8_t *m = c->mem + map[p] + base;
    for (uint32_t i = 0; i < PAGE_SIZE; i++) h = (h ^ m[i]) * 1099511628211ull;
  }
  return h;
}

/* The machine in state s: pages mapped, the probe's stale translation in
 * the TLB, registers and control registers set. */
static cpu *machine(int s, bool strict) {
  uint32_t b = st_base(s);
  cpu *c = cpu_new(CMEM, 64);
  if (!c) cpu_panic("classify: out of host memory");
  for (uint32_t p = 1; p < VIEW_PAGES; p++)
    st_phys(c, b + PT + 4 * p, (b + (p << PAGE_SHIFT)) | PTE_V | PTE_W | PTE_U | PTE_A | PTE_D);
  st_phys(c, b + PD, (b + PT) | PTE_V);
  st_phys(c, b + FRAME_A, 0xaaaaaaaau);
  st_phys(c, b + FRAME_B, 0xbbbbbbbbu);
  st_phys(c, b + STACK, 0x3f);      /* what popf would load: every flag */
  st_phys(c, b + DATA + 8, 0x1234); /* what loads would read */
  cpu_reset(c, CODE);
  c->trap_to_host = true; /* every trap comes back here, in either mode */
  c->strict_isa = strict;
  c->cr[CR_PTB] = b + PD;
  c->cr[CR_PAGING] = 1;
  uint32_t va;
  (void)mmu_access(c, PROBE, P_R, &va); /* cache the probe's translation ... */
  st_phys(c, b + PT + 4 * (PROBE >> PAGE_SHIFT), (b + FRAME_B) | PTE_V | PTE_W | PTE_U | PTE_A | PTE_D);
  for (int i = 1; i < NREGS; i++) c->r[i] = 0x100 * (uint32_t)i + 7; /* ... and change it behind the TLB */
  c->r[2] = DATA;
  c->r[REG_SP] = STACK;
  static const uint32_t set[2][NCR] = {
      {[CR_TVEC] = 0x4000, [CR_EPC] = 0x1100, [CR_ESTATUS] = FLAG_KM, [CR_CAUSE] = 6, [CR_BADVA] = 0x10,
       [CR_TIMER] = 0, [CR_SCRATCH] = 0x55},
      {[CR_TVEC] = 0x4800, [CR_EPC] = 0x1200, [CR_ESTATUS] = FLAG_IE, [CR_CAUSE] = 3, [CR_BADVA] = 0x20,
       [CR_TIMER] = 1000, [CR_SCRATCH] = 0x66},
  };
  for (int i = 0; i < NCR; i++)
    if (i != CR_PTB && i != CR_PAGING) c->cr[i] = set[st_crset(s)][i];
  c->timer_left = c->cr[CR_TIMER];
  c->flags = (st_kernel(s) ? FLAG_KM : 0) | (st_ie(s) ? FLAG_IE : 0) | FLAG_Z;
  c->perm_shift = st_kernel(s) ? PSHIFT_KERNEL : PSHIFT_USER;
  return c;
}

static bool is_mem_trap(uint32_t cause) {
  return cause == CAUSE_PF_FETCH || cause == CAUSE_PF_LOAD || cause == CAUSE_PF_STORE || cause == CAUSE_MISALIGN;
}

static outcome run_one(uint32_t word, int s, bool strict) {
  uint32_t b = st_base(s);
  cpu *c = machine(s, strict);
  cpu_phys_write(c, b + CODE, &word, 4);
  uint32_t cr0[NCR], flags0 = c->flags;
  memcpy(cr0, c->cr, sizeof cr0);
  int64_t map0[VIEW_PAGES];
  take_map(c, b, map0);
  uint64_t io0 = c->st.io;
  enum cpu_exit ex = cpu_run(c, 1);
  outcome o = {0};
  o.ran = ex != EXIT_TRAP;
  o.cause = c->trap.cause;
  o.mem_trap = !o.ran && is_mem_trap(o.cause);
  if (o.ran) {
    take_map(c, b, o.map);
    if ((c->flags ^ flags0) & FLAG_KM) o.control |= PG_MODE;
    if ((c->flags ^ flags0) & FLAG_IE) o.control |= PG_IE;
    if (memcmp(o.map, map0, sizeof map0) != 0 || c->cr[CR_PTB] != cr0[CR_PTB] || c->cr[CR_PAGING] != cr0[CR_PAGING])
      o.control |= PG_MAP;
    for (int i = 0; i < NCR; i++)
      if (i != CR_PTB && i != CR_PAGING && c->cr[i] != cr0[i]) o.control |= PG_CR;
    if (c->st.io != io0) o.control |= PG_IO;
    if (ex == EXIT_HALT) o.control |= PG_HALT;
    if (c->waiting) o.control |= PG_WAIT;
    memcpy(o.r, c->r, sizeof o.r);
    o.pc = c->pc;
    o.flags = c->flags;
    memcpy(o.cr, c->cr, sizeof o.cr);
    o.cr[CR_PTB] = 0;
    o.view_hash = hash_view(c, b, o.map);
    o.halted = ex == EXIT_HALT;
    o.waiting = c->waiting;
    o.io = c->st.io - io0;
  }
  cpu_free(c);
  return o;
}

/* Do two runs that both completed give different results?  What the two
 * starting states differed in is left out: the mode bit for a pair that
 * differs in mode, IE for one that differs in IE, the control registers
 * for one that differs in them. */
static bool differ(const outcome *a, const outcome *b, uint32_t flag_mask, bool with_cr) {
  return memcmp(a->r, b->r, sizeof a->r) != 0 || a->pc != b->pc || ((a->flags ^ b->flags) & flag_mask) ||
         (with_cr && memcmp(a->cr, b->cr, sizeof a->cr) != 0) || memcmp(a->map, b->map, sizeof a->map) != 0 ||
         a->view_hash != b->view_hash || a->halted != b->halted || a->waiting != b->waiting || a->io != b->io;
}

/* Fold one pair of runs that differ in one coordinate into an answer. */
static void pair(enum pg_answer *ans, const outcome *a, const outcome *b, uint32_t flag_mask, bool with_cr) {
  if (!a->ran || !b->ran) return;
  if (differ(a, b, flag_mask, with_cr)) *ans = PG_YES;
  else if (*ans == PG_NA) *ans = PG_NO;
}

void classify_insn(const isa_info *in, bool strict, pg_class *v) {
  memset(v, 0, sizeof *v);
  v->user_cause = v->kernel_cause = -1;
  bool priv_pair = false, priv_broken = false;
  enum pg_answer ie = PG_NA, cr = PG_NA, user_loc = PG_NA, user_ie = PG_NA, user_cr = PG_NA;
  /* Control-register instructions: try every register and combine. */
  int ncr = isa_has_operand(in, 'c') ? NCR : 1;
  for (int r = 0; r < ncr; r++) {
    uint32_t w = instance(in, (uint32_t)r);
    outcome o[NSTATES];
    for (int s = 0; s < NSTATES; s++) o[s] = run_one(w, s, strict);
    for (int s = 0; s < NSTATES; s++) {
      if (!o[s].ran) *(st_kernel(s) ? &v->kernel_cause : &v->user_cause) = (int)o[s].cause;
      v->control |= o[s].control;
      if (!st_kernel(s)) v->user |= o[s].control;
    }
    for (int s = 0; s < NSTATES; s++) {
      const outcome *a = &o[s];
      /* each pair once: s has the coordinate clear, s | bit has it set */
      if (!(s & 1)) { /* user s, kernel s|1 */
        const outcome *k = &o[s | 1];
        if (!a->mem_trap && !k->mem_trap) {
          priv_pair = true;
          if (a->ran || !k->ran) priv_broken = true;
        }
        pair(&v->mode, a, k, ~(uint32_t)FLAG_KM, true);
      }
      if (!(s & 2)) {
        pair(&ie, a, &o[s | 2], ~(uint32_t)FLAG_IE, true);
        if (!st_kernel(s)) pair(&user_ie, a, &o[s | 2], ~(uint32_t)FLAG_IE, true);
      }
      if (!(s & 4)) {
        pair(&cr, a, &o[s | 4], ~0u, false);
        if (!st_kernel(s)) pair(&user_cr, a, &o[s | 4], ~0u, false);
      }
      if (!(s & 8)) {
        pair(&v->location, a, &o[s | 8], ~0u, true);
        if (!st_kernel(s)) pair(&user_loc, a, &o[s | 8], ~0u, true);
      }
    }
  }
  v->privileged = priv_pair && !priv_broken;
  v->state = (ie == PG_YES ? PG_IE : 0) | (cr == PG_YES ? PG_CR : 0);
  v->user |= (user_loc == PG_YES ? PG_LOC : 0) | (user_ie == PG_YES ? PG_IE : 0) | (user_cr == PG_YES ? PG_CR : 0);
  v->sensitive = v->control || v->mode == PG_YES || v->location == PG_YES || v->state;
  v->user_sensitive = v->user != 0;
}

/* ---- the declared classes (isa.h) against the measured ones ---- */

bool classify_agrees(bool strict, const isa_info *in, char *why, size_t len) {
  pg_class v;
  classify_insn(in, strict, &v);
  const char *want = NULL;
  switch (in->cls) {
  case CLASS_ORD: /* innocuous: runs in both modes, the same, changing nothing the monitor owns */
    if (v.privileged || v.sensitive || v.user_cause >= 0 || v.kernel_cause >= 0) want = "innocuous, never trapping";
    break;
  case CLASS_TRAP: /* traps in both modes: not privileged, and innocuous */
    if (v.privileged || v.sensitive || v.user_cause < 0 || v.kernel_cause < 0) want = "innocuous, trapping in both modes";
    break;
  case CLASS_PRIV:
    if (!v.privileged || !v.sensitive || v.user_sensitive) want = "privileged and sensitive";
    break;
  case CLASS_SPEC: /* sensitive; privileged only on the strict ISA */
    if (v.privileged != strict || !v.sensitive) want = strict ? "privileged and sensitive" : "sensitive, not privileged";
    break;
  default: want = "a known class";
  }
  if (!want) return true;
  snprintf(why, len, "%s (%s ISA): declared %s (%s) but measured %s, %s%s", in->name, strict ? "strict" : "real",
           isa_class_name(in->cls), want, v.privileged ? "privileged" : "not privileged",
           v.sensitive ? "sensitive" : "innocuous", v.user_sensitive ? ", user-sensitive" : "");
  return false;
}

/* ---- the table ---- */

/* "IE,CR", or "-" for none. */
static const char *bits(unsigned b, char *buf, size_t len) {
  static const struct {
    unsigned bit;
    const char *name;
  } names[] = {{PG_MODE, "mode"}, {PG_MAP, "map"}, {PG_IE, "IE"},     {PG_CR, "CR"},
               {PG_IO, "I/O"},    {PG_HALT, "halt"}, {PG_WAIT, "wait"}, {PG_LOC, "loc"}};
  buf[0] = 0;
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (b & names[i].bit) snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", buf[0] ? "," : "", names[i].name);
  return buf[0] ? buf : "-";
}

static const char *answer(enum pg_answer a) { return a == PG_YES ? "yes" : a == PG_NO ? "no" : "-"; }

static const char *cause(int c) { return c < 0 ? "-" : cpu_cause_name((uint32_t)c); }

/* Append a name to a list for the verdict lines. */
static void add(char *list, size_t len, const char *name) {
  snprintf(list + strlen(list), len - strlen(list), " %s", name);
}

/* One row of the table, without trailing blanks. */
static void row(FILE *f, const char *c[10], const char *mark) {
  char line[256];
  snprintf(line, sizeof line, "%-9s %-10s %-8s %-8s %-4s %-9s %-4s %-4s %-5s %-5s %s", c[0], c[1], c[2], c[3], c[4],
           c[5], c[6], c[7], c[8], c[9], mark);
  size_t n = strlen(line);
  while (n && line[n - 1] == ' ') n--;
  fprintf(f, "%.*s\n", (int)n, line);
}

int classify_main(FILE *f, bool strict) {
  char priv[512] = "", sens[512] = "", usens[512] = "", t1[256] = "", t3[256] = "";
  int n1 = 0, n3 = 0;
  fprintf(f, "Popek and Goldberg (1974) by experiment, the %s ISA: each instruction run\n"
             "from 16 states (kernel or user mode, IE off or on, two sets of control\n"
             "registers, two places in real memory); docs/isa.md defines the columns.\n\n",
          strict ? "strict" : "real");
  fprintf(f, "%-21s%-23s%-10s%-16s%s\n", "", "traps in", "control-", "behaviour-sens.", "user-");
  row(f, (const char *[10]){"insn", "declared", "user", "kernel", "priv", "sensitive", "mode", "loc", "IE/CR", "sens."},
      "");
  for (int op = 0; op < 256; op++) {
    const isa_info *in = &isa_table[op];
    if (!in->name) continue;
    pg_class v;
    classify_insn(in, strict, &v);
    char b1[64], b2[64], b3[64];
    bool t1_breaks = v.sensitive && !v.privileged, t3_breaks = v.user_sensitive && !v.privileged;
    row(f,
        (const char *[10]){in->name, isa_class_name(in->cls), cause(v.user_cause), cause(v.kernel_cause),
                           v.privileged ? "yes" : "no", bits(v.control, b1, sizeof b1), answer(v.mode),
                           answer(v.location), bits(v.state, b2, sizeof b2), bits(v.user, b3, sizeof b3)},
        t1_breaks ? (t3_breaks ? "<- T1 T3" : "<- T1") : "");
    if (v.privileged) add(priv, sizeof priv, in->name);
    if (v.sensitive) add(sens, sizeof sens, in->name);
    if (v.user_sensitive) add(usens, sizeof usens, in->name);
    if (t1_breaks) n1++, add(t1, sizeof t1, in->name);
    if (t3_breaks) n3++, add(t3, sizeof t3, in->name);
  }
  fprintf(f, "\nprivileged:%s\nsensitive:%s\nuser-sensitive:%s\n\n", priv, sens, usens[0] ? usens : " none");
  fprintf(f, "Theorem 1: a VMM can be built if every sensitive instruction is privileged.\n");
  if (n1) fprintf(f, "  not met:%s %s sensitive and not privileged (T1 above)\n", t1, n1 == 1 ? "is" : "are");
  else fprintf(f, "  met: trap-and-emulate alone can run this ISA's guests\n");
  fprintf(f, "Theorem 3: a hybrid VMM (all of virtual kernel mode interpreted) can be built\n"
             "if every user-sensitive instruction is privileged.\n");
  if (n3) fprintf(f, "  not met:%s %s user-sensitive and not privileged (T3 above)\n", t3, n3 == 1 ? "is" : "are");
  else fprintf(f, "  met: it may run virtual user mode directly\n");
  fprintf(f, "Both conditions are sufficient, not necessary: \"not met\" means the theorem\n"
             "promises nothing.\n");
  return n1;
}
