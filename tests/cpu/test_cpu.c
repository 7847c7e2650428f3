/* test_cpu.c: every instruction of the ISA table, in kernel mode, with its
 * exact result; then the classes: privileged, special, trap, illegal.
 * Programs are hand-encoded with enc.h (no assembler). */
#include <check.h>
#include <string.h>

#include "enc.h"
#include "snapshot.h"

/* Run `word` at CODE with r1 = a, r2 = b, r3 = a marker, then `halt r0`.
 * Expects no trap and r1, r2 untouched; returns r3. */
static uint32_t run1(cpu *c, uint32_t word, uint32_t a, uint32_t b) {
  tm_reset(c);
  TM_PROG(c, CODE, word, ENC_HALT(0));
  c->r[1] = a;
  c->r[2] = b;
  c->r[3] = 0xdeadbeef;
  ck_assert_int_eq(tm_run(c, 10), EXIT_HALT);
  ck_assert_uint_eq(c->pc, CODE + 8); /* halted at CODE+4, not in VEC */
  ck_assert_uint_eq(tm_ntraps(c), 0);
  ck_assert_uint_eq(c->st.insns, 2);
  ck_assert_uint_eq(c->r[1], a);
  ck_assert_uint_eq(c->r[2], b);
  return c->r[3];
}

/* ---- register-register ALU ---- */
static const struct {
  uint8_t op;
  uint32_t a, b, want;
} rr[] = {
    {OP_ADD, 1, 2, 3},
    {OP_ADD, 0xffffffff, 1, 0},
    {OP_ADD, 0x7fffffff, 1, 0x80000000},
    {OP_SUB, 3, 5, 0xfffffffe},
    {OP_SUB, 0x80000000, 1, 0x7fffffff},
    {OP_AND, 0xf0f0ff00, 0x0ff0f0f0, 0x00f0f000},
    {OP_OR, 0xf0f0ff00, 0x0ff0f0f0, 0xfff0fff0},
    {OP_XOR, 0xf0f0ff00, 0x0ff0f0f0, 0xff000ff0},
    {OP_SHL, 1, 31, 0x80000000},
    {OP_SHL, 1, 32, 1}, /* shift counts are taken mod 32 */
    {OP_SHL, 3, 33, 6},
    {OP_SHL, 1, 0xffffffff, 0x80000000},
    {OP_SHR, 0x80000000, 31, 1},
    {OP_SHR, 0x80000000, 32, 0x80000000},
    {OP_SHR, 0xffffffff, 4, 0x0fffffff},
    {OP_SAR, 0x80000000, 31, 0xffffffff},
    {OP_SAR, 0xfffffff0, 2, 0xfffffffc},
    {OP_SAR, 0x80000000, 32, 0x80000000},
    {OP_SAR, 0x7fffffff, 31, 0},
    {OP_SAR, 0xffffffff, 5, 0xffffffff},
    {OP_MUL, 0x10000, 0x10000, 0},
    {OP_MUL, 0xffffffff, 0xffffffff, 1},
    {OP_MUL, 0xfffffffd, 7, 0xffffffeb},
    {OP_MUL, 123456789, 987654321, 0xfbff5385},
    {OP_DIV, 7, 2, 3},
    {OP_DIV, (uint32_t)-7, 2, (uint32_t)-3}, /* truncates toward zero */
    {OP_DIV, 7, (uint32_t)-2, (uint32_t)-3},
    {OP_DIV, (uint32_t)-8, (uint32_t)-2, 4},
    {OP_DIV, 0x80000000, 0xffffffff, 0x80000000}, /* INT_MIN / -1 */
    {OP_DIVU, 0xffffffff, 2, 0x7fffffff},
    {OP_DIVU, 0xffffffff, 10, 0x19999999},
    {OP_DIVU, 0x80000000, 0xffffffff, 0},
    {OP_REM, (uint32_t)-7, 2, (uint32_t)-1},
    {OP_REM, 7, (uint32_t)-2, 1},
    {OP_REM, 0x80000000, 0xffffffff, 0}, /* INT_MIN % -1 */
    {OP_REMU, 0xffffffff, 10, 5},
    {OP_REMU, 7, 0xffffffff, 7},
    {OP_SLT, 0xffffffff, 1, 1},
    {OP_SLT, 1, 0xffffffff, 0},
    {OP_SLT, 5, 5, 0},
    {OP_SLT, 0x80000000, 0x7fffffff, 1},
    {OP_SLTU, 1, 0xffffffff, 1},
    {OP_SLTU, 0xffffffff, 1, 0},
    {OP_SLTU, 5, 5, 0},
};

START_TEST(alu_rr) {
  cpu *c = tm_new();
  for (size_t i = 0; i < sizeof rr / sizeof rr[0]; i++) {
    uint32_t got = run1(c, ISA_ENC_R(rr[i].op, 3, 1, 2), rr[i].a, rr[i].b);
    ck_assert_msg(got == rr[i].want, "row %zu: %s %#x, %#x = %#x, want %#x", i, isa_table[rr[i].op].name,
                  rr[i].a, rr[i].b, got, rr[i].want);
  }
  /* rd may be a source: add r1, r1, r1 doubles it. */
  tm_reset(c);
  TM_PROG(c, CODE, ISA_ENC_R(OP_ADD, 1, 1, 1), ENC_HALT(0));
  c->r[1] = 21;
  ck_assert_int_eq(tm_run(c, 10), EXIT_HALT);
  ck_assert_uint_eq(c->r[1], 42);
  cpu_free(c);
}
END_TEST

