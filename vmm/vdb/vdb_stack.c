/* vdb_stack.c: backtrace, the guest's call frames.
 *
 * The kit's CPU has no frame pointer the hardware keeps; a guest's frames
 * are whatever its code makes of sp and lr.  vdb reads them by the frame
 * convention the guest OS, the labs and the test guests follow (written
 * down in docs/guestos.md, "Calls and frames"):
 *
 *   call f           lr := the return address (callr likewise)
 *   f:  addi sp, sp, -N     a function that calls others, or needs the
 *       sw lr, K(sp)        stack, makes its frame first (push lr is the
 *       ...                 same, N = 4, K = 0; pushf moves sp by 4 too)
 *       lw lr, K(sp)
 *       addi sp, sp, N
 *       ret              (jr lr)
 *   a leaf function keeps its return address in lr and leaves sp alone.
 *
 * So for a pc inside function f (the symbol at or before it, without its
 * .local part), the frame is found from f's code, as gdb analyses a
 * prologue when there is no debugging information:
 *
 *   epilogue  if straight-line code from the pc reaches `ret`, it says
 *             exactly how far sp still moves and whether lr is reloaded
 *             on the way (then from the stack, else lr holds it);
 *   prologue  otherwise the code from f to the pc (up to its first
 *             unconditional jump) says how far sp has moved since entry
 *             and where lr was saved (nowhere yet: lr holds it).
 *
 * The caller's frame is then: pc = the return address, sp = the sp at f's
 * entry.  An outer frame has made a call, so its return address must be on
 * the stack.  The walk stops at the guest's entry point, at the function
 * the trap vector enters (a trap is not a call), at a function that keeps
 * no return address, or at one that does not follow a call: and says so.
 */
#include <string.h>

#include "isa_info.h"
#include "vdb.h"

#define SCAN_MAX 512 /* words of a function the analysis looks at */
#define EPILOGUE_MAX 16
#define FRAMES_MAX 64

typedef struct frame {
  uint32_t pc, sp, lr; /* lr: only frame 0 knows it */
  bool lr_live;
} frame;

static bool insn_at(const vdb_target *t, uint32_t va, dinsn *d) {
  uint32_t w;
  return mem_read(t, SP_GVA, va, &w, 4, NULL) == 0 && isa_decode(w, d);
}

/* How an instruction moves sp: +n, -n, or 0. */
static int32_t sp_move(const dinsn *d) {
  if (d->op == OP_ADDI && d->rd == REG_SP && d->rs1 == REG_SP) return (int32_t)d->imm;
  if (d->op == OP_PUSHF) return -4;
  if (d->op == OP_POPF) return 4;
  return 0;
}

static bool is_ret(const dinsn *d) { return d->op == OP_JR && d->rs1 == REG_LR; }
static bool always_leaves(const dinsn *d) {
  return d->op == OP_JMP || d->op == OP_JR || d->op == OP_HALT || d->op == OP_IRET;
}

/* The start of the function holding pc: the symbol at or before it, cut
 * at its first '.' (f.loop is a label inside f).  0 if none. */
static uint32_t function_of(const vdb_target *t, uint32_t pc, char *name, size_t len) {
  uint32_t off, start;
  const char *s = image_symbol_at(&t->img, pc, &off);
  if (!s || off >= 0x10000) return 0;
  size_t n = strcspn(s, ".");
  snprintf(name, len, "%.*s", (int)n, s);
  if (s[n] && image_lookup(&t->img, name, &start) == 0 && start <= pc) return start;
  snprintf(name, len, "%s", s);
  return pc - off;
}

