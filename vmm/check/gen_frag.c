/* gen_frag.c: the fragments a random kernel is made of, one small function
 * each, chosen from a weighted table (separate weights for kernel and user
 * mode).  "Simple" fragments may sit in a loop body or a subroutine: they
 * use r11 as their only temporary and never r12 (the loop counter).
 *
 * The rules that keep every program's behaviour defined by the ISA, so that
 * every mode must agree on it:
 *   - stores go only to data regions, the playground, code written on
 *     purpose, page tables through an edit, or places that fault in every
 *     mode (beyond 3 GiB, the translator's window, misaligned); never to
 *     the save area, the kernel's text or stack by accident;
 *   - a page-table edit is followed by tlbi, tlbflush or a CR[ptb] write
 *     before the next instruction that could use the page;
 *   - nothing maps the top 4 MiB of virtual space;
 *   - jumps go to code, or to addresses that fault in every mode (the
 *     handler then resumes at V_RECOVER);
 *   - wfi only while the timer runs; user sessions start with cli, so no
 *     interrupt overwrites CR[epc] between mtc epc and iret;
 *   - user mode runs with IE on, or now and then off (a user-mode pushf
 *     must show the guest's own IE in every mode: the monitor runs guest
 *     code directly with the virtual IE).
 */
#include "cpu.h"
#include "gen_int.h"

uint32_t gen_play_pte(gen *g); /* gen.c */

/* ---- operands ---- */

static int rreg(gen *g) { return 1 + (int)gen_below(g, G_NRAND); } /* a destination */
static int sreg(gen *g) { return (int)gen_below(g, 16); }          /* any source */
static int imm16(gen *g) {
  switch (gen_below(g, 4)) {
  case 0: return (int)gen_below(g, 16);
  case 1: return -(int)gen_below(g, 16);
  default: return (int)(int16_t)gen_rand(g);
  }
}
static unsigned uimm16(gen *g) { return gen_chance(g, 30) ? gen_below(g, 32) : gen_rand(g) & 0xffff; }

/* ---- instructions ---- */

static const char *const alu_r[] = {"add", "sub", "and", "or", "xor", "shl", "shr", "sar", "mul", "slt", "sltu"};
static const char *const alu_i[] = {"addi", "slti"};
static const char *const alu_u[] = {"andi", "ori", "xori", "shli", "shri", "sari"};
#define N(a) (sizeof a / sizeof a[0])

/* C leaves the order of a call's arguments to the compiler, so every draw
 * is a statement of its own: the same seed gives the same program whatever
 * compiled the generator.  (The draws go last operand first, the order of
 * the gcc builds that made the programs of earlier versions.) */
static void compare(gen *g) {
  int a, b;
  if (gen_chance(g, 50)) {
    b = sreg(g), a = sreg(g);
    gen_emit(g, 1, "        cmp r%d, r%d", a, b);
  } else {
    b = imm16(g), a = sreg(g);
    gen_emit(g, 1, "        cmpi r%d, %d", a, b);
  }
}

static void alu1(gen *g) {
  int a, b, c;
  switch (gen_below(g, 6)) {
  case 0:
  case 1:
    c = sreg(g), b = sreg(g), a = rreg(g);
    gen_emit(g, 1, "        %s r%d, r%d, r%d", alu_r[gen_below(g, N(alu_r))], a, b, c);
    break;
  case 2:
    c = imm16(g), b = sreg(g), a = rreg(g);
    gen_emit(g, 1, "        %s r%d, r%d, %d", alu_i[gen_below(g, N(alu_i))], a, b, c);
    break;
  case 3:
    c = (int)uimm16(g), b = sreg(g), a = rreg(g);
    gen_emit(g, 1, "        %s r%d, r%d, 0x%x", alu_u[gen_below(g, N(alu_u))], a, b, (unsigned)c);
    break;
  case 4:
    b = (int)uimm16(g), a = rreg(g);
    gen_emit(g, 1, "        lui r%d, 0x%x", a, (unsigned)b);
    break;
  default: compare(g);
  }
}

uint32_t gen_safe_word(gen *g) {
  static const uint8_t r_ops[] = {OP_ADD, OP_SUB, OP_AND, OP_OR, OP_XOR, OP_SHL, OP_SHR, OP_SAR, OP_MUL, OP_SLT, OP_SLTU};
  static const uint8_t i_ops[] = {OP_ADDI, OP_ANDI, OP_ORI, OP_XORI, OP_SHLI, OP_SHRI, OP_SARI, OP_SLTI};
  uint32_t rd = (uint32_t)rreg(g), rs = (uint32_t)sreg(g);
  if (gen_chance(g, 50)) {
    uint32_t op = r_ops[gen_below(g, N(r_ops))];
    return ISA_ENC_R(op, rd, rs, (uint32_t)sreg(g));
  }
  uint32_t op = i_ops[gen_below(g, N(i_ops))];
  return ISA_ENC_I(op, rd, rs, gen_rand(g));
}

