/* test_asm_err.c: every error message of the assembler, with its exact
 * text, position, source line and caret.  Each row is a source file
 * (named t.s) and the whole diagnostic output expected for it. */
#include <check.h>
#include <stdio.h>
#include <unistd.h>

#include "asmtest.h"

/* FILE:LINE:COL: error: MSG, the line, the caret. */
#define E(line, col, msg, text, caret) "t.s:" #line ":" #col ": error: " msg "\n" text "\n" caret "^\n"

static const struct {
  const char *src, *want;
} cases[] = {
    /* ---- lexical ---- */
    {"  .word '\\q'", E(1, 10, "unknown escape sequence '\\q'", "  .word '\\q'", "         ")},
    {".ascii \"abc", E(1, 8, "unterminated string", ".ascii \"abc", "       ")},
    {".byte ''", E(1, 7, "empty character literal", ".byte ''", "      ")},
    {".byte 'a", E(1, 7, "unterminated character literal", ".byte 'a", "      ")},
    {".byte 'ab'", E(1, 7, "character literal has more than one character", ".byte 'ab'", "      ")},
    {"jmp 99999999999b", E(1, 5, "local label number too large", "jmp 99999999999b", "    ")},
    {".word 12ab", E(1, 7, "invalid number '12ab'", ".word 12ab", "      ")},
    {".word 0x100000000",
     E(1, 7, "number '0x100000000' does not fit in 32 bits", ".word 0x100000000", "      ")},
    {"addi r1, r1, #5", E(1, 14, "unexpected character '#'", "addi r1, r1, #5", "             ")},
    {"nop \x80", E(1, 5, "unexpected byte 0x80", "nop \x80", "    ")},
    /* ---- expressions ---- */
    {".word 1/0", E(1, 8, "division by zero", ".word 1/0", "       ")},
    {".word 1 << 64", E(1, 9, "shift count 64 out of range (0..63)", ".word 1 << 64", "        ")},
    {".word r1", E(1, 7, "register 'r1' cannot be used in an expression", ".word r1", "      ")},
    {".equ X, later\n#if X\n#endif\nlater:",
     E(2, 5, "value of 'X' is not known at this point", "#if X", "    ")},
    {"jmp nowhere", E(1, 5, "undefined symbol 'nowhere'", "jmp nowhere", "    ")},
    {"li r1, X\nX = Y\nY = 5",
     E(1, 8, "cannot resolve 'X' (its definition uses later symbols)", "li r1, X", "       ")},
    {"#if defined 5\n#endif", E(1, 13, "expected a name after 'defined'", "#if defined 5", "            ")},
    {"#if defined(X\n#endif", E(1, 14, "expected ')'", "#if defined(X", "             ")},
    {".word (1 + 2",
     E(1, 13, "expected ')' to match the '(' at column 7", ".word (1 + 2", "            ")},
    {"addi r1, r1, )",
     E(1, 14, "expected an expression before ')'", "addi r1, r1, )", "             ")},
    {".word \"s\"", E(1, 7, "a string cannot be used as a number", ".word \"s\"", "      ")},
    {".word", E(1, 6, "expected an expression", ".word", "     ")},
    /* ---- symbols ---- */
    {"sp: nop",
     E(1, 1, "'sp' is a register name and cannot be defined as a symbol", "sp: nop", "")},
    {"x: nop\nx: nop", E(2, 1, "symbol 'x' is already defined", "x: nop", "")
                           "t.s:1: note: previous definition of 'x' was here\n"},
    {".org 0xfffffffc\n.word 0\nend:",
     E(3, 1, "label 'end' is past the end of the address space", "end:", "")},
    {"jmp 1b", E(1, 5, "no local label '1:' before this line", "jmp 1b", "    ")},
    {"jmp 1f", E(1, 5, "no local label '1:' after this line", "jmp 1f", "    ")},
    /* ---- conditionals, macros, includes ---- */
    {"#if 1\nnop", E(1, 1, "unterminated #if (no #endif in this file)", "#if 1", "")},
    {".macro m\nnop",
     E(1, 8, "unterminated .macro 'm' (no .endm in this file)", ".macro m", "       ")},
    {"#ifdef 5\n#endif", E(1, 8, "expected a name", "#ifdef 5", "       ")},
    {"#elif 1", E(1, 1, "#elif without #if", "#elif 1", "")},
    {"#if 1\n#else\n#elif 1\n#endif", E(3, 1, "#elif after #else", "#elif 1", "")},
    {"#else", E(1, 1, "#else without #if", "#else", "")},
    {"#if 0\n#else\n#else\n#endif", E(3, 1, "#else after #else", "#else", "")},
    {"#endif", E(1, 1, "#endif without #if", "#endif", "")},
    {"#define X 1",
     E(1, 1,
       "unknown directive '#define' (conditionals are #if, #ifdef, #ifndef, #elif, #else, #endif)",
       "#define X 1", "")},
    {"#if 1\n#endif junk",
     E(2, 8, "unexpected 'junk' at the end of the statement", "#endif junk", "       ")},
    {".macro m\n.macro n\n.endm", E(2, 1, "'.macro' inside the definition of 'm'", ".macro n", "")},
    {".macro", E(1, 7, "expected a macro name after .macro", ".macro", "      ")},
    {".macro add\n.endm",
     E(1, 8, "'add' is an instruction or register name and cannot name a macro", ".macro add",
       "       ")},
    {".macro m\n.endm\n.macro m\n.endm",
     E(3, 8, "macro 'm' is already defined", ".macro m", "       ")
         "t.s:1: note: previous definition of 'm' was here\n"},
    {".macro m a b\n.endm",
     E(1, 12, "expected ',' between macro parameters", ".macro m a b", "           ")},
    {".macro m 5\n.endm", E(1, 10, "expected a parameter name", ".macro m 5", "         ")},
    {".macro m a, a\n.endm",
     E(1, 13, "duplicate macro parameter 'a'", ".macro m a, a", "            ")},
    {".macro m a, b\n.endm\nm 1", E(3, 1, "macro 'm' takes 2 arguments, got 1", "m 1", "")},
    {".macro m\n  jmp nowhere\n.endm\n  m",
     E(2, 7, "undefined symbol 'nowhere'", "  jmp nowhere", "      ")
         "t.s:4: note: in expansion of macro 'm'\n"},
    {".include \"nonexistent.s\"",
     E(1, 10, "cannot open include file 'nonexistent.s': No such file or directory",
       ".include \"nonexistent.s\"", "         ")},
    {".include \"tests\"",
     E(1, 10, "cannot read include file 'tests': Is a directory", ".include \"tests\"",
       "         ")},
    /* ---- directives ---- */
    {".space later\nlater:",
     E(1, 8, "value must be known at this point (no symbols defined further down)",
       ".space later", "       ")},
    {".org -1", E(1, 6, "address -1 out of range (0..4294967295)", ".org -1", "     ")},
    {".space 0x2000000",
     E(1, 8, "size 33554432 out of range (0..16777216)", ".space 0x2000000", "       ")},
    {".align 0", E(1, 8, "alignment 0 out of range (1..16777216)", ".align 0", "       ")},
    {".align 3", E(1, 8, "alignment 3 is not a power of two", ".align 3", "       ")},
    {".equ 5, 1", E(1, 6, "expected a symbol name after .equ", ".equ 5, 1", "     ")},
    {".equ X 1", E(1, 8, "expected ',' after the symbol name", ".equ X 1", "       ")},
    {".byte 256", E(1, 7, "value 256 does not fit in 8 bits", ".byte 256", "      ")},
    {".half -32769", E(1, 7, "value -32769 does not fit in 16 bits", ".half -32769", "      ")},
    {".word 0xffffffff + 1",
     E(1, 7, "value 4294967296 does not fit in 32 bits", ".word 0xffffffff + 1", "      ")},
    {".ascii 5", E(1, 8, "expected a string", ".ascii 5", "       ")},
    {".space 1, 300", E(1, 11, "fill value 300 does not fit in 8 bits", ".space 1, 300", "          ")},
    {".include foo", E(1, 10, "expected a file name in double quotes", ".include foo", "         ")},
    {".include \"a\\0b\"",
     E(1, 10, "file name contains a NUL byte", ".include \"a\\0b\"", "         ")},
    {".global 5", E(1, 9, "expected a symbol name", ".global 5", "        ")},
    {".global r3", E(1, 9, "'r3' is a register name, not a symbol", ".global r3", "        ")},
    {"a: nop\n.entry a\n.entry a", E(3, 8, "duplicate .entry", ".entry a", "       ")},
    {".entry -4", E(1, 8, "entry point -4 is not an address", ".entry -4", "       ")},
    {".endm", E(1, 1, ".endm without .macro", ".endm", "")},
    {".dephase", E(1, 1, ".dephase without .phase", ".dephase", "")},
    {".phase 8\n.phase 16", E(2, 1, ".phase inside .phase (end the first with .dephase)", ".phase 16", "")},
    {".phase 8\n.org 16",
     E(2, 1, ".org inside .phase (end it with .dephase first)", ".org 16", "")},
    {".global g", E(1, 9, "global symbol 'g' is never defined", ".global g", "        ")},
    /* ---- instructions ---- */
    {"iret r1", E(1, 6, "'iret' takes no operands", "iret r1", "     ")},
    {"add r1, r2",
     E(1, 11, "wrong number of operands (expected: add rd, rs, rt)", "add r1, r2", "          ")},
    {"add r1, r2, r3, r4",
     E(1, 15, "wrong number of operands (expected: add rd, rs, rt)", "add r1, r2, r3, r4",
       "              ")},
    {"sw r1", E(1, 6, "wrong number of operands (expected: sw rd, offset(rs))", "sw r1", "     ")},
    {"add r1, r2, 5", E(1, 13, "expected a register, found '5'", "add r1, r2, 5", "            ")},
    {"lw r1, 8", E(1, 9, "expected '(' and a base register, as in 8(sp)", "lw r1, 8", "        ")},
    {"lw r1, 8(sp", E(1, 12, "expected ')' after the base register", "lw r1, 8(sp", "           ")},
    {"add r1 r2, r3", E(1, 8, "expected ',' before 'r2'", "add r1 r2, r3", "       ")},
    {"addi r1, r1, 32768",
     E(1, 14, "immediate 32768 out of range (-32768..32767)", "addi r1, r1, 32768",
       "             ")},
    {"ori r1, r1, -32769",
     E(1, 13, "immediate -32769 out of range (0..65535)", "ori r1, r1, -32769", "            ")},
    {"lw r1, 40000(sp)",
     E(1, 8, "offset 40000 out of range (-32768..32767)", "lw r1, 40000(sp)", "       ")},
    {"mfc r1, 70000",
     E(1, 9, "control register number 70000 out of range (0..65535)", "mfc r1, 70000",
       "        ")},
    {"mfc r1, bogus", E(1, 9, "undefined symbol 'bogus'", "mfc r1, bogus", "        ")},
    {"out 65536, r1",
     E(1, 5, "port number 65536 out of range (0..65535)", "out 65536, r1", "    ")},
    {"jmp -0x80000001",
     E(1, 5, "branch target -2147483649 is not an address", "jmp -0x80000001", "    ")},
    {"jmp 6", E(1, 5, "branch target 0x6 is not a multiple of 4", "jmp 6", "    ")},
    {"jmp 0x2000000",
     E(1, 5, "branch target 0x2000000 out of range (8388608 words away; the limit is 2^23)",
       "jmp 0x2000000", "    ")},
    {".byte 1\nnop", E(2, 1, "instruction at misaligned address 0x1 (use .align 4)", "nop", "")},
    {"li r1, 0xffffffff + 1",
     E(1, 8, "value 4294967296 does not fit in 32 bits", "li r1, 0xffffffff + 1", "       ")},
    {"nop nop", E(1, 5, "'nop' takes no operands", "nop nop", "    ")},
    /* ---- statements and output ---- */
    {".word 1 2", E(1, 9, "unexpected '2' at the end of the statement", ".word 1 2", "        ")},
    {".foo", E(1, 1, "unknown directive '.foo'", ".foo", "")},
    {"foo r1", E(1, 1, "unknown instruction 'foo'", "foo r1", "")},
    {"5", E(1, 1, "expected a label, instruction or directive", "5", "")},
    {".org 0xfffffffe\n.word 1",
     E(2, 1, "output goes past the end of the address space (0xffffffff)", ".word 1", "")},
    {".space 0x1000000\n.byte 1", E(2, 1, "output too large (over 16777216 bytes)", ".byte 1", "")},
    {".org 4\n.word 1\n.org 0\n.word 1, 2",
     E(2, 1, "output at 0x4 overlaps output from t.s:4 (0x0..0x7)", ".word 1", "")},
    /* Several errors in one run, in order; tabs kept under the caret. */
    {"\tfoo\n\tadd r1\n", E(1, 2, "unknown instruction 'foo'", "\tfoo", "\t")
         E(2, 8, "wrong number of operands (expected: add rd, rs, rt)", "\tadd r1", "\t      ")},
};

