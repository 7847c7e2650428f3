/* test_asm.c: the assembler language, one test case per concept.
 * The error messages are in test_asm_err.c, which adds its cases to
 * asm_suite here; that every row of the ISA table assembles to the word
 * its operand kinds give is tests/cpu/test_isa.c's. */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "asmtest.h"
#include "isa_info.h"
#include "need.h"

TCase *asm_error_tcase(void);

/* Assemble or fail the test with the messages. */
static void ok(const char *src, image *img) {
  const char *msgs;
  int r = as("t.s", src, img, &msgs);
  ck_assert_msg(r == 0, "assembly failed:\n%s", msgs);
  ck_assert_str_eq(msgs, "");
}

/* Names of every length: the assembler keeps short statement and symbol
 * names on the stack and long ones on the heap (asm.c, asm_expr.c); the
 * lengths either side of each buffer behave the same. */
START_TEST(test_name_lengths) {
  static const int lens[] = {1, 30, 31, 32, 33, 62, 63, 64, 65, 200};
  for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
    char name[256], src[2048];
    memset(name, 'q', (size_t)lens[i]);
    name[lens[i]] = 0;
    snprintf(src, sizeof src,
             ".macro %s v\n .word \\v\n.endm\n"
             ".org 0x100\n%s: %s 7\n .word %s + 1\n",
             name, name, name, name);
    image img;
    ok(src, &img);
    ck_assert_uint_eq(word_at(&img, 0x100), 7);
    ck_assert_uint_eq(word_at(&img, 0x104), 0x101);
    image_free(&img);
    /* an unknown instruction of that length is named whole */
    snprintf(src, sizeof src, "x%s r1\n", name);
    const char *msgs;
    ck_assert_int_ne(as("t.s", src, &img, &msgs), 0);
    char want[300];
    snprintf(want, sizeof want, "unknown instruction 'x%s'", name);
    ck_assert_msg(strstr(msgs, want) != NULL, "%s", msgs);
  }
}
END_TEST

START_TEST(test_data_directives) {
  image img;
  ok(".org 0x100\n"
     ".word 1, -1, 0xdeadbeef\n"
     ".half 0x1234, -2\n"
     ".byte 1, 255, -128\n"
     ".ascii \"ab\", \"c\"\n"
     ".asciz \"x\\n\"\n"
     ".space 3\n"
     ".space 2, 0xee\n"
     ".align 8\n"
     "end: .byte 7\n",
     &img);
  ck_assert_int_eq(img.nsegs, 1);
  ck_assert_uint_eq(img.segs[0].addr, 0x100);
  ck_assert_uint_eq(word_at(&img, 0x100), 1);
  ck_assert_uint_eq(word_at(&img, 0x104), 0xffffffff);
  ck_assert_uint_eq(word_at(&img, 0x108), 0xdeadbeef);
  ck_assert_uint_eq(word_at(&img, 0x10c), 0xfffe1234);
  const uint8_t rest[] = {1, 255, 128, 'a', 'b', 'c', 'x', '\n', 0, 0, 0, 0, 0xee, 0xee};
  for (size_t i = 0; i < sizeof rest; i++) ck_assert_int_eq(byte_at(&img, 0x110 + (uint32_t)i), rest[i]);
  /* 0x110 + 14 = 0x11e, aligned to 8: 0x120 */
  ck_assert_int_eq(byte_at(&img, 0x11e), 0);
  ck_assert_int_eq(byte_at(&img, 0x120), 7);
  uint32_t a;
  ck_assert_int_eq(image_lookup(&img, "end", &a), 0);
  ck_assert_uint_eq(a, 0x120);
  ck_assert_uint_eq(image_bytes(&img), 0x21);
  image_free(&img);
}
END_TEST