/* ---- simple fragments ---- */

static void f_alu(gen *g) {
  for (uint32_t n = 1 + gen_below(g, 6); n; n--) alu1(g);
}

static void f_div(gen *g) {
  static const char *const ops[] = {"div", "divu", "rem", "remu"};
  int t = gen_chance(g, 25) ? 0 : sreg(g); /* r0: a division by zero */
  int s = sreg(g), d = rreg(g);
  gen_emit(g, 1, "        %s r%d, r%d, r%d", ops[gen_below(g, N(ops))], d, s, t);
}

/* Loads and stores in the data region of the current mode (r13), now and
 * then misaligned. */
static void f_mem(gen *g) {
  static const struct {
    const char *op;
    unsigned size;
    bool store;
  } m[] = {{"lw", 4, false}, {"lh", 2, false}, {"lhu", 2, false}, {"lb", 1, false}, {"lbu", 1, false},
           {"sw", 4, true},  {"sh", 2, true},  {"sb", 1, true}};
  for (uint32_t n = 1 + gen_below(g, 4); n; n--) {
    unsigned k = gen_below(g, N(m));
    uint32_t off = gen_below(g, G_DATA_SIZE - 4) & ~(m[k].size - 1);
    if (gen_chance(g, 5)) off |= 1; /* misaligned (for sizes above 1) */
    gen_emit(g, 1, "        %s r%d, %u(r13)", m[k].op, m[k].store ? sreg(g) : rreg(g), off);
  }
}

/* Balanced pushes and pops. */
static void f_stack(gen *g) {
  int a = sreg(g), b = sreg(g);
  gen_emit(g, 2, "        push r%d", a);
  gen_emit(g, 2, "        push r%d", b);
  alu1(g);
  gen_emit(g, 2, "        pop r%d", rreg(g));
  gen_emit(g, 2, "        pop r%d", rreg(g));
}

static void f_branch(gen *g) {
  static const char *const br[] = {"beq", "bne", "blt", "bge", "bgt", "ble", "bltu", "bgeu", "bgtu", "bleu"};
  int l = gen_new_label(g);
  compare(g);
  gen_emit(g, 1, "        %s L%d", br[gen_below(g, N(br))], l);
  for (uint32_t n = 1 + gen_below(g, 3); n; n--) alu1(g);
  gen_emit(g, 0, "L%d:", l);
}

/* Loads and stores at the playground's virtual addresses: what they reach
 * depends on the current page tables (and faults with paging off). */
static void f_play(gen *g) {
  static const char *const ops[] = {"lw", "sw", "lbu", "sb", "lh", "sh"};
  uint32_t slot = gen_below(g, G_NPLAY);
  unsigned k = gen_below(g, N(ops));
  uint32_t off = gen_below(g, 64) * 4;
  gen_emit(g, 2, "        li r11, 0x%x", G_PLAY_VA + slot * PAGE_SIZE);
  gen_emit(g, 1, "        %s r%d, %u(r11)", ops[k], ops[k][0] == 's' ? sreg(g) : rreg(g), off);
}

/* pushf/popf: the special instructions.  Under trap-and-emulate on the
 * real ISA these are exactly where kernel mode shows. */
static void f_special(gen *g) {
  if (gen_chance(g, 50)) {
    gen_emit(g, 1, "        pushf");
    gen_emit(g, 2, "        pop r%d", rreg(g));
  } else {
    gen_emit(g, 2, "        li r11, 0x%x", gen_rand(g) & 0x3f);
    gen_emit(g, 2, "        push r11");
    gen_emit(g, 1, "        popf");
  }
}

/* Loads from anywhere; stores only where they cannot hurt or must fault. */
static void f_wild(gen *g) {
  static const uint32_t kernel_store[] = {0xc0000000u, 0xfffffffcu, 0xffc00000u, 0xfffff000u, 0xffbffffcu,
                                          GEN_MEM,     GEN_MEM + 0x1000, G_PLAY_VA + 0x10000};
  static const uint32_t user_store[] = {0xc0000000u, 0xfffffffcu, 0xffc00000u, 0xfffff000u, GEN_MEM,
                                        G_KDATA,     G_KDATA + 0x104,  G_KSMC};
  if (gen_chance(g, 25)) { /* r0-relative: the top 32 KiB (the translator's window) or the bottom */
    int off = gen_chance(g, 60) ? -(int)(4 * (1 + gen_below(g, 8192))) : (int)(4 * gen_below(g, 0x2000));
    if (gen_chance(g, 30) && off < 0) gen_emit(g, 1, "        sw r%d, %d(r0)", sreg(g), off);
    else gen_emit(g, 1, "        lw r%d, %d(r0)", rreg(g), off);
    return;
  }
  if (gen_chance(g, 50)) {
    uint32_t a = gen_chance(g, 50) ? gen_rand(g) : gen_rand(g) % (GEN_MEM + 0x2000);
    gen_emit(g, 2, "        li r11, 0x%x", a & ~3u);
    gen_emit(g, 1, "        lw r%d, 0(r11)", rreg(g));
    return;
  }
  uint32_t a = g->user ? user_store[gen_below(g, N(user_store))] : kernel_store[gen_below(g, N(kernel_store))];
  if (gen_chance(g, 10)) a = (g->user ? G_UDATA : G_KDATA) + 2; /* misaligned */
  gen_emit(g, 2, "        li r11, 0x%x", a);
  gen_emit(g, 1, "        sw r%d, 0(r11)", sreg(g));
}

