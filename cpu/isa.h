/* isa.h: the instruction set of the kit's toy CPU, defined once.
 *
 * Every reader of the ISA includes this file and expands its tables with
 * its own X macro: the decoder and executor (cpu/), the assembler and the
 * disassembler (assembler/), the generator of docs/isa.md, the table's own
 * test, the binary translator, the debugger and the Popek-Goldberg
 * classifier.  No other file defines opcodes, operand kinds, register
 * names or field positions (tests/cpu/test_isa.c restates the format
 * diagram below, to check the operand kinds against it).
 *
 * Instruction formats (32-bit words, little-endian, fixed length):
 *
 *    31      24 23  20 19  16 15  12 11                   0
 *   +----------+------+------+------+----------------------+
 *   |  opcode  |  rd  | rs1  | rs2  |   must be zero       |  R
 *   +----------+------+------+------+----------------------+
 *   |  opcode  |  rd  | rs1  |        imm16                |  I
 *   +----------+------+------+-----------------------------+
 *   |  opcode  |              imm24 (signed word offset)    |  J
 *   +----------+-------------------------------------------+
 *
 * The opcode byte alone selects the instruction.  Every other bit belongs to
 * a field that one of the instruction's operands fills (OPERAND_TABLE) or
 * must be zero: an unnamed register field, the low 12 bits of an R word.  The
 * decoder treats a word with a must-be-zero bit set as an illegal
 * instruction.
 *
 * The `ops` column lists the operands in assembly order, as letters of
 * OPERAND_TABLE below ("d,s,t" is `add rd, rs, rt`).  A store names its value
 * register with `d` (the rd field holds the source).
 *
 * Classes, in Popek and Goldberg's terms (CACM 17(7), 1974; docs/isa.md):
 *   ORD   ordinary: innocuous; runs without a trap in both modes, the same.
 *   PRIV  privileged: traps with CAUSE_PRIV in user mode and does not trap
 *         in kernel mode; and sensitive (it changes or reads the mode, the
 *         memory map, IE, a control register or a device).
 *   SPEC  special: sensitive but NOT privileged: in user mode it runs
 *         without a trap and does something else (mode-sensitive).  This is
 *         what breaks trap-and-emulate, as x86's popf does (pushf's x86
 *         counterpart leaks IF, not the mode: docs/isa.md).  Under the CPU's
 *         strict-ISA option they trap in user mode like privileged ones.
 *   TRAP  always traps (system call, breakpoint, hypercall): innocuous, and
 *         not privileged, since it traps in kernel mode too.  hcall on the
 *         bare CPU is an illegal instruction in both modes, as x86's vmcall
 *         is outside VMX operation (#UD): there is no monitor to call.  A
 *         monitor run with --pv on takes it from its guest's kernel as a
 *         hypercall instead (docs/pv.md).
 * bin/vmm --classify measures each class; a test holds it to this table.
 *
 * Meaning column: register-transfer notation.  R[x] registers, M32/M16/M8
 * memory through the MMU, F the flags word, CR[x] control registers,
 * sext/zext sign and zero extension, cond(F) the branch condition.
 */
#ifndef ISA_H
#define ISA_H

#include <stdint.h>

