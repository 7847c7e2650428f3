/* test_hw.c: hardware assistance in the CPU (cpu/vmx.c, cpu/npt.c): VM
 * entry and exit for each exit control, the guest state across exits, the
 * two-dimensional walk (references, faults at each level of either table,
 * A and D bits), the tagged TLB across two VMs, event injection and the
 * entry checks.  The monitor built on it is tested in test_hw_vm.c; both
 * are in hw_suite.
 *
 * The test machine's host-physical memory:
 *
 *   0x00000 +------------------+
 *   0x01000 | nested dir, VM A |  each VM's nested table maps its guest-
 *   0x02000 | nested tbl, VM A |  physical 0..GSIZE to its own memory,
 *   0x03000 | nested dir, VM B |  writable
 *   0x04000 | nested tbl, VM B |
 *   0x10000 | VM A memory      |  GSIZE bytes
 *   0x20000 | VM B memory      |
 *   0x30000 +------------------+  HV_MEM
 *
 * Inside a VM, guest-physical addresses follow enc.h's machine: programs
 * at CODE, the trap vector at VEC, data at DATA, the guest's directory at
 * PD and its tables from PT_POOL up.  VEC holds `mfc r1, cause; halt r1`
 * and HALT exiting is on, so a trap the guest itself took ends the run
 * with a HALT exit whose value is the cause.
 */
#include <check.h>
#include <stdlib.h>

#include "enc.h"
#include "vmx.h"

enum { HV_MEM = 0x30000, GSIZE = 0x10000, GVA = 0x00400000 /* guest data, user */ };

typedef struct hv {
  cpu *c;
  vmcs s;
  uint32_t base, npt; /* host-physical: guest-physical 0, nested directory */
  uint32_t next_pt;   /* guest-physical: the next page for a guest table */
} hv;

#define HV_PROG(v, gpa, ...) TM_PROG((v)->c, (v)->base + (gpa), __VA_ARGS__)
static uint32_t g_rd(const hv *v, uint32_t gpa) { return tm_rd32(v->c, v->base + gpa); }
static void g_wr(hv *v, uint32_t gpa, uint32_t x) { tm_wr32(v->c, v->base + gpa, x); }
/* Host-physical address of the nested PTE for gpa (below 4 MiB). */
static uint32_t n_pte(const hv *v, uint32_t gpa) { return v->npt + PAGE_SIZE + ((gpa >> PAGE_SHIFT) << 2); }

static cpu *hv_machine(void) {
  cpu *c = cpu_new(HV_MEM, 64);
  ck_assert_ptr_nonnull(c);
  return c;
}

/* VM `which` (0 = A, 1 = B) on c: memory cleared, nested table built,
 * guest in kernel mode at CODE, paging off, HALT exiting on. */
static void hv_init(hv *v, cpu *c, int which) {
  static const uint8_t zero[GSIZE];
  memset(v, 0, sizeof *v);
  v->c = c;
  v->base = which ? 0x20000 : 0x10000;
  v->npt = which ? 0x3000 : 0x1000;
  v->next_pt = PT_POOL;
  ck_assert(cpu_phys_write(c, v->base, zero, GSIZE));
  ck_assert(cpu_phys_write(c, v->npt, zero, 2 * PAGE_SIZE));
  tm_wr32(c, v->npt, (v->npt + PAGE_SIZE) | PTE_V | PTE_W);
  for (uint32_t g = 0; g < GSIZE; g += PAGE_SIZE) tm_wr32(c, n_pte(v, g), (v->base + g) | PTE_V | PTE_W);
  v->s.vmid = (uint32_t)which + 1;
  v->s.npt_root = v->npt;
  v->s.exits = VMX_CTL_HALT;
  v->s.guest.pc = CODE;
  v->s.guest.flags = FLAG_KM;
  v->s.guest.cr[CR_TVEC] = VEC;
  HV_PROG(v, VEC, ENC_MFC(1, CR_CAUSE), ENC_HALT(1));
}

/* Map va to gpa in the guest's own table (entries hold guest-physical
 * addresses).  Returns the guest-physical address of the PTE. */
static uint32_t g_map(hv *v, uint32_t va, uint32_t gpa, uint32_t bits) {
  uint32_t pde_gpa = PD + ((va >> 22) << 2), pde = g_rd(v, pde_gpa);
  if (!(pde & PTE_V)) {
    pde = v->next_pt | PTE_V;
    v->next_pt += PAGE_SIZE;
    g_wr(v, pde_gpa, pde);
  }
  uint32_t pte_gpa = (pde & ~PAGE_MASK) + (((va >> PAGE_SHIFT) & 0x3ff) << 2);
  g_wr(v, pte_gpa, (gpa & ~PAGE_MASK) | bits | PTE_V);
  return pte_gpa;
}