START_TEST(test_error_messages) {
  const char *src = cases[_i].src, *msgs;
  image img;
  int r = as("t.s", src, &img, &msgs);
  ck_assert_msg(r == -1, "case %d (%s) assembled", _i, src);
  ck_assert_ptr_null(img.segs);
  ck_assert_msg(strcmp(msgs, cases[_i].want) == 0, "case %d:\n--- got:\n%s--- want:\n%s", _i,
                msgs, cases[_i].want);
}
END_TEST

START_TEST(test_bad_define) {
  static const char *const defs[] = {"5X"};
  image img;
  const char *msgs;
  ck_assert_int_eq(as_opt("t.s", "nop\n", defs, 1, &img, &msgs), -1);
  ck_assert_str_eq(msgs, "<command-line>:1:1: error: bad -D name '5X'\n5X\n^\n");
  static const char *const defs2[] = {"X=1+"};
  ck_assert_int_eq(as_opt("t.s", "nop\n", defs2, 1, &img, &msgs), -1);
  ck_assert_str_eq(msgs, "<command-line>:1:5: error: expected an expression\nX=1+\n    ^\n");
}
END_TEST

/* The limits that stop runaway input: a macro whose argument doubles at
 * each level, and a chain of 40 files each including the next. */
START_TEST(test_limits) {
  image img;
  const char *msgs;
  char *src = malloc(5000);
  strcpy(src, ".macro d a\nd \\a\\a\n.endm\nd ");
  memset(src + strlen(src), 'x', 4000);
  src[strlen(".macro d a\nd \\a\\a\n.endm\nd ") + 4000] = 0;
  ck_assert_int_eq(as("t.s", src, &img, &msgs), -1);
  ck_assert_msg(strncmp(msgs, "t.s:2:1: error: line too long after macro substitution\n", 55) == 0,
                "%.300s", msgs);
  free(src);

  char dir[] = "/tmp/test_asm_XXXXXX";
  ck_assert_ptr_nonnull(mkdtemp(dir));
  char path[64];
  for (int i = 0; i < 40; i++) {
    snprintf(path, sizeof path, "%s/f%d.s", dir, i);
    FILE *f = fopen(path, "w");
    fprintf(f, ".include \"f%d.s\"\n", i + 1);
    fclose(f);
  }
  snprintf(path, sizeof path, "%s/f40.s", dir);
  fclose(fopen(path, "w"));
  snprintf(path, sizeof path, "%s/f0.s", dir);
  asm_diag diag = {0};
  ck_assert_int_eq(asm_assemble_file(NULL, path, &img, &diag), -1);
  char want[200];
  snprintf(want, sizeof want, "%s/f31.s:1:10: error: includes nested too deeply (over 32 levels)\n",
           dir);
  ck_assert_msg(strncmp(diag.text, want, strlen(want)) == 0, "%s", diag.text);
  asm_diag_free(&diag);
  for (int i = 0; i <= 40; i++) {
    snprintf(path, sizeof path, "%s/f%d.s", dir, i);
    remove(path);
  }
  rmdir(dir);
}
END_TEST

TCase *asm_error_tcase(void) {
  TCase *tc = tcase_create("errors");
  tcase_add_loop_test(tc, test_error_messages, 0, (int)(sizeof cases / sizeof cases[0]));
  tcase_add_test(tc, test_bad_define);
  tcase_add_test(tc, test_limits);
  return tc;
}
