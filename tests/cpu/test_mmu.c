/* test_mmu.c: paging, the TLB, self-modifying code and the monitor window.
 *
 * The standard map (std_map) identity-maps physical CODE..FREE for the
 * kernel and adds these virtual pages:
 *
 *   VCODE   0x00400000 -> CODE          user, the user programs' code
 *   VK      0x00801000 -> DATA+0x1000   kernel only, writable
 *   VU      0x00802000 -> DATA+0x2000   user, writable
 *   VRO     0x00803000 -> DATA+0x3000   user, read-only
 *   VNOPTE  0x00804000                  directory entry valid, PTE not
 *   VBEYOND 0x00805000 -> 0x00100000    past the end of memory
 *   VNOPDE  0x01000000                  no directory entry
 *
 * TLB accounting to keep in mind: an instruction fetch consults the TLB
 * only when the pc enters a new page, after a flush or at a mode switch
 * (the interpreter's fetch window); loads and stores consult it every time.
 */
#include <check.h>
#include <stdlib.h>

#include "enc.h"

enum {
  VCODE = 0x00400000,
  VK = 0x00801000,
  VU = 0x00802000,
  VRO = 0x00803000,
  VNOPTE = 0x00804000,
  VBEYOND = 0x00805000,
  VNOPDE = 0x01000000,
};

static void std_map(cpu *c, tm_pt *p) {
  tm_pt_init(p, c, PD, PT_POOL);
  for (uint32_t pa = CODE; pa < FREE; pa += PAGE_SIZE) tm_pt_map(p, pa, pa, PTE_W);
  tm_pt_map(p, VCODE, CODE, PTE_U);
  tm_pt_map(p, VK, DATA + 0x1000, PTE_W);
  tm_pt_map(p, VU, DATA + 0x2000, PTE_U | PTE_W);
  tm_pt_map(p, VRO, DATA + 0x3000, PTE_U);
  tm_pt_map(p, VBEYOND, 0x00100000, PTE_U | PTE_W);
  tm_paging_on(c, PD);
}

/* A machine with the standard map and paging on, in kernel mode at CODE. */
static cpu *paged(tm_pt *p) {
  cpu *c = tm_new();
  std_map(c, p);
  return c;
}

/* Run again from pc, keeping the TLB and the fetch window. */
static void again(cpu *c, uint32_t pc) {
  c->pc = pc;
  ck_assert_int_eq(tm_run(c, 100), EXIT_HALT);
}

/* A miss walks two levels: two memory references, then hits. */
START_TEST(walk_counts) {
  tm_pt p;
  cpu *c = paged(&p);
  tm_wr32(c, DATA, 0x1111);
  tm_wr32(c, DATA + 4, 0x2222);
  TM_PROG(c, CODE, ISA_ENC_I(OP_LW, 3, 1, 0), ISA_ENC_I(OP_LW, 4, 1, 4), ENC_HALT(0));
  c->r[1] = DATA;
  ck_assert_int_eq(tm_run(c, 100), EXIT_HALT);
  ck_assert_uint_eq(c->r[3], 0x1111);
  ck_assert_uint_eq(c->r[4], 0x2222);
  ck_assert_uint_eq(c->st.tlb_misses, 2); /* the fetch at CODE, the first lw */
  ck_assert_uint_eq(c->st.tlb_hits, 1);   /* the second lw */
  ck_assert_uint_eq(c->st.walk_refs, 4);
  ck_assert_uint_eq(c->st.tlb_flushes, 0);
  ck_assert_uint_eq(c->st.cycles, 4 * 20);
  ck_assert_uint_eq(cpu_cycles(c), 4 * 20 + 3);
  cpu_free(c);
}
END_TEST

/* The fetch window: a loop inside one page probes the TLB once; crossing
 * into another page and back probes it at each entry. */
START_TEST(fetch_window) {
  tm_pt p;
  cpu *c = paged(&p);
  TM_PROG(c, CODE, ISA_ENC_I(OP_ADDI, 1, 1, 1), ENC_CMPI(1, 100), ISA_ENC_J(OP_BLT, -2), ENC_HALT(1));
  ck_assert_int_eq(tm_run(c, 1000), EXIT_HALT);
  ck_assert_uint_eq(c->halt_code, 100);
  ck_assert_uint_eq(c->st.insns, 301);
  ck_assert_uint_eq(c->st.tlb_misses, 1);
  ck_assert_uint_eq(c->st.tlb_hits, 0);

  cpu_free(c);
  c = paged(&p);
  TM_PROG(c, CODE + 0xff4, ENC_HALT(1), ISA_ENC_I(OP_ADDI, 1, 1, 7), ISA_ENC_J(OP_JMP, 1), ISA_ENC_J(OP_JMP, -3));
  c->pc = CODE + 0xff8;
  ck_assert_int_eq(tm_run(c, 100), EXIT_HALT);
  ck_assert_uint_eq(c->halt_code, 7);
  ck_assert_uint_eq(c->st.insns, 4);
  ck_assert_uint_eq(c->st.tlb_misses, 2); /* page CODE, page CODE+0x1000 */
  ck_assert_uint_eq(c->st.tlb_hits, 1);   /* back in page CODE */
  ck_assert_uint_eq(c->st.walk_refs, 4);
  cpu_free(c);
}
END_TEST