/* Guest paging on: CODE and VEC identity-mapped for the kernel, GVA ->
 * DATA for the user; the entries start with A and D clear. */
static void g_paging(hv *v) {
  g_map(v, CODE, CODE, PTE_W);
  g_map(v, VEC, VEC, PTE_W);
  g_map(v, GVA, DATA, PTE_W | PTE_U);
  v->s.guest.cr[CR_PTB] = PD;
  v->s.guest.cr[CR_PAGING] = 1;
}

static uint32_t hv_run(hv *v, uint64_t ticks) { return vmx_run(v->c, &v->s, ticks); }

/* ---- VM exit for each exit control ---- */

static const struct exit_case {
  const char *what;
  uint32_t exits, exc, cr_read, cr_write; /* the one control under test */
  uint32_t flags;                         /* guest flags at entry */
  uint32_t prog[3];
  uint32_t reason, qual, value, reg;
  uint32_t at;      /* pc of the exit, from CODE */
  uint32_t epc;     /* EXCEPTION and INTERRUPT: the epc, from CODE */
  uint32_t retired; /* guest instructions retired first */
} exit_cases[] = {
    {"halt", VMX_CTL_HALT, 0, 0, 0, FLAG_KM, {ENC_HALT(1)}, VMX_EXIT_HALT, 0, 0x1234, 0, 0, 0, 0},
    {"wfi", VMX_CTL_WFI, 0, 0, 0, FLAG_KM, {ISA_ENC_I(OP_ADDI, 2, 0, 1), ENC_OP0(OP_WFI)}, VMX_EXIT_WFI, 0, 0, 0, 4, 0, 1},
    {"out", VMX_CTL_IO, 0, 0, 0, FLAG_KM, {ENC_OUT(2, 1)}, VMX_EXIT_IO, 2 | VMX_IO_OUT, 0x1234, 1, 0, 0, 0},
    {"in", VMX_CTL_IO, 0, 0, 0, FLAG_KM, {ENC_IN(3, 1)}, VMX_EXIT_IO, 1, 0, 3, 0, 0, 0},
    {"mfc", 0, 0, 1u << CR_PTB, 0, FLAG_KM, {ENC_MFC(4, CR_PTB)}, VMX_EXIT_CR_READ, CR_PTB, 0, 4, 0, 0, 0},
    {"mtc", 0, 0, 0, 1u << CR_SCRATCH, FLAG_KM, {ENC_MTC(CR_SCRATCH, 1)}, VMX_EXIT_CR_WRITE, CR_SCRATCH, 0x1234, 1, 0, 0, 0},
    {"tlbi", VMX_CTL_TLB, 0, 0, 0, FLAG_KM, {ISA_ENC_R(OP_TLBI, 0, 1, 0)}, VMX_EXIT_TLBI, 0, 0x1234, 0, 0, 0, 0},
    {"tlbflush", VMX_CTL_TLB, 0, 0, 0, FLAG_KM, {ENC_OP0(OP_TLBFLUSH)}, VMX_EXIT_TLBFLUSH, 0, 0, 0, 0, 0, 0},
    {"syscall", 0, 1u << CAUSE_SYSCALL, 0, 0, FLAG_KM, {ISA_ENC_I(OP_ADDI, 2, 0, 1), ENC_OP0(OP_SYSCALL)},
     VMX_EXIT_EXCEPTION, CAUSE_SYSCALL, 0, 0, 4, 8, 2},
    {"divzero", 0, 1u << CAUSE_DIVZERO, 0, 0, FLAG_KM, {ISA_ENC_R(OP_DIV, 3, 1, 0)}, VMX_EXIT_EXCEPTION, CAUSE_DIVZERO, 0, 0, 0, 0, 0},
    {"priv in guest user mode", 0, 1u << CAUSE_PRIV, 0, 0, 0, {ENC_OP0(OP_CLI)}, VMX_EXIT_EXCEPTION, CAUSE_PRIV,
     ENC_OP0(OP_CLI), 0, 0, 0, 0},
    {"timer interrupt", VMX_CTL_EXTINT, 0, 0, 0, FLAG_KM | FLAG_IE, {ISA_ENC_I(OP_ADDI, 2, 0, 1)}, VMX_EXIT_INTERRUPT,
     CAUSE_TIMER, 0, 0, 0, 0, 0},
};
#define NEXIT_CASES (int)(sizeof exit_cases / sizeof exit_cases[0])