/* ---- fragments that use r12 ---- */

typedef struct frag {
  const char *name;
  void (*fn)(gen *g);
  uint8_t kernel, user; /* weights in each mode */
  bool simple;
} frag;

static const frag frags[];
static const int nfrags;

static void fragment_of(gen *g, bool simple_only) {
  unsigned total = 0;
  for (int i = 0; i < nfrags; i++)
    if (!simple_only || frags[i].simple) total += g->user ? frags[i].user : frags[i].kernel;
  unsigned pick = gen_below(g, total);
  for (int i = 0; i < nfrags; i++) {
    if (simple_only && !frags[i].simple) continue;
    unsigned w = g->user ? frags[i].user : frags[i].kernel;
    if (pick < w) return frags[i].fn(g);
    pick -= w;
  }
}

static void f_loop(gen *g) {
  int l = gen_new_label(g);
  gen_emit(g, 2, "        li r12, %u", 2 + gen_below(g, 12));
  gen_emit(g, 0, "L%d:", l);
  for (uint32_t n = 1 + gen_below(g, 4); n; n--) fragment_of(g, true);
  gen_emit(g, 1, "        addi r12, r12, -1");
  gen_emit(g, 1, "        cmpi r12, 0");
  gen_emit(g, 1, "        bne L%d", l);
}

/* A call to a new subroutine of simple fragments. */
static void f_call(gen *g) {
  int l = gen_new_label(g);
  if (gen_chance(g, 50)) {
    gen_emit(g, 1, "        call S%d", l);
  } else {
    gen_emit(g, 2, "        la r12, S%d", l);
    gen_emit(g, 1, "        callr r12");
  }
  int save = g->sect;
  g->sect = S_KSUB;
  gen_emit(g, 0, "S%d:", l);
  for (uint32_t n = 1 + gen_below(g, 4); n; n--) fragment_of(g, true);
  gen_emit(g, 1, "        ret");
  g->sect = save;
}

/* A jump or call to an address that faults on fetch in every mode.  In
 * the kernel the handler resumes at V_RECOVER; in user mode the session
 * ends. */
static void f_badjump(gen *g) {
  static const uint32_t target[] = {0xffc00000u, 0xfffff000u, 0xc0000000u, 0xfffffffcu, 0xffc00100u};
  int l = gen_new_label(g);
  uint32_t t = target[gen_below(g, N(target))];
  if (gen_chance(g, 25)) t = (g->user ? G_UTEXT : G_KTEXT) + 2; /* misaligned */
  if (!g->user) {
    gen_emit(g, 2, "        la r12, L%d", l);
    gen_emit(g, 1, "        sw r12, 0x%x(r0)", V_RECOVER);
  }
  gen_emit(g, 2, "        li r12, 0x%x", t);
  gen_emit(g, 1, "        %s r12", gen_chance(g, 50) ? "jr" : "callr");
  gen_emit(g, 0, "L%d:", l);
  if (!g->user) {
    gen_emit(g, 2, "        la r12, fatal");
    gen_emit(g, 1, "        sw r12, 0x%x(r0)", V_RECOVER);
  }
}

/* Instructions that always trap, and words that are not instructions. */
static void f_trapinsn(gen *g) {
  static const uint32_t bad[] = {0x00000000u, 0xff000000u, 0x01123001u, 0x50100000u, 0x7f000000u, 0x61000001u};
  switch (gen_below(g, 3)) {
  case 0:
    if (g->user) gen_emit(g, 2, "        li r12, 0");
    gen_emit(g, 1, "        syscall");
    break;
  case 1: gen_emit(g, 1, "        brk"); break;
  default: gen_emit(g, 1, "        .word 0x%08x", bad[gen_below(g, N(bad))]);
  }
}

/* Privileged instructions: in the kernel the harmless ones; in user mode
 * any (they trap). */