START_TEST(test_org_segments) {
  image img;
  ok(".org 0x2000\n.word 2\n.org 0x1000\n.word 1\n.word 3\n.org 0x1008\n.word 4\n", &img);
  /* Adjacent chunks merge; the others are separate segments, sorted. */
  ck_assert_int_eq(img.nsegs, 2);
  ck_assert_uint_eq(img.segs[0].addr, 0x1000);
  ck_assert_uint_eq(img.segs[0].size, 12);
  ck_assert_uint_eq(img.segs[1].addr, 0x2000);
  ck_assert_uint_eq(word_at(&img, 0x1008), 4);
  ck_assert_uint_eq(img.entry, 0x1000); /* no .entry, no _start: the lowest address */
  image_free(&img);
}
END_TEST

START_TEST(test_equ_and_entry) {
  image img;
  ok(".equ BASE, 0x3000\n"
     "SIZE = 4 * 4\n"
     ".org BASE + SIZE\n"
     "start: nop\n"
     "here = .\n"
     ".entry start\n"
     ".global start, here\n"
     ".word SIZE, here\n",
     &img);
  ck_assert_uint_eq(img.entry, 0x3010);
  ck_assert_uint_eq(word_at(&img, 0x3014), 16);
  ck_assert_uint_eq(word_at(&img, 0x3018), 0x3014);
  /* Address-like .equ symbols are in the symbol table, constants are not. */
  uint32_t a;
  ck_assert_int_eq(image_lookup(&img, "here", &a), 0);
  ck_assert_uint_eq(a, 0x3014);
  ck_assert_int_eq(image_lookup(&img, "SIZE", &a), -1);
  ck_assert_int_eq(image_lookup(&img, "BASE", &a), -1);
  for (int i = 0; i < img.nsyms; i++) ck_assert(img.syms[i].global);
  image_free(&img);

  ok(".org 0x40\nnop\n_start: nop\n", &img);
  ck_assert_uint_eq(img.entry, 0x44); /* _start is the default entry */
  image_free(&img);
}
END_TEST

START_TEST(test_expressions) {
  image img;
  ok(".word 1 + 2 * 3, (1 + 2) * 3, 10 - 2 - 3, 100 / 7, -100 / 7, 100 % 7\n"
     ".word 1 << 4 | 1, 0xf0 >> 4 & 3, 6 ^ 3, ~0, -(-5), 2 + -1\n"
     ".word 'a', '\\n', '\\0', '\\\\', '\\'', 0b1010, 0X1F\n"
     ".word 1 < 2, 2 <= 1, 3 == 3, 3 != 3, 1 && 0, 1 || 0, !5, -16 >> 2\n"
     ".word . , 1 + 1 << 2\n",
     &img);
  const uint32_t want[] = {7,  9,  5,  14, (uint32_t)-14, 2, 17, 3, 5, 0xffffffff, 5, 1,
                           97, 10, 0,  92, 39,            10, 31, 1, 0, 1, 0, 0, 1, 0,
                           (uint32_t)-4, 0x6c, 8};
  for (uint32_t i = 0; i < sizeof want / sizeof want[0]; i++)
    ck_assert_msg(word_at(&img, 4 * i) == want[i], "word %u: 0x%x, expected 0x%x", i,
                  word_at(&img, 4 * i), want[i]);
  image_free(&img);
}
END_TEST

