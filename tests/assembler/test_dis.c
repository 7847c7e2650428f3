/* test_dis.c: the disassembler.  Its text reads well, and it reassembles:
 * for every opcode, for random words and for whole images, vasm turns the
 * text back into the same bytes and entry point. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asmtest.h"
#include "cpu.h"
#include "disasm.h"
#include "isa_info.h"

static const char *dis(uint32_t w, uint32_t pc, const image *syms) {
  static char buf[128];
  dis_insn(w, pc, syms, buf, sizeof buf);
  return buf;
}

START_TEST(test_format) {
  image syms = {0};
  image_add_sym(&syms, "loop", 0x1038, false);
  ck_assert_str_eq(dis(ISA_ENC_I(OP_ADDI, 1, 14, -4), 0, NULL), "addi r1, sp, -4");
  ck_assert_str_eq(dis(ISA_ENC_J(OP_BEQ, 16), 0x1000, &syms), "beq 0x1040 <loop+8>");
  ck_assert_str_eq(dis(ISA_ENC_J(OP_CALL, -2), 0x1040, &syms), "call 0x1038 <loop>");
  ck_assert_str_eq(dis(ISA_ENC_J(OP_JMP, 0), 0x10, &syms), "jmp 0x10");
  ck_assert_str_eq(dis(ISA_ENC_I(OP_MFC, 2, 0, CR_CAUSE), 0, NULL), "mfc r2, cause");
  ck_assert_str_eq(dis(ISA_ENC_I(OP_MFC, 2, 0, 77), 0, NULL), "mfc r2, 77");
  ck_assert_str_eq(dis(ISA_ENC_I(OP_MTC, 0, 3, CR_PTB), 0, NULL), "mtc ptb, r3");
  ck_assert_str_eq(dis(ISA_ENC_I(OP_SW, 3, 14, 8), 0, NULL), "sw r3, 8(sp)");
  ck_assert_str_eq(dis(ISA_ENC_I(OP_LB, 0, 13, -1), 0, NULL), "lb zero, -1(fp)");
  ck_assert_str_eq(dis(ISA_ENC_I(OP_ANDI, 1, 1, 0xff), 0, NULL), "andi r1, r1, 0xff");
  ck_assert_str_eq(dis(ISA_ENC_I(OP_SHLI, 1, 1, 3), 0, NULL), "shli r1, r1, 3");
  ck_assert_str_eq(dis(ISA_ENC_I(OP_OUT, 0, 5, 0), 0, NULL), "out 0, r5");
  ck_assert_str_eq(dis(ISA_ENC_R(OP_JR, 0, 15, 0), 0, NULL), "jr lr");
  ck_assert_str_eq(dis(ISA_ENC_R(OP_IRET, 0, 0, 0), 0, NULL), "iret");
  ck_assert_str_eq(dis(ISA_ENC_R(OP_ADD, 1, 2, 3), 0, NULL), "add r1, r2, r3");
  /* Not instructions: unassigned opcode, nonzero must-be-zero fields. */
  ck_assert_str_eq(dis(0, 0, NULL), ".word 0x00000000");
  ck_assert_str_eq(dis(0xff000000, 0, NULL), ".word 0xff000000");
  ck_assert_str_eq(dis(ISA_ENC_R(OP_ADD, 1, 2, 3) | 1, 0, NULL), ".word 0x01123001");
  ck_assert_str_eq(dis(ISA_ENC_R(OP_IRET, 1, 0, 0), 0, NULL), ".word 0x61100000");
  char small[8];
  ck_assert_int_eq(dis_insn(ISA_ENC_R(OP_ADD, 1, 2, 3), 0, NULL, small, sizeof small), 1);
  ck_assert_str_eq(small, "add r1,"); /* truncated, terminated */
  image_free(&syms);
}
END_TEST

/* One word through the text form and back, at address pc. */
static void roundtrip_word(uint32_t w, uint32_t pc) {
  char text[128], src[200];
  dis_insn_ex(w, pc, NULL, DIS_REASM, text, sizeof text);
  snprintf(src, sizeof src, ".org 0x%x\n%s\n", pc, text);
  image img;
  const char *msgs;
  ck_assert_msg(as("t.s", src, &img, &msgs) == 0, "0x%08x -> '%s':\n%s", w, text, msgs);
  uint32_t back = word_at(&img, pc);
  ck_assert_msg(back == w, "0x%08x -> '%s' -> 0x%08x", w, text, back);
  image_free(&img);
}