static void f_priv(gen *g) {
  static const char *const safe_cr[] = {"scratch", "epc", "estatus", "cause", "badva"};
  static const unsigned ports[] = {0, 1, 2, 0x33};
  if (g->user) {
    static const char *const any[] = {"halt r1", "iret", "cli", "sti", "mfc r1, cause", "mtc tvec, r2", "tlbi r3",
                                      "tlbflush", "in r4, 0x0", "out 0x0, r5", "wfi", "mtc ptb, r0"};
    gen_emit(g, 1, "        %s", any[gen_below(g, N(any))]);
    return;
  }
  switch (gen_below(g, 9)) {
  case 0: { /* 9..11: illegal */
    uint32_t cr = gen_below(g, 12);
    gen_emit(g, 1, "        mfc r%d, %u", rreg(g), cr);
    break;
  }
  case 1: {
    int s = sreg(g);
    gen_emit(g, 1, "        mtc %s, r%d", safe_cr[gen_below(g, N(safe_cr))], s);
    break;
  }
  case 2: { /* illegal */
    int s = sreg(g);
    gen_emit(g, 1, "        mtc %u, r%d", 9 + gen_below(g, 20), s);
    break;
  }
  case 3: gen_emit(g, 1, "        %s", gen_chance(g, 50) ? "cli" : "sti"); break;
  case 4: gen_emit(g, 1, "        tlbi r%d", sreg(g)); break;
  case 5: gen_emit(g, 1, "        tlbflush"); break;
  case 6: {
    uint32_t port = ports[gen_below(g, N(ports))];
    gen_emit(g, 1, "        in r%d, 0x%x", rreg(g), port);
    break;
  }
  case 7: {
    int s = sreg(g);
    gen_emit(g, 1, "        out 0x%x, r%d", ports[gen_below(g, N(ports))], s);
    break;
  }
  default: gen_emit(g, 1, "        mfc r%d, timer", rreg(g)); break;
  }
}

static void f_timer(gen *g) {
  if (g->timer_on && gen_chance(g, 40)) {
    gen_emit(g, 1, "        mtc timer, zero");
    g->timer_on = false;
    return;
  }
  gen_emit(g, 2, "        li r12, %u", 40 + gen_below(g, 400));
  gen_emit(g, 1, "        mtc timer, r12");
  if (gen_chance(g, 60)) gen_emit(g, 1, "        sti");
  g->timer_on = true;
}

static void f_wfi(gen *g) {
  if (!g->timer_on) return f_timer(g);
  if (gen_chance(g, 50)) gen_emit(g, 1, "        sti");
  gen_emit(g, 1, "        wfi");
}

static void f_paging(gen *g) {
  switch (gen_below(g, 4)) {
  case 0: gen_emit(g, 1, "        mtc paging, zero"); break;
  case 1: /* a new address space */
    gen_emit(g, 2, "        li r12, 0x%x", gen_chance(g, 50) ? G_DIR_A : G_DIR_B);
    gen_emit(g, 1, "        mtc ptb, r12");
    break;
  default:
    gen_emit(g, 2, "        li r12, 0x%x", gen_chance(g, 50) ? G_DIR_A : G_DIR_B);
    gen_emit(g, 1, "        mtc ptb, r12");
    gen_emit(g, 2, "        li r12, 1");
    gen_emit(g, 1, "        mtc paging, r12");
  }
}

/* Invalidate after a page-table edit, one of the three ways the ISA has. */
static void invalidate(gen *g, uint32_t va) {
  switch (gen_below(g, 4)) {
  case 0: gen_emit(g, 1, "        tlbflush"); break;
  case 1:
    gen_emit(g, 1, "        mfc r12, ptb");
    gen_emit(g, 1, "        mtc ptb, r12");
    break;
  default:
    gen_emit(g, 2, "        li r12, 0x%x", va);
    gen_emit(g, 1, "        tlbi r12");
  }
}

/* Edit a playground PTE (in either table), then invalidate. */
static void f_pte(gen *g) {
  uint32_t slot = gen_below(g, G_NPLAY);
  uint32_t table = gen_chance(g, 50) ? G_PTAB_A : G_PTAB_B;
  gen_emit(g, 2, "        li r12, 0x%x", table + 4 * slot);
  gen_emit(g, 2, "        li r11, 0x%x", gen_play_pte(g));
  gen_emit(g, 1, "        sw r11, 0(r12)");
  invalidate(g, G_PLAY_VA + slot * PAGE_SIZE);
}