START_TEST(exit_for_each_control) {
  const struct exit_case *k = &exit_cases[_i];
  cpu *c = hv_machine();
  hv v;
  hv_init(&v, c, 0);
  v.s.exits = k->exits, v.s.exc_bitmap = k->exc, v.s.cr_read = k->cr_read, v.s.cr_write = k->cr_write;
  v.s.guest.flags = k->flags;
  v.s.guest.r[1] = 0x1234;
  if (k->reason == VMX_EXIT_INTERRUPT) v.s.guest.irq = 1u << CAUSE_TIMER;
  TM_PROG(c, v.base + CODE, k->prog[0], k->prog[1], k->prog[2]);
  for (int i = 0; i < NREGS; i++) c->r[i] = 0xa0000 + (uint32_t)i; /* the host's */
  c->pc = 0x777;

  uint32_t reason = hv_run(&v, 100);
  ck_assert_msg(reason == k->reason, "%s: exit %s", k->what, vmx_exit_name(reason));
  const vmx_exit_info *e = &v.s.exit;
  ck_assert_uint_eq(e->qual, k->qual);
  ck_assert_uint_eq(e->value, k->value);
  ck_assert_uint_eq(e->reg, k->reg);
  ck_assert_uint_eq(e->pc, CODE + k->at);
  ck_assert_uint_eq(v.s.guest.pc, CODE + k->at); /* an exiting instruction has not run */
  ck_assert_uint_eq(c->st.insns, k->retired);
  if (k->reason == VMX_EXIT_EXCEPTION || k->reason == VMX_EXIT_INTERRUPT)
    ck_assert_uint_eq(e->epc, CODE + k->epc);
  else
    ck_assert_uint_eq(e->insn, k->prog[k->at / 4]);
  ck_assert_uint_eq(v.s.guest.cr[CR_CAUSE], 0); /* the guest saw nothing */
  ck_assert_uint_eq(v.s.guest.irq, 0);           /* (an interrupt exit takes it) */
  ck_assert_uint_eq(v.s.n.entries, 1);
  ck_assert_uint_eq(v.s.n.exits[k->reason], 1);
  /* Back in host mode, exactly as it was. */
  ck_assert_ptr_null(c->vmcs);
  ck_assert_uint_eq(c->tag_lo, 1);
  ck_assert_uint_eq(c->pc, 0x777);
  for (int i = 1; i < NREGS; i++) ck_assert_uint_eq(c->r[i], 0xa0000 + (uint32_t)i);
  cpu_free(c);
}
END_TEST

/* With the controls off the same instructions act on the guest's state,
 * inside guest mode: CRs, TLB, IE, pushf, the CPU's own console, iret to
 * guest user mode, and a system call through the guest's own vector. */
static char passed[8];
static void pass_putc(void *ctx, int ch) {
  (void)ctx;
  size_t n = strlen(passed);
  if (n + 1 < sizeof passed) passed[n] = (char)ch;
}

START_TEST(controls_off_run_in_guest_mode) {
  cpu *c = hv_machine();
  hv v;
  hv_init(&v, c, 0);
  c->con.putc = pass_putc;
  v.s.guest.r[1] = 0x1234;
  v.s.guest.r[REG_SP] = DATA + 0x100;
  HV_PROG(&v, CODE, ENC_MTC(CR_SCRATCH, 1), ENC_MFC(4, CR_SCRATCH), ISA_ENC_R(OP_TLBI, 0, 1, 0), ENC_OP0(OP_TLBFLUSH),
          ENC_OP0(OP_CLI), ENC_OP0(OP_STI), ENC_OP0(OP_PUSHF), ISA_ENC_I(OP_LW, 6, REG_SP, 0), ENC_OUT(0, 1),
          ENC_IN(7, 1), ISA_ENC_I(OP_ADDI, 2, 0, CODE + 0x100), ENC_MTC(CR_EPC, 2), ISA_ENC_I(OP_ADDI, 2, 0, FLAG_IE),
          ENC_MTC(CR_ESTATUS, 2), ENC_OP0(OP_IRET));
  HV_PROG(&v, CODE + 0x100, ENC_OP0(OP_SYSCALL));
  ck_assert_uint_eq(hv_run(&v, 1000), VMX_EXIT_HALT);
  ck_assert_uint_eq(v.s.exit.value, CAUSE_SYSCALL);
  const vmx_state *g = &v.s.guest;
  ck_assert_uint_eq(g->cr[CR_SCRATCH], 0x1234);
  ck_assert_uint_eq(g->r[4], 0x1234);
  ck_assert_uint_eq(g->r[6], FLAG_KM | FLAG_IE); /* pushf sees guest kernel mode */
  ck_assert_str_eq(passed, "4");                 /* out reached the CPU's console */
  ck_assert_uint_eq(g->r[7], 2);                 /* in: no input, end of input */
  ck_assert_uint_eq(g->cr[CR_EPC], CODE + 0x104);
  ck_assert_uint_eq(g->cr[CR_ESTATUS], FLAG_IE); /* it came from guest user mode */
  ck_assert_uint_eq(g->flags, FLAG_KM);
  ck_assert_uint_eq(c->st.traps[CAUSE_SYSCALL], 1);
  ck_assert_uint_eq(c->st.user_insns, 1);
  ck_assert_uint_eq(c->st.io, 2);
  ck_assert_uint_eq(v.s.n.exits[VMX_EXIT_HALT], 1);
  ck_assert_uint_eq(c->st.tlb_flushes, 2);
  cpu_free(c);
}
END_TEST