START_TEST(test_every_opcode_roundtrip) {
  uint32_t seed = 99;
  for (int op = 0; op < 256; op++) {
    const isa_info *in = &isa_table[op];
    if (!in->name) continue;
    for (int trial = 0; trial < 16; trial++) {
      /* Random values in every field the instruction names. */
      uint32_t w = (uint32_t)op << 24 | (rnd(&seed) & ~isa_fixed_mask(in));
      roundtrip_word(w, 0x4000000 + 4 * (rnd(&seed) % 0x1000));
    }
  }
}
END_TEST

/* Disassemble a whole image and assemble the text again. */
static void roundtrip_image(const image *img) {
  for (int flags = 0; flags <= DIS_ADDRS; flags += DIS_ADDRS) { /* with and without -a */
    char *text;
    size_t len;
    FILE *f = open_memstream(&text, &len);
    dis_image(f, img, flags);
    fclose(f);
    image back;
    const char *msgs;
    ck_assert_msg(as("vdis.s", text, &back, &msgs) == 0, "%s", msgs);
    ck_assert(same_memory(img, &back));
    ck_assert_uint_eq(img->entry, back.entry);
    free(text);
    image_free(&back);
  }
}

START_TEST(test_random_words_roundtrip) {
  uint32_t seed = 2024;
  enum { N = 8192 };
  uint8_t *bytes = malloc(4 * N);
  for (int i = 0; i < 4 * N; i++) bytes[i] = (uint8_t)rnd(&seed);
  image img = {0};
  image_add_seg(&img, 0x10000, bytes, 4 * N);
  image_add_seg(&img, 0x80001, bytes, 10); /* odd start and end: .byte lines */
  image_add_sym(&img, "start", 0x10000, true);
  image_add_sym(&img, "mid", 0x10000 + 4 * (N / 2), false);
  image_add_sym(&img, "odd", 0x80002, false);
  img.entry = 0x10004;
  roundtrip_image(&img);
  /* Enough of the words decode for this to test instructions, not .word. */
  int insns = 0;
  for (int i = 0; i < N; i++) {
    char buf[96];
    insns += dis_insn(word_at(&img, 0x10000 + 4 * (uint32_t)i), 0, NULL, buf, sizeof buf);
  }
  ck_assert_int_gt(insns, N / 10);
  free(bytes);
  image_free(&img);
}
END_TEST

/* Labels come back, including odd symbol tables from other tools. */
START_TEST(test_labels) {
  image img;
  const char *msgs;
  ck_assert_int_eq(as("t.s",
                      ".org 0x100\n.global main\nmain: li r1, 3\n.loop: addi r1, r1, -1\n"
                      "cmpi r1, 0\nbne .loop\nhalt zero\nmsg: .asciz \"hi\"\n.entry main\n",
                      &img, &msgs),
                   0);
  /* Names the assembler could not read back are left out. */
  image_add_sym(&img, "r1", 0x104, false);
  image_add_sym(&img, "9lives", 0x104, false);
  image_add_sym(&img, "main", 0x108, false); /* a duplicate name */
  image_add_sym(&img, "inside", 0x102, false);
  char *text;
  size_t len;
  FILE *f = open_memstream(&text, &len);
  dis_image(f, &img, 0);
  fclose(f);
  ck_assert_ptr_nonnull(strstr(text, ".entry main\n"));
  ck_assert_ptr_nonnull(strstr(text, ".global main\nmain:\n    addi r1, zero, 3\n"));
  ck_assert_ptr_nonnull(strstr(text, "main.loop:\n    addi r1, r1, -1\n"));
  ck_assert_ptr_nonnull(strstr(text, "    bne main.loop\n"));
  ck_assert_ptr_nonnull(strstr(text, "msg:\n    .byte 0x68\n    .byte 0x69\n    .byte 0x00\n"));
  ck_assert_ptr_null(strstr(text, "r1:"));
  ck_assert_ptr_null(strstr(text, "9lives"));
  ck_assert_ptr_null(strstr(text, "inside"));
  free(text);
  roundtrip_image(&img);
  image_free(&img);
}
END_TEST