/* ---- register-immediate ALU ---- */
static const struct {
  uint8_t op;
  uint32_t a, imm, want;
} ri[] = {
    {OP_ADDI, 5, 0xffff, 4}, /* imm is sign-extended */
    {OP_ADDI, 0x7fffffff, 1, 0x80000000},
    {OP_ADDI, 0, 0x8000, 0xffff8000},
    {OP_ADDI, 0, 0x7fff, 0x7fff},
    {OP_ANDI, 0xffffffff, 0xffff, 0x0000ffff}, /* logical imms are zero-extended */
    {OP_ANDI, 0xfffff0f0, 0x80ff, 0x80f0},
    {OP_ORI, 0, 0xffff, 0x0000ffff},
    {OP_ORI, 0x12340000, 0x8001, 0x12348001},
    {OP_XORI, 0xffffffff, 0xffff, 0xffff0000},
    {OP_SHLI, 1, 31, 0x80000000},
    {OP_SHLI, 1, 32, 1},
    {OP_SHLI, 1, 0xffff, 0x80000000},
    {OP_SHRI, 0x80000000, 31, 1},
    {OP_SHRI, 0xffffffff, 0, 0xffffffff},
    {OP_SARI, 0x80000000, 31, 0xffffffff},
    {OP_SARI, 0x80000000, 4, 0xf8000000},
    {OP_SARI, 0x40000000, 4, 0x04000000},
    {OP_SLTI, (uint32_t)-5, 0xffff, 1}, /* -5 < -1 */
    {OP_SLTI, 0, 0xffff, 0},            /* 0 < -1 is false: signed */
    {OP_SLTI, 0xffffffff, 0x7fff, 1},
    {OP_SLTI, 0x7fff, 0x7fff, 0},
};

START_TEST(alu_imm) {
  cpu *c = tm_new();
  for (size_t i = 0; i < sizeof ri / sizeof ri[0]; i++) {
    uint32_t got = run1(c, ISA_ENC_I(ri[i].op, 3, 1, ri[i].imm), ri[i].a, 0);
    ck_assert_msg(got == ri[i].want, "row %zu: %s %#x, %#x = %#x, want %#x", i, isa_table[ri[i].op].name,
                  ri[i].a, ri[i].imm, got, ri[i].want);
  }
  /* lui ignores the old value and clears the low half. */
  ck_assert_uint_eq(run1(c, ISA_ENC_I(OP_LUI, 3, 0, 0xffff), 0, 0), 0xffff0000);
  ck_assert_uint_eq(run1(c, ISA_ENC_I(OP_LUI, 3, 0, 0x1234), 0, 0), 0x12340000);
  /* lui + ori build any constant, including ones with bit 15 set. */
  tm_reset(c);
  TM_PROG(c, CODE, ENC_LI(3, 0xdeadbeef), ENC_LI(4, 0x00008000), ENC_LI(5, 0xffff0000), ENC_HALT(0));
  ck_assert_int_eq(tm_run(c, 10), EXIT_HALT);
  ck_assert_uint_eq(c->r[3], 0xdeadbeef);
  ck_assert_uint_eq(c->r[4], 0x00008000);
  ck_assert_uint_eq(c->r[5], 0xffff0000);
  cpu_free(c);
}
END_TEST

/* Every instruction that writes a register drops a write to r0. */
START_TEST(r0_writes_dropped) {
  cpu *c = tm_new();
  tm_wr32(c, DATA, 0x11223344);
  for (int op = 0; op < 256; op++) {
    const isa_info *in = &isa_table[op];
    if (!in->name || !isa_has_operand(in, 'd') || in->cls != CLASS_ORD || op == OP_SW || op == OP_SH ||
        op == OP_SB)
      continue;
    uint32_t w = enc_legal(in, 4) & ~(uint32_t)FIELD_RD; /* rd = r0 */
    tm_reset(c);
    TM_PROG(c, CODE, w, ISA_ENC_R(OP_ADD, 4, 0, 0), ENC_HALT(0));
    c->r[1] = DATA;
    c->r[2] = 3;
    c->r[4] = 99;
    ck_assert_int_eq(tm_run(c, 10), EXIT_HALT);
    ck_assert_msg(c->r[0] == 0 && c->r[4] == 0, "%s wrote r0", in->name);
  }
  /* Privileged writers too. */
  tm_reset(c);
  c->cr[CR_SCRATCH] = 7;
  TM_PROG(c, CODE, ENC_MFC(0, CR_SCRATCH), ENC_IN(0, 0x40), ENC_HALT(0));
  ck_assert_int_eq(tm_run(c, 10), EXIT_HALT);
  ck_assert_uint_eq(c->r[0], 0);
  cpu_free(c);
}
END_TEST