/* ---- the guest state across exits ---- */
START_TEST(guest_state_survives_exits) {
  cpu *c = hv_machine();
  hv v;
  hv_init(&v, c, 0);
  v.s.exits |= VMX_CTL_IO;
  /* The host's state, to find again after every exit. */
  for (int i = 0; i < NREGS; i++) c->r[i] = 0xb000 + (uint32_t)i;
  c->r[0] = 0;
  for (int i = 0; i < NCR; i++) c->cr[i] = 0xc0 + (uint32_t)i;
  c->pc = 0x999, c->flags = FLAG_KM | FLAG_C, c->timer_left = 33, c->irq = 0;
  cpu host = *c;
  /* The guest's: every register, odd flags, a timer, a pending console
   * interrupt held off by IE = 0, the console interrupt enabled. */
  vmx_state *g = &v.s.guest;
  for (int i = 1; i < NREGS; i++) g->r[i] = 0x100u * (uint32_t)i;
  g->flags = FLAG_KM | FLAG_N | FLAG_V;
  g->cr[CR_SCRATCH] = 5, g->cr[CR_TIMER] = 50, g->timer_left = 50;
  g->irq = 1u << CAUSE_CONSOLE;
  g->con_irq = true;
  HV_PROG(&v, CODE, ISA_ENC_I(OP_ADDI, 9, 9, 1), ISA_ENC_I(OP_ADDI, 9, 9, 1), ENC_OUT(0, 9), ISA_ENC_I(OP_ADDI, 10, 10, 1),
          ENC_OUT(0, 10), ENC_OP0(OP_STI), ENC_HALT(0));
  for (int round = 0; round < 2; round++) {
    ck_assert_uint_eq(hv_run(&v, 1000), VMX_EXIT_IO);
    ck_assert_mem_eq(c->r, host.r, sizeof c->r);
    ck_assert_mem_eq(c->cr, host.cr, sizeof c->cr);
    ck_assert(c->pc == host.pc && c->flags == host.flags && c->timer_left == 33 && c->irq == 0);
    ck_assert(!c->con.rx_irq_enabled && c->perm_shift == host.perm_shift && c->tag_lo == 1);
    ck_assert_uint_eq(g->flags, FLAG_KM | FLAG_N | FLAG_V);
    ck_assert_uint_eq(g->cr[CR_SCRATCH], 5);
    ck_assert_uint_eq(g->irq, 1u << CAUSE_CONSOLE);
    ck_assert(g->con_irq);
    g->pc += 4; /* the monitor completes the out */
  }
  ck_assert_uint_eq(g->r[9], 0x902);
  ck_assert_uint_eq(g->r[10], 0xa01);
  ck_assert_uint_eq(g->r[8], 0x800);
  ck_assert_uint_eq(g->timer_left, 50 - 3); /* the CPU ran the guest's timer */
  /* sti lets the held console interrupt in, through the guest's vector. */
  ck_assert_uint_eq(hv_run(&v, 1000), VMX_EXIT_HALT);
  ck_assert_uint_eq(v.s.exit.value, CAUSE_CONSOLE);
  ck_assert_uint_eq(g->cr[CR_EPC], CODE + 24);
  ck_assert_uint_eq(v.s.n.entries, 3);
  cpu_free(c);
}
END_TEST

/* ---- the two-dimensional walk ---- */

/* Costs that show which dimension a reference belongs to. */
static void walk_costs(cpu *c) {
  memset(c->cost.c, 0, sizeof c->cost.c);
  c->cost.c[COST_WALK_REF] = 1;
  c->cost.c[COST_NESTED_REF] = 1000;
}

