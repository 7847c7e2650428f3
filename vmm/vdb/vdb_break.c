/* vdb_break.c: breakpoints, watchpoints and catchpoints.
 *
 * All of them are checked after each tick while any is set (the run loop
 * then runs the guest one tick at a time; vdb_run.c):
 *
 *   break ADDR     the guest-virtual pc arrives at ADDR (a word address;
 *                  pending while nothing is mapped there)
 *   pbreak ADDR    the pc's guest-physical address is ADDR (any mapping)
 *   watch ADDR     the 32-bit word at guest-virtual ADDR changed value
 *   rwatch ADDR    a load touched it          awatch ADDR  a load or store
 *   catch trap     the guest took a trap (native, hw) or the monitor
 *                  reflected one to it (trap, bt)
 *   catch exit     the monitor got control: a world switch (trap, bt), a VM
 *                  exit (hw, hw-shadow); never in native mode
 *   catch translate  the translator translated a block (bt only)
 *
 * Loads and stores are seen through cpu->last_ea, the effective address of
 * the last load or store: before the tick it is set to a mark that the
 * instruction's own address cannot equal, and put back if nothing changed
 * it, so watching leaves no trace in the machine.
 */
#include <stdlib.h>
#include <string.h>

#include "isa_info.h"
#include "vdb.h"

static const char *const kind_names[] = {
    [BP_BREAK] = "breakpoint",      [BP_PBREAK] = "pbreak",
    [BP_WATCH] = "watchpoint",      [BP_RWATCH] = "read watchpoint",
    [BP_AWATCH] = "acc watchpoint", [BP_CATCH_TRAP] = "catchpoint",
    [BP_CATCH_EXIT] = "catchpoint", [BP_CATCH_TRANSLATE] = "catchpoint",
};

static vdb_bp *add(vdb *d, enum bp_kind kind) {
  if (d->nbp == d->bpcap) {
    int cap = d->bpcap ? 2 * d->bpcap : 8;
    vdb_bp *p = realloc(d->bp, sizeof *p * (size_t)cap);
    if (!p) cpu_panic("vdb: out of host memory");
    d->bp = p;
    d->bpcap = cap;
  }
  vdb_bp *b = &d->bp[d->nbp++];
  *b = (vdb_bp){.num = ++d->next_bp, .kind = kind, .target = vdb_cur(d)->id, .cause = -1};
  return b;
}

static void del(vdb *d, int i) {
  memmove(&d->bp[i], &d->bp[i + 1], sizeof *d->bp * (size_t)(d->nbp - i - 1));
  d->nbp--;
}

static void watch_value(vdb_target *t, vdb_bp *b) { b->old_ok = mem_read(t, SP_GVA, b->addr, &b->old, 4, NULL) == 0; }

void bp_refresh_watch(vdb *d, vdb_target *t) {
  for (int i = 0; i < d->nbp; i++)
    if (d->bp[i].target == t->id && (d->bp[i].kind == BP_WATCH || d->bp[i].kind == BP_AWATCH))
      watch_value(t, &d->bp[i]);
}

/* An address argument; no argument means the current pc (like gdb). */
static int address_arg(vdb *d, const char *args, uint32_t *addr) {
  args = skip_ws(args);
  if (*args == '*') args++; /* gdb habit: watch *0x1000 */
  if (!*args) {
    vdb_regs g;
    target_regs(vdb_cur(d), &g);
    *addr = g.pc;
    return 0;
  }
  return vdb_eval(d, args, addr);
}

/* Is the code address a of breakpoint b mapped now?  A guest-virtual one
 * may be mapped later (user code before paging is on): then the
 * breakpoint is pending, as gdb's are before their library loads. */
static bool bp_mapped(const vdb_target *t, const vdb_bp *b) {
  uint32_t w;
  return mem_read(t, b->kind == BP_PBREAK ? SP_GPA : SP_GVA, b->addr, &w, 4, NULL) == 0;
}