START_TEST(test_local_labels) {
  image img;
  ok("1: jmp 1f\n"   /* 0: to 8 */
     "   jmp 1b\n"   /* 4: to 0 */
     "1: jmp 1b\n"   /* 8: to itself */
     "2: jmp 1b\n"   /* c: to 8 */
     "   jmp 2b\n",  /* 10: to c */
     &img);
  ck_assert_uint_eq(word_at(&img, 0), ISA_ENC_J(OP_JMP, 2));
  ck_assert_uint_eq(word_at(&img, 4), ISA_ENC_J(OP_JMP, -1));
  ck_assert_uint_eq(word_at(&img, 8), ISA_ENC_J(OP_JMP, 0));
  ck_assert_uint_eq(word_at(&img, 12), ISA_ENC_J(OP_JMP, -1));
  ck_assert_uint_eq(word_at(&img, 16), ISA_ENC_J(OP_JMP, -1));
  ck_assert_int_eq(img.nsyms, 0); /* numeric labels are not symbols */
  image_free(&img);

  ok("f: .loop: jmp .loop\n"
     "   jmp .end\n"
     ".end: nop\n"
     "g: .loop: jmp .loop\n"
     "   jmp f.end\n",
     &img);
  ck_assert_uint_eq(word_at(&img, 0), ISA_ENC_J(OP_JMP, 0));
  ck_assert_uint_eq(word_at(&img, 4), ISA_ENC_J(OP_JMP, 1));
  ck_assert_uint_eq(word_at(&img, 12), ISA_ENC_J(OP_JMP, 0));
  ck_assert_uint_eq(word_at(&img, 16), ISA_ENC_J(OP_JMP, -2));
  uint32_t a;
  ck_assert_int_eq(image_lookup(&img, "f.loop", &a), 0);
  ck_assert_uint_eq(a, 0);
  ck_assert_int_eq(image_lookup(&img, "g.loop", &a), 0);
  ck_assert_uint_eq(a, 12);
  ck_assert_int_eq(image_lookup(&img, "f.end", &a), 0);
  ck_assert_uint_eq(a, 8);
  image_free(&img);
}
END_TEST

/* .phase: code placed here but assembled to run at another address. */
START_TEST(test_phase) {
  image img;
  ok(".org 0x100\n"
     "start: call far\n"
     ".phase 0x4000\n"
     "far: jmp far\n"
     "     .word .\n"
     "     .align 16\n"
     "al:  .dephase\n"
     "after: .word .\n",
     &img);
  ck_assert_uint_eq(word_at(&img, 0x100), ISA_ENC_J(OP_CALL, (0x4000 - 0x100) / 4));
  ck_assert_uint_eq(word_at(&img, 0x104), ISA_ENC_J(OP_JMP, 0));
  ck_assert_uint_eq(word_at(&img, 0x108), 0x4004);
  uint32_t a;
  ck_assert_int_eq(image_lookup(&img, "far", &a), 0);
  ck_assert_uint_eq(a, 0x4000);
  ck_assert_int_eq(image_lookup(&img, "al", &a), 0);
  ck_assert_uint_eq(a, 0x4010); /* .align pads `.`, the address the code runs at */
  ck_assert_uint_eq(word_at(&img, 0x114), 0x114);
  ck_assert_uint_eq(image_bytes(&img), 0x18);
  image_free(&img);
}
END_TEST