START_TEST(nested_walk_references) {
  cpu *c = hv_machine();
  hv v;
  hv_init(&v, c, 0);
  walk_costs(c);
  g_paging(&v);
  g_wr(&v, DATA, 0x77);
  v.s.guest.r[5] = GVA;
  HV_PROG(&v, CODE, ISA_ENC_I(OP_LW, 3, 5, 0), ENC_HALT(3));
  ck_assert_uint_eq(hv_run(&v, 100), VMX_EXIT_HALT);
  ck_assert_uint_eq(v.s.exit.value, 0x77);
  /* Two misses (the code page, the data page), (2+1)*(2+1)-1 = 8
   * references each: 2 of the guest's table, 6 of the nested one. */
  ck_assert_uint_eq(c->st.tlb_misses, 2);
  ck_assert_uint_eq(c->st.walk_refs, 16);
  ck_assert_uint_eq(v.s.n.nested_refs, 12);
  ck_assert_uint_eq(c->st.cycles, 2 * 2 * 1 + 12 * 1000);
  /* Exit and entry keep the VM's TLB entries: no misses the second time. */
  v.s.guest.pc = CODE;
  ck_assert_uint_eq(hv_run(&v, 100), VMX_EXIT_HALT);
  ck_assert_uint_eq(c->st.tlb_misses, 2);
  cpu_free(c);

  /* Guest paging off: guest-physical = guest-virtual, one nested walk. */
  c = hv_machine();
  hv_init(&v, c, 0);
  walk_costs(c);
  g_wr(&v, DATA, 0x66);
  v.s.guest.r[5] = DATA;
  HV_PROG(&v, CODE, ISA_ENC_I(OP_LW, 3, 5, 0), ENC_HALT(3));
  ck_assert_uint_eq(hv_run(&v, 100), VMX_EXIT_HALT);
  ck_assert_uint_eq(v.s.exit.value, 0x66);
  ck_assert_uint_eq(c->st.tlb_misses, 2);
  ck_assert_uint_eq(c->st.walk_refs, 4);
  ck_assert_uint_eq(v.s.n.nested_refs, 4);
  cpu_free(c);

  /* Native, for the comparison: 2 references a miss. */
  c = tm_new();
  tm_pt pt;
  tm_pt_init(&pt, c, PD, PT_POOL);
  tm_pt_map(&pt, CODE, CODE, PTE_W);
  tm_pt_map(&pt, GVA, DATA, PTE_W);
  tm_paging_on(c, PD);
  c->r[5] = GVA;
  TM_PROG(c, CODE, ISA_ENC_I(OP_LW, 3, 5, 0), ENC_HALT(3));
  ck_assert_int_eq(tm_run(c, 100), EXIT_HALT);
  ck_assert_uint_eq(c->st.tlb_misses, 2);
  ck_assert_uint_eq(c->st.walk_refs, 4);
  cpu_free(c);
}
END_TEST

/* A fault at each level of either table.  The guest's table says no: a
 * page fault through the guest's vector.  The nested table says no: an
 * NPF exit with both addresses, the instruction not run, the guest none
 * the wiser. */
enum fault_kind { F_NO_PDE, F_NO_PTE, F_KERNEL_PAGE, F_READ_ONLY, F_N_DIR, F_N_TABLE, F_N_PAGE, F_N_PAGE_RO,
                  F_N_TABLE_RO, F_N_BEYOND };
static const struct fault_case {
  const char *what;
  enum fault_kind kind;
  bool store;
  uint32_t va;     /* r5 */
  uint32_t reason; /* HALT: a guest trap, value = its cause */
  uint32_t value;  /* ... the cause; NPF: the qualification */
  uint32_t gpa;    /* NPF */
} fault_cases[] = {
    {"guest: no directory entry", F_NO_PDE, false, 0x00c00000, VMX_EXIT_HALT, CAUSE_PF_LOAD, 0},
    {"guest: no table entry", F_NO_PTE, false, GVA + 0x1000, VMX_EXIT_HALT, CAUSE_PF_LOAD, 0},
    {"guest: user touches a kernel page", F_KERNEL_PAGE, false, VEC, VMX_EXIT_HALT, CAUSE_PF_LOAD, 0},
    {"guest: store to a read-only page", F_READ_ONLY, true, GVA, VMX_EXIT_HALT, CAUSE_PF_STORE, 0},
    {"nested: the guest's directory", F_N_DIR, false, GVA, VMX_EXIT_NPF, P_X | VMX_NPF_WALK, PD},
    {"nested: the guest's table", F_N_TABLE, false, GVA + 8, VMX_EXIT_NPF, P_R | VMX_NPF_WALK, PT_POOL + PAGE_SIZE},
    {"nested: the page", F_N_PAGE, false, GVA + 8, VMX_EXIT_NPF, P_R, DATA + 8},
    {"nested: store to a read-only page", F_N_PAGE_RO, true, GVA + 8, VMX_EXIT_NPF,
     P_W | VMX_NPF_WRITE | VMX_NPF_PRESENT, DATA + 8},
    {"nested: setting A in a read-only guest table", F_N_TABLE_RO, false, GVA, VMX_EXIT_NPF,
     P_R | VMX_NPF_WALK | VMX_NPF_WRITE | VMX_NPF_PRESENT, PT_POOL + PAGE_SIZE},
    {"nested: no directory entry", F_N_BEYOND, false, GVA + 8, VMX_EXIT_NPF, P_R, 0x800008},
};
#define NFAULT_CASES (int)(sizeof fault_cases / sizeof fault_cases[0])

