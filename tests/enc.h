/* enc.h: hand-encoded instructions and a small test machine, for the CPU's
 * suites (test_cpu.c, test_mmu.c, test_trap.c, test_cost.c).
 *
 * Words are built with isa.h's encoders (ISA_ENC_R, ISA_ENC_I, ISA_ENC_J)
 * and the shorthands below, so the CPU tests do not depend on the
 * assembler.  A program is a list of words written at a physical address:
 *
 *   TM_PROG(c, CODE, ISA_ENC_I(OP_ADDI, 1, 0, 5), ENC_HALT(1));
 *   ck_assert_int_eq(tm_run(c, 100), EXIT_HALT);
 *
 * The test machine (tm_new) has TM_MEM bytes laid out as below, starts in
 * kernel mode at CODE with paging off, and vectors traps to VEC, which
 * holds `halt r0`: a trap ends the run with EXIT_HALT and the CRs telling
 * what happened.
 *
 *   0x00000 +------------------+
 *   0x01000 | CODE  (2 pages)  |  programs
 *   0x03000 | VEC              |  trap vector: halt r0
 *   0x04000 | DATA  (4 pages)  |  data
 *   0x08000 | PD               |  page directory (tm_pt_*)
 *   0x09000 | page tables ...  |  allocated upward by tm_pt_map
 *   0x10000 | free pages       |
 *   0x20000 +------------------+  TM_MEM
 */
#ifndef ENC_H
#define ENC_H

#include <check.h>
#include <stdint.h>
#include <string.h>

#include "cpu.h"
#include "isa.h"
#include "isa_info.h"

/* ---- shorthands for the operand shapes that do not fit d,s,t / d,s,imm ---- */
#define ENC_HALT(rs) ISA_ENC_R(OP_HALT, 0, rs, 0)
#define ENC_JR(rs) ISA_ENC_R(OP_JR, 0, rs, 0)
#define ENC_CMP(rs1, rs2) ISA_ENC_R(OP_CMP, 0, rs1, rs2)
#define ENC_CMPI(rs1, imm) ISA_ENC_I(OP_CMPI, 0, rs1, imm)
#define ENC_MFC(rd, cr) ISA_ENC_I(OP_MFC, rd, 0, cr)
#define ENC_MTC(cr, rs) ISA_ENC_I(OP_MTC, 0, rs, cr)
#define ENC_IN(rd, port) ISA_ENC_I(OP_IN, rd, 0, port)
#define ENC_OUT(port, rs) ISA_ENC_I(OP_OUT, 0, rs, port)
#define ENC_OP0(op) ISA_ENC_R(op, 0, 0, 0) /* syscall, brk, iret, cli, sti, ... */
/* Load a 32-bit constant: two words, lui then ori. */
#define ENC_LI(rd, v) ISA_ENC_I(OP_LUI, rd, 0, (uint32_t)(v) >> 16), ISA_ENC_I(OP_ORI, rd, rd, (v) & 0xffffu)

/* A legal word for any instruction of the table: r3 in rd, r1 in rs1, r2 in
 * rs2 where its operands name them (every other field zero), and imm in
 * its immediate field, if it has one (a control-register or port number
 * for those kinds). */
static inline uint32_t enc_legal(const isa_info *in, uint32_t imm) {
  uint32_t w = (uint32_t)in->opcode << 24;
  for (const char *p = in->ops; *p; p++) {
    const isa_operand *k = isa_operand_kind(*p);
    if (!k) continue;
    w |= ISA_FIELD_PUT(k->reg, k->reg == FIELD_RD ? 3 : k->reg == FIELD_RS1 ? 1 : 2);
    w |= ISA_FIELD_PUT(k->imm, imm);
  }
  return w;
}

/* ---- the test machine ---- */
enum {
  TM_MEM = 0x20000,
  CODE = 0x1000,
  VEC = 0x3000,
  DATA = 0x4000,
  PD = 0x8000,
  PT_POOL = 0x9000,
  FREE = 0x10000,
};

static inline uint32_t tm_rd32(const cpu *c, uint32_t pa) {
  uint32_t v = 0;
  ck_assert(cpu_phys_read(c, pa, &v, 4));
  return v;
}

static inline void tm_wr32(cpu *c, uint32_t pa, uint32_t v) { ck_assert(cpu_phys_write(c, pa, &v, 4)); }

static inline void tm_put(cpu *c, uint32_t pa, const uint32_t *w, size_t n) {
  ck_assert(cpu_phys_write(c, pa, w, (uint32_t)(n * 4)));
}