START_TEST(test_operand_syntax) {
  ck_assert_uint_eq(as_word("add r1, r2, r3"), ISA_ENC_R(OP_ADD, 1, 2, 3));
  ck_assert_uint_eq(as_word("ADD R1, Sp, LR"), ISA_ENC_R(OP_ADD, 1, 14, 15));
  ck_assert_uint_eq(as_word("addi r1, r2, -5"), ISA_ENC_I(OP_ADDI, 1, 2, -5));
  ck_assert_uint_eq(as_word("lw r1, 8(sp)"), ISA_ENC_I(OP_LW, 1, 14, 8));
  ck_assert_uint_eq(as_word("sw r1, -4(fp)"), ISA_ENC_I(OP_SW, 1, 13, -4));
  ck_assert_uint_eq(as_word("lw r1, (r2)"), ISA_ENC_I(OP_LW, 1, 2, 0));
  ck_assert_uint_eq(as_word("lw r1, (2+2)*2(r2)"), ISA_ENC_I(OP_LW, 1, 2, 8));
  ck_assert_uint_eq(as_word("cmp r1, r2"), ISA_ENC_R(OP_CMP, 0, 1, 2));
  ck_assert_uint_eq(as_word("cmpi r1, 10"), ISA_ENC_I(OP_CMPI, 0, 1, 10));
  ck_assert_uint_eq(as_word("jr lr"), ISA_ENC_R(OP_JR, 0, 15, 0));
  ck_assert_uint_eq(as_word("mfc r1, cause"), ISA_ENC_I(OP_MFC, 1, 0, CR_CAUSE));
  ck_assert_uint_eq(as_word("mtc tvec, r2"), ISA_ENC_I(OP_MTC, 0, 2, CR_TVEC));
  ck_assert_uint_eq(as_word("mtc 7, r2"), ISA_ENC_I(OP_MTC, 0, 2, 7));
  ck_assert_uint_eq(as_word("mfc r1, PAGING"), ISA_ENC_I(OP_MFC, 1, 0, CR_PAGING));
  ck_assert_uint_eq(as_word("in r1, 0x00"), ISA_ENC_I(OP_IN, 1, 0, 0));
  ck_assert_uint_eq(as_word("out 0x02, r1"), ISA_ENC_I(OP_OUT, 0, 1, 2));
  ck_assert_uint_eq(as_word("halt r1"), ISA_ENC_R(OP_HALT, 0, 1, 0));
  ck_assert_uint_eq(as_word("iret"), ISA_ENC_R(OP_IRET, 0, 0, 0));
  ck_assert_uint_eq(as_word("pushf ; comment"), ISA_ENC_R(OP_PUSHF, 0, 0, 0));
  ck_assert_uint_eq(as_word("  popf // comment"), ISA_ENC_R(OP_POPF, 0, 0, 0));
  ck_assert_uint_eq(as_word("andi r1, r1, ~1"), ISA_ENC_I(OP_ANDI, 1, 1, 0xfffe));
  ck_assert_uint_eq(as_word("ori r1, r1, 65535"), ISA_ENC_I(OP_ORI, 1, 1, 0xffff));
  ck_assert_uint_eq(as_word("addi r1, r1, -32768"), ISA_ENC_I(OP_ADDI, 1, 1, 0x8000));
  ck_assert_uint_eq(as_word("call 0"), ISA_ENC_J(OP_CALL, 0));
  ck_assert_uint_eq(as_word(".org 0x100\nbeq 0x0"), ISA_ENC_J(OP_BEQ, -64));
}
END_TEST

/* Mnemonics are case-insensitive; a name is never half-recognized. */
START_TEST(test_mnemonic_case) {
  for (int op = 0; op < 256; op++) {
    const isa_info *in = &isa_table[op];
    if (!in->name || in->ops[0]) continue; /* the no-operand ones */
    char up[32];
    size_t k = 0;
    for (; in->name[k] && k < sizeof up - 1; k++) up[k] = (char)(in->name[k] - 32 * (k % 2 == 0));
    up[k] = 0;
    ck_assert_uint_eq(as_word(up), (uint32_t)op << 24);
  }
}
END_TEST