START_TEST(faults_at_each_level) {
  const struct fault_case *k = &fault_cases[_i];
  cpu *c = hv_machine();
  hv v;
  hv_init(&v, c, 0);
  g_paging(&v); /* GVA's table is the second one: PT_POOL + PAGE_SIZE */
  vmx_state *g = &v.s.guest;
  g->r[5] = k->va;
  g->r[3] = 0x5555;
  HV_PROG(&v, CODE, k->store ? ISA_ENC_I(OP_SW, 3, 5, 0) : ISA_ENC_I(OP_LW, 3, 5, 0), ENC_HALT(0));
  switch (k->kind) {
  case F_NO_PDE:
  case F_NO_PTE: break;
  case F_KERNEL_PAGE:
    g_map(&v, CODE, CODE, PTE_U);
    g->flags = 0;
    break;
  case F_READ_ONLY: g_map(&v, GVA, DATA, PTE_U); break;
  case F_N_DIR: tm_wr32(c, n_pte(&v, PD), 0); break;
  case F_N_TABLE: tm_wr32(c, n_pte(&v, PT_POOL + PAGE_SIZE), 0); break;
  case F_N_PAGE: tm_wr32(c, n_pte(&v, DATA), 0); break;
  case F_N_PAGE_RO: tm_wr32(c, n_pte(&v, DATA), (v.base + DATA) | PTE_V); break;
  case F_N_TABLE_RO: tm_wr32(c, n_pte(&v, PT_POOL + PAGE_SIZE), (v.base + PT_POOL + PAGE_SIZE) | PTE_V); break;
  case F_N_BEYOND: g_map(&v, GVA, 0x800000, PTE_W | PTE_U); break;
  }
  uint32_t reason = hv_run(&v, 100);
  ck_assert_msg(reason == k->reason, "%s: exit %s", k->what, vmx_exit_name(reason));
  if (reason == VMX_EXIT_HALT) {
    ck_assert_uint_eq(v.s.exit.value, k->value);
    ck_assert_uint_eq(g->cr[CR_BADVA], k->va);
    ck_assert_uint_eq(g->cr[CR_EPC], CODE);
    ck_assert_uint_eq(v.s.n.exits[VMX_EXIT_NPF], 0);
  } else {
    const vmx_exit_info *e = &v.s.exit;
    ck_assert_msg(e->qual == k->value, "%s: qual %x", k->what, e->qual);
    ck_assert_uint_eq(e->gpa, k->gpa);
    ck_assert_uint_eq(e->gva, k->kind == F_N_DIR ? CODE : k->va);
    ck_assert_uint_eq(e->pc, CODE);
    ck_assert_uint_eq(g->pc, CODE);
    ck_assert_uint_eq(g->r[3], 0x5555);
    ck_assert_uint_eq(g->cr[CR_CAUSE], 0);
    ck_assert_uint_eq(c->st.insns, 0);
    ck_assert_uint_eq(tm_ntraps(c), 0);
  }
  cpu_free(c);
}
END_TEST

/* A and D in both dimensions, and a write through an entry a load filled
 * (a TLB hit: no second miss). */
START_TEST(accessed_and_dirty_bits) {
  cpu *c = hv_machine();
  hv v;
  hv_init(&v, c, 0);
  uint32_t pte = g_map(&v, GVA, DATA, PTE_W | PTE_U);
  g_paging(&v);
  v.s.guest.r[5] = GVA;
  HV_PROG(&v, CODE, ISA_ENC_I(OP_LW, 3, 5, 0), ENC_HALT(0), ISA_ENC_I(OP_SW, 3, 5, 4), ENC_HALT(0));
  ck_assert_uint_eq(hv_run(&v, 100), VMX_EXIT_HALT);
  ck_assert_uint_eq(g_rd(&v, pte) & (PTE_A | PTE_D), PTE_A);
  ck_assert_uint_eq(tm_rd32(c, n_pte(&v, DATA)) & (PTE_A | PTE_D), PTE_A);
  ck_assert_uint_eq(tm_rd32(c, n_pte(&v, PD)) & (PTE_A | PTE_D), PTE_A); /* read only */
  /* The walker wrote A into the guest's table: a write in that page. */
  ck_assert_uint_eq(tm_rd32(c, n_pte(&v, pte)) & (PTE_A | PTE_D), PTE_A | PTE_D);
  uint64_t misses = c->st.tlb_misses;
  v.s.guest.pc = CODE + 8;
  ck_assert_uint_eq(hv_run(&v, 100), VMX_EXIT_HALT);
  ck_assert_uint_eq(g_rd(&v, pte) & (PTE_A | PTE_D), PTE_A | PTE_D);
  ck_assert_uint_eq(tm_rd32(c, n_pte(&v, DATA)) & (PTE_A | PTE_D), PTE_A | PTE_D);
  ck_assert_uint_eq(c->st.tlb_misses, misses);
  /* Cleared by the guest and invalidated: set again by the next access. */
  g_wr(&v, pte, g_rd(&v, pte) & ~(uint32_t)(PTE_A | PTE_D));
  cpu_tlb_flush(c, false);
  v.s.guest.pc = CODE;
  ck_assert_uint_eq(hv_run(&v, 100), VMX_EXIT_HALT);
  ck_assert_uint_eq(g_rd(&v, pte) & (PTE_A | PTE_D), PTE_A);
  cpu_free(c);
}
END_TEST