/* tlbflush drops everything, tlbi one page; both are counted. */
START_TEST(flush_and_tlbi) {
  static const struct {
    uint32_t insn, r2;
    uint64_t misses, hits;
  } t[] = {
      /* lw; tlbflush; lw: every reference after the flush misses. */
      {ENC_OP0(OP_TLBFLUSH), 0, 4, 0},
      /* lw; tlbi r1; lw: the lw misses, the code page still hits. */
      {ISA_ENC_R(OP_TLBI, 0, 1, 0), 0, 3, 1},
      /* tlbi names a page by any address in it. */
      {ISA_ENC_R(OP_TLBI, 0, 2, 0), DATA + 0x123, 3, 1},
      /* tlbi of another page leaves this one. */
      {ISA_ENC_R(OP_TLBI, 0, 2, 0), DATA + 0x1000, 2, 2},
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    tm_pt p;
    cpu *c = paged(&p);
    TM_PROG(c, CODE, ISA_ENC_I(OP_LW, 3, 1, 0), t[i].insn, ISA_ENC_I(OP_LW, 4, 1, 0), ENC_HALT(0));
    c->r[1] = DATA;
    c->r[2] = t[i].r2;
    ck_assert_int_eq(tm_run(c, 100), EXIT_HALT);
    ck_assert_msg(c->st.tlb_misses == t[i].misses && c->st.tlb_hits == t[i].hits, "row %zu: %lu misses, %lu hits",
                  i, (unsigned long)c->st.tlb_misses, (unsigned long)c->st.tlb_hits);
    ck_assert_uint_eq(c->st.tlb_flushes, 1);
    ck_assert_uint_eq(c->st.walk_refs, 2 * t[i].misses);
    ck_assert_uint_eq(c->st.cycles, 2 * t[i].misses * 20 + 30);
    cpu_free(c);
  }
  /* The host's flush counts only when asked to. */
  tm_pt p;
  cpu *c = paged(&p);
  cpu_tlb_flush(c, false);
  ck_assert_uint_eq(c->st.tlb_flushes, 0);
  cpu_tlb_flush(c, true);
  ck_assert_uint_eq(c->st.tlb_flushes, 1);
  cpu_free(c);
}
END_TEST

/* Writing CR[ptb] switches address spaces and flushes; so does turning
 * paging off with CR[paging]. */
START_TEST(ptb_write_flushes) {
  tm_pt p, q;
  cpu *c = paged(&p);
  tm_pt_init(&q, c, FREE, FREE + 0x1000);
  tm_pt_map(&q, CODE, CODE, 0);
  tm_pt_map(&q, VU, DATA, 0); /* VU means another page here */
  tm_wr32(c, DATA, 0xaaaa);
  tm_wr32(c, DATA + 0x2000, 0xbbbb);
  TM_PROG(c, CODE, ISA_ENC_I(OP_LW, 3, 1, 0), ENC_MTC(CR_PTB, 5), ISA_ENC_I(OP_LW, 4, 1, 0), ENC_MTC(CR_PAGING, 0),
          ISA_ENC_I(OP_LW, 6, 7, 0), ENC_HALT(0));
  c->r[1] = VU;
  c->r[5] = FREE;
  c->r[7] = DATA + 0x2000;
  ck_assert_int_eq(tm_run(c, 100), EXIT_HALT);
  ck_assert_uint_eq(c->r[3], 0xbbbb);
  ck_assert_uint_eq(c->r[4], 0xaaaa);
  ck_assert_uint_eq(c->r[6], 0xbbbb);
  ck_assert_uint_eq(c->cr[CR_PTB], FREE);
  ck_assert_uint_eq(c->cr[CR_PAGING], 0);
  ck_assert_uint_eq(c->st.tlb_flushes, 2);
  ck_assert_uint_eq(c->st.tlb_misses, 4); /* fetch, lw, fetch, lw; then paging off */
  ck_assert_uint_eq(c->st.tlb_hits, 0);
  cpu_free(c);
}
END_TEST

/* A PTE changed in memory without tlbi: the TLB keeps using the old
 * translation until tlbi drops it. */
START_TEST(stale_entry_until_tlbi) {
  tm_pt p;
  cpu *c = paged(&p);
  uint32_t pte_pa = tm_pt_map(&p, VU, DATA + 0x2000, PTE_U | PTE_W); /* identity-mapped */
  tm_wr32(c, DATA + 0x2000, 0x0111);
  tm_wr32(c, DATA + 0x1000, 0x0222);
  TM_PROG(c, CODE, ISA_ENC_I(OP_LW, 3, 1, 0), ISA_ENC_I(OP_SW, 7, 6, 0), ISA_ENC_I(OP_LW, 4, 1, 0), ISA_ENC_R(OP_TLBI, 0, 1, 0),
          ISA_ENC_I(OP_LW, 5, 1, 0), ENC_HALT(0));
  c->r[1] = VU;
  c->r[6] = pte_pa;
  c->r[7] = (DATA + 0x1000) | PTE_V | PTE_U | PTE_W;
  ck_assert_int_eq(tm_run(c, 100), EXIT_HALT);
  ck_assert_uint_eq(c->r[3], 0x0111);
  ck_assert_uint_eq(c->r[4], 0x0111); /* stale */
  ck_assert_uint_eq(c->r[5], 0x0222);
  ck_assert_uint_eq(tm_rd32(c, pte_pa), (DATA + 0x1000) | PTE_V | PTE_U | PTE_W | PTE_A);
  cpu_free(c);
}
END_TEST