/* cmp and cmpi set exactly Z N C V and keep IE and KM. */
START_TEST(cmp_flags) {
  static const struct {
    uint32_t a, b, f;
  } t[] = {
      {0, 0, FLAG_Z},
      {1, 2, FLAG_N | FLAG_C},
      {2, 1, 0},
      {0x80000000, 1, FLAG_V},
      {0x7fffffff, 0xffffffff, FLAG_N | FLAG_C | FLAG_V},
      {0xffffffff, 0xffffffff, FLAG_Z},
      {0, 0x80000000, FLAG_N | FLAG_C | FLAG_V},
      {0xffffffff, 0, FLAG_N},
  };
  cpu *c = tm_new();
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    tm_reset(c);
    TM_PROG(c, CODE, ENC_CMP(1, 2), ENC_HALT(0));
    c->flags = FLAG_KM | FLAG_IE | (FLAGS_CC & ~t[i].f); /* old ZNCV must go */
    c->r[1] = t[i].a;
    c->r[2] = t[i].b;
    ck_assert_int_eq(tm_run(c, 10), EXIT_HALT);
    ck_assert_msg(c->flags == (FLAG_KM | FLAG_IE | t[i].f), "cmp %#x, %#x: flags %#x", t[i].a, t[i].b, c->flags);
  }
  /* cmpi sign-extends its immediate. */
  tm_reset(c);
  TM_PROG(c, CODE, ENC_CMPI(1, 0xffff), ENC_HALT(0));
  c->r[1] = 0xffffffff;
  ck_assert_int_eq(tm_run(c, 10), EXIT_HALT);
  ck_assert_uint_eq(c->flags, FLAG_KM | FLAG_Z);
  tm_reset(c);
  TM_PROG(c, CODE, ENC_CMPI(1, 0x8000), ENC_HALT(0)); /* 0 - (-32768) */
  ck_assert_int_eq(tm_run(c, 10), EXIT_HALT);
  ck_assert_uint_eq(c->flags, FLAG_KM | FLAG_C);
  cpu_free(c);
}
END_TEST

/* Each branch, over all 16 states of Z N C V: the conditions of isa.h. */
static bool cond(int op, uint32_t f) {
  bool z = f & FLAG_Z, n = f & FLAG_N, cf = f & FLAG_C, v = f & FLAG_V;
  switch (op) {
  case OP_JMP: return true;
  case OP_BEQ: return z;
  case OP_BNE: return !z;
  case OP_BLT: return n != v;
  case OP_BGE: return n == v;
  case OP_BGT: return !z && n == v;
  case OP_BLE: return z || n != v;
  case OP_BLTU: return cf;
  case OP_BGEU: return !cf;
  case OP_BGTU: return !cf && !z;
  case OP_BLEU: return cf || z;
  }
  ck_abort_msg("cond: not a branch");
  return false;
}

static const uint8_t branches[] = {OP_JMP,  OP_BEQ,  OP_BNE,  OP_BLT,  OP_BGE,  OP_BGT,
                                   OP_BLE,  OP_BLTU, OP_BGEU, OP_BGTU, OP_BLEU};

START_TEST(branch_flag_grid) {
  cpu *c = tm_new();
  for (size_t b = 0; b < sizeof branches; b++)
    for (uint32_t f = 0; f < 16; f++) {
      tm_reset(c);
      TM_PROG(c, CODE, ISA_ENC_J(branches[b], 5));
      c->flags = FLAG_KM | f;
      ck_assert_int_eq(tm_run(c, 1), EXIT_BUDGET);
      uint32_t want = cond(branches[b], f) ? CODE + 20 : CODE + 4;
      ck_assert_msg(c->pc == want, "%s with ZNCV=%x: pc %#x, want %#x", isa_table[branches[b]].name, f, c->pc,
                    want);
      ck_assert_uint_eq(c->flags, FLAG_KM | f); /* branches do not touch F */
    }
  cpu_free(c);
}
END_TEST

/* cmp then branch, over pairs of values: the branches mean the C
 * comparisons of their names, signed and unsigned. */
START_TEST(branch_value_grid) {
  static const uint32_t v[] = {0, 1, 2, 0x7fffffff, 0x80000000, 0x80000001, 0xfffffffe, 0xffffffff};
  cpu *c = tm_new();
  for (size_t i = 0; i < 8; i++)
    for (size_t j = 0; j < 8; j++)
      for (size_t b = 1; b < sizeof branches; b++) {
        uint32_t x = v[i], y = v[j];
        int32_t sx = (int32_t)x, sy = (int32_t)y;
        bool want;
        switch (branches[b]) {
        case OP_BEQ: want = x == y; break;
        case OP_BNE: want = x != y; break;
        case OP_BLT: want = sx < sy; break;
        case OP_BGE: want = sx >= sy; break;
        case OP_BGT: want = sx > sy; break;
        case OP_BLE: want = sx <= sy; break;
        case OP_BLTU: want = x < y; break;
        case OP_BGEU: want = x >= y; break;
        case OP_BGTU: want = x > y; break;
        default: want = x <= y; break; /* BLEU */
        }
        tm_reset(c);
        TM_PROG(c, CODE, ENC_CMP(1, 2), ISA_ENC_J(branches[b], 2));
        c->r[1] = x;
        c->r[2] = y;
        ck_assert_int_eq(tm_run(c, 2), EXIT_BUDGET);
        ck_assert_msg(c->pc == (want ? CODE + 12 : CODE + 8), "cmp %#x, %#x; %s: pc %#x", x, y,
                      isa_table[branches[b]].name, c->pc);
      }
  cpu_free(c);
}
END_TEST