/* A listing longer than the lister's batch of words (65,536: it answers
 * a batch's branch targets together, sorted): every branch still names
 * its own target.  The reassembly checks the labels; each -a comment is
 * checked against dis_insn on its word alone. */
START_TEST(test_long_listing) {
  enum { N = (1 << 16) + 4000 };
  uint32_t seed = 7, *words = malloc(4 * N);
  static const int ops[] = {OP_JMP, OP_BEQ, OP_CALL, OP_ADDI};
  for (int i = 0; i < N; i++) {
    int op = ops[rnd(&seed) % 4], to = (int)(rnd(&seed) % N);
    words[i] = op == OP_ADDI ? ISA_ENC_I(OP_ADDI, 1, 1, 1) : ISA_ENC_J(op, to - i);
  }
  image img = {0};
  ck_assert_int_eq(image_add_seg(&img, 0x10000, (const uint8_t *)words, 4 * N), 0);
  for (int i = 0; i < N; i += 3) {
    char name[16];
    snprintf(name, sizeof name, "w%d", i);
    ck_assert_int_eq(image_add_sym(&img, name, 0x10000 + 4 * (uint32_t)i + (i % 9 == 6 ? 2 : 0), i % 7 == 0), 0);
  }
  ck_assert_int_eq(image_build_index(&img), 0);
  img.entry = 0x10000;
  char *text;
  size_t len;
  FILE *f = open_memstream(&text, &len);
  dis_image(f, &img, DIS_ADDRS);
  fclose(f);
  int lines = 0;
  for (char *line = text, *end; *line; line = end + 1) {
    end = strchr(line, '\n');
    *end = 0;
    const char *c = strstr(line, " ; ");
    unsigned a, w;
    if (!c || sscanf(c, " ; %x: %x", &a, &w) != 2) continue;
    char shown[160];
    dis_insn(w, a, &img, shown, sizeof shown);
    const char *lt = strchr(shown, '<'), *got = strchr(c, '<');
    ck_assert_msg((!lt && !got) || (lt && got && strcmp(lt, got) == 0), "%s: %s", line, lt ? lt : "-");
    ck_assert_uint_eq(w, words[(a - 0x10000) / 4]);
    lines++;
  }
  ck_assert_int_eq(lines, N);
  free(text);
  roundtrip_image(&img);
  free(words);
  image_free(&img);
}
END_TEST

/* Labels are the first of each name in the file; names are told apart
 * by a hash first, and these two hash alike (FNV-1a, 32 bits), so both
 * must still print, each once. */
START_TEST(test_names_hash_alike) {
  image img;
  const char *msgs;
  ck_assert_int_eq(as("t.s", ".org 0x100\nstart: jmp 0x104\n jmp 0x108\n jmp 0x10c\n jmp 0x110\n halt zero\n",
                      &img, &msgs),
                   0);
  image_add_sym(&img, "x0791555_y", 0x10c, false); /* first in the file: the label */
  image_add_sym(&img, "x7359398_y", 0x104, false);
  image_add_sym(&img, "x7359398_y", 0x108, false); /* later duplicates: left out */
  image_add_sym(&img, "x0791555_y", 0x110, false);
  char *text;
  size_t len;
  FILE *f = open_memstream(&text, &len);
  dis_image(f, &img, 0);
  fclose(f);
  ck_assert_ptr_nonnull(strstr(text, "    jmp x7359398_y\nx7359398_y:\n    jmp 0x108\n"
                                     "    jmp x0791555_y\nx0791555_y:\n    jmp 0x110\n"));
  const char *first = strstr(text, "x0791555_y:");
  ck_assert_ptr_null(strstr(first + 1, "x0791555_y:"));
  free(text);
  roundtrip_image(&img);
  image_free(&img);
}
END_TEST

Suite *dis_suite(void) {
  Suite *s = suite_create("dis");
  TCase *tc = tcase_create("disassembler");
  tcase_add_test(tc, test_format);
  tcase_add_test(tc, test_every_opcode_roundtrip);
  tcase_add_test(tc, test_random_words_roundtrip);
  tcase_add_test(tc, test_labels);
  tcase_add_test(tc, test_long_listing);
  tcase_add_test(tc, test_names_hash_alike);
  suite_add_tcase(s, tc);
  return s;
}