/* Permission checks: user access to a kernel page, stores to a read-only
 * page (in kernel mode too).  Each row runs `insn; syscall`: an access
 * that is allowed ends in the syscall (or, for a jump, in the illegal
 * zero word at the target). */
START_TEST(permission_faults) {
  enum { OK = 100 };
  static const struct {
    bool user;
    uint32_t insn, addr, cause;
  } t[] = {
      {true, ISA_ENC_I(OP_LW, 3, 1, 0), VK + 8, CAUSE_PF_LOAD},
      {true, ISA_ENC_I(OP_SW, 3, 1, 0), VK + 8, CAUSE_PF_STORE},
      {true, ISA_ENC_I(OP_LBU, 3, 1, 0), VK + 9, CAUSE_PF_LOAD},
      {true, ENC_JR(1), VK + 8, CAUSE_PF_FETCH},
      {true, ENC_JR(1), CODE, CAUSE_PF_FETCH}, /* the kernel's identity map */
      {true, ISA_ENC_I(OP_LW, 3, 1, 0), VU + 8, OK},
      {true, ISA_ENC_I(OP_SW, 3, 1, 0), VU + 8, OK},
      {true, ENC_JR(1), VU + 8, OK},
      {true, ISA_ENC_I(OP_LW, 3, 1, 0), VRO + 8, OK},
      {true, ISA_ENC_I(OP_SH, 3, 1, 0), VRO + 8, CAUSE_PF_STORE},
      {true, ENC_JR(1), VRO + 8, OK},
      {false, ISA_ENC_I(OP_SW, 3, 1, 0), VRO + 8, CAUSE_PF_STORE},
      {false, ISA_ENC_I(OP_LW, 3, 1, 0), VK + 8, OK},
      {false, ISA_ENC_I(OP_SB, 3, 1, 0), VU + 8, OK},
      {false, ENC_JR(1), VK + 8, OK},
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    tm_pt p;
    cpu *c = paged(&p);
    TM_PROG(c, CODE, t[i].insn, ENC_OP0(OP_SYSCALL));
    uint32_t pc0 = t[i].user ? VCODE : CODE;
    if (t[i].user) tm_user(c, VCODE, 0);
    c->r[1] = t[i].addr;
    c->r[3] = 0x77;
    bool jump = ISA_OPCODE(t[i].insn) == OP_JR;
    ck_assert_int_eq(tm_run(c, 100), EXIT_HALT);
    uint32_t cause = c->cr[CR_CAUSE], epc = c->cr[CR_EPC], badva = c->cr[CR_BADVA];
    if (t[i].cause == OK && jump)
      ck_assert_msg(cause == CAUSE_ILLEGAL && epc == t[i].addr && badva == 0, "row %zu: cause %u", i, cause);
    else if (t[i].cause == OK)
      ck_assert_msg(cause == CAUSE_SYSCALL && epc == pc0 + 8, "row %zu: cause %u", i, cause);
    else
      ck_assert_msg(cause == t[i].cause && epc == (jump ? t[i].addr : pc0) && badva == t[i].addr,
                    "row %zu: cause %u epc %#x badva %#x", i, cause, epc, badva);
    ck_assert_uint_eq(c->cr[CR_ESTATUS], t[i].user ? 0 : FLAG_KM);
    cpu_free(c);
  }
}
END_TEST

/* Faults of the walk itself.  A failed walk fills nothing: once the
 * table is fixed the access works without a tlbi. */
START_TEST(walk_faults) {
  static const struct {
    uint32_t insn, addr, cause;
    uint64_t refs;
  } t[] = {
      {ISA_ENC_I(OP_LW, 3, 1, 0), VNOPDE + 4, CAUSE_PF_LOAD, 1},
      {ISA_ENC_I(OP_LW, 3, 1, 0), VNOPTE + 4, CAUSE_PF_LOAD, 2},
      {ISA_ENC_I(OP_SW, 3, 1, 0), VNOPTE + 4, CAUSE_PF_STORE, 2},
      {ENC_JR(1), VNOPTE + 4, CAUSE_PF_FETCH, 2},
      {ISA_ENC_I(OP_LW, 3, 1, 0), VBEYOND + 4, CAUSE_PF_LOAD, 2},
      {ISA_ENC_I(OP_SW, 3, 1, 0), VBEYOND + 4, CAUSE_PF_STORE, 2},
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    tm_pt p;
    cpu *c = paged(&p);
    TM_PROG(c, CODE, t[i].insn, ENC_HALT(0));
    c->r[1] = t[i].addr;
    bool jump = ISA_OPCODE(t[i].insn) == OP_JR;
    TM_EXPECT_TRAP(c, t[i].cause, jump ? t[i].addr : CODE, t[i].addr);
    /* The fetches at CODE and VEC, and the failed walk. */
    ck_assert_uint_eq(c->st.tlb_misses, 3);
    ck_assert_msg(c->st.walk_refs == 4 + t[i].refs, "row %zu: %lu refs", i, (unsigned long)c->st.walk_refs);
    /* Fix the mapping in memory, run the access again. */
    tm_pt_map(&p, t[i].addr, DATA, PTE_W);
    c->pc = CODE;
    c->cr[CR_CAUSE] = 0;
    ck_assert_int_eq(tm_run(c, 100), EXIT_HALT);
    ck_assert_uint_eq(c->st.tlb_misses, 4); /* walked again: no entry was kept */
    ck_assert_uint_eq(c->cr[CR_CAUSE], jump ? CAUSE_ILLEGAL : 0);
    ck_assert_uint_eq(c->pc, jump ? VEC + 4 : CODE + 8);
    cpu_free(c);
  }
  /* A directory entry pointing past memory: the second reference fails. */
  tm_pt p;
  cpu *c = paged(&p);
  tm_wr32(c, PD + (VNOPDE >> 22) * 4, TM_MEM | PTE_V); /* its table starts where memory ends */
  TM_PROG(c, CODE, ISA_ENC_I(OP_LW, 3, 1, 0));
  c->r[1] = VNOPDE;
  TM_EXPECT_TRAP(c, CAUSE_PF_LOAD, CODE, VNOPDE);
  cpu_free(c);
}
END_TEST