/* X(NAME, mnemonic, opcode, format, class, operands, meaning) */
#define ISA_TABLE(X)                                                                           \
  /* ---- arithmetic and logic, register-register ---- */                                    \
  X(ADD,   "add",   0x01, R, ORD, "d,s,t", "R[d] := R[s] + R[t]")                               \
  X(SUB,   "sub",   0x02, R, ORD, "d,s,t", "R[d] := R[s] - R[t]")                               \
  X(AND,   "and",   0x03, R, ORD, "d,s,t", "R[d] := R[s] & R[t]")                               \
  X(OR,    "or",    0x04, R, ORD, "d,s,t", "R[d] := R[s] | R[t]")                               \
  X(XOR,   "xor",   0x05, R, ORD, "d,s,t", "R[d] := R[s] ^ R[t]")                               \
  X(SHL,   "shl",   0x06, R, ORD, "d,s,t", "R[d] := R[s] << (R[t] & 31)")                       \
  X(SHR,   "shr",   0x07, R, ORD, "d,s,t", "R[d] := R[s] >>u (R[t] & 31)")                      \
  X(SAR,   "sar",   0x08, R, ORD, "d,s,t", "R[d] := R[s] >>s (R[t] & 31)")                      \
  X(MUL,   "mul",   0x09, R, ORD, "d,s,t", "R[d] := low 32 bits of R[s] * R[t]")                \
  X(DIV,   "div",   0x0A, R, ORD, "d,s,t", "R[d] := R[s] /s R[t]; trap DIVZERO if R[t] = 0")    \
  X(DIVU,  "divu",  0x0B, R, ORD, "d,s,t", "R[d] := R[s] /u R[t]; trap DIVZERO if R[t] = 0")    \
  X(REM,   "rem",   0x0C, R, ORD, "d,s,t", "R[d] := R[s] %s R[t]; trap DIVZERO if R[t] = 0")    \
  X(REMU,  "remu",  0x0D, R, ORD, "d,s,t", "R[d] := R[s] %u R[t]; trap DIVZERO if R[t] = 0")    \
  X(SLT,   "slt",   0x0E, R, ORD, "d,s,t", "R[d] := (R[s] <s R[t]) ? 1 : 0")                    \
  X(SLTU,  "sltu",  0x0F, R, ORD, "d,s,t", "R[d] := (R[s] <u R[t]) ? 1 : 0")                    \
  /* ---- arithmetic and logic, register-immediate ---- */                                   \
  X(ADDI,  "addi",  0x10, I, ORD, "d,s,i", "R[d] := R[s] + sext(imm)")                          \
  X(ANDI,  "andi",  0x11, I, ORD, "d,s,u", "R[d] := R[s] & zext(imm)")                          \
  X(ORI,   "ori",   0x12, I, ORD, "d,s,u", "R[d] := R[s] | zext(imm)")                          \
  X(XORI,  "xori",  0x13, I, ORD, "d,s,u", "R[d] := R[s] ^ zext(imm)")                          \
  X(SHLI,  "shli",  0x14, I, ORD, "d,s,u", "R[d] := R[s] << (imm & 31)")                        \
  X(SHRI,  "shri",  0x15, I, ORD, "d,s,u", "R[d] := R[s] >>u (imm & 31)")                       \
  X(SARI,  "sari",  0x16, I, ORD, "d,s,u", "R[d] := R[s] >>s (imm & 31)")                       \
  X(LUI,   "lui",   0x17, I, ORD, "d,u",   "R[d] := imm << 16")                                 \
  X(SLTI,  "slti",  0x18, I, ORD, "d,s,i", "R[d] := (R[s] <s sext(imm)) ? 1 : 0")               \
  /* ---- loads and stores (aligned; misaligned traps MISALIGN) ---- */                       \
  X(LW,    "lw",    0x20, I, ORD, "d,m",   "R[d] := M32[R[s] + sext(imm)]")                     \
  X(LH,    "lh",    0x21, I, ORD, "d,m",   "R[d] := sext(M16[R[s] + sext(imm)])")               \
  X(LHU,   "lhu",   0x22, I, ORD, "d,m",   "R[d] := zext(M16[R[s] + sext(imm)])")               \
  X(LB,    "lb",    0x23, I, ORD, "d,m",   "R[d] := sext(M8[R[s] + sext(imm)])")                \
  X(LBU,   "lbu",   0x24, I, ORD, "d,m",   "R[d] := zext(M8[R[s] + sext(imm)])")                \
  X(SW,    "sw",    0x28, I, ORD, "d,m",   "M32[R[s] + sext(imm)] := R[d]")                     \
  X(SH,    "sh",    0x29, I, ORD, "d,m",   "M16[R[s] + sext(imm)] := R[d] & 0xffff")            \
  X(SB,    "sb",    0x2A, I, ORD, "d,m",   "M8[R[s] + sext(imm)] := R[d] & 0xff")               \
  /* ---- compare: sets the condition flags Z N C V of F ---- */                              \
  X(CMP,   "cmp",   0x30, R, ORD, "s,t",   "F.ZNCV := flags of R[s] - R[t]")                    \
  X(CMPI,  "cmpi",  0x31, I, ORD, "s,i",   "F.ZNCV := flags of R[s] - sext(imm)")               \
  /* ---- jumps, calls and conditional branches on F ---- */                                 \
  X(JMP,   "jmp",   0x40, J, ORD, "j",     "pc := pc + 4*imm")                                  \
  X(BEQ,   "beq",   0x41, J, ORD, "j",     "if Z: pc := pc + 4*imm")                            \
  X(BNE,   "bne",   0x42, J, ORD, "j",     "if !Z: pc := pc + 4*imm")                           \
  X(BLT,   "blt",   0x43, J, ORD, "j",     "if N != V (signed <): pc := pc + 4*imm")            \
  X(BGE,   "bge",   0x44, J, ORD, "j",     "if N == V (signed >=): pc := pc + 4*imm")           \
  X(BGT,   "bgt",   0x45, J, ORD, "j",     "if !Z and N == V (signed >): pc := pc + 4*imm")     \
  X(BLE,   "ble",   0x46, J, ORD, "j",     "if Z or N != V (signed <=): pc := pc + 4*imm")      \
  X(BLTU,  "bltu",  0x47, J, ORD, "j",     "if C (unsigned <): pc := pc + 4*imm")               \
  X(BGEU,  "bgeu",  0x48, J, ORD, "j",     "if !C (unsigned >=): pc := pc + 4*imm")             \
  X(BGTU,  "bgtu",  0x49, J, ORD, "j",     "if !C and !Z (unsigned >): pc := pc + 4*imm")       \
  X(BLEU,  "bleu",  0x4A, J, ORD, "j",     "if C or Z (unsigned <=): pc := pc + 4*imm")         \
  X(CALL,  "call",  0x4B, J, ORD, "j",     "R[lr] := pc + 4; pc := pc + 4*imm")                 \
  X(JR,    "jr",    0x4C, R, ORD, "s",     "pc := R[s]  (ret is jr lr)")                        \
  X(CALLR, "callr", 0x4D, R, ORD, "s",     "R[lr] := pc + 4; pc := R[s]")                       \
  /* ---- instructions that always trap ---- */                                              \
  X(SYSCALL, "syscall", 0x50, R, TRAP, "", "trap SYSCALL; saved pc is the next instruction")    \
  X(BRK,   "brk",   0x51, R, TRAP, "",     "trap BREAK; saved pc is the next instruction")      \
  X(HCALL, "hcall", 0x52, R, TRAP, "",     "no monitor: trap ILLEGAL (saved pc: this one); under a paravirtual monitor: hypercall R[1] (docs/pv.md)") \
  /* ---- special: sensitive but unprivileged (after x86's pushf/popf) ---- */              \
  X(PUSHF, "pushf", 0x58, R, SPEC, "",     "R[sp] -= 4; M32[R[sp]] := F (incl. IE and KM)")     \
  X(POPF,  "popf",  0x59, R, SPEC, "",     "F := M32[R[sp]] (user: only ZNCV change); R[sp] += 4") \
  /* ---- privileged: trap PRIV in user mode ---- */                                         \
  X(HALT,  "halt",  0x60, R, PRIV, "s",    "stop the machine with exit code R[s]")              \
  X(IRET,  "iret",  0x61, R, PRIV, "",     "F := CR[estatus]; pc := CR[epc]")                   \
  X(CLI,   "cli",   0x62, R, PRIV, "",     "F.IE := 0")                                         \
  X(STI,   "sti",   0x63, R, PRIV, "",     "F.IE := 1")                                         \
  X(MFC,   "mfc",   0x64, I, PRIV, "d,c",  "R[d] := CR[imm]")                                   \
  X(MTC,   "mtc",   0x65, I, PRIV, "c,s",  "CR[imm] := R[s]")                                   \
  X(TLBI,  "tlbi",  0x66, R, PRIV, "s",    "drop the TLB entry for the page holding R[s]")      \
  X(TLBFLUSH, "tlbflush", 0x67, R, PRIV, "", "drop every TLB entry")                            \
  X(IN,    "in",    0x68, I, PRIV, "d,p",  "R[d] := read of I/O port imm")                      \
  X(OUT,   "out",   0x69, I, PRIV, "p,s",  "write R[s] to I/O port imm")                        \
  X(WFI,   "wfi",   0x6A, R, PRIV, "",     "idle until an interrupt is pending")