static int set_break(vdb *d, const char *args, enum bp_kind kind, bool temp) {
  uint32_t a;
  vdb_target *t = vdb_cur(d);
  if (address_arg(d, args, &a) != 0) return -1;
  /* Instructions are words: a pc is never anywhere else. */
  if (a & 3) return vdb_error(d, "0x%08x is not on an instruction boundary (instructions are 4-byte words).", a);
  if (kind == BP_PBREAK && a >= t->gsize)
    return vdb_error(d, "Guest-physical 0x%08x is beyond guest memory (0x%x bytes).", a, t->gsize);
  vdb_bp *b = add(d, kind);
  b->addr = a;
  b->temp = temp;
  char sym[80] = "", pending[64] = "";
  if (kind == BP_BREAK) target_symbolize(t, a, sym, sizeof sym);
  if (!bp_mapped(t, b)) snprintf(pending, sizeof pending, " (pending: not mapped now)");
  if (kind == BP_PBREAK)
    vdb_printf(d, "Physical breakpoint %d at guest-physical 0x%08x\n", b->num, a);
  else
    vdb_printf(d, "%s %d at 0x%08x%s%s\n", temp ? "Temporary breakpoint" : "Breakpoint", b->num, a, sym, pending);
  return 0;
}

int cmd_break(vdb *d, const char *args) { return set_break(d, args, BP_BREAK, false); }
int cmd_tbreak(vdb *d, const char *args) { return set_break(d, args, BP_BREAK, true); }
int cmd_pbreak(vdb *d, const char *args) { return set_break(d, args, BP_PBREAK, false); }

static int set_watch(vdb *d, const char *args, enum bp_kind kind) {
  uint32_t a;
  if (!*skip_ws(args)) return vdb_error(d, "Argument required (address to watch).");
  if (address_arg(d, args, &a) != 0) return -1;
  if (a & 3) return vdb_error(d, "Watched address 0x%08x is not word-aligned.", a);
  vdb_bp *b = add(d, kind);
  b->addr = a;
  watch_value(vdb_cur(d), b);
  char sym[80];
  target_symbolize(vdb_cur(d), a, sym, sizeof sym);
  static const char *const what[] = {
      [BP_WATCH] = "Watchpoint", [BP_RWATCH] = "Read watchpoint", [BP_AWATCH] = "Access watchpoint"};
  vdb_printf(d, "%s %d: 0x%08x%s\n", what[kind], b->num, a, sym);
  return 0;
}

int cmd_watch(vdb *d, const char *args) { return set_watch(d, args, BP_WATCH); }
int cmd_rwatch(vdb *d, const char *args) { return set_watch(d, args, BP_RWATCH); }
int cmd_awatch(vdb *d, const char *args) { return set_watch(d, args, BP_AWATCH); }

static int set_catch(vdb *d, const char *args, enum bp_kind kind) {
  char w[32];
  int cause = -1;
  const vdb_target *t = vdb_cur(d);
  if (next_word(&args, w, sizeof w)) {
    if (kind == BP_CATCH_TRANSLATE) return vdb_error(d, "catch translate takes no argument.");
    if (kind == BP_CATCH_TRAP) {
      cause = cause_parse(w);
      if (cause < 0) return vdb_error(d, "Unknown trap cause '%s' (see help catch trap).", w);
    } else { /* an exit reason of this mode */
      for (uint32_t i = 0; i < t->mode->nexit_reasons && cause < 0; i++)
        if (strcmp(t->mode->exit_name(i), w) == 0) cause = (int)i;
      uint64_t n;
      if (cause < 0 && parse_u64(w, &n) && n < t->mode->nexit_reasons) cause = (int)n;
      if (cause < 0)
        return vdb_error(d, "Unknown exit reason '%s' in %s mode (see help catch exit).", w, t->mode->name);
    }
  }
  vdb_bp *b = add(d, kind);
  b->cause = cause;
  const char *what = kind == BP_CATCH_TRAP ? "trap" : kind == BP_CATCH_EXIT ? "exit" : "translate";
  vdb_printf(d, "Catchpoint %d (%s%s%s)\n", b->num, what, cause >= 0 ? " " : "",
             cause < 0               ? ""
             : kind == BP_CATCH_EXIT ? t->mode->exit_name((uint32_t)cause)
                                     : cpu_cause_name((uint32_t)cause));
  if (kind == BP_CATCH_EXIT && !mode_is_monitor(t->mode))
    vdb_printf(d, "(%s mode has no monitor and no exits: this catchpoint never stops here)\n", t->mode->name);
  if (kind == BP_CATCH_TRANSLATE && !t->mode->tc_info)
    vdb_printf(d, "(%s mode does not translate: this catchpoint stops only under --mode bt)\n", t->mode->name);
  return 0;
}