/* The walker sets A on a fill and D on the first write through an entry;
 * later writes take the fast path and do not look at the PTE again. */
START_TEST(accessed_dirty) {
  tm_pt p;
  cpu *c = paged(&p);
  uint32_t pte = tm_pt_map(&p, VU, DATA + 0x2000, PTE_U | PTE_W);
  uint32_t code_pte = PT_POOL + (CODE >> PAGE_SHIFT) * 4;
  uint32_t clean = (DATA + 0x2000) | PTE_V | PTE_U | PTE_W;
  TM_PROG(c, CODE, ISA_ENC_I(OP_LW, 3, 1, 0), ENC_HALT(0), /* CODE+8: */ ISA_ENC_I(OP_SW, 3, 1, 0), ENC_HALT(0),
          /* CODE+16: */ ISA_ENC_R(OP_TLBI, 0, 1, 0), ENC_HALT(0));
  c->r[1] = VU;
  ck_assert_uint_eq(tm_rd32(c, pte), clean);
  again(c, CODE);
  ck_assert_uint_eq(tm_rd32(c, pte), clean | PTE_A);
  ck_assert_uint_eq(tm_rd32(c, code_pte), CODE | PTE_V | PTE_W | PTE_A); /* fetched, not written */
  ck_assert_uint_eq(c->st.tlb_misses, 2);
  again(c, CODE + 8); /* first write: a TLB hit that still sets D */
  ck_assert_uint_eq(tm_rd32(c, pte), clean | PTE_A | PTE_D);
  ck_assert_uint_eq(c->st.tlb_misses, 2);
  ck_assert_uint_eq(c->st.tlb_hits, 1);
  tm_wr32(c, pte, clean); /* the OS clears A and D, forgets the tlbi */
  again(c, CODE + 8);
  ck_assert_uint_eq(tm_rd32(c, pte), clean);
  ck_assert_uint_eq(c->st.tlb_hits, 2);
  again(c, CODE + 16);
  again(c, CODE + 8); /* refilled: A and D again */
  ck_assert_uint_eq(tm_rd32(c, pte), clean | PTE_A | PTE_D);
  ck_assert_uint_eq(c->st.tlb_misses, 3);
  cpu_free(c);
}
END_TEST

/* Direct-mapped: pages whose numbers agree modulo tlb_size evict each
 * other.  0x800 and 0x804 share entry 0 of a 4-entry TLB, not of a
 * 64-entry one. */
START_TEST(conflict_eviction) {
  static const struct {
    uint32_t size;
    uint64_t misses, hits;
  } t[] = {{4, 5, 1}, {64, 4, 2}};
  for (int i = 0; i < 2; i++) {
    cpu *c = tm_new_tlb(t[i].size);
    tm_pt p;
    std_map(c, &p);
    tm_pt_map(&p, 0x00800000, DATA, 0);
    tm_pt_map(&p, 0x00804000, DATA + 0x1000, 0);
    tm_pt_map(&p, 0x00806000, DATA + 0x2000, 0);
    tm_wr32(c, DATA, 0xa);
    tm_wr32(c, DATA + 0x1000, 0xb);
    tm_wr32(c, DATA + 0x2000, 0xc);
    TM_PROG(c, CODE, ISA_ENC_I(OP_LW, 3, 1, 0), ISA_ENC_I(OP_LW, 4, 2, 0), ISA_ENC_I(OP_LW, 5, 1, 0), ISA_ENC_I(OP_LW, 6, 7, 0),
            ISA_ENC_I(OP_LW, 8, 1, 0), ENC_HALT(0));
    c->r[1] = 0x00800000;
    c->r[2] = 0x00804000;
    c->r[7] = 0x00806000;
    ck_assert_int_eq(tm_run(c, 100), EXIT_HALT);
    ck_assert(c->r[3] == 0xa && c->r[4] == 0xb && c->r[5] == 0xa && c->r[6] == 0xc && c->r[8] == 0xa);
    ck_assert_msg(c->st.tlb_misses == t[i].misses && c->st.tlb_hits == t[i].hits, "size %u: %lu misses, %lu hits",
                  t[i].size, (unsigned long)c->st.tlb_misses, (unsigned long)c->st.tlb_hits);
    cpu_free(c);
  }
  ck_assert_ptr_null(cpu_new(TM_MEM, 3));
  ck_assert_ptr_null(cpu_new(TM_MEM, 0));
}
END_TEST

/* A change of mode checks permissions again: an entry the kernel filled
 * does not let user code in, and iret to a kernel-only pc in the very page
 * the kernel runs from faults on fetch. */