START_TEST(test_pseudo) {
  ck_assert_uint_eq(as_word("nop"), ISA_ENC_I(OP_ADDI, 0, 0, 0));
  ck_assert_uint_eq(as_word("mov r1, r2"), ISA_ENC_I(OP_ADDI, 1, 2, 0));
  ck_assert_uint_eq(as_word("neg r1, r2"), ISA_ENC_R(OP_SUB, 1, 0, 2));
  ck_assert_uint_eq(as_word("ret"), ISA_ENC_R(OP_JR, 0, 15, 0));
  ck_assert_uint_eq(as_word("b 8"), ISA_ENC_J(OP_JMP, 2));
  ck_assert_uint_eq(as_word("li r1, -5"), ISA_ENC_I(OP_ADDI, 1, 0, -5));
  ck_assert_uint_eq(as_word("li r1, 32767"), ISA_ENC_I(OP_ADDI, 1, 0, 32767));
  ck_assert_uint_eq(as_word("li r1, 0xffff"), ISA_ENC_I(OP_ORI, 1, 0, 0xffff));
  ck_assert_uint_eq(as_word("X = 40000\nli r1, X"), ISA_ENC_I(OP_ORI, 1, 0, 40000));

  image img;
  ok("not r1, r1\n"
     "push r5\n"
     "pop r6\n"
     "li r2, 0x12345678\n"
     "li r3, -40000\n"
     "li r4, later\n" /* not known in pass 1: always two words */
     "la r5, 0x10\n"
     "later:\n",
     &img);
  const uint32_t want[] = {
      ISA_ENC_R(OP_SUB, 1, 0, 1),        ISA_ENC_I(OP_ADDI, 1, 1, -1),       ISA_ENC_I(OP_ADDI, 14, 14, -4),
      ISA_ENC_I(OP_SW, 5, 14, 0),        ISA_ENC_I(OP_LW, 6, 14, 0),         ISA_ENC_I(OP_ADDI, 14, 14, 4),
      ISA_ENC_I(OP_LUI, 2, 0, 0x1234),   ISA_ENC_I(OP_ORI, 2, 2, 0x5678),    ISA_ENC_I(OP_LUI, 3, 0, 0xffff),
      ISA_ENC_I(OP_ORI, 3, 3, 0x63c0),   ISA_ENC_I(OP_LUI, 4, 0, 0),         ISA_ENC_I(OP_ORI, 4, 4, 0x38),
      ISA_ENC_I(OP_LUI, 5, 0, 0),        ISA_ENC_I(OP_ORI, 5, 5, 0x10),
  };
  ck_assert_uint_eq(image_bytes(&img), sizeof want);
  for (uint32_t i = 0; i < sizeof want / sizeof want[0]; i++)
    ck_assert_msg(word_at(&img, 4 * i) == want[i], "word %u: 0x%08x, expected 0x%08x", i,
                  word_at(&img, 4 * i), want[i]);
  image_free(&img);
}
END_TEST

START_TEST(test_macros) {
  image img;
  ok(".macro addto reg, n\n"
     "  addi \\reg, \\reg, \\n\n"
     ".endm\n"
     ".macro loop\n"
     "top\\@: jmp top\\@\n"
     "  .word \\@\n"
     ".endm\n"
     ".macro cat a, b\n"
     "  .word \\a\\()\\b\n" /* \() separates a parameter from what follows */
     ".endm\n"
     "  addto r1, 5\n"
     "  loop\n"
     "  loop\n"
     "  cat 1, 2\n"
     "  .ascii \"\\n\"\n", /* \n is not a parameter here */
     &img);
  ck_assert_uint_eq(word_at(&img, 0), ISA_ENC_I(OP_ADDI, 1, 1, 5));
  ck_assert_uint_eq(word_at(&img, 4), ISA_ENC_J(OP_JMP, 0));
  ck_assert_uint_eq(word_at(&img, 8), 1); /* \@ of the second expansion */
  ck_assert_uint_eq(word_at(&img, 16), 2);
  ck_assert_uint_eq(word_at(&img, 20), 12);
  ck_assert_int_eq(byte_at(&img, 24), '\n');
  uint32_t a;
  ck_assert_int_eq(image_lookup(&img, "top1", &a), 0);
  ck_assert_uint_eq(a, 4);
  ck_assert_int_eq(image_lookup(&img, "top2", &a), 0);
  ck_assert_uint_eq(a, 12);
  image_free(&img);
}
END_TEST