/* jmp, call, callr, jr: targets and the link register. */
START_TEST(jumps_and_calls) {
  cpu *c = tm_new();
  /* Backward, self and the most negative offset (the pc wraps). */
  struct {
    uint32_t at, off, want;
  } j[] = {{CODE + 8, 0xffffff, CODE + 4}, {CODE, 0, CODE}, {CODE, 0x800000, CODE - 0x2000000u}};
  for (int i = 0; i < 3; i++) {
    tm_reset(c);
    c->pc = j[i].at;
    tm_wr32(c, j[i].at, ISA_ENC_J(OP_JMP, j[i].off));
    ck_assert_int_eq(tm_run(c, 1), EXIT_BUDGET);
    ck_assert_uint_eq(c->pc, j[i].want);
    ck_assert_uint_eq(c->r[REG_LR], 0);
  }
  /* call: lr = pc + 4. */
  tm_reset(c);
  TM_PROG(c, CODE, ISA_ENC_J(OP_CALL, 4));
  ck_assert_int_eq(tm_run(c, 1), EXIT_BUDGET);
  ck_assert_uint_eq(c->pc, CODE + 16);
  ck_assert_uint_eq(c->r[REG_LR], CODE + 4);
  /* callr r5. */
  tm_reset(c);
  TM_PROG(c, CODE, ISA_ENC_R(OP_CALLR, 0, 5, 0));
  c->r[5] = DATA + 0x40;
  ck_assert_int_eq(tm_run(c, 1), EXIT_BUDGET);
  ck_assert_uint_eq(c->pc, DATA + 0x40);
  ck_assert_uint_eq(c->r[REG_LR], CODE + 4);
  /* callr lr reads the target before it writes the link. */
  tm_reset(c);
  TM_PROG(c, CODE, ISA_ENC_R(OP_CALLR, 0, REG_LR, 0));
  c->r[REG_LR] = DATA + 0x80;
  ck_assert_int_eq(tm_run(c, 1), EXIT_BUDGET);
  ck_assert_uint_eq(c->pc, DATA + 0x80);
  ck_assert_uint_eq(c->r[REG_LR], CODE + 4);
  /* A call, a subroutine and a return through jr lr. */
  tm_reset(c);
  TM_PROG(c, CODE, ISA_ENC_J(OP_CALL, 3), ISA_ENC_I(OP_ADDI, 3, 3, 10), ENC_HALT(3), /* CODE+12: */
          ISA_ENC_I(OP_ADDI, 3, 3, 1), ENC_JR(REG_LR));
  ck_assert_int_eq(tm_run(c, 100), EXIT_HALT);
  ck_assert_uint_eq(c->halt_code, 11);
  ck_assert_uint_eq(c->st.insns, 5);
  ck_assert_uint_eq(c->r[REG_LR], CODE + 4);
  cpu_free(c);
}
END_TEST

START_TEST(loads_extend) {
  cpu *c = tm_new();
  static const uint8_t bytes[8] = {0x80, 0xff, 0x34, 0x12, 0x7f, 0x00, 0xfe, 0x7f};
  ck_assert(cpu_phys_write(c, DATA, bytes, 8));
  static const struct {
    uint8_t op;
    int16_t off;
    uint32_t want;
  } t[] = {
      {OP_LW, 0, 0x1234ff80},  {OP_LW, 4, 0x7ffe007f},  {OP_LH, 0, 0xffffff80}, {OP_LHU, 0, 0x0000ff80},
      {OP_LH, 2, 0x00001234},  {OP_LH, 6, 0x00007ffe},  {OP_LB, 0, 0xffffff80}, {OP_LBU, 0, 0x00000080},
      {OP_LB, 1, 0xffffffff},  {OP_LBU, 1, 0x000000ff}, {OP_LB, 4, 0x0000007f}, {OP_LB, 3, 0x00000012},
      {OP_LHU, 6, 0x00007ffe},
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    /* Once with a positive base, once with a negative offset. */
    ck_assert_msg(run1(c, ISA_ENC_I(t[i].op, 3, 1, t[i].off), DATA, 0) == t[i].want, "row %zu", i);
    ck_assert_uint_eq(c->last_ea, DATA + (uint32_t)t[i].off);
    ck_assert_msg(run1(c, ISA_ENC_I(t[i].op, 3, 1, t[i].off - 0x100), DATA + 0x100, 0) == t[i].want, "row %zu", i);
  }
  cpu_free(c);
}
END_TEST

START_TEST(stores_sizes) {
  static const struct {
    uint8_t op;
    int16_t off;
    uint32_t w0, w1; /* the two words at DATA afterwards */
  } t[] = {
      {OP_SW, 4, 0x11223344, 0xaabbccdd},
      {OP_SH, 0, 0x1122ccdd, 0x55667788},
      {OP_SH, 2, 0xccdd3344, 0x55667788},
      {OP_SB, 0, 0x112233dd, 0x55667788},
      {OP_SB, 1, 0x1122dd44, 0x55667788},
      {OP_SB, 3, 0xdd223344, 0x55667788},
      {OP_SB, 7, 0x11223344, 0xdd667788},
  };
  cpu *c = tm_new();
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    tm_wr32(c, DATA, 0x11223344);
    tm_wr32(c, DATA + 4, 0x55667788);
    /* The store names its value register in rd: sb r2, off(r1). */
    ck_assert_uint_eq(run1(c, ISA_ENC_I(t[i].op, 2, 1, t[i].off), DATA, 0xaabbccdd), 0xdeadbeef);
    ck_assert_msg(tm_rd32(c, DATA) == t[i].w0 && tm_rd32(c, DATA + 4) == t[i].w1, "row %zu: %08x %08x", i,
                  tm_rd32(c, DATA), tm_rd32(c, DATA + 4));
    ck_assert_uint_eq(tm_rd32(c, DATA + 8), 0);
  }
  cpu_free(c);
}
END_TEST