START_TEST(mode_switch_rechecks) {
  tm_pt p;
  cpu *c = paged(&p);
  TM_PROG(c, CODE, ISA_ENC_I(OP_LW, 3, 1, 0), ENC_MTC(CR_EPC, 2), ENC_OP0(OP_IRET));
  TM_PROG(c, CODE + 0x40, ISA_ENC_I(OP_LW, 4, 1, 0));
  c->r[1] = VK;
  c->r[2] = VCODE + 0x40;
  TM_EXPECT_TRAP(c, CAUSE_PF_LOAD, VCODE + 0x40, VK);
  ck_assert_uint_eq(c->st.user_insns, 0);
  cpu_free(c);
  c = paged(&p);
  TM_PROG(c, CODE, ENC_MTC(CR_EPC, 2), ENC_OP0(OP_IRET));
  c->r[2] = CODE + 0x40;
  TM_EXPECT_TRAP(c, CAUSE_PF_FETCH, CODE + 0x40, CODE + 0x40);
  ck_assert_uint_eq(c->cr[CR_ESTATUS], 0);
  cpu_free(c);
}
END_TEST

/* Paging off: physical = virtual, no TLB; past mem_size nothing is there. */
START_TEST(paging_off) {
  cpu *c = tm_new();
  static const tlb_entry zero[64];
  tm_wr32(c, DATA, 0x5678);
  TM_PROG(c, CODE, ISA_ENC_I(OP_LW, 3, 1, 0), ISA_ENC_I(OP_SW, 3, 1, 4), ISA_ENC_I(OP_LW, 4, 1, 4), ENC_HALT(0));
  c->r[1] = DATA;
  ck_assert_int_eq(tm_run(c, 100), EXIT_HALT);
  ck_assert_uint_eq(c->r[4], 0x5678);
  ck_assert_uint_eq(c->st.tlb_hits + c->st.tlb_misses + c->st.walk_refs, 0);
  ck_assert_mem_eq(c->tlb, zero, sizeof zero);
  static const struct {
    uint32_t insn, addr, cause;
  } t[] = {
      {ISA_ENC_I(OP_LW, 3, 1, 0), TM_MEM, CAUSE_PF_LOAD},
      {ISA_ENC_I(OP_SW, 3, 1, 0), TM_MEM + 4, CAUSE_PF_STORE},
      {ISA_ENC_I(OP_SB, 3, 1, 0), 0xffffffff, CAUSE_PF_STORE},
      {ENC_JR(1), TM_MEM, CAUSE_PF_FETCH},
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    tm_reset(c);
    TM_PROG(c, CODE, t[i].insn);
    c->r[1] = t[i].addr;
    TM_EXPECT_TRAP(c, t[i].cause, ISA_OPCODE(t[i].insn) == OP_JR ? t[i].addr : CODE, t[i].addr);
  }
  /* The last word of memory is still memory. */
  tm_reset(c);
  tm_wr32(c, TM_MEM - 4, 0x4321);
  TM_PROG(c, CODE, ISA_ENC_I(OP_LW, 3, 1, 0), ENC_HALT(0));
  c->r[1] = TM_MEM - 4;
  ck_assert_int_eq(tm_run(c, 100), EXIT_HALT);
  ck_assert_uint_eq(c->r[3], 0x4321);
  cpu_free(c);
}
END_TEST

/* Self-modifying code: a store over an instruction that has already run
 * (so is decoded) takes effect the next time it runs. */
START_TEST(self_modifying_code) {
  /* Same page: the loop rewrites its own second instruction. */
  cpu *c = tm_new();
  TM_PROG(c, CODE, ISA_ENC_I(OP_ADDI, 2, 0, 0), /* CODE+4: */ ISA_ENC_I(OP_ADDI, 3, 3, 1), ISA_ENC_I(OP_SW, 4, 1, 4),
          ISA_ENC_I(OP_ADDI, 2, 2, 1), ENC_CMPI(2, 2), ISA_ENC_J(OP_BLT, -4), ENC_HALT(3));
  c->r[1] = CODE;
  c->r[4] = ISA_ENC_I(OP_ADDI, 3, 3, 100);
  ck_assert_int_eq(tm_run(c, 100), EXIT_HALT);
  ck_assert_uint_eq(c->halt_code, 101);
  /* A byte store changes just the opcode: addi becomes xori. */
  tm_reset(c);
  TM_PROG(c, CODE, ISA_ENC_I(OP_ADDI, 2, 0, 0), ISA_ENC_I(OP_ADDI, 3, 3, 5), ISA_ENC_I(OP_SB, 4, 1, 7),
          ISA_ENC_I(OP_ADDI, 2, 2, 1), ENC_CMPI(2, 2), ISA_ENC_J(OP_BLT, -4), ENC_HALT(3));
  c->r[1] = CODE;
  c->r[4] = OP_XORI;
  ck_assert_int_eq(tm_run(c, 100), EXIT_HALT);
  ck_assert_uint_eq(c->halt_code, 0); /* 5, then 5 ^ 5 */
  /* The next instruction, decoded by an earlier run. */
  tm_reset(c);
  TM_PROG(c, CODE, ISA_ENC_I(OP_SW, 4, 1, 4), ENC_HALT(0), ENC_HALT(3));
  c->r[1] = CODE;
  c->r[4] = ENC_HALT(0);
  again(c, CODE);
  ck_assert_uint_eq(c->pc, CODE + 8);
  c->r[4] = ISA_ENC_I(OP_ADDI, 3, 0, 9);
  again(c, CODE);
  ck_assert_uint_eq(c->pc, CODE + 12);
  ck_assert_uint_eq(c->halt_code, 9);
  cpu_free(c);

  /* Another page, written through a second mapping (paging on) or
   * directly (paging off).  With paging the alias is dirty, so its first
   * store gets fast write permission before the code page is decoded;
   * decoding it must take that permission away. */
  for (int paging = 0; paging < 2; paging++) {
    tm_pt p;
    c = paging ? paged(&p) : tm_new();
    if (paging) tm_pt_map(&p, 0x00c00000, CODE + 0x1000, PTE_W | PTE_D);
    /* Then again after a flush: the refill must not give the alias fast
     * write permission to a page that is already decoded. */
    TM_PROG(c, CODE, ISA_ENC_I(OP_SW, 4, 6, 0), ISA_ENC_R(OP_CALLR, 0, 7, 0), ISA_ENC_I(OP_SW, 5, 6, 0),
            ISA_ENC_R(OP_CALLR, 0, 7, 0), ENC_OP0(OP_TLBFLUSH), ISA_ENC_I(OP_SW, 4, 6, 0), ISA_ENC_R(OP_CALLR, 0, 7, 0),
            ISA_ENC_I(OP_SW, 5, 6, 0), ISA_ENC_R(OP_CALLR, 0, 7, 0), ENC_HALT(3));
    TM_PROG(c, CODE + 0x1000, 0, ENC_JR(REG_LR));
    c->r[4] = ISA_ENC_I(OP_ADDI, 3, 3, 1);
    c->r[5] = ISA_ENC_I(OP_ADDI, 3, 3, 100);
    c->r[6] = paging ? 0x00c00000 : CODE + 0x1000;
    c->r[7] = CODE + 0x1000;
    ck_assert_int_eq(tm_run(c, 100), EXIT_HALT);
    ck_assert_msg(c->halt_code == 202, "paging %d: %u", paging, c->halt_code);
    cpu_free(c);
  }
}
END_TEST