START_TEST(test_macro_limits) {
  image img;
  const char *msgs;
  /* Each level calls the next twice: 2^30 expansions unless capped. */
  char src[4096];
  size_t n = 0;
  for (int i = 0; i < 30; i++)
    n += (size_t)snprintf(src + n, sizeof src - n, ".macro m%d\nm%d\nm%d\n.endm\n", i, i + 1, i + 1);
  snprintf(src + n, sizeof src - n, ".macro m30\nnop\n.endm\nm0\n");
  ck_assert_int_eq(as("t.s", src, &img, &msgs), -1);
  /* The lines they produce run out first (asm.h: ASM_MAX_MACRO_LINES). */
  ck_assert_ptr_nonnull(strstr(msgs, "error: macro expansions too large (over 50000 lines or 4194304 bytes)"));
  ck_assert_int_eq(as("t.s", ".macro r\nr\n.endm\nr\n", &img, &msgs), -1);
  ck_assert_ptr_nonnull(strstr(msgs, "macros nested too deeply"));
}
END_TEST

/* Tighter bounds, as a fuzzer sets them (asm_options): each one passed is
 * an error naming it; just under each, the source assembles. */
START_TEST(test_work_bounds) {
  static const struct {
    asm_options o;
    const char *ok, *over, *msg;
  } cases[] = {
      {{.max_output = 16}, ".word 1, 2, 3, 4\n", ".word 1, 2, 3, 4, 5\n", "output too large (over 16 bytes)"},
      {{.max_output = 16}, ".space 16\n", ".space 17\n", "error: size"},
      {{.max_macro_expansions = 3}, ".macro m\nnop\n.endm\nm\nm\nm\n", ".macro m\nnop\n.endm\nm\nm\nm\nm\n",
       "too many macro expansions (over 3)"},
      {{.max_macro_lines = 4}, ".macro m\nnop\nnop\n.endm\nm\nm\n", ".macro m\nnop\nnop\n.endm\nm\nm\nm\n",
       "macro expansions too large (over 4 lines or 4194304 bytes)"},
      {{.max_macro_bytes = 26}, ".macro m\n.word 1234567\n.endm\nm\nm\n", ".macro m\n.word 1234567\n.endm\nm\nm\nm\n",
       "macro expansions too large (over 50000 lines or 26 bytes)"}, /* 13 bytes a line */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    image img;
    asm_diag diag = {0};
    const char *ok = cases[i].ok, *over = cases[i].over;
    ck_assert_msg(asm_assemble(&cases[i].o, "t.s", ok, strlen(ok), &img, &diag) == 0, "case %zu: %s", i,
                  diag.text);
    image_free(&img);
    ck_assert_int_eq(asm_assemble(&cases[i].o, "t.s", over, strlen(over), &img, &diag), -1);
    ck_assert_msg(strstr(diag.text, cases[i].msg), "case %zu: %s", i, diag.text);
    asm_diag_free(&diag);
  }
}
END_TEST

START_TEST(test_conditionals) {
  static const char src[] = ".equ EARLY, 2\n"
                            "#if VARIANT == 1\n"
                            "  .word 1\n"
                            "#elif VARIANT == 2 && EARLY > 1\n"
                            "  .word 2\n"
                            "  #ifdef EXTRA\n"
                            "  .word 22\n"
                            "  #endif\n"
                            "#else\n"
                            "  .word 3\n"
                            "#  if 1 // nested in a skipped or taken branch\n"
                            "  .word 33\n"
                            "#  endif\n"
                            "#endif\n"
                            "#ifndef EARLY\n"
                            "  .word 99\n"
                            "#endif\n"
                            "#if defined(EXTRA) || defined VARIANT\n"
                            "  .byte 1\n"
                            "#endif\n";
  static const struct {
    const char *defs[2];
    int ndefs;
    uint32_t words[3];
    uint32_t bytes;
  } cases[] = {
      {{NULL}, 0, {3, 33}, 8},
      {{"VARIANT=1"}, 1, {1}, 5},
      {{"VARIANT=2"}, 1, {2}, 5},
      {{"VARIANT=2", "EXTRA"}, 2, {2, 22}, 9},
      {{"VARIANT=3-1", "EXTRA=0"}, 2, {2, 22}, 9},
      {{"VARIANT=7"}, 1, {3, 33}, 9},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    image img;
    const char *msgs;
    int r = as_opt("t.s", src, cases[i].defs, cases[i].ndefs, &img, &msgs);
    ck_assert_msg(r == 0, "case %zu:\n%s", i, msgs);
    ck_assert_uint_eq(image_bytes(&img), cases[i].bytes);
    for (uint32_t k = 0; k < 3 && cases[i].words[k]; k++)
      ck_assert_uint_eq(word_at(&img, 4 * k), cases[i].words[k]);
    image_free(&img);
  }
}
END_TEST