int cmd_catch_trap(vdb *d, const char *args) { return set_catch(d, args, BP_CATCH_TRAP); }
int cmd_catch_exit(vdb *d, const char *args) { return set_catch(d, args, BP_CATCH_EXIT); }
int cmd_catch_translate(vdb *d, const char *args) { return set_catch(d, args, BP_CATCH_TRANSLATE); }

int cmd_delete(vdb *d, const char *args) {
  char w[32];
  if (!next_word(&args, w, sizeof w)) {
    d->nbp = 0;
    return 0;
  }
  do {
    uint64_t n;
    if (!parse_u64(w, &n)) return vdb_error(d, "Bad breakpoint number '%s'.", w);
    int i = 0;
    while (i < d->nbp && (uint64_t)d->bp[i].num != n)
      i++;
    if (i == d->nbp) return vdb_error(d, "No breakpoint number %s.", w);
    del(d, i);
  } while (next_word(&args, w, sizeof w));
  return 0;
}

int cmd_info_breakpoints(vdb *d, const char *args) {
  (void)args;
  if (!d->nbp) {
    vdb_printf(d, "No breakpoints, watchpoints or catchpoints.\n");
    return 0;
  }
  vdb_printf(d, "Num  Type             Disp  %sAddress     What\n", d->ntg > 1 ? "VM  " : "");
  for (int i = 0; i < d->nbp; i++) {
    const vdb_bp *b = &d->bp[i];
    const vdb_target *t = NULL;
    for (int k = 0; k < d->ntg; k++)
      if (d->tg[k]->id == b->target) t = d->tg[k];
    char vmcol[8] = "", addr[16] = "", what[96] = "";
    if (d->ntg > 1) snprintf(vmcol, sizeof vmcol, "%-4d", b->target);
    switch (b->kind) {
    case BP_BREAK:
      snprintf(addr, sizeof addr, "0x%08x", b->addr);
      if (t) target_symbolize(t, b->addr, what, sizeof what);
      if (t && !bp_mapped(t, b)) snprintf(what + strlen(what), sizeof what - strlen(what), " (pending)");
      break;
    case BP_WATCH:
    case BP_RWATCH:
    case BP_AWATCH:
      snprintf(addr, sizeof addr, "0x%08x", b->addr);
      if (t) target_symbolize(t, b->addr, what, sizeof what);
      break;
    case BP_PBREAK:
      snprintf(addr, sizeof addr, "0x%08x", b->addr);
      snprintf(what, sizeof what, " guest-physical");
      break;
    case BP_CATCH_TRAP:
    case BP_CATCH_EXIT:
    case BP_CATCH_TRANSLATE:
      snprintf(what, sizeof what, " %s%s%s",
               b->kind == BP_CATCH_TRAP   ? "trap"
               : b->kind == BP_CATCH_EXIT ? "exit"
                                          : "translate",
               b->kind == BP_CATCH_TRANSLATE ? "" : " ",
               b->cause < 0                    ? (b->kind == BP_CATCH_TRANSLATE ? "" : "any")
               : b->kind == BP_CATCH_EXIT && t ? t->mode->exit_name((uint32_t)b->cause)
                                               : cpu_cause_name((uint32_t)b->cause));
      break;
    }
    vdb_printf(d, "%-4d %-16s %-5s %s%-11s%s\n", b->num, kind_names[b->kind], b->temp ? "del" : "keep", vmcol, addr,
               what);
    if (b->hits)
      vdb_printf(d, "        already hit %llu time%s\n", (unsigned long long)b->hits, b->hits == 1 ? "" : "s");
  }
  return 0;
}