/* The host writes memory behind the CPU's back and says so. */
START_TEST(phys_written) {
  cpu *c = tm_new();
  TM_PROG(c, CODE, ISA_ENC_I(OP_ADDI, 3, 0, 1), ENC_HALT(3));
  ck_assert_int_eq(tm_run(c, 10), EXIT_HALT);
  ck_assert_uint_eq(c->halt_code, 1);
  uint32_t w = ISA_ENC_I(OP_ADDI, 3, 0, 2);
  memcpy(c->mem + CODE, &w, 4);
  cpu_phys_written(c, CODE, 4);
  again(c, CODE);
  ck_assert_uint_eq(c->halt_code, 2);
  tm_wr32(c, CODE, ISA_ENC_I(OP_ADDI, 3, 0, 3)); /* cpu_phys_write says so itself */
  again(c, CODE);
  ck_assert_uint_eq(c->halt_code, 3);
  /* A range across a page boundary drops both pages. */
  TM_PROG(c, CODE + 0xffc, ISA_ENC_I(OP_ADDI, 3, 0, 4), ENC_HALT(3));
  again(c, CODE + 0xffc);
  ck_assert_uint_eq(c->halt_code, 4);
  uint32_t two[2] = {ISA_ENC_I(OP_ADDI, 3, 0, 5), ENC_HALT(0)};
  memcpy(c->mem + CODE + 0xffc, two, 8);
  cpu_phys_written(c, CODE + 0xffc, 8);
  again(c, CODE + 0xffc);
  ck_assert_uint_eq(c->halt_code, 0);
  ck_assert_uint_eq(c->r[3], 5);
  /* Out of range. */
  ck_assert(!cpu_phys_write(c, TM_MEM - 2, &w, 4));
  ck_assert(!cpu_phys_read(c, TM_MEM, &w, 1));
  ck_assert(cpu_phys_read(c, TM_MEM - 4, &w, 4));
  cpu_free(c);
}
END_TEST

/* The monitor window [mon_lo, 2^32), here the top 32 KiB, where r0-based
 * (absolute) addresses reach.  User code outside it cannot touch it, even
 * through U pages.  Code fetched inside it can, but only through r0-based
 * addresses: a register-based address into the window faults.  Kernel mode
 * ignores the window.
 *
 *   MON         0xffff8000 -> CODE+0x1000   the monitor's code (U set)
 *   MON+0x1000  0xffff9000 -> DATA+0x1000   its data (no U)
 *   MON+0x2000  0xffffa000 -> DATA+0x2000   a U page inside the window
 */
enum { MON = 0xffff8000u };

static cpu *window(tm_pt *p) {
  cpu *c = paged(p);
  tm_pt_map(p, MON, CODE + 0x1000, PTE_U);
  tm_pt_map(p, MON + 0x1000, DATA + 0x1000, PTE_W | PTE_D);
  tm_pt_map(p, MON + 0x2000, DATA + 0x2000, PTE_U | PTE_W | PTE_D);
  cpu_set_window(c, MON);
  tm_wr32(c, DATA + 0x1000, 0x0d0d);
  tm_wr32(c, DATA + 0x2000, 0x0e0e);
  return c;
}

/* Start user-mode code at pc in the window, as a monitor does. */
static void enter_window(cpu *c, uint32_t pc) {
  tm_user(c, pc, 0);
  c->perm_shift = PSHIFT_MONITOR;
}