/* Division by zero: DIVZERO at the divide itself, nothing written. */
START_TEST(divide_by_zero) {
  static const uint8_t ops[] = {OP_DIV, OP_DIVU, OP_REM, OP_REMU};
  cpu *c = tm_new();
  for (int user = 0; user < 2; user++)
    for (size_t i = 0; i < 4; i++) {
      tm_reset(c);
      TM_PROG(c, CODE, ISA_ENC_I(OP_ADDI, 4, 0, 1), ISA_ENC_R(ops[i], 3, 1, 2), ENC_HALT(0));
      if (user) tm_user(c, CODE, FLAG_N);
      else c->flags = FLAG_KM | FLAG_N;
      c->r[1] = 7;
      c->r[3] = 0x1234;
      c->cr[CR_BADVA] = 0xdead;
      TM_EXPECT_TRAP(c, CAUSE_DIVZERO, CODE + 4, 0);
      ck_assert_uint_eq(c->cr[CR_ESTATUS], user ? FLAG_N : FLAG_KM | FLAG_N);
      ck_assert_uint_eq(c->r[3], 0x1234);
      ck_assert_uint_eq(c->r[4], 1);
      ck_assert_uint_eq(c->st.insns, 2); /* the addi and the handler's halt */
      ck_assert_uint_eq(c->st.user_insns, user ? 1 : 0);
      ck_assert_uint_eq(c->st.traps[CAUSE_DIVZERO], 1);
    }
  cpu_free(c);
}
END_TEST

/* Misaligned loads, stores, stack accesses and jump targets: MISALIGN with
 * the bad address in CR[badva].  A bad jump retires; the fetch at its
 * target faults, so the saved pc is the target. */
START_TEST(misaligned) {
  static const struct {
    uint8_t op;
    int16_t off;
  } t[] = {{OP_LW, 2}, {OP_LW, 1}, {OP_LH, 1}, {OP_LHU, 3}, {OP_SW, 3}, {OP_SH, 1}, {OP_SH, 3}};
  cpu *c = tm_new();
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    tm_reset(c);
    tm_wr32(c, DATA, 0x11223344);
    TM_PROG(c, CODE, ISA_ENC_I(t[i].op, 3, 1, t[i].off));
    c->r[1] = DATA;
    c->r[3] = 0xabcd;
    TM_EXPECT_TRAP(c, CAUSE_MISALIGN, CODE, DATA + (uint32_t)t[i].off);
    ck_assert_uint_eq(c->r[3], 0xabcd);
    ck_assert_uint_eq(tm_rd32(c, DATA), 0x11223344);
  }
  /* Byte accesses are never misaligned. */
  ck_assert_uint_eq(run1(c, ISA_ENC_I(OP_LBU, 3, 1, 3), DATA, 0), 0x11);
  /* jr and callr to a misaligned target. */
  tm_reset(c);
  TM_PROG(c, CODE, ENC_JR(5));
  c->r[5] = CODE + 0x22;
  TM_EXPECT_TRAP(c, CAUSE_MISALIGN, CODE + 0x22, CODE + 0x22);
  tm_reset(c);
  TM_PROG(c, CODE, ISA_ENC_R(OP_CALLR, 0, 5, 0));
  c->r[5] = CODE + 0x41;
  TM_EXPECT_TRAP(c, CAUSE_MISALIGN, CODE + 0x41, CODE + 0x41);
  ck_assert_uint_eq(c->r[REG_LR], CODE + 4);
  /* pushf and popf with a misaligned stack pointer. */
  tm_reset(c);
  TM_PROG(c, CODE, ENC_OP0(OP_PUSHF));
  c->r[REG_SP] = DATA + 2;
  TM_EXPECT_TRAP(c, CAUSE_MISALIGN, CODE, DATA - 2);
  ck_assert_uint_eq(c->r[REG_SP], DATA + 2);
  tm_reset(c);
  TM_PROG(c, CODE, ENC_OP0(OP_POPF));
  c->r[REG_SP] = DATA + 1;
  TM_EXPECT_TRAP(c, CAUSE_MISALIGN, CODE, DATA + 1);
  ck_assert_uint_eq(c->r[REG_SP], DATA + 1);
  cpu_free(c);
}
END_TEST

/* Every privileged instruction of the table: in user mode it traps PRIV
 * before doing anything; in kernel mode it does not trap. */
START_TEST(privileged_class) {
  cpu *c = tm_new();
  int n = 0;
  for (int op = 0; op < 256; op++) {
    const isa_info *in = &isa_table[op];
    if (!in->name || in->cls != CLASS_PRIV) continue;
    n++;
    uint32_t w = enc_legal(in, isa_has_operand(in, 'c') ? CR_SCRATCH : 0x40);
    ck_assert_uint_eq(w & isa_zero_mask(in), 0);
    /* User mode. */
    tm_reset(c);
    tm_wr32(c, CODE, w);
    tm_user(c, CODE, FLAG_Z | FLAG_C | FLAG_IE);
    c->r[1] = 0x55;
    c->r[3] = 0x5555;
    TM_EXPECT_TRAP(c, CAUSE_PRIV, CODE, w);
    ck_assert_msg(c->cr[CR_ESTATUS] == (FLAG_Z | FLAG_C | FLAG_IE), "%s: estatus %#x", in->name,
                  c->cr[CR_ESTATUS]);
    ck_assert_uint_eq(c->flags, FLAG_Z | FLAG_C | FLAG_KM); /* kernel, IE off */
    ck_assert_uint_eq(c->perm_shift, PSHIFT_KERNEL);
    ck_assert_uint_eq(c->halt_code, 0); /* the vector's halt r0, not halt r1 */
    ck_assert_uint_eq(c->r[3], 0x5555);
    ck_assert_uint_eq(c->cr[CR_SCRATCH], 0);
    ck_assert_uint_eq(c->st.io, 0);
    ck_assert_uint_eq(c->st.tlb_flushes, 0);
    ck_assert_uint_eq(c->st.traps[CAUSE_PRIV], 1);
    ck_assert_uint_eq(c->st.insns, 1);
    ck_assert_uint_eq(c->st.user_insns, 0);
    /* Kernel mode: one tick, no trap. */
    tm_reset(c);
    tm_wr32(c, CODE, w);
    c->cr[CR_ESTATUS] = FLAG_KM;
    c->cr[CR_EPC] = CODE + 0x40;
    c->r[1] = 0x55;
    enum cpu_exit ex = tm_run(c, 1);
    ck_assert_msg(ex == (op == OP_HALT ? EXIT_HALT : EXIT_BUDGET), "%s: %s", in->name, cpu_exit_name(ex));
    ck_assert_msg(tm_ntraps(c) == 0, "%s trapped in kernel mode", in->name);
    ck_assert_uint_eq(c->st.insns, 1);
    ck_assert_uint_eq(c->pc, op == OP_IRET ? CODE + 0x40 : CODE + 4);
  }
  ck_assert_int_eq(n, 11);
  cpu_free(c);
}
END_TEST