/* The opcode numbers as an enum: OP_ADD, OP_SUB, ... */
enum isa_op {
#define ISA_ENUM(name, mn, opc, fmt, cls, ops, meaning) OP_##name = opc,
  ISA_TABLE(ISA_ENUM)
#undef ISA_ENUM
  OP_ILLEGAL = 0x00, /* opcode 0 is never assigned: zeroed memory traps */
};

enum isa_format { FMT_R, FMT_I, FMT_J };
enum isa_class { CLASS_ORD, CLASS_PRIV, CLASS_SPEC, CLASS_TRAP };

/* The fields below the opcode byte, as the diagram at the top draws them.
 * X(NAME, name, mask) */
#define FIELD_TABLE(X)         \
  X(RD,    "rd",    0xf << 20) \
  X(RS1,   "rs1",   0xf << 16) \
  X(RS2,   "rs2",   0xf << 12) \
  X(IMM16, "imm16", 0xffff)    \
  X(IMM24, "imm24", 0xffffff)

/* A field is named by its mask: FIELD_RD = 0xf << 20.  FIELD_NONE fills
 * nothing (an operand kind without a register, or without an immediate). */
enum isa_field {
  FIELD_NONE = 0,
#define FIELD_ENUM(NAME, s, mask) FIELD_##NAME = (mask),
  FIELD_TABLE(FIELD_ENUM)
#undef FIELD_ENUM
};