/* Take the playground's directory entry away or give it back. */
static void f_pde(gen *g) {
  bool b = gen_chance(g, 50);
  gen_emit(g, 2, "        li r12, 0x%x", (b ? G_DIR_B : G_DIR_A) + 4);
  if (gen_chance(g, 40)) gen_emit(g, 1, "        sw zero, 0(r12)");
  else {
    gen_emit(g, 2, "        li r11, 0x%x", (b ? G_PTAB_B : G_PTAB_A) | PTE_V);
    gen_emit(g, 1, "        sw r11, 0(r12)");
  }
  gen_emit(g, 1, "        tlbflush");
}

/* Read page-table entries back: the walker's A and D bits show. */
static void f_ptread(gen *g) {
  uint32_t a;
  switch (gen_below(g, 3)) {
  case 0: a = G_PTAB_A + 4 * gen_below(g, G_NPLAY); break;
  case 1: a = G_PTAB_B + 4 * gen_below(g, G_NPLAY); break;
  default: a = G_IDENT + 4 * gen_below(g, GEN_MEM >> PAGE_SHIFT); break;
  }
  gen_emit(g, 2, "        li r12, 0x%x", a);
  gen_emit(g, 1, "        lw r%d, 0(r12)", rreg(g));
}

/* Write a routine into the kernel's SMC page and call it; then change one
 * of its words (now and then through a playground alias of the page) and
 * call it again. */
static void f_smc(gen *g) {
  uint32_t n = 1 + gen_below(g, 6), at = G_KSMC + 4 * gen_below(g, 1000);
  gen_emit(g, 2, "        li r12, 0x%x", at);
  for (uint32_t i = 0; i < n; i++) {
    gen_emit(g, 2, "        li r11, 0x%x", gen_safe_word(g));
    gen_emit(g, 1, "        sw r11, %u(r12)", 4 * i);
  }
  gen_emit(g, 2, "        li r11, 0x%x", ISA_ENC_R(OP_JR, 0, REG_LR, 0));
  gen_emit(g, 1, "        sw r11, %u(r12)", 4 * n);
  gen_emit(g, 1, "        callr r12");
  if (gen_chance(g, 50)) return;
  uint32_t i = gen_below(g, n);
  if (gen_chance(g, 40)) { /* through an alias: slot s of both tables -> the SMC page */
    uint32_t s = gen_below(g, G_NPLAY), pte = G_KSMC | PTE_V | PTE_W | PTE_A | PTE_D;
    gen_emit(g, 2, "        li r11, 0x%x", pte);
    gen_emit(g, 2, "        li r12, 0x%x", G_PTAB_A + 4 * s);
    gen_emit(g, 1, "        sw r11, 0(r12)");
    gen_emit(g, 2, "        li r12, 0x%x", G_PTAB_B + 4 * s);
    gen_emit(g, 1, "        sw r11, 0(r12)");
    gen_emit(g, 1, "        tlbflush");
    gen_emit(g, 2, "        li r12, 0x%x", G_PLAY_VA + s * PAGE_SIZE + (at & PAGE_MASK));
  }
  gen_emit(g, 2, "        li r11, 0x%x", gen_safe_word(g));
  gen_emit(g, 1, "        sw r11, %u(r12)", 4 * i); /* (faults through the alias with paging off) */
  gen_emit(g, 2, "        li r12, 0x%x", at);
  gen_emit(g, 1, "        callr r12");
}

/* Rewrite an instruction a few words ahead, then run into it. */
static void f_smc_self(gen *g) {
  int l = gen_new_label(g);
  gen_emit(g, 2, "        la r12, L%d", l);
  gen_emit(g, 2, "        li r11, 0x%x", gen_safe_word(g));
  gen_emit(g, 1, "        sw r11, 0(r12)");
  if (gen_chance(g, 50)) alu1(g);
  gen_emit(g, 1, "L%d:     nop", l);
}

/* A word that is code and a page-table entry at once: an illegal word
 * (opcode 0) that is also a valid PTE is written into the kernel's SMC page
 * and run (it traps: CR[badva] shows the word); then the playground's
 * directory entry names that page as a table, and an access through the
 * word sets its A bit (a store, D too), which the next run of it must show.
 * A translator that keeps its copy of the word gets CR[badva] wrong. */