/* pushf and popf, the special instructions: no trap in user mode, but a
 * different effect; trap PRIV under strict_isa. */
START_TEST(special_class) {
  cpu *c = tm_new();
  /* pushf stores the real flags: KM = 0 gives user mode away. */
  tm_reset(c);
  TM_PROG(c, CODE, ENC_OP0(OP_PUSHF), ENC_OP0(OP_SYSCALL));
  tm_user(c, CODE, FLAG_Z | FLAG_IE);
  c->r[REG_SP] = DATA + 0x10;
  TM_EXPECT_TRAP(c, CAUSE_SYSCALL, CODE + 8, 0);
  ck_assert_uint_eq(tm_rd32(c, DATA + 0xc), FLAG_Z | FLAG_IE);
  ck_assert_uint_eq(c->r[REG_SP], DATA + 0xc);
  ck_assert_uint_eq(c->st.user_insns, 2);
  tm_reset(c);
  TM_PROG(c, CODE, ENC_OP0(OP_PUSHF), ENC_HALT(0));
  c->flags = FLAG_KM | FLAG_N;
  c->r[REG_SP] = DATA + 0x10;
  ck_assert_int_eq(tm_run(c, 10), EXIT_HALT);
  ck_assert_uint_eq(tm_rd32(c, DATA + 0xc), FLAG_KM | FLAG_N);

  /* popf in user mode: only ZNCV change; IE stays as it was, either way,
   * and the mode stays user (the halt after it traps). */
  static const uint32_t old_ie[] = {0, FLAG_IE};
  static const uint32_t popped[] = {FLAGS_ALL, 0};
  for (int i = 0; i < 2; i++) {
    tm_reset(c);
    TM_PROG(c, CODE, ENC_OP0(OP_POPF), ENC_HALT(0));
    tm_wr32(c, DATA, popped[i]);
    tm_user(c, CODE, old_ie[i] | FLAG_C);
    c->r[REG_SP] = DATA;
    TM_EXPECT_TRAP(c, CAUSE_PRIV, CODE + 4, ENC_HALT(0));
    ck_assert_uint_eq(c->cr[CR_ESTATUS], (popped[i] & FLAGS_CC) | old_ie[i]);
    ck_assert_uint_eq(c->r[REG_SP], DATA + 4);
  }
  /* popf in kernel mode replaces ZNCV and IE and keeps KM. */
  static const uint32_t kold[] = {FLAG_KM, FLAG_KM | FLAG_IE | FLAG_Z};
  static const uint32_t kpop[] = {FLAG_C | FLAG_IE, FLAG_V};
  for (int i = 0; i < 2; i++) {
    tm_reset(c);
    TM_PROG(c, CODE, ENC_OP0(OP_POPF), ENC_HALT(0));
    tm_wr32(c, DATA, kpop[i]);
    c->flags = kold[i];
    c->r[REG_SP] = DATA;
    ck_assert_int_eq(tm_run(c, 10), EXIT_HALT);
    ck_assert_uint_eq(c->pc, CODE + 8);
    ck_assert_uint_eq(c->flags, kpop[i] | FLAG_KM);
  }
  /* strict_isa: every special instruction traps PRIV in user mode, and
   * still runs in kernel mode. */
  c->strict_isa = true;
  int n = 0;
  for (int op = 0; op < 256; op++) {
    const isa_info *in = &isa_table[op];
    if (!in->name || in->cls != CLASS_SPEC) continue;
    n++;
    uint32_t w = enc_legal(in, 0);
    tm_reset(c);
    tm_wr32(c, CODE, w);
    tm_user(c, CODE, FLAG_V);
    c->r[REG_SP] = DATA + 0x10;
    TM_EXPECT_TRAP(c, CAUSE_PRIV, CODE, w);
    ck_assert_uint_eq(c->r[REG_SP], DATA + 0x10);
    ck_assert_uint_eq(c->cr[CR_ESTATUS], FLAG_V);
    tm_reset(c);
    tm_wr32(c, CODE, w);
    c->r[REG_SP] = DATA + 0x10;
    ck_assert_int_eq(tm_run(c, 1), EXIT_BUDGET);
    ck_assert_uint_eq(tm_ntraps(c), 0);
    ck_assert_uint_eq(c->r[REG_SP], op == OP_PUSHF ? DATA + 0xc : DATA + 0x14);
  }
  ck_assert_int_eq(n, 2);
  cpu_free(c);
}
END_TEST

/* syscall and brk trap in both modes; the saved pc is the next one, and
 * the instruction counts as retired. */