/* ---- the checks ---- */

bool bp_any_fine(const vdb *d, const vdb_target *t) {
  if (d->trace) return true;
  for (int i = 0; i < d->nbp; i++)
    if (d->bp[i].target == t->id) return true;
  return false;
}

/* What the instruction at pc will access: kind (P_R/P_W, 0 for none),
 * effective address and size. */
static void predict_access(const vdb_target *t, const vdb_regs *g, vdb_watch_pre *w) {
  uint32_t word;
  dinsn in;
  w->access = 0;
  if (mem_read(t, SP_GVA, g->pc, &word, 4, NULL) != 0 || !isa_decode(word, &in)) return;
  switch (in.op) {
  case OP_LW: w->access = P_R, w->size = 4; break;
  case OP_LH:
  case OP_LHU: w->access = P_R, w->size = 2; break;
  case OP_LB:
  case OP_LBU: w->access = P_R, w->size = 1; break;
  case OP_SW: w->access = P_W, w->size = 4; break;
  case OP_SH: w->access = P_W, w->size = 2; break;
  case OP_SB: w->access = P_W, w->size = 1; break;
  default: return;
  }
  w->ea = g->r[in.rs1] + in.imm;
}

void bp_before(vdb *d, vdb_target *t, vdb_watch_pre *w) {
  vdb_regs g;
  target_regs(t, &g);
  *w = (vdb_watch_pre){.pc = g.pc};
  bool access_watch = false;
  for (int i = 0; i < d->nbp; i++)
    if (d->bp[i].target == t->id && (d->bp[i].kind == BP_RWATCH || d->bp[i].kind == BP_AWATCH)) access_watch = true;
  if (!access_watch) return;
  predict_access(t, &g, w);
  w->old_ea = t->c->last_ea;
  w->ea_mark = w->ea ^ 0x80000000u; /* never the address this instruction uses */
  w->marked = true;
  t->c->last_ea = w->ea_mark;
}

void bp_unmark(vdb_target *t, const vdb_watch_pre *w) {
  if (w->marked && t->c->last_ea == w->ea_mark) t->c->last_ea = w->old_ea;
}

static bool overlaps(uint32_t a, uint32_t alen, uint32_t b, uint32_t blen) {
  return (uint64_t)a < (uint64_t)b + blen && (uint64_t)b < (uint64_t)a + alen;
}

