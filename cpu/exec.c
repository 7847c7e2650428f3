/* exec.c: the interpreter, the kit's hot path.
 *
 * exec_chunk() runs instructions from c->pc until `budget` ticks are used
 * or something happens that the outer loop in cpu.c must look at (a trap
 * handed to the host, halt, wfi, an instruction that may unmask a pending
 * interrupt).  Each instruction's body is a line or two; a privileged one
 * starts with PRIVILEGED, the one check trap-and-emulate builds on.
 *
 * Instructions come from the decoded copy of the current code page (the
 * fetch window), so a word is decoded once, not at every execution.  The
 * window holds one page's translation, like a one-entry instruction TLB:
 * the TLB is consulted again when the pc leaves the page, after any TLB
 * flush and on every change of mode.
 *
 * Dispatch is a computed goto through a table built from ISA_TABLE, so an
 * opcode without a body does not compile.
 */
#include "exec.h"

#include "isa_info.h"
#include "mmu.h"
#include "vmx.h"

/* Retirement accounting: instructions and user-mode instructions. */
static void account(cpu *c, uint32_t k) {
  c->st.insns += k;
  if (!(c->flags & FLAG_KM)) c->st.user_insns += k;
}

static uint32_t cmp_flags(uint32_t a, uint32_t b) {
  uint32_t res = a - b, f = 0;
  if (res == 0) f |= FLAG_Z;
  if (res >> 31) f |= FLAG_N;
  if (a < b) f |= FLAG_C;
  if (((a ^ b) & (a ^ res)) >> 31) f |= FLAG_V;
  return f;
}

/* Load the fetch window for pc.  False with *cause on a fault. */
static bool refetch(cpu *c, uint32_t pc, uint32_t *cause) {
  if (pc & 3) {
    *cause = CAUSE_MISALIGN;
    return false;
  }
  uint8_t *h = mmu_access(c, pc, P_X, cause);
  if (!h) return false;
  uint32_t pa = (uint32_t)(h - c->mem) & ~PAGE_MASK;
  c->fetch = c->code[pa >> PAGE_SHIFT]; /* decoded already: the common case, in line */
  if (unlikely(!c->fetch)) c->fetch = mmu_code_page(c, pa >> PAGE_SHIFT);
  if (!c->fetch) cpu_panic("refetch: out of host memory");
  c->fetch_pa = pa;
  c->fetch_va = pc & ~PAGE_MASK;
  /* Code fetched from the monitor's window may touch the window. */
  if (!(c->flags & FLAG_KM))
    c->perm_shift = (c->mon_lo && pc >= c->mon_lo && (c->cr[CR_PAGING] & 1)) ? PSHIFT_MONITOR : PSHIFT_USER;
  return true;
}

/* The word at pc in the fetch window (for CR[badva] of illegal and
 * privileged instructions). */
static uint32_t word_at(const cpu *c, uint32_t pc) { return ld32(c->mem + c->fetch_pa + (pc & PAGE_MASK)); }