START_TEST(trap_class) {
  cpu *c = tm_new();
  int n = 0;
  for (int op = 0; op < 256; op++) {
    const isa_info *in = &isa_table[op];
    if (!in->name || in->cls != CLASS_TRAP) continue;
    n++;
    uint32_t cause = op == OP_SYSCALL ? CAUSE_SYSCALL : op == OP_BRK ? CAUSE_BREAK : op == OP_HCALL ? CAUSE_ILLEGAL : 99;
    ck_assert_uint_ne(cause, 99);
    /* hcall on the bare CPU (docs/isa.md): an illegal instruction in both
     * modes, which does not retire: the saved pc is its own, CR[badva] its
     * word.  syscall and brk retire and save the next pc. */
    bool hcall = op == OP_HCALL;
    for (int user = 0; user < 2; user++) {
      tm_reset(c);
      TM_PROG(c, CODE, ISA_ENC_I(OP_ADDI, 1, 0, 1), enc_legal(in, 0));
      if (user) tm_user(c, CODE, FLAG_IE);
      c->cr[CR_BADVA] = 0x77;
      TM_EXPECT_TRAP(c, cause, hcall ? CODE + 4 : CODE + 8, hcall ? enc_legal(in, 0) : 0);
      ck_assert_uint_eq(c->cr[CR_ESTATUS], user ? FLAG_IE : FLAG_KM);
      ck_assert_uint_eq(c->st.insns, hcall ? 2 : 3);
      ck_assert_uint_eq(c->st.user_insns, user ? (hcall ? 1 : 2) : 0);
      ck_assert_uint_eq(c->st.traps[cause], 1);
    }
  }
  ck_assert_int_eq(n, 3);
  cpu_free(c);
}
END_TEST

/* Undefined opcodes, opcode 0 (zeroed memory), any set must-be-zero bit
 * and a control register that does not exist: ILLEGAL with the word in
 * CR[badva]. */
START_TEST(illegal) {
  cpu *c = tm_new();
  for (int op = 0; op < 256; op++) {
    if (isa_table[op].name) continue;
    uint32_t w = (uint32_t)op << 24 | 0x123456;
    tm_reset(c);
    tm_wr32(c, CODE, w);
    TM_EXPECT_TRAP(c, CAUSE_ILLEGAL, CODE, w);
    ck_assert_uint_eq(c->st.insns, 1);
  }
  /* Jumping into zeroed memory. */
  tm_reset(c);
  TM_PROG(c, CODE, ISA_ENC_J(OP_JMP, (DATA + 0x100 - CODE) / 4));
  TM_EXPECT_TRAP(c, CAUSE_ILLEGAL, DATA + 0x100, 0);
  /* Each must-be-zero bit of each instruction, alone. */
  for (int op = 0; op < 256; op++) {
    const isa_info *in = &isa_table[op];
    if (!in->name) continue;
    uint32_t mask = isa_zero_mask(in); /* test_isa.c checks it against OPERAND_TABLE */
    for (int bit = 0; bit < 32; bit++) {
      if (!(mask >> bit & 1)) continue;
      uint32_t w = enc_legal(in, 0) | 1u << bit;
      tm_reset(c);
      tm_wr32(c, CODE, w);
      c->r[3] = 0x33;
      c->r[REG_SP] = DATA + 0x10;
      enum cpu_exit ex = tm_run(c, 10);
      ck_assert_msg(ex == EXIT_HALT && c->cr[CR_CAUSE] == CAUSE_ILLEGAL && c->cr[CR_BADVA] == w &&
                        c->cr[CR_EPC] == CODE,
                    "%s with bit %d set (%08x): exit %s cause %u", in->name, bit, w, cpu_exit_name(ex),
                    c->cr[CR_CAUSE]);
      ck_assert_uint_eq(c->r[3], 0x33);
    }
  }
  /* mfc and mtc of a control register past the last. */
  static const uint32_t bad[] = {NCR, 0xffff};
  for (int i = 0; i < 2; i++) {
    tm_reset(c);
    TM_PROG(c, CODE, ENC_MFC(3, bad[i]));
    c->r[3] = 0x33;
    TM_EXPECT_TRAP(c, CAUSE_ILLEGAL, CODE, ENC_MFC(3, bad[i]));
    ck_assert_uint_eq(c->r[3], 0x33);
    tm_reset(c);
    TM_PROG(c, CODE, ENC_MTC(bad[i], 1));
    TM_EXPECT_TRAP(c, CAUSE_ILLEGAL, CODE, ENC_MTC(bad[i], 1));
  }
  cpu_free(c);
}
END_TEST

/* Every ordinary instruction runs in user mode without a trap (paging off:
 * all memory is reachable). */
START_TEST(ordinary_class_user) {
  cpu *c = tm_new();
  for (int op = 0; op < 256; op++) {
    const isa_info *in = &isa_table[op];
    if (!in->name || in->cls != CLASS_ORD) continue;
    tm_reset(c);
    tm_wr32(c, CODE, enc_legal(in, 4));
    tm_user(c, CODE, 0);
    c->r[1] = DATA;
    c->r[2] = 3;
    ck_assert_int_eq(tm_run(c, 1), EXIT_BUDGET);
    ck_assert_msg(tm_ntraps(c) == 0, "%s trapped in user mode", in->name);
    ck_assert_uint_eq(c->st.user_insns, 1);
    ck_assert_uint_eq(c->flags & FLAG_KM, 0);
  }
  cpu_free(c);
}
END_TEST

/* A snapshot keeps only the pages that are not all zero, and puts every
 * page back as it was: a zero page written since comes back zero, a
 * written page comes back with its bytes, whatever happened in between. */