static void f_ptcode(gen *g) {
  uint32_t k = gen_below(g, 1000), at = G_KSMC + 4 * k;
  uint32_t frame = G_PLAY + gen_below(g, G_NPLAY) * PAGE_SIZE;
  uint32_t word = frame | PTE_V;
  if (gen_chance(g, 60)) word |= PTE_W;
  if (gen_chance(g, 30)) word |= PTE_U;
  gen_emit(g, 2, "        li r12, 0x%x", at);
  gen_emit(g, 2, "        li r11, 0x%x", word);
  gen_emit(g, 1, "        sw r11, 0(r12)");
  gen_emit(g, 2, "        li r11, 0x%x", (uint32_t)OP_JR << 24 | (uint32_t)REG_LR << 16);
  gen_emit(g, 1, "        sw r11, 4(r12)");
  gen_emit(g, 1, "        callr r12"); /* traps: the handler skips to the jr */
  for (int d = 0; d < 2; d++) {  /* both address spaces: the code page is their table */
    gen_emit(g, 2, "        li r12, 0x%x", (d ? G_DIR_B : G_DIR_A) + 4);
    gen_emit(g, 2, "        li r11, 0x%x", G_KSMC | PTE_V);
    gen_emit(g, 1, "        sw r11, 0(r12)");
  }
  gen_emit(g, 1, "        tlbflush");
  gen_emit(g, 2, "        li r12, 0x%x", G_PLAY_VA + k * PAGE_SIZE); /* (faults with paging off) */
  const char *op = gen_chance(g, 50) ? "sw" : "lw"; /* each draw a statement: gen.h */
  int reg = rreg(g);
  uint32_t off = 4 * gen_below(g, 64);
  gen_emit(g, 1, "        %s r%d, %u(r12)", op, reg, off);
  gen_emit(g, 2, "        li r12, 0x%x", at);
  gen_emit(g, 1, "        callr r12");
  for (int d = 0; d < 2; d++) { /* the playground's own tables back */
    gen_emit(g, 2, "        li r12, 0x%x", (d ? G_DIR_B : G_DIR_A) + 4);
    gen_emit(g, 2, "        li r11, 0x%x", (d ? G_PTAB_B : G_PTAB_A) | PTE_V);
    gen_emit(g, 1, "        sw r11, 0(r12)");
  }
  gen_emit(g, 1, "        tlbflush");
}

/* A stack that runs into code: a routine in the SMC page runs, then sp
 * points into it and a pushf (the flags: an illegal word) or a push (a
 * safe instruction) lands on one of its words, and it runs again.  Under
 * --isa strict the monitor emulates that pushf: its store must drop the
 * translation as a guest's own store does. */
static void f_stackcode(gen *g) {
  uint32_t n = 1 + gen_below(g, 5);
  uint32_t at = G_KSMC + 4 * gen_below(g, 1000);
  uint32_t i = gen_below(g, n);
  gen_emit(g, 2, "        li r12, 0x%x", at);
  for (uint32_t j = 0; j < n; j++) {
    gen_emit(g, 2, "        li r11, 0x%x", gen_safe_word(g));
    gen_emit(g, 1, "        sw r11, %u(r12)", 4 * j);
  }
  gen_emit(g, 2, "        li r11, 0x%x", (uint32_t)OP_JR << 24 | (uint32_t)REG_LR << 16);
  gen_emit(g, 1, "        sw r11, %u(r12)", 4 * n);
  gen_emit(g, 1, "        callr r12");
  gen_emit(g, 1, "        mov r12, sp");
  if (gen_chance(g, 60)) {
    gen_emit(g, 2, "        li sp, 0x%x", at + 4 * (i + 1));
    gen_emit(g, 1, "        pushf");
  } else {
    gen_emit(g, 2, "        li r11, 0x%x", gen_safe_word(g));
    gen_emit(g, 2, "        li sp, 0x%x", at + 4 * (i + 1));
    gen_emit(g, 2, "        push r11");
  }
  gen_emit(g, 1, "        mov sp, r12");
  gen_emit(g, 2, "        li r12, 0x%x", at);
  gen_emit(g, 1, "        callr r12");
}

static const frag frags[] = {
    {"alu", f_alu, 30, 30, true},       {"div", f_div, 4, 4, true},
    {"mem", f_mem, 20, 20, true},       {"stack", f_stack, 4, 3, true},
    {"branch", f_branch, 8, 8, true},   {"play", f_play, 8, 5, true},
    {"special", f_special, 4, 4, true}, {"wild", f_wild, 5, 6, true},
    {"loop", f_loop, 5, 4, false},      {"call", f_call, 4, 0, false},
    {"badjump", f_badjump, 2, 1, false}, {"trapinsn", f_trapinsn, 4, 6, false},
    {"priv", f_priv, 8, 5, false},      {"timer", f_timer, 6, 0, false},
    {"wfi", f_wfi, 3, 0, false},        {"paging", f_paging, 5, 0, false},
    {"pte", f_pte, 7, 0, false},        {"pde", f_pde, 1, 0, false},
    {"ptread", f_ptread, 2, 0, false},  {"smc", f_smc, 3, 0, false},
    {"smc-self", f_smc_self, 2, 2, false}, {"ptcode", f_ptcode, 2, 0, false},
    {"stackcode", f_stackcode, 2, 0, false},
};
static const int nfrags = N(frags);

void gen_fragment(gen *g) { fragment_of(g, false); }

/* ---- user mode ---- */