START_TEST(monitor_window) {
  static const struct {
    uint32_t insn, r1, addr, cause;
  } t[] = {
      {ISA_ENC_I(OP_LW, 3, 0, 0xa000), 0, MON + 0x2000, CAUSE_PF_LOAD},
      {ISA_ENC_I(OP_SW, 3, 0, 0x9000), 0, MON + 0x1000, CAUSE_PF_STORE},
      {ISA_ENC_I(OP_LW, 3, 1, 0), MON + 0x2000, MON + 0x2000, CAUSE_PF_LOAD},
      {ENC_JR(1), MON, MON, CAUSE_PF_FETCH},
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    tm_pt p;
    cpu *c = window(&p);
    TM_PROG(c, CODE, t[i].insn);
    tm_user(c, VCODE, 0);
    c->r[1] = t[i].r1;
    TM_EXPECT_TRAP(c, t[i].cause, ISA_OPCODE(t[i].insn) == OP_JR ? MON : VCODE, t[i].addr);
    cpu_free(c);
  }
  /* The monitor's code: its window (r0-based), user pages, then a jump to
   * user code, which is refused the window although the TLB now holds it. */
  tm_pt p;
  cpu *c = window(&p);
  TM_PROG(c, CODE + 0x1000, ISA_ENC_I(OP_LW, 3, 0, 0x9000), ISA_ENC_I(OP_SW, 3, 0, 0x9004), ISA_ENC_I(OP_LW, 4, 1, 0),
          ISA_ENC_I(OP_LW, 9, 0, 0xa000), ENC_JR(8));
  TM_PROG(c, CODE, ISA_ENC_I(OP_LW, 6, 0, 0xa000));
  enter_window(c, MON);
  c->r[1] = VU;
  c->r[8] = VCODE;
  TM_EXPECT_TRAP(c, CAUSE_PF_LOAD, VCODE, MON + 0x2000);
  ck_assert_uint_eq(c->r[3], 0x0d0d);
  ck_assert_uint_eq(c->r[4], 0x0e0e);
  ck_assert_uint_eq(c->r[9], 0x0e0e);
  ck_assert_uint_eq(tm_rd32(c, DATA + 0x1004), 0x0d0d);
  ck_assert_uint_eq(c->st.user_insns, 5);
  cpu_free(c);
  /* Monitor code: not through a register. */
  static const struct {
    uint32_t insn, r1, cause;
  } m[] = {
      {ISA_ENC_I(OP_LW, 3, 1, 0), MON + 0x1000, CAUSE_PF_LOAD},
      {ISA_ENC_I(OP_SB, 3, 1, 0), MON + 0x1003, CAUSE_PF_STORE},
  };
  for (size_t i = 0; i < sizeof m / sizeof m[0]; i++) {
    c = window(&p);
    TM_PROG(c, CODE + 0x1000, m[i].insn);
    enter_window(c, MON);
    c->r[1] = m[i].r1;
    TM_EXPECT_TRAP(c, m[i].cause, MON, m[i].r1);
    cpu_free(c);
  }
  /* Outside the window, paging treats monitor code as kernel mode (cpu.h):
   * it reads and writes a U=0 page, which user code may not. */
  c = window(&p);
  TM_PROG(c, CODE + 0x1000, ISA_ENC_I(OP_LW, 3, 1, 0), ISA_ENC_I(OP_SW, 3, 1, 4), ISA_ENC_I(OP_LW, 5, 2, 0));
  enter_window(c, MON);
  c->r[1] = VK;
  c->r[2] = MON + 0x1000;
  TM_EXPECT_TRAP(c, CAUSE_PF_LOAD, MON + 8, MON + 0x1000);
  ck_assert_uint_eq(c->r[3], 0x0d0d);
  ck_assert_uint_eq(tm_rd32(c, DATA + 0x1004), 0x0d0d);
  cpu_free(c);
  /* Nor through the stack pointer: pushf and popf. */
  static const uint32_t stack_op[] = {OP_PUSHF, OP_POPF};
  for (int i = 0; i < 2; i++) {
    c = window(&p);
    TM_PROG(c, CODE + 0x1000, ENC_OP0(stack_op[i]));
    enter_window(c, MON);
    c->r[REG_SP] = MON + 0x1010;
    TM_EXPECT_TRAP(c, i ? CAUSE_PF_LOAD : CAUSE_PF_STORE, MON, i ? MON + 0x1010 : MON + 0x100c);
    ck_assert_uint_eq(c->r[REG_SP], MON + 0x1010);
    cpu_free(c);
  }
  /* Kernel mode: the window is ordinary memory. */
  c = window(&p);
  TM_PROG(c, CODE, ISA_ENC_I(OP_LW, 3, 1, 0), ISA_ENC_I(OP_SW, 3, 1, 8), ISA_ENC_I(OP_LW, 4, 0, 0x9000), ENC_OP0(OP_PUSHF),
          ENC_JR(2));
  TM_PROG(c, CODE + 0x1000, ENC_HALT(3));
  c->r[1] = MON + 0x1000;
  c->r[2] = MON;
  c->r[REG_SP] = MON + 0x1020;
  ck_assert_int_eq(tm_run(c, 100), EXIT_HALT);
  ck_assert_uint_eq(c->cr[CR_CAUSE], 0);
  ck_assert_uint_eq(c->pc, MON + 4);
  ck_assert_uint_eq(c->halt_code, 0x0d0d);
  ck_assert_uint_eq(c->r[4], 0x0d0d);
  ck_assert_uint_eq(tm_rd32(c, DATA + 0x1008), 0x0d0d);
  ck_assert_uint_eq(tm_rd32(c, DATA + 0x101c), FLAG_KM);
  cpu_free(c);
}
END_TEST