/* Put v into field f (bits of v beyond the field are dropped), and read a
 * field back.  f & -f is the field's lowest bit: multiplying by it shifts
 * v into place, dividing by it shifts back.  Both fold to a shift and a
 * mask when f is a constant; ISA_FIELD_PUT is a constant expression then. */
#define ISA_FIELD_PUT(f, v) (((uint32_t)(v) * ((uint32_t)(f) & -(uint32_t)(f))) & (uint32_t)(f))
static inline uint32_t isa_field_get(uint32_t w, uint32_t f) { return f ? (w & f) / (f & -f) : 0; }

#define ISA_OPCODE(w) ((w) >> 24)
#define ISA_RD(w) isa_field_get(w, FIELD_RD)
#define ISA_RS1(w) isa_field_get(w, FIELD_RS1)
#define ISA_RS2(w) isa_field_get(w, FIELD_RS2)
#define ISA_IMM16(w) isa_field_get(w, FIELD_IMM16)
#define ISA_IMM24(w) isa_field_get(w, FIELD_IMM24)

/* The encoders, one per format.  Constant expressions when their
 * arguments are, so tables of instruction words can use them; a field's
 * value is cut to the field (ISA_ENC_J(OP_JMP, -1) jumps back one word:
 * imm24 = 0xffffff).
 *
 *   ISA_ENC_R(op, rd, rs1, rs2)   add r1, r2, r3  = ISA_ENC_R(OP_ADD, 1, 2, 3)
 *   ISA_ENC_I(op, rd, rs1, imm)   lw r1, -4(sp)   = ISA_ENC_I(OP_LW, 1, REG_SP, -4)
 *   ISA_ENC_J(op, words)          target = pc + 4*words */
#define ISA_ENC_R(op, rd, rs1, rs2)                                                       \
  ((uint32_t)(op) << 24 | ISA_FIELD_PUT(FIELD_RD, rd) | ISA_FIELD_PUT(FIELD_RS1, rs1) | \
   ISA_FIELD_PUT(FIELD_RS2, rs2))