void gen_user_session(gen *g) {
  int l = gen_new_label(g);
  int save = g->sect;
  g->sect = S_UTEXT;
  if (gen_room(g) < 300) { /* the user text is full */
    g->sect = save;
    return f_alu(g);
  }
  g->sect = save;
  gen_emit(g, 1, "        cli");
  gen_emit(g, 2, "        la r12, L%d", l);
  gen_emit(g, 1, "        sw r12, 0x%x(r0)", V_KRESUME);
  gen_emit(g, 2, "        la r12, U%d", l);
  gen_emit(g, 1, "        mtc epc, r12");
  /* User mode runs with interrupts on, as under every real kernel, and one
   * session in eight with them off: a user-mode pushf then shows IE clear,
   * which the monitor must reproduce when it runs user code directly
   * (docs/reliability.md).  Each draw a statement (gen.h). */
  uint32_t ie = gen_chance(g, 12) ? 0 : FLAG_IE;
  uint32_t cc = gen_rand(g) & FLAGS_CC;
  gen_emit(g, 2, "        li r12, 0x%x", ie | cc);
  gen_emit(g, 1, "        mtc estatus, r12");
  gen_emit(g, 1, "        iret");
  gen_emit(g, 0, "L%d:", l); /* back in the kernel: interrupts off */
  gen_emit(g, 2, "        li r13, 0x%x", G_KDATA);
  gen_emit(g, 2, "        li sp, 0x%x", G_STACK_TOP);

  g->sect = S_UTEXT;
  g->user = true;
  gen_emit(g, 0, "U%d:", l);
  gen_emit(g, 2, "        li r13, 0x%x", G_UDATA);
  gen_emit(g, 2, "        li sp, 0x%x", G_USTACK_TOP);
  for (uint32_t n = 3 + gen_below(g, 12); n; n--) fragment_of(g, false);
  gen_emit(g, 2, "        li r12, 0x%x", G_EXIT_MAGIC);
  gen_emit(g, 1, "        syscall");
  g->user = false;
  g->sect = save;
}

/* ---- the attack kernel ---- */

/* Stores (and loads) at every page from `from`, `count` pages. */
static void a_sweep(gen *g, uint32_t from, uint32_t count, uint32_t stride) {
  int l = gen_new_label(g);
  gen_emit(g, 2, "        li r11, 0x%x", from);
  gen_emit(g, 2, "        li r12, %u", count);
  gen_emit(g, 2, "        li r10, 0x%x", stride);
  gen_emit(g, 0, "L%d:", l);
  gen_emit(g, 1, "        sw r1, 0(r11)");
  gen_emit(g, 1, "        lw r2, 4(r11)");
  gen_emit(g, 1, "        add r11, r11, r10");
  gen_emit(g, 1, "        addi r12, r12, -1");
  gen_emit(g, 1, "        cmpi r12, 0");
  gen_emit(g, 1, "        bne L%d", l);
}

static void paging_on(gen *g, uint32_t dir) {
  gen_emit(g, 2, "        li r12, 0x%x", dir);
  gen_emit(g, 1, "        mtc ptb, r12");
  gen_emit(g, 2, "        li r12, 1");
  gen_emit(g, 1, "        mtc paging, r12");
}

/* Playground PTEs naming host-physical pages beyond the guest: the
 * monitor's pool and translation cache sit right after guest memory. */
static void a_hostmap(gen *g) {
  static const uint32_t frames[] = {GEN_MEM >> 12, (GEN_MEM >> 12) + 1, (GEN_MEM >> 12) + 64, (GEN_MEM >> 12) + 66,
                                    0x80000, 0xfffff, 0x40000, 0x100};
  gen_emit(g, 0, "; attack: map host-physical pages beyond guest memory");
  for (uint32_t s = 0; s < G_NPLAY; s++) {
    uint32_t f = frames[gen_below(g, N(frames))];
    f += gen_below(g, 4);
    gen_emit(g, 2, "        li r11, 0x%x", f << 12 | PTE_V | PTE_W | PTE_U | PTE_A | PTE_D);
    gen_emit(g, 1, "        sw r11, %u(r12)", 4 * s);
  }
  gen_emit(g, 1, "        tlbflush");
  paging_on(g, G_DIR_A);
  a_sweep(g, G_PLAY_VA, G_NPLAY, PAGE_SIZE);
}