START_TEST(test_include) {
  image img;
  const char *msgs;
  /* inc_main.s includes sub/inc_a.s (beside it), which includes inc_b.s
   * (beside itself) and inc_c.s (found through -I tests/assembler/asm/inc). */
  asm_diag diag = {0};
  static const char *const dirs[] = {"tests/assembler/asm/inc"};
  asm_options opt = {.include_dirs = dirs, .ninclude = 1};
  int r = asm_assemble_file(&opt, "tests/assembler/asm/inc_main.s", &img, &diag);
  ck_assert_msg(r == 0, "%s", diag.text);
  ck_assert_uint_eq(word_at(&img, 0), 0xa);
  ck_assert_uint_eq(word_at(&img, 4), 0xb);
  ck_assert_uint_eq(word_at(&img, 8), 0xc);
  ck_assert_uint_eq(word_at(&img, 12), 0x1);
  asm_diag_free(&diag);
  image_free(&img);

  ck_assert_int_eq(as("tests/assembler/asm/x.s", ".include \"rec_a.s\"\n", &img, &msgs), -1);
  ck_assert_str_eq(msgs, "tests/assembler/asm/rec_b.s:2:10: error: recursive .include of 'rec_a.s'\n"
                         ".include \"rec_a.s\"\n"
                         "         ^\n");
}
END_TEST

START_TEST(test_listing) {
  asm_listing *l = asm_listing_new();
  static const char *const dirs[] = {"tests/assembler/asm/inc"};
  asm_options opt = {.include_dirs = dirs, .ninclude = 1, .listing = l};
  image img;
  asm_diag diag = {0};
  static const char src[] = ".org 0x10\nstart: li r1, 0x12345\n.include \"sub/inc_b.s\"\n";
  ck_assert_int_eq(asm_assemble(&opt, "tests/assembler/asm/l.s", src, strlen(src), &img, &diag), 0);
  char *text;
  size_t len;
  FILE *f = open_memstream(&text, &len);
  asm_write_listing(f, l);
  fclose(f);
  ck_assert_str_eq(text, "00000000            tests/assembler/asm/l.s:1 .org 0x10\n"
                         "00000010  17100001  tests/assembler/asm/l.s:2 start: li r1, 0x12345\n"
                         "00000014  12112345\n"
                         "00000018            tests/assembler/asm/l.s:3 .include \"sub/inc_b.s\"\n"
                         "00000018            tests/assembler/asm/sub/inc_b.s:1 ; included from inc_a.s\n"
                         "00000018  0000000b  tests/assembler/asm/sub/inc_b.s:2 .word 0xb\n");
  free(text);
  asm_listing_free(l);
  asm_diag_free(&diag);
  image_free(&img);
}
END_TEST