bool bp_after(vdb *d, vdb_target *t, const vdb_watch_pre *w, const vdb_probe *before, const vdb_probe *after,
              bool commit, char *why, size_t len) {
  vdb_regs g;
  target_regs(t, &g);
  /* Did the tick load or store, and what? */
  bool accessed = false;
  int access = 0;
  uint32_t ea = 0, size = 4;
  if (w->marked) {
    if (t->c->last_ea == w->ea_mark) {
      t->c->last_ea = w->old_ea; /* no access: leave no trace */
    } else {
      accessed = true;
      ea = t->c->last_ea;
      if (ea == w->ea)
        access = w->access, size = w->size;
      else
        access = P_R | P_W; /* some other instruction (after a trap): say both */
    }
  }
  /* Every condition met is reported, one line each, lowest number first
   * (gdb does the same when a store hits a watchpoint at a breakpoint). */
  int hit[64], nhit = 0;
  char sym[80], line[200];
  size_t used = 0;
  if (len) why[0] = 0;
  for (int i = 0; i < d->nbp; i++) {
    vdb_bp *b = &d->bp[i];
    if (b->target != t->id) continue;
    line[0] = 0;
    switch (b->kind) {
    case BP_BREAK:
      if (!t->done && g.pc == b->addr) {
        target_symbolize(t, g.pc, sym, sizeof sym);
        snprintf(line, sizeof line, "%s %d, 0x%08x%s", b->temp ? "Temporary breakpoint" : "Breakpoint", b->num, g.pc,
                 sym);
      }
      break;
    case BP_PBREAK: {
      pt_walk pw;
      bool paging;
      if (!t->done && mem_guest_walk(t, g.pc, &pw, &paging) && pw.pa == b->addr)
        snprintf(line, sizeof line, "Physical breakpoint %d, guest-physical 0x%08x (pc 0x%08x)", b->num, b->addr, g.pc);
      break;
    }
    case BP_WATCH: {
      uint32_t v;
      bool ok = mem_read(t, SP_GVA, b->addr, &v, 4, NULL) == 0;
      if (ok && b->old_ok && v != b->old) {
        target_symbolize(t, b->addr, sym, sizeof sym);
        snprintf(line, sizeof line, "Watchpoint %d: 0x%08x%s changed: old value 0x%08x, new value 0x%08x", b->num,
                 b->addr, sym, b->old, v);
      }
      b->old = v;
      b->old_ok = ok;
      break;
    }
    case BP_RWATCH:
    case BP_AWATCH: {
      uint32_t v = 0;
      bool ok = mem_read(t, SP_GVA, b->addr, &v, 4, NULL) == 0;
      int how = accessed && overlaps(ea, size, b->addr, 4) ? access : 0;
      /* A store the monitor made for the guest (bt's write-protected code
       * pages, an emulated pushf) leaves last_ea alone: a changed value
       * still shows it. */
      if (b->kind == BP_AWATCH && !how && ok && b->old_ok && v != b->old) how = P_W;
      if (b->kind == BP_AWATCH) b->old = v, b->old_ok = ok;
      if (how && (b->kind == BP_AWATCH || (how & P_R))) {
        target_symbolize(t, b->addr, sym, sizeof sym);
        snprintf(line, sizeof line, "%s %d: 0x%08x%s %s (value 0x%08x)",
                 b->kind == BP_RWATCH ? "Read watchpoint" : "Access watchpoint", b->num, b->addr, sym,
                 how == P_R   ? "read"
                 : how == P_W ? "written"
                              : "accessed",
                 v);
      }
      break;
    }
    case BP_CATCH_TRAP:
      if (after->traps > before->traps && (b->cause < 0 || after->trap.cause == (uint32_t)b->cause))
        snprintf(line, sizeof line, "Catchpoint %d (trap %s at 0x%08x, value 0x%08x)", b->num,
                 cpu_cause_name(after->trap.cause), after->trap.pc, after->trap.value);
      break;
    case BP_CATCH_EXIT:
      if (after->exits > before->exits && (b->cause < 0 || after->exit.cause == (uint32_t)b->cause))
        snprintf(line, sizeof line, "Catchpoint %d (exit %s at 0x%08x, value 0x%08x)", b->num,
                 t->mode->exit_name(after->exit.cause), after->exit.pc, after->exit.value);
      break;
    case BP_CATCH_TRANSLATE:
      if (after->translations > before->translations) snprintf(line, sizeof line, "Catchpoint %d (translate)", b->num);
      break;
    }
    if (!line[0] || nhit == (int)(sizeof hit / sizeof hit[0])) continue;
    hit[nhit++] = i;
    if (used < len) used += (size_t)snprintf(why + used, len - used, "%s%s", used ? "\n" : "", line);
  }
  if (commit)
    for (int k = nhit - 1; k >= 0; k--) { /* from the end: deleting shifts what follows */
      d->bp[hit[k]].hits++;
      if (d->bp[hit[k]].temp) del(d, hit[k]);
    }
  return nhit > 0;
}