/* The playground's directory entry pointing at a "table" beyond memory. */
static void a_wildtable(gen *g) {
  static const uint32_t where[] = {GEN_MEM, GEN_MEM + 0x10000, 0x40000000u, 0xfffff000u};
  gen_emit(g, 0, "; attack: a page table beyond guest memory");
  gen_emit(g, 2, "        li r12, 0x%x", G_DIR_A + 4);
  gen_emit(g, 2, "        li r11, 0x%x", where[gen_below(g, N(where))] | PTE_V);
  gen_emit(g, 1, "        sw r11, 0(r12)");
  gen_emit(g, 1, "        tlbflush");
  paging_on(g, G_DIR_A);
  a_sweep(g, G_PLAY_VA, 8, PAGE_SIZE);
  gen_emit(g, 2, "        li r11, 0x%x", G_PTAB_A | PTE_V);
  gen_emit(g, 1, "        sw r11, 0(r12)");
  gen_emit(g, 1, "        tlbflush");
}

/* The translator's window: r0-relative accesses, jumps into it. */
static void a_window(gen *g) {
  gen_emit(g, 0, "; attack: the binary translator's window (the top 4 MiB)");
  for (int i = 0; i < 6; i++) {
    int off = -(int)(4 * (1 + gen_below(g, 8191)));
    gen_emit(g, 1, "        sw r%d, %d(r0)", rreg(g), off);
    gen_emit(g, 1, "        lw r%d, %d(r0)", rreg(g), off);
  }
  a_sweep(g, 0xffc00000u, 32, 0x20000);
  for (int i = 0; i < 3; i++) f_badjump(g);
}

/* Spin with interrupts off while the timer fires, then wfi with them off. */
static void a_spin(gen *g) {
  int l = gen_new_label(g);
  gen_emit(g, 0, "; attack: spin with interrupts off");
  gen_emit(g, 1, "        cli");
  gen_emit(g, 2, "        li r12, 50");
  gen_emit(g, 1, "        mtc timer, r12");
  gen_emit(g, 2, "        li r12, %u", 500 + gen_below(g, 1500));
  gen_emit(g, 0, "L%d:", l);
  gen_emit(g, 1, "        addi r12, r12, -1");
  gen_emit(g, 1, "        cmpi r12, 0");
  gen_emit(g, 1, "        bne L%d", l);
  gen_emit(g, 1, "        wfi");
  gen_emit(g, 1, "        sti");
  gen_emit(g, 1, "        cli");
  gen_emit(g, 1, "        mtc timer, zero");
}

/* Edit live page tables through an alias of the table page (legal: a
 * tlbflush follows before use). */
static void a_ptalias(gen *g) {
  uint32_t s = G_NPLAY - 1; /* the alias: the sweep below stops short of it */
  gen_emit(g, 0, "; attack: rewrite the live page table through an alias");
  gen_emit(g, 2, "        li r12, 0x%x", G_PTAB_A + 4 * s);
  gen_emit(g, 2, "        li r11, 0x%x", G_PTAB_A | PTE_V | PTE_W | PTE_A | PTE_D);
  gen_emit(g, 1, "        sw r11, 0(r12)");
  gen_emit(g, 1, "        tlbflush");
  paging_on(g, G_DIR_A);
  gen_emit(g, 2, "        li r12, 0x%x", G_PLAY_VA + s * PAGE_SIZE);
  for (uint32_t t = 0; t < G_NPLAY; t++) {
    if (t == s) continue;
    uint32_t f = gen_chance(g, 50) ? (GEN_MEM >> 12) + gen_below(g, 80) : 0xfffffu - gen_below(g, 16);
    gen_emit(g, 2, "        li r11, 0x%x", f << 12 | PTE_V | PTE_W | PTE_A | PTE_D);
    gen_emit(g, 1, "        sw r11, %u(r12)", 4 * t);
  }
  gen_emit(g, 1, "        tlbflush");
  a_sweep(g, G_PLAY_VA, G_NPLAY - 1, PAGE_SIZE);
}

void gen_attack_body(gen *g) {
  gen_emit(g, 0, "; attack: write every page above guest memory, paging off");
  a_sweep(g, GEN_MEM, 48, PAGE_SIZE);
  a_sweep(g, 0x00100000u, 64, 0x00100000u);
  a_sweep(g, 0x40000000u, 48, 0x04000000u);
  void (*const acts[])(gen *) = {a_hostmap, a_wildtable, a_window, a_spin, a_ptalias};
  for (int i = 0; i < 8; i++) {
    gen_emit(g, 2, "        li r12, 0x%x", G_PTAB_A);
    acts[gen_below(g, N(acts))](g);
    if (gen_chance(g, 50)) gen_emit(g, 1, "        mtc paging, zero");
    if (gen_chance(g, 30)) gen_user_session(g);
  }
  if (gen_chance(g, 25)) { /* the end: no way to take a trap */
    gen_emit(g, 0, "; attack: a trap vector beyond memory (a double fault ends it)");
    gen_emit(g, 2, "        li r12, 0x%x", 0xfffff000u);
    gen_emit(g, 1, "        mtc tvec, r12");
    gen_emit(g, 1, "        brk");
  }
}