/* The window's mappings are the same in every address space, so its TLB
 * entries survive a flush (a monitor's CR[ptb] write); cpu_tlb_flush_all,
 * for a switch to another machine's window, drops them too. */
START_TEST(window_survives_flush) {
  tm_pt p;
  cpu *c = window(&p);
  TM_PROG(c, CODE + 0x1000, ISA_ENC_I(OP_LW, 3, 0, 0x9000), ISA_ENC_I(OP_LW, 4, 1, 0), ISA_ENC_I(OP_LW, 5, 2, 0));
  uint64_t misses[3];
  for (int i = 0; i < 3; i++) {
    if (i == 1) cpu_tlb_flush(c, true);
    if (i == 2) cpu_tlb_flush_all(c, true);
    uint64_t before = c->st.tlb_misses;
    enter_window(c, MON);
    c->r[1] = VU;
    c->r[2] = MON + 0x1000;
    TM_EXPECT_TRAP(c, CAUSE_PF_LOAD, MON + 8, MON + 0x1000);
    misses[i] = c->st.tlb_misses - before;
  }
  ck_assert_uint_eq(misses[2], misses[0]);
  ck_assert_uint_eq(misses[1], misses[0] - 2); /* MON's code and data hit */
  cpu_free(c);
}
END_TEST

/* cpu_translate_peek gives what the access itself would, and changes
 * nothing: not the counters, not the TLB, not the A and D bits. */
START_TEST(translate_peek) {
  static const uint32_t vas[] = {DATA + 0x10, VK + 8, VU + 8, VRO + 8, VNOPTE, VBEYOND, VNOPDE, TM_MEM};
  static const int access[] = {P_R, P_W, P_X};
  int checked = 0;
  for (int user = 0; user < 2; user++)
    for (size_t i = 0; i < sizeof vas / sizeof vas[0]; i++)
      for (int a = 0; a < 3; a++) {
        tm_pt p;
        cpu *c = paged(&p);
        /* Each word that can be reached holds its own physical address. */
        for (uint32_t pa = DATA; pa < DATA + 0x4000; pa += 4) memcpy(c->mem + pa, &pa, 4);
        uint32_t insn = access[a] == P_R ? ISA_ENC_I(OP_LW, 3, 1, 0)
                        : access[a] == P_W ? ISA_ENC_I(OP_SW, 9, 1, 0)
                                           : ENC_JR(1);
        TM_PROG(c, CODE, insn, ENC_OP0(OP_SYSCALL));
        if (user) tm_user(c, VCODE, 0);
        c->r[1] = vas[i];
        c->r[9] = 0x5a5a0000u | (uint32_t)i;
        /* Peek: no side effects. */
        cpu_stats st = c->st;
        tlb_entry tlb[64];
        memcpy(tlb, c->tlb, sizeof tlb);
        uint8_t *tables = malloc(0x4000);
        memcpy(tables, c->mem + PD, 0x4000);
        uint32_t pa = 0xffffffff;
        int rc = cpu_translate_peek(c, vas[i], access[a], &pa);
        ck_assert_mem_eq(&st, &c->st, sizeof st);
        ck_assert_mem_eq(tlb, c->tlb, sizeof tlb);
        ck_assert_mem_eq(tables, c->mem + PD, 0x4000);
        free(tables);
        /* The real access. */
        ck_assert_int_eq(tm_run(c, 100), EXIT_HALT);
        uint32_t cause = c->cr[CR_CAUSE];
        if (rc != 0) {
          ck_assert_msg(cause == (uint32_t)rc && c->cr[CR_BADVA] == vas[i], "user %d va %#x access %d: peek %d, cpu %u",
                        user, vas[i], access[a], rc, cause);
        } else if (access[a] == P_R) {
          ck_assert_uint_eq(cause, CAUSE_SYSCALL);
          ck_assert_uint_eq(c->r[3], pa);
        } else if (access[a] == P_W) {
          ck_assert_uint_eq(cause, CAUSE_SYSCALL);
          ck_assert_uint_eq(tm_rd32(c, pa), c->r[9]);
        } else {
          ck_assert_uint_eq(cause, CAUSE_ILLEGAL); /* the word at pa is pa: opcode 0 */
          ck_assert_uint_eq(c->cr[CR_BADVA], pa);
        }
        checked += rc == 0;
        cpu_free(c);
      }
  ck_assert_int_eq(checked, 16); /* the rows that translate at all */
  /* Paging off: identity below mem_size. */
  cpu *c = tm_new();
  uint32_t pa = 0;
  ck_assert_int_eq(cpu_translate_peek(c, DATA + 3, P_W, &pa), 0);
  ck_assert_uint_eq(pa, DATA + 3);
  ck_assert_int_eq(cpu_translate_peek(c, TM_MEM, P_X, &pa), CAUSE_PF_FETCH);
  cpu_free(c);
}
END_TEST

Suite *mmu_suite(void) {
  const TTest *t[] = {
      walk_counts, fetch_window, flush_and_tlbi, ptb_write_flushes, stale_entry_until_tlbi, permission_faults,
      walk_faults, accessed_dirty, conflict_eviction, mode_switch_rechecks, paging_off, self_modifying_code,
      phys_written, monitor_window, window_survives_flush, translate_peek,
  };
  return tm_suite("mmu", t, sizeof t / sizeof t[0]);
}