int exec_chunk(cpu *c, uint32_t budget, uint32_t *used) {
  static void *const ops[256] = {
#define OP_LABEL(NAME, mn, opc, fmt, cls, o, m) [opc] = &&op_##NAME, [opc | OP_MARKED] = &&opm_##NAME,
      ISA_TABLE(OP_LABEL)
#undef OP_LABEL
      [OP_UNDECODED] = &&op_UNDECODED,         /* (also OP_ILLEGAL: decoded again) */
      [OP_ILLEGAL | OP_MARKED] = &&op_MARKED, /* a marked word that does not decode */
  };
  uint32_t *const r = c->r;
  uint32_t pc = c->pc;
  uint32_t n = budget; /* ticks left */
  uint32_t acct = n;   /* n at the last retirement accounting */
  uint32_t cause = 0, va, v;
  uint8_t *h;
  dinsn *d = NULL; /* NULL: no instruction fetched (a fetch fault) */
  int ex = -1;

/* Retire what ran since the last accounting (before a change of mode). */
#define RETIRE() (account(c, acct - n), acct = n)
#define FETCH()                                                                   \
  do {                                                                            \
    if (unlikely((pc & 0xfffff003u) != c->fetch_va) && !refetch(c, pc, &cause)) \
      goto fetch_fault;                                                           \
    d = &c->fetch[(pc & PAGE_MASK) >> 2];                                         \
    goto *ops[d->op];                                                             \
  } while (0)
#define NEXT()                  \
  do {                          \
    pc += 4;                    \
    if (unlikely(--n == 0)) goto out; \
    FETCH();                    \
  } while (0)
#define JUMP(target)            \
  do {                          \
    pc = (target);              \
    if (unlikely(--n == 0)) goto out; \
    FETCH();                    \
  } while (0)
/* Retire this instruction and leave the chunk (the outer loop decides). */
#define LEAVE()  \
  do {           \
    pc += 4;     \
    n--;         \
    goto out;    \
  } while (0)
/* Take a trap for the instruction at pc; epc is the pc the trap saves. */
/* A marked word that faults does not retire: take back op_MARKED's count
 * (syscall and brk retire before they trap). */
#define TRAP(cause_, value_, epc_)                          \
  do {                                                      \
    if (d && unlikely(d->op & OP_MARKED) && (cause_) != CAUSE_SYSCALL && (cause_) != CAUSE_BREAK) \
      c->st.marked--;                                       \
    c->pc = pc;                                             \
    RETIRE();                                               \
    ex = cpu_take_trap_insn(c, d, (cause_), (value_), (epc_)); \
    pc = c->pc;                                             \
    if (ex >= 0 || n == 0) goto out;                        \
    FETCH();                                                \
  } while (0)
#define SETD(val)         \
  do {                    \
    r[d->rd] = (val);     \
    r[0] = 0;             \
  } while (0)
#define USER() (!(c->flags & FLAG_KM))
/* In guest mode (hardware assist, vmx.c) an exit control may take a
 * privileged instruction instead: a VM exit before it executes, so it
 * does not retire. */
#define PRIVILEGED()                                                          \
  if (USER()) TRAP(CAUSE_PRIV, word_at(c, pc), pc);                           \
  if (unlikely(c->vmcs != NULL) && vmx_insn_exit(c, d, word_at(c, pc), pc)) { \
    ex = EXIT_VMEXIT;                                                         \
    goto out;                                                                 \
  }
/* A port the monitor passes through to the code of its window (mon_io). */
#define IO_PASSED(port) \
  (unlikely(c->mon_io != 0) && c->perm_shift == PSHIFT_MONITOR && (port) < 32 && ((c->mon_io >> (port)) & 1))
#define SPECIAL() \
  if (c->strict_isa && USER()) TRAP(CAUSE_PRIV, word_at(c, pc), pc)
/* The monitor window is reachable only through r0-based addresses (the
 * translator's own); a guest instruction copied into the window that
 * computes a window address faults as if the page were not mapped.
 * Kernel mode ignores the window, as the MMU does. */
#define MEM(size, need)                                      \
  va = r[d->rs1] + d->imm;                                   \
  if (unlikely(va & ((size)-1))) TRAP(CAUSE_MISALIGN, va, pc); \
  if (unlikely(va >= c->mon_guard) && d->rs1 != REG_ZERO && USER()) \
    TRAP((need) == P_W ? CAUSE_PF_STORE : CAUSE_PF_LOAD, va, pc); \
  h = mmu_access(c, va, (need), &cause);                     \
  if (unlikely(!h)) TRAP(cause, va, pc);                     \
  c->last_ea = va
#define F (c->flags)
#define BRANCH(cond)               \
  if (cond) JUMP(pc + d->imm);     \
  NEXT()
#define DIVIDE(expr)                                  \
  if (unlikely(r[d->rs2] == 0)) TRAP(CAUSE_DIVZERO, 0, pc); \
  SETD(expr);                                         \
  NEXT()

  FETCH();

  /* ---- the instruction bodies, in table order ---- */
op_ADD:  SETD(r[d->rs1] + r[d->rs2]); NEXT();
op_SUB:  SETD(r[d->rs1] - r[d->rs2]); NEXT();
op_AND:  SETD(r[d->rs1] & r[d->rs2]); NEXT();
op_OR:   SETD(r[d->rs1] | r[d->rs2]); NEXT();
op_XOR:  SETD(r[d->rs1] ^ r[d->rs2]); NEXT();
op_SHL:  SETD(r[d->rs1] << (r[d->rs2] & 31)); NEXT();
op_SHR:  SETD(r[d->rs1] >> (r[d->rs2] & 31)); NEXT();
op_SAR:  SETD((uint32_t)((int32_t)r[d->rs1] >> (r[d->rs2] & 31))); NEXT();
op_MUL:  SETD(r[d->rs1] * r[d->rs2]); NEXT();
  /* INT32_MIN / -1 overflows in C; the CPU defines it as INT32_MIN, rem 0. */
op_DIV:  DIVIDE((r[d->rs1] == 0x80000000u && r[d->rs2] == 0xffffffffu) ? r[d->rs1]
                  : (uint32_t)((int32_t)r[d->rs1] / (int32_t)r[d->rs2]));
op_DIVU: DIVIDE(r[d->rs1] / r[d->rs2]);
op_REM:  DIVIDE((r[d->rs1] == 0x80000000u && r[d->rs2] == 0xffffffffu) ? 0
                  : (uint32_t)((int32_t)r[d->rs1] % (int32_t)r[d->rs2]));
op_REMU: DIVIDE(r[d->rs1] % r[d->rs2]);
op_SLT:  SETD((int32_t)r[d->rs1] < (int32_t)r[d->rs2]); NEXT();
op_SLTU: SETD(r[d->rs1] < r[d->rs2]); NEXT();
op_ADDI: SETD(r[d->rs1] + d->imm); NEXT();
op_ANDI: SETD(r[d->rs1] & d->imm); NEXT();
op_ORI:  SETD(r[d->rs1] | d->imm); NEXT();
op_XORI: SETD(r[d->rs1] ^ d->imm); NEXT();
op_SHLI: SETD(r[d->rs1] << (d->imm & 31)); NEXT();
op_SHRI: SETD(r[d->rs1] >> (d->imm & 31)); NEXT();
op_SARI: SETD((uint32_t)((int32_t)r[d->rs1] >> (d->imm & 31))); NEXT();
op_LUI:  SETD(d->imm << 16); NEXT();
op_SLTI: SETD((int32_t)r[d->rs1] < (int32_t)d->imm); NEXT();
op_LW:   MEM(4, P_R); SETD(ld32(h)); NEXT();
op_LH:   MEM(2, P_R); SETD((uint32_t)(int32_t)(int16_t)ld16(h)); NEXT();
op_LHU:  MEM(2, P_R); SETD(ld16(h)); NEXT();
op_LB:   MEM(1, P_R); SETD((uint32_t)(int32_t)(int8_t)*h); NEXT();
op_LBU:  MEM(1, P_R); SETD(*h); NEXT();
op_SW:   MEM(4, P_W); st32(h, r[d->rd]); NEXT();
op_SH:   MEM(2, P_W); st16(h, (uint16_t)r[d->rd]); NEXT();
op_SB:   MEM(1, P_W); *h = (uint8_t)r[d->rd]; NEXT();
op_CMP:  F = (F & ~FLAGS_CC) | cmp_flags(r[d->rs1], r[d->rs2]); NEXT();
op_CMPI: F = (F & ~FLAGS_CC) | cmp_flags(r[d->rs1], d->imm); NEXT();
op_JMP:  JUMP(pc + d->imm);
op_BEQ:  BRANCH(F & FLAG_Z);
op_BNE:  BRANCH(!(F & FLAG_Z));
op_BLT:  BRANCH(!(F & FLAG_N) != !(F & FLAG_V));
op_BGE:  BRANCH(!(F & FLAG_N) == !(F & FLAG_V));
op_BGT:  BRANCH(!(F & FLAG_Z) && !(F & FLAG_N) == !(F & FLAG_V));
op_BLE:  BRANCH((F & FLAG_Z) || !(F & FLAG_N) != !(F & FLAG_V));
op_BLTU: BRANCH(F & FLAG_C);
op_BGEU: BRANCH(!(F & FLAG_C));
op_BGTU: BRANCH(!(F & FLAG_C) && !(F & FLAG_Z));
op_BLEU: BRANCH((F & FLAG_C) || (F & FLAG_Z));
op_CALL: r[REG_LR] = pc + 4; JUMP(pc + d->imm);
op_JR:   JUMP(r[d->rs1]);
op_CALLR: v = r[d->rs1]; r[REG_LR] = pc + 4; JUMP(v);
op_SYSCALL: n--; TRAP(CAUSE_SYSCALL, 0, pc + 4);
op_BRK:  n--; TRAP(CAUSE_BREAK, 0, pc + 4);
  /* hcall: the bare CPU has no monitor to call; an illegal instruction in
   * either mode (the trap carries the word), which a paravirtual monitor
   * that owns real kernel mode takes as the hypercall (vmm/core/hcall.c). */
op_HCALL: TRAP(CAUSE_ILLEGAL, word_at(c, pc), pc);

  /* pushf: in user mode it shows the real KM and IE bits without trapping,
   * so a guest kernel run in user mode sees it is not in kernel mode.  (x86's
   * pushf leaks IF and IOPL; x86 keeps the privilege level in CS, which
   * push cs shows: this flags word holds both.) */
op_PUSHF:
  SPECIAL();
  va = r[REG_SP] - 4;
  if (unlikely(va & 3)) TRAP(CAUSE_MISALIGN, va, pc);
  if (unlikely(va >= c->mon_guard) && USER()) TRAP(CAUSE_PF_STORE, va, pc); /* sp is never r0 */
  h = mmu_access(c, va, P_W, &cause);
  if (unlikely(!h)) TRAP(cause, va, pc);
  st32(h, F);
  r[REG_SP] = va;
  NEXT();
  /* popf: in kernel mode replaces the condition flags and IE; in user mode
   * silently changes only the condition flags: no trap, IE unchanged. */
op_POPF:
  SPECIAL();
  va = r[REG_SP];
  if (unlikely(va & 3)) TRAP(CAUSE_MISALIGN, va, pc);
  if (unlikely(va >= c->mon_guard) && USER()) TRAP(CAUSE_PF_LOAD, va, pc);
  h = mmu_access(c, va, P_R, &cause);
  if (unlikely(!h)) TRAP(cause, va, pc);
  v = ld32(h);
  F = USER() ? (F & ~FLAGS_CC) | (v & FLAGS_CC) : (v & (FLAGS_CC | FLAG_IE)) | FLAG_KM;
  r[REG_SP] = va + 4;
  if ((F & FLAG_IE) && c->irq) LEAVE();
  NEXT();

op_HALT:
  PRIVILEGED();
  c->halt_code = r[d->rs1];
  ex = EXIT_HALT;
  LEAVE();
op_IRET:
  PRIVILEGED();
  n--;
  RETIRE();
  F = c->cr[CR_ESTATUS] & FLAGS_ALL;
  pc = c->cr[CR_EPC];
  c->perm_shift = (F & FLAG_KM) ? PSHIFT_KERNEL : PSHIFT_USER;
  c->fetch_va = FETCH_NONE;
  c->st.cycles += c->cost.c[COST_IRET];
  if (n == 0 || ((F & FLAG_IE) && c->irq)) goto out;
  FETCH();
op_CLI:
  PRIVILEGED();
  c->st.cycles += c->cost.c[COST_CTL_WRITE];
  F &= ~FLAG_IE;
  NEXT();
op_STI:
  PRIVILEGED();
  c->st.cycles += c->cost.c[COST_CTL_WRITE];
  F |= FLAG_IE;
  if (c->irq) LEAVE();
  NEXT();
op_MFC:
  PRIVILEGED();
  if (d->imm >= NCR) TRAP(CAUSE_ILLEGAL, word_at(c, pc), pc);
  /* The timer has not yet been charged for this chunk's ticks. */
  SETD(d->imm == CR_TIMER ? (c->cr[CR_TIMER] ? c->timer_left - (budget - n) : 0) : c->cr[d->imm]);
  NEXT();
op_MTC:
  PRIVILEGED();
  if (d->imm >= NCR) TRAP(CAUSE_ILLEGAL, word_at(c, pc), pc);
  c->st.cycles += c->cost.c[COST_CTL_WRITE];
  if (cpu_write_cr(c, d->imm, r[d->rs1], true)) LEAVE();
  NEXT();
op_TLBI:
  PRIVILEGED();
  cpu_tlb_flush_page(c, r[d->rs1]);
  c->st.tlb_flushes++;
  c->st.cycles += c->cost.c[COST_TLB_FLUSH];
  NEXT();
op_TLBFLUSH:
  PRIVILEGED();
  cpu_tlb_flush(c, true);
  NEXT();
op_IN:
  if (!IO_PASSED(d->imm)) {
    PRIVILEGED();
    SETD(dev_in(c, d->imm));
  } else {
    SETD(dev_model_in(c, d->imm));
  }
  NEXT();
op_OUT:
  if (!IO_PASSED(d->imm)) {
    PRIVILEGED();
    dev_out(c, d->imm, r[d->rs1]);
  } else {
    dev_model_out(c, d->imm, r[d->rs1]);
  }
  NEXT();
op_WFI:
  PRIVILEGED();
  c->waiting = true;
  LEAVE();

op_ILLEGAL:
  TRAP(CAUSE_ILLEGAL, d->imm, pc);
op_UNDECODED:
  isa_decode(word_at(c, pc), d);
  if (unlikely(c->marks != NULL) && mmu_word_marked(c, c->fetch_pa + (pc & PAGE_MASK))) d->op |= OP_MARKED;
  if (unlikely(d->op == OP_ILLEGAL)) goto op_ILLEGAL;
  goto *ops[d->op];
  /* An inserted instruction of a translation: counted apart, then run.  One
   * label per opcode, so that running one stays a single indirect jump. */
#define OP_MARKED_LABEL(NAME, mn, opc, fmt, cls, o, m) \
  opm_##NAME:                                          \
  c->st.marked++;                                      \
  goto op_##NAME;
  ISA_TABLE(OP_MARKED_LABEL)
#undef OP_MARKED_LABEL
op_MARKED: /* a marked word that does not decode */
  c->st.marked++;
  goto op_ILLEGAL;

fetch_fault:
  d = NULL;
  TRAP(cause, pc, pc);

out:
  c->pc = pc;
  RETIRE();
  *used = budget - n;
  return ex;
}