START_TEST(test_robustness) {
  image img;
  const char *msgs;
  uint32_t seed = 12345;
  char buf[2048];
  /* Random bytes, random printable soup: errors, never a crash or hang. */
  for (int round = 0; round < 200; round++) {
    size_t n = rnd(&seed) % (sizeof buf - 1);
    const char *alphabet = "abr1 ,()#.:;\"'\\\n-+x0f9@=<>%";
    for (size_t i = 0; i < n; i++)
      buf[i] = round % 2 ? (char)(rnd(&seed) & 0xff) : alphabet[rnd(&seed) % strlen(alphabet)];
    buf[n] = 0;
    asm_diag diag = {0};
    if (asm_assemble(NULL, "junk.s", buf, n, &img, &diag) == 0) image_free(&img);
    asm_diag_free(&diag);
  }
  /* NUL bytes, huge numbers, a very long line, deep parentheses. */
  static const char nul[] = "nop\n.word 1\0 2\nnop\n";
  asm_diag diag = {0};
  ck_assert_int_eq(asm_assemble(NULL, "t.s", nul, sizeof nul - 1, &img, &diag), -1);
  ck_assert_ptr_nonnull(strstr(diag.text, "t.s:2:8: error: NUL byte in source line"));
  asm_diag_free(&diag);
  ck_assert_int_eq(as("t.s", ".word 99999999999999999999999\n", &img, &msgs), -1);
  size_t big = 200000;
  char *longline = malloc(2 * big + 16);
  strcpy(longline, ".word ");
  for (size_t i = 0; i < big; i++) longline[6 + i] = '(';
  longline[6 + big] = '1';
  for (size_t i = 0; i < big; i++) longline[7 + big + i] = ')';
  longline[7 + 2 * big] = 0;
  ck_assert_int_eq(as("t.s", longline, &img, &msgs), -1);
  ck_assert_ptr_nonnull(strstr(msgs, "expression nested too deeply"));
  memset(longline, 'a', 2 * big);
  longline[2 * big] = 0;
  ck_assert_int_eq(as("t.s", longline, &img, &msgs), -1);
  free(longline);
  /* Error cap. */
  char many[4000] = "";
  for (int i = 0; i < 100; i++) strcat(many, "bad\n");
  ck_assert_int_eq(as("t.s", many, &img, &msgs), -1);
  ck_assert_ptr_nonnull(strstr(msgs, "t.s: note: too many errors (50), stopping\n"));
}
END_TEST

START_TEST(test_readelf_accepts) {
  need_program("readelf", "binutils");
  image img;
  ok(".org 0x1000\n.global _start\n_start: nop\nloop: b loop\n.org 0x2000\nd: .word 1\n", &img);
  char path[] = "/tmp/test_asm_XXXXXX";
  int fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  close(fd);
  char err[256];
  ck_assert_int_eq(image_write(path, &img, err, sizeof err), 0);
  char cmd[512];
  snprintf(cmd, sizeof cmd,
           "readelf -h -S -l -s %s 2>&1 | grep -q -i -e warning -e error && exit 1;"
           "readelf -s %s | grep -q ' _start$' && readelf -l %s | grep -q 'LOAD.*0x00002000'",
           path, path, path);
  int r = system(cmd);
  remove(path);
  ck_assert_msg(r == 0, "readelf did not accept the image");
  image_free(&img);
}
END_TEST

Suite *asm_suite(void) {
  Suite *s = suite_create("asm");
  TCase *tc = tcase_create("language");
  tcase_add_test(tc, test_data_directives);
  tcase_add_test(tc, test_name_lengths);
  tcase_add_test(tc, test_org_segments);
  tcase_add_test(tc, test_equ_and_entry);
  tcase_add_test(tc, test_expressions);
  tcase_add_test(tc, test_local_labels);
  tcase_add_test(tc, test_phase);
  tcase_add_test(tc, test_operand_syntax);
  tcase_add_test(tc, test_mnemonic_case);
  tcase_add_test(tc, test_pseudo);
  tcase_add_test(tc, test_macros);
  tcase_add_test(tc, test_macro_limits);
  tcase_add_test(tc, test_work_bounds);
  tcase_add_test(tc, test_conditionals);
  tcase_add_test(tc, test_include);
  tcase_add_test(tc, test_listing);
  tcase_add_test(tc, test_robustness);
  tcase_add_test(tc, test_readelf_accepts);
  suite_add_tcase(s, tc);
  suite_add_tcase(s, asm_error_tcase());
  return s;
}