/* ---- the tagged TLB: two VMs, no flush between them ---- */
START_TEST(tagged_tlb_two_vms) {
  cpu *c = hv_machine();
  hv a, b;
  hv_init(&a, c, 0);
  hv_init(&b, c, 1);
  g_paging(&a);
  g_paging(&b);
  /* B runs at other virtual pages than A (the TLB is direct-mapped). */
  g_map(&b, 0x2000, CODE, PTE_W);
  g_map(&b, GVA + 0x5000, DATA, PTE_W | PTE_U);
  g_wr(&a, DATA, 0xaaaa);
  g_wr(&b, DATA, 0xbbbb);
  HV_PROG(&a, CODE, ISA_ENC_I(OP_LW, 3, 5, 0), ENC_HALT(3), ENC_OP0(OP_TLBFLUSH), ENC_HALT(0));
  HV_PROG(&b, CODE, ISA_ENC_I(OP_LW, 3, 5, 0), ENC_HALT(3));
  struct { hv *v; uint32_t pc, va, label; uint64_t misses; } steps[] = {
      {&a, CODE, GVA, 0xaaaa, 2},         /* A fills its entries */
      {&b, 0x2000, GVA + 0x5000, 0xbbbb, 4}, /* B fills its own */
      {&a, CODE, GVA, 0xaaaa, 4},         /* A's survived B: no miss */
      {&b, 0x2000, GVA + 0x5000, 0xbbbb, 4},
      {&b, 0x2000, GVA, 0xbbbb, 5},       /* same address, other VM: a miss, never A's entry */
      {&a, CODE + 8, 0, 0, 6},            /* A's tlbflush drops A's entries only (and */
                                          /* A's next fetch misses) */
      {&b, 0x2000, GVA + 0x5000, 0xbbbb, 6}, /* B's survived it */
      {&a, CODE, GVA, 0xaaaa, 7},         /* A's data entry went to B above */
  };
  for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
    steps[i].v->s.guest.pc = steps[i].pc;
    steps[i].v->s.guest.r[5] = steps[i].va;
    ck_assert_uint_eq(hv_run(steps[i].v, 100), VMX_EXIT_HALT);
    ck_assert_msg(steps[i].v->s.exit.value == steps[i].label, "step %zu: read %x", i, steps[i].v->s.exit.value);
    ck_assert_msg(c->st.tlb_misses == steps[i].misses, "step %zu: %llu misses", i,
                  (unsigned long long)c->st.tlb_misses);
  }
  /* A flush in host mode drops every VM's entries. */
  cpu_tlb_flush(c, false);
  b.s.guest.pc = 0x2000;
  b.s.guest.r[5] = GVA + 0x5000;
  ck_assert_uint_eq(hv_run(&b, 100), VMX_EXIT_HALT);
  ck_assert_uint_eq(c->st.tlb_misses, 9);
  cpu_free(c);
}
END_TEST

/* ---- an untagged TLB (no VPID, the first VT-x parts): VM entry and exit
 * each flush it whole, so the same run misses again every time; with
 * VPID its entries survive (the test above). ---- */
START_TEST(untagged_tlb_flushes) {
  for (int vpid = 0; vpid < 2; vpid++) {
    cpu *c = hv_machine();
    c->cost.vpid = vpid;
    hv a;
    hv_init(&a, c, 0);
    g_paging(&a);
    g_wr(&a, DATA, 0xaaaa);
    HV_PROG(&a, CODE, ISA_ENC_I(OP_LW, 3, 5, 0), ENC_HALT(3));
    uint64_t misses = 0;
    for (int run = 0; run < 3; run++) {
      a.s.guest.pc = CODE;
      a.s.guest.r[5] = GVA;
      ck_assert_uint_eq(hv_run(&a, 100), VMX_EXIT_HALT);
      ck_assert_uint_eq(a.s.exit.value, 0xaaaa);
      misses = c->st.tlb_misses;
      /* With VPID only the first run misses (code and data); without, every run. */
      ck_assert_uint_eq(misses, vpid ? 2 : 2u * (uint64_t)(run + 1));
      ck_assert_uint_eq(c->st.tlb_flushes, vpid ? 0 : 2u * (uint64_t)(run + 1));
    }
    cpu_free(c);
  }
}
END_TEST