START_TEST(snapshot_pages) {
  cpu *c = tm_new();
  uint32_t pages = c->mem_size / PAGE_SIZE;
  ck_assert_uint_ge(pages, 8);
  for (uint32_t p = 0; p < pages; p++) memset(c->mem + p * PAGE_SIZE, 0, PAGE_SIZE);
  c->mem[1 * PAGE_SIZE + 17] = 0x5a;           /* one byte inside a page */
  c->mem[3 * PAGE_SIZE + PAGE_SIZE - 1] = 0xa5; /* its last byte */
  c->mem[pages * PAGE_SIZE - 1] = 1;           /* the last byte of memory */
  c->r[5] = 1234;
  cpu_snap *s = snap_take(c);
  ck_assert_ptr_nonnull(s);
  size_t empty_cost = snap_bytes(s);
  for (uint32_t p = 0; p < pages; p++) memset(c->mem + p * PAGE_SIZE, 0x77, PAGE_SIZE);
  c->r[5] = 0;
  snap_restore(c, s);
  ck_assert_uint_eq(c->r[5], 1234);
  for (uint32_t p = 0; p < pages; p++)
    for (uint32_t i = 0; i < PAGE_SIZE; i++) {
      uint32_t a = p * PAGE_SIZE + i;
      uint8_t want = a == 1 * PAGE_SIZE + 17 ? 0x5a : a == 4 * PAGE_SIZE - 1 ? 0xa5 : a == pages * PAGE_SIZE - 1 ? 1 : 0;
      ck_assert_msg(c->mem[a] == want, "byte 0x%x is 0x%02x after the restore, not 0x%02x", a, c->mem[a], want);
    }
  /* Three pages kept, whatever the memory's size; a full one costs all. */
  snap_free(s);
  for (uint32_t p = 0; p < pages; p++) memset(c->mem + p * PAGE_SIZE, 0x77, PAGE_SIZE);
  s = snap_take(c);
  ck_assert_uint_eq(snap_bytes(s) - empty_cost, (size_t)(pages - 3) * PAGE_SIZE);
  snap_free(s);
  cpu_free(c);
}
END_TEST

/* A machine made where a freed one's host memory is reused (cpu.c keeps
 * it) starts as a new machine: memory zero, no decoded page, an empty
 * TLB; and it runs a program exactly as a machine made fresh does. */
START_TEST(machine_reused_is_new) {
  cpu *a = tm_new_tlb(16);
  /* Dirty everything: code decoded and run, memory written, TLB filled. */
  TM_PROG(a, CODE, ISA_ENC_I(OP_ADDI, 1, 0, 7), ISA_ENC_I(OP_SW, 1, 0, DATA), ENC_HALT(0));
  ck_assert_int_eq(tm_run(a, 100), EXIT_HALT);
  memset(a->mem + FREE, 0x6b, TM_MEM - FREE);
  uint8_t *mem = a->mem;
  cpu_free(a);
  cpu *b = cpu_new(TM_MEM, 16);
  ck_assert_ptr_nonnull(b);
  ck_assert_msg(b->mem == mem, "the freed machine's memory was not reused: this test tests nothing");
  for (uint32_t i = 0; i < TM_MEM; i++) ck_assert_msg(b->mem[i] == 0, "byte 0x%x is 0x%02x", i, b->mem[i]);
  for (uint32_t p = 0; p < b->npages; p++) ck_assert_ptr_null(b->code[p]);
  for (uint32_t i = 0; i < b->tlb_size; i++) ck_assert_uint_eq(b->tlb[i].tag, 0);
  /* The same program on it and on a machine of another size, made fresh. */
  cpu *f = cpu_new(2 * TM_MEM, 16);
  cpu *m[2] = {b, f};
  for (int k = 0; k < 2; k++) {
    cpu_reset(m[k], CODE);
    m[k]->cr[CR_TVEC] = VEC;
    tm_wr32(m[k], VEC, ENC_HALT(0));
    TM_PROG(m[k], CODE, ISA_ENC_I(OP_ADDI, 1, 0, 7), ISA_ENC_I(OP_SW, 1, 0, DATA), ENC_HALT(0));
    ck_assert_int_eq(tm_run(m[k], 100), EXIT_HALT);
  }
  ck_assert_uint_eq(b->st.insns, f->st.insns);
  ck_assert_uint_eq(b->st.cycles, f->st.cycles);
  ck_assert_uint_eq(tm_rd32(b, DATA), tm_rd32(f, DATA));
  ck_assert(memcmp(b->r, f->r, sizeof b->r) == 0);
  cpu_free(b);
  cpu_free(f);
}
END_TEST

/* cpu_page_zero, which a reused machine and a snapshot trust to skip a
 * page: any one byte not zero, whatever its place in the page, counts. */
START_TEST(page_zero_any_byte) {
  static uint8_t page[PAGE_SIZE];
  ck_assert(cpu_page_zero(page));
  for (uint32_t i = 0; i < PAGE_SIZE; i++) {
    page[i] = (uint8_t)(1u << (i % 8));
    ck_assert_msg(!cpu_page_zero(page), "byte 0x%x = 0x%02x not seen", i, page[i]);
    page[i] = 0;
  }
  ck_assert(cpu_page_zero(page));
}
END_TEST

Suite *cpu_suite(void) {
  const TTest *t[] = {
      alu_rr, alu_imm, r0_writes_dropped, cmp_flags, branch_flag_grid, branch_value_grid, jumps_and_calls,
      loads_extend, stores_sizes, divide_by_zero, misaligned, privileged_class, special_class, trap_class, illegal,
      ordinary_class_user, snapshot_pages, machine_reused_is_new, page_zero_any_byte,
  };
  return tm_suite("cpu", t, sizeof t / sizeof t[0]);
}