/* Unwind one frame: the caller's pc and sp, or false with why. */
static bool caller_of(const vdb_target *t, const frame *f, uint32_t fn, frame *up, char *why, size_t len) {
  dinsn d;
  uint32_t ra = 0, slot = 0;
  bool have = false;
  /* ---- an epilogue ahead? ---- */
  int32_t move = 0;
  bool reload = false;
  for (uint32_t a = f->pc, k = 0; k < EPILOGUE_MAX && insn_at(t, a, &d); a += 4, k++) {
    if (d.op == OP_LW && d.rd == REG_LR && d.rs1 == REG_SP) reload = true, slot = f->sp + (uint32_t)move + d.imm;
    move += sp_move(&d);
    if (is_ret(&d)) {
      up->sp = f->sp + (uint32_t)move;
      if (!reload && !f->lr_live) break; /* an outer frame's lr is gone */
      if (reload && mem_read(t, SP_GVA, slot, &ra, 4, NULL) != 0) break;
      if (!reload) ra = f->lr;
      have = true;
      break;
    }
    if (always_leaves(&d) || d.op == OP_CALL || d.op == OP_CALLR || d.op == OP_SYSCALL || d.op == OP_BRK) break;
  }
  /* ---- else the prologue behind ---- */
  if (!have) {
    int32_t depth = 0; /* sp at the pc = sp at entry + depth */
    bool saved = false;
    for (uint32_t a = fn; a < f->pc && a - fn < 4 * SCAN_MAX && insn_at(t, a, &d); a += 4) {
      if (d.op == OP_SW && d.rd == REG_LR && d.rs1 == REG_SP && !saved) saved = true, slot = (uint32_t)depth + d.imm;
      depth += sp_move(&d);
      if (always_leaves(&d)) break; /* the rest is not on the way here */
    }
    up->sp = f->sp - (uint32_t)depth;
    if (saved) {
      slot += up->sp; /* it was relative to sp at entry */
      if (mem_read(t, SP_GVA, slot, &ra, 4, NULL) != 0) {
        snprintf(why, len, "the return address's slot 0x%08x is not mapped", slot);
        return false;
      }
    } else if (f->lr_live) {
      ra = f->lr;
    } else {
      snprintf(why, len, "0x%08x keeps its return address on no stack slot vdb can find", f->pc);
      return false;
    }
  }
  uint32_t w;
  dinsn call;
  if ((ra & 3) || ra < 4 || mem_read(t, SP_GVA, ra - 4, &w, 4, NULL) != 0 || !isa_decode(w, &call) ||
      (call.op != OP_CALL && call.op != OP_CALLR)) {
    snprintf(why, len, "the return address 0x%08x does not follow a call", ra);
    return false;
  }
  up->pc = ra;
  up->lr_live = false;
  return true;
}

static void show_frame(vdb *d, const vdb_target *t, int n, const frame *f) {
  char sym[80];
  target_symbolize(t, f->pc, sym, sizeof sym);
  vdb_printf(d, "#%-2d 0x%08x%-28s sp 0x%08x\n", n, f->pc, sym, f->sp);
}

int cmd_backtrace(vdb *d, const char *args) {
  vdb_target *t = vdb_cur(d);
  uint64_t max = FRAMES_MAX;
  if (*skip_ws(args)) {
    uint32_t v;
    if (vdb_eval(d, args, &v) != 0) return -1;
    if (v == 0 || v > 0x7fffffffu) return vdb_error(d, "The count must be positive (%d is not).", (int32_t)v);
    max = v;
  }
  if (t->done) {
    char r[200];
    target_finish_reason(t, r, sizeof r);
    return vdb_error(d, "No stack: the guest is not running (%s).", r);
  }
  vdb_regs g;
  target_regs(t, &g);
  frame f = {g.pc, g.r[REG_SP], g.r[REG_LR], true};
  char why[160] = "", name[64];
  uint32_t tvec_fn = g.cr[CR_TVEC] ? function_of(t, g.cr[CR_TVEC], name, sizeof name) : 0;
  bool more = false;
  for (uint64_t n = 0;;) {
    show_frame(d, t, (int)n++, &f);
    uint32_t fn = function_of(t, f.pc, name, sizeof name);
    frame up;
    if (!fn) {
      snprintf(why, sizeof why, "no symbol for 0x%08x", f.pc);
      break;
    }
    if (fn == t->img.entry) {
      snprintf(why, sizeof why, "%s is where the guest starts", name);
      break;
    }
    if (fn == tvec_fn) {
      snprintf(why, sizeof why, "%s is where the trap vector enters: a trap, not a call, led here", name);
      break;
    }
    if (!caller_of(t, &f, fn, &up, why, sizeof why)) {
      if (!f.lr_live && strstr(why, "no stack slot"))
        snprintf(why, sizeof why, "%s saves no return address, so it was not called (a trap handler's, or the start)",
                 name);
      break;
    }
    if (up.sp < f.sp) {
      snprintf(why, sizeof why, "the caller's sp 0x%08x would be below this frame's", up.sp);
      break;
    }
    if (n == max) {
      more = true;
      break;
    }
    if (n == FRAMES_MAX) {
      snprintf(why, sizeof why, "%d frames shown, and more follow", FRAMES_MAX);
      break;
    }
    f = up;
  }
  if (more) vdb_printf(d, "(More stack frames follow...)\n");
  if (*why) vdb_printf(d, "Backtrace stopped: %s.\n", why);
  return 0;
}