/* ---- entry: injection, the checks, and the exits of the run itself ---- */
START_TEST(injection_and_entry) {
  cpu *c = hv_machine();
  hv v;
  hv_init(&v, c, 0);
  v.s.guest.flags = FLAG_KM | FLAG_IE | FLAG_Z;
  v.s.inject = (vmx_event){true, CAUSE_PF_STORE, 0xbad0, CODE + 8};
  ck_assert_uint_eq(hv_run(&v, 100), VMX_EXIT_HALT);
  ck_assert_uint_eq(v.s.exit.value, CAUSE_PF_STORE);
  ck_assert(!v.s.inject.valid);
  ck_assert_uint_eq(v.s.guest.cr[CR_BADVA], 0xbad0);
  ck_assert_uint_eq(v.s.guest.cr[CR_EPC], CODE + 8);
  ck_assert_uint_eq(v.s.guest.cr[CR_ESTATUS], FLAG_KM | FLAG_IE | FLAG_Z);
  ck_assert_uint_eq(v.s.guest.flags, FLAG_KM | FLAG_Z);
  ck_assert_uint_eq(c->st.traps[CAUSE_PF_STORE], 1);
  /* Injected with nowhere to go: the guest's machine is wrecked. */
  v.s.guest.cr[CR_TVEC] = 0;
  v.s.inject = (vmx_event){true, CAUSE_SYSCALL, 0, CODE};
  ck_assert_uint_eq(hv_run(&v, 100), VMX_EXIT_SHUTDOWN);
  ck_assert_uint_eq(v.s.exit.qual, EXIT_NOVECTOR);

  /* The entry checks: nothing runs, the host state is untouched. */
  static const struct { uint32_t vmid, npt, flags, cause, bad; } bad[] = {
      {0, 0x1000, FLAG_KM, 0, VMX_BAD_VMID},        {VMX_MAX_VMID + 1, 0x1000, FLAG_KM, 0, VMX_BAD_VMID},
      {1, 0x1004, FLAG_KM, 0, VMX_BAD_NPT},         {1, HV_MEM, FLAG_KM, 0, VMX_BAD_NPT},
      {1, 0x1000, FLAG_KM | 0x40, 0, VMX_BAD_FLAGS}, {1, 0x1000, FLAG_KM, NCAUSES, VMX_BAD_INJECT},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    hv_init(&v, c, 0);
    v.s.vmid = bad[i].vmid, v.s.npt_root = bad[i].npt, v.s.guest.flags = bad[i].flags;
    v.s.inject = (vmx_event){bad[i].cause != 0, bad[i].cause, 0, 0};
    uint64_t insns = c->st.insns;
    ck_assert_uint_eq(hv_run(&v, 100), VMX_EXIT_ENTRY_FAILED);
    ck_assert_uint_eq(v.s.exit.qual, bad[i].bad);
    ck_assert_uint_eq(v.s.n.entries, 0);
    ck_assert_uint_eq(c->st.insns, insns);
  }

  /* The run's own ends: the tick budget, a stop request, and a halt the
   * monitor did not intercept. */
  hv_init(&v, c, 0);
  HV_PROG(&v, CODE, ISA_ENC_J(OP_JMP, 0));
  uint64_t insns = c->st.insns;
  ck_assert_uint_eq(hv_run(&v, 10), VMX_EXIT_PREEMPT);
  ck_assert_uint_eq(c->st.insns - insns, 10);
  c->stop_request = 1;
  ck_assert_uint_eq(hv_run(&v, 10), VMX_EXIT_STOP);
  HV_PROG(&v, CODE, ISA_ENC_I(OP_ADDI, 2, 0, 9), ENC_HALT(2));
  v.s.guest.pc = CODE;
  v.s.exits = 0;
  ck_assert_uint_eq(hv_run(&v, 10), VMX_EXIT_SHUTDOWN);
  ck_assert_uint_eq(v.s.exit.qual, EXIT_HALT);
  ck_assert_uint_eq(v.s.exit.value, 9);
  cpu_free(c);
}
END_TEST

void hw_vm_tcases(Suite *s); /* test_hw_vm.c */

Suite *hw_suite(void) {
  Suite *s = suite_create("hw");
  TCase *tc = tcase_create("exits");
  tcase_add_loop_test(tc, exit_for_each_control, 0, NEXIT_CASES);
  tcase_add_test(tc, controls_off_run_in_guest_mode);
  tcase_add_test(tc, guest_state_survives_exits);
  tcase_add_test(tc, injection_and_entry);
  suite_add_tcase(s, tc);
  tc = tcase_create("nested");
  tcase_add_test(tc, nested_walk_references);
  tcase_add_loop_test(tc, faults_at_each_level, 0, NFAULT_CASES);
  tcase_add_test(tc, accessed_and_dirty_bits);
  tcase_add_test(tc, tagged_tlb_two_vms);
  tcase_add_test(tc, untagged_tlb_flushes);
  suite_add_tcase(s, tc);
  hw_vm_tcases(s);
  return s;
}