#define ISA_ENC_I(op, rd, rs1, imm)                                                       \
  ((uint32_t)(op) << 24 | ISA_FIELD_PUT(FIELD_RD, rd) | ISA_FIELD_PUT(FIELD_RS1, rs1) | \
   ISA_FIELD_PUT(FIELD_IMM16, imm))
#define ISA_ENC_J(op, words) ((uint32_t)(op) << 24 | ISA_FIELD_PUT(FIELD_IMM24, words))

/* How an operand is written and read back (the `form` column below). */
enum isa_form {
  FORM_REG,      /* a register: r0..r15 or a name of REG_TABLE */
  FORM_SIGNED,   /* a number, sign-extended; printed in decimal */
  FORM_UNSIGNED, /* a number, zero-extended; printed in hex from 10 up */
  FORM_MEM,      /* offset(base): a signed offset and a base register */
  FORM_TARGET,   /* a code address; the field holds (target - pc) / 4, signed */
  FORM_CREG,     /* a control register: its name, or any number */
  FORM_PORT,     /* an I/O port number, zero-extended; printed like unsigned */
};
/* Does the decoder sign-extend the immediate of this form? */
#define ISA_FORM_SIGNED(form) ((form) == FORM_SIGNED || (form) == FORM_MEM || (form) == FORM_TARGET)

/* Operand kinds: the letters of ISA_TABLE's `ops` column.
 * X(letter, reg, imm, form, word, noun, meaning, a)
 *   reg, imm  the register field and the immediate field it fills (m fills
 *             both; NONE for neither); every other bit of a word is either
 *             another operand's or must be zero
 *   form      how it is written and read (enum isa_form); the immediate's
 *             values are the field's, signed or not: -32768..32767 or
 *             0..65535 for imm16
 *   word      its name in usage lines and docs: `add rd, rs, rt`
 *   noun      what an assembler error calls its value
 *   a         passed to X unchanged, for a reader that expands this table
 *             inside a row of another (the decoder's rows in isa.c) */
#define OPERAND_TABLE(X, a)                                                                                                             \
  X('d', RD,   NONE,  REG,      "rd",         "register",                "destination register; a store's value register", a)           \
  X('s', RS1,  NONE,  REG,      "rs",         "register",                "source register", a)                                          \
  X('t', RS2,  NONE,  REG,      "rt",         "register",                "second source register", a)                                   \
  X('i', NONE, IMM16, SIGNED,   "imm",        "immediate",               "signed immediate", a)                                         \
  X('u', NONE, IMM16, UNSIGNED, "uimm",       "immediate",               "unsigned immediate, zero-extended", a)                        \
  X('m', RS1,  IMM16, MEM,      "offset(rs)", "offset",                  "memory operand: signed offset from a base register", a)       \
  X('j', NONE, IMM24, TARGET,   "target",     "branch target",           "an address within 2^23 words of the branch: pc + 4*imm24", a) \
  X('c', NONE, IMM16, CREG,     "creg",       "control register number", "control register, by name or number", a)                      \
  X('p', NONE, IMM16, PORT,     "port",       "port number",             "I/O port", a)

/* Registers r0..r15.  Four also have a name, which the assembler accepts
 * (in any case) and the disassembler prints.
 * X(NAME, number, name, addr, meaning)
 *   addr  1: by convention it holds an address (the debugger shows its value
 *         as one, with the symbol it points at) */
#define REG_TABLE(X)                                                                      \
  X(ZERO, 0,  "zero", 0, "always reads as zero; writes to it are dropped")                \
  X(FP,   13, "fp",   1, "frame pointer, by convention")                                  \
  X(SP,   14, "sp",   1, "stack pointer: pushf and popf move it, and so do push and pop") \
  X(LR,   15, "lr",   1, "link register: call and callr write the return address")

enum isa_reg {
#define REG_ENUM(NAME, n, s, addr, m) REG_##NAME = n,
  REG_TABLE(REG_ENUM)
#undef REG_ENUM
  NREGS = 16
};