/* Write the words given at pa. */
#define TM_PROG(c, pa, ...)                                  \
  do {                                                       \
    const uint32_t tm_p_[] = {__VA_ARGS__};                  \
    tm_put((c), (pa), tm_p_, sizeof tm_p_ / sizeof tm_p_[0]); \
  } while (0)

/* A machine with a TLB of tlb_size entries, in the state described above. */
static inline cpu *tm_new_tlb(uint32_t tlb_size) {
  cpu *c = cpu_new(TM_MEM, tlb_size);
  ck_assert_ptr_nonnull(c);
  cpu_reset(c, CODE);
  c->cr[CR_TVEC] = VEC;
  tm_wr32(c, VEC, ENC_HALT(0));
  return c;
}
static inline cpu *tm_new(void) { return tm_new_tlb(64); }

/* Back to the start state (memory kept, counters cleared), for tests that
 * run many small programs on one machine. */
static inline void tm_reset(cpu *c) {
  cpu_reset(c, CODE);
  c->cr[CR_TVEC] = VEC;
  memset(&c->st, 0, sizeof c->st);
  tm_wr32(c, VEC, ENC_HALT(0));
}

static inline enum cpu_exit tm_run(cpu *c, uint64_t ticks) { return cpu_run(c, ticks); }

/* Enter user mode at pc with flags f, as iret or a monitor would. */
static inline void tm_user(cpu *c, uint32_t pc, uint32_t f) {
  c->pc = pc;
  c->flags = f & ~FLAG_KM;
  c->perm_shift = PSHIFT_USER;
  c->fetch_va = FETCH_NONE;
}

/* Run and expect the trap vector's halt: checks cause, epc and badva. */
#define TM_EXPECT_TRAP(c, cause_, epc_, badva_)           \
  do {                                                    \
    ck_assert_int_eq(tm_run((c), 1000), EXIT_HALT);       \
    ck_assert_uint_eq((c)->pc, VEC + 4);                  \
    ck_assert_uint_eq((c)->cr[CR_CAUSE], (cause_));       \
    ck_assert_uint_eq((c)->cr[CR_EPC], (epc_));           \
    ck_assert_uint_eq((c)->cr[CR_BADVA], (badva_));       \
  } while (0)

static inline uint64_t tm_ntraps(const cpu *c) {
  uint64_t n = 0;
  for (int i = 0; i < NCAUSES; i++) n += c->st.traps[i];
  return n;
}

/* A suite with one test case per test, each named after its test. */
static inline Suite *tm_suite(const char *name, const TTest *const *t, size_t n) {
  Suite *s = suite_create(name);
  for (size_t i = 0; i < n; i++) {
    TCase *tc = tcase_create(t[i]->name);
    tcase_add_test(tc, t[i]);
    suite_add_tcase(s, tc);
  }
  return s;
}

/* ---- two-level page tables in the machine's physical memory ---- */
typedef struct tm_pt {
  cpu *c;
  uint32_t pd;   /* physical address of the directory */
  uint32_t next; /* next free page for a page table */
} tm_pt;

static inline void tm_pt_init(tm_pt *p, cpu *c, uint32_t pd, uint32_t pool) {
  static const uint8_t zero[PAGE_SIZE];
  p->c = c;
  p->pd = pd;
  p->next = pool;
  ck_assert(cpu_phys_write(c, pd, zero, PAGE_SIZE));
}

/* Map the page holding va to the page holding pa with PTE bits `bits`
 * (PTE_V is added).  Returns the physical address of the PTE. */
static inline uint32_t tm_pt_map(tm_pt *p, uint32_t va, uint32_t pa, uint32_t bits) {
  static const uint8_t zero[PAGE_SIZE];
  uint32_t pde_pa = p->pd + ((va >> 22) << 2);
  uint32_t pde = tm_rd32(p->c, pde_pa);
  if (!(pde & PTE_V)) {
    ck_assert(cpu_phys_write(p->c, p->next, zero, PAGE_SIZE));
    pde = p->next | PTE_V;
    p->next += PAGE_SIZE;
    tm_wr32(p->c, pde_pa, pde);
  }
  uint32_t pte_pa = (pde & ~PAGE_MASK) + (((va >> PAGE_SHIFT) & 0x3ff) << 2);
  tm_wr32(p->c, pte_pa, (pa & ~PAGE_MASK) | bits | PTE_V);
  return pte_pa;
}

/* Turn paging on from the host, with an empty TLB. */
static inline void tm_paging_on(cpu *c, uint32_t pd) {
  c->cr[CR_PTB] = pd;
  c->cr[CR_PAGING] = 1;
  cpu_tlb_flush(c, false);
}

#endif