/* The flags word F, read by pushf and saved in CR[estatus] on a trap.
 *
 *    31                      6    5    4    3   2   1   0
 *   +-------------------------+----+----+---+---+---+---+
 *   |        always zero      | KM | IE | V | C | N | Z |
 *   +-------------------------+----+----+---+---+---+---+
 *
 *   Z N C V  condition flags, set by cmp; C means "unsigned less than".
 *   IE       interrupts enabled.
 *   KM       1 in kernel mode, 0 in user mode.  Only a trap (sets it) and
 *            iret (restores it) change it; popf never does.
 */
enum {
  FLAG_Z = 1u << 0,
  FLAG_N = 1u << 1,
  FLAG_C = 1u << 2,
  FLAG_V = 1u << 3,
  FLAG_IE = 1u << 4,
  FLAG_KM = 1u << 5,
  FLAGS_CC = FLAG_Z | FLAG_N | FLAG_C | FLAG_V,
  FLAGS_ALL = FLAGS_CC | FLAG_IE | FLAG_KM,
};

/* Control registers, read and written with mfc and mtc (privileged).
 * X(NAME, asm name, number, meaning) */
#define CR_TABLE(X)                                                               \
  X(PTB,     "ptb",     0, "page-table base: physical address of the page directory") \
  X(TVEC,    "tvec",    1, "trap vector: where every trap and interrupt enters")       \
  X(EPC,     "epc",     2, "saved pc of the last trap")                                \
  X(ESTATUS, "estatus", 3, "saved flags word of the last trap")                        \
  X(CAUSE,   "cause",   4, "cause of the last trap")                                   \
  X(BADVA,   "badva",   5, "faulting address (page fault, misaligned), or the word of an illegal or privileged instruction") \
  X(TIMER,   "timer",   6, "timer period in ticks, 0 = off; reads the ticks left")    \
  X(SCRATCH, "scratch", 7, "free for the kernel, e.g. to find its stack on a trap")    \
  X(PAGING,  "paging",  8, "bit 0: paging on")

enum cr_num {
#define CR_ENUM(name, s, n, m) CR_##name = n,
  CR_TABLE(CR_ENUM)
#undef CR_ENUM
  NCR = 9
};

/* Trap causes.  Exceptions first, then interrupts.
 * X(NAME, name, number, saved pc, meaning) */
#define CAUSE_TABLE(X)                                                                  \
  X(ILLEGAL,  "illegal",  0, "this",  "undefined opcode or nonzero must-be-zero field") \
  X(PRIV,     "priv",     1, "this",  "privileged (or, under --isa strict, special) instruction in user mode") \
  X(PF_FETCH, "pf-fetch", 2, "this",  "page fault on instruction fetch")                \
  X(PF_LOAD,  "pf-load",  3, "this",  "page fault on a load")                           \
  X(PF_STORE, "pf-store", 4, "this",  "page fault on a store")                          \
  X(MISALIGN, "misalign", 5, "this",  "misaligned load, store or jump target")          \
  X(SYSCALL,  "syscall",  6, "next",  "syscall instruction")                            \
  X(BREAK,    "break",    7, "next",  "brk instruction")                                \
  X(DIVZERO,  "divzero",  8, "this",  "division or remainder by zero")                  \
  X(TIMER,    "timer",    9, "next",  "timer interrupt")                                \
  X(CONSOLE,  "console", 10, "next",  "console input interrupt")

enum trap_cause {
#define CAUSE_ENUM(name, s, n, pc, m) CAUSE_##name = n,
  CAUSE_TABLE(CAUSE_ENUM)
#undef CAUSE_ENUM
  NCAUSES = 11
};

/* I/O ports (in/out).  X(NAME, number, meaning) */
#define PORT_TABLE(X)                                                                   \
  X(CONS_DATA,   0x00, "out: write one byte to the console; in: read one byte, -1 at end of input") \
  X(CONS_STATUS, 0x01, "in: bit 0 input ready, bit 1 end of input")                     \
  X(CONS_CTRL,   0x02, "out: bit 0 enables the console-input interrupt")

enum io_port {
#define PORT_ENUM(name, n, m) PORT_##name = n,
  PORT_TABLE(PORT_ENUM)
#undef PORT_ENUM
};

#endif
