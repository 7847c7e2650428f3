/* vdb_cmd.c: every command of the debugger, in one table, and the parser.
 *
 * A row: group (NULL at the top level, or the command it belongs under:
 * "info", "catch"), name, aliases, the number of arguments it needs, its
 * handler, flags, usage, one line of help and the rest of its help.  The
 * parser, help, completion (vdb_term.c) and docs/vdb.md all read this
 * table; nothing else lists commands.
 *
 * Names are gdb's first, then Bochs's and QEMU's monitor's where gdb has
 * none.  A command is found by its name, an alias, or a prefix that only
 * it has (so `cont`, `disp`, `info reg` work and `s` is ambiguous).  The
 * word ends at a blank or a '/', so x/4x and p/x parse like gdb's.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "vdb.h"

#define TOP NULL

const vdb_cmd vdb_cmds[] = {
    /* ---- running ---- */
    {TOP, "run", "r", 0, cmd_run, CMD_NOREPEAT, "run", "Restart the guest from reset and run it.",
     "Puts the machine back in its reset state (memory as the image loaded it, registers zero, kernel\n"
     "mode, pc at the entry) and continues; a breakpoint at the entry stops it there, before anything\n"
     "runs.  The console input recorded so far is given to the guest again; its output is shown again.\n"
     "The recorded history starts over."},
    {TOP, "continue", "c fg", 0, cmd_continue, 0, "continue [N]",
     "Run until a breakpoint, watchpoint or catchpoint stops it, it finishes, or Ctrl-C.",
     "With N, go through the next N-1 stops first (as gdb's continue N ignores a breakpoint N-1 times)."},
    {TOP, "stepi", "si", 0, cmd_stepi, 0, "stepi [N]",
     "Run N ticks (default 1): one instruction, or one idle tick in wfi.",
     "A stop condition met on the way stops it early.  A tick in which a fault or an interrupt is taken\n"
     "also runs the handler's first instruction (the faulting instruction does not retire); a syscall\n"
     "or brk ends its tick at the vector."},
    {TOP, "nexti", "ni", 0, cmd_nexti, 0, "nexti [N]",
     "Like stepi, but a call, callr or syscall is run to the instruction after it.",
     "The step over ends when the pc reaches the next instruction with the same stack pointer, so a\n"
     "recursive call runs to its own return.  A stop condition inside stops it there."},
    {TOP, "until", "u advance", 1, cmd_until, 0, "until ADDR",
     "Run until the pc reaches ADDR (or something else stops it).", ""},
    {TOP, "reverse-stepi", "rsi", 0, cmd_reverse_stepi, 0, "reverse-stepi [N]", "Go back N ticks (default 1), exactly.",
     "The machine is put in the state it had N ticks ago: registers, memory, TLB and every counter,\n"
     "under a monitor the VM too.  vdb restores the last checkpoint before that tick and replays the\n"
     "recorded runs up to it (the simulation is deterministic; console input is replayed from the\n"
     "record and output already shown stays quiet).  See info history."},
    {TOP, "reverse-continue", "rc", 0, cmd_reverse_continue, 0, "reverse-continue",
     "Go back to the last tick at which a breakpoint, watchpoint or catchpoint was met.",
     "If none was met since reset, stop at reset.  Ctrl-C while it searches leaves you where you were."},

    /* ---- breaking ---- */
    {TOP, "break", "b br", 0, cmd_break, CMD_SYMBOLS, "break [ADDR|SYMBOL]",
     "Stop when the guest-virtual pc arrives at ADDR (default: the current pc).",
     "ADDR is any expression: break loop, break 0x1008, break loop+8.  The check is made after each\n"
     "tick, so the guest stops before running the instruction at ADDR.  ADDR must be a multiple of 4\n"
     "(instructions are words); one the guest does not map now is pending until it does."},
    {TOP, "tbreak", "", 0, cmd_tbreak, CMD_SYMBOLS, "tbreak [ADDR|SYMBOL]",
     "A breakpoint that is deleted when it is hit.", ""},
    {TOP, "pbreak", "pb", 1, cmd_pbreak, CMD_SYMBOLS, "pbreak ADDR",
     "Stop when the pc's guest-physical address is ADDR, through whatever mapping.",
     "Useful for code that runs at several virtual addresses, or before and after paging is on."},
    {TOP, "watch", "", 1, cmd_watch, CMD_SYMBOLS, "watch ADDR",
     "Stop when the 32-bit word at guest-virtual ADDR changes value.",
     "Checked after every tick, whoever wrote it (the guest, or the page walker setting A and D in a\n"
     "PTE).  Old and new values are shown."},
    {TOP, "rwatch", "", 1, cmd_rwatch, CMD_SYMBOLS, "rwatch ADDR",
     "Stop when a load reads the word at guest-virtual ADDR.",
     "Seen through cpu->last_ea, the effective address of the last load or store.  pushf and popf\n"
     "are not seen (watch sees what they write)."},
    {TOP, "awatch", "", 1, cmd_awatch, CMD_SYMBOLS, "awatch ADDR",
     "Stop when a load or a store touches the word at guest-virtual ADDR.", ""},
    {TOP, "delete", "d", 0, cmd_delete, 0, "delete [N...]",
     "Delete breakpoints, watchpoints and catchpoints by number; all of them without N.", ""},
    {TOP, "catch", "", 1, cmd_catch, 0, "catch trap|exit|translate [CAUSE]",
     "Stop on a trap, a monitor exit, or a translation.",
     "See help catch trap, help catch exit, help catch translate."},
    {"catch", "trap", "", 0, cmd_catch_trap, 0, "catch trap [CAUSE]",
     "Stop after a trap is delivered to the guest: taken by the CPU (native, hw) or reflected (trap, bt).",
     "CAUSE is a name or number: illegal priv pf-fetch pf-load pf-store misalign syscall break divzero\n"
     "timer console.  Without it, any trap.  The guest is then at (for faults and interrupts, one\n"
     "instruction into) its trap handler."},
    {"catch", "exit", "", 0, cmd_catch_exit, 0, "catch exit [REASON]",
     "Stop when the monitor gets control: a world switch (trap, bt), a VM exit (hw, hw-shadow).",
     "In trap and bt modes REASON is the cause of the real trap behind the world switch (priv for an\n"
     "emulated instruction, pf-store for a shadow fill or a guest page fault, syscall...).  In the hw\n"
     "modes it is a VM exit reason (exception interrupt halt wfi io cr-read cr-write tlbi tlbflush\n"
     "nested-fault shutdown ...).  The debugger's own slices and Ctrl-C are pauses, not exits: they are\n"
     "never counted or caught (a scheduler's preempt exits are).\n"
     "Native mode has no monitor: the catchpoint is accepted and never stops there."},
    {"catch", "translate", "", 0, cmd_catch_translate, 0, "catch translate",
     "Stop when the binary translator translates a block (bt mode).",
     "Only --mode bt translates; in the other modes this catchpoint is accepted and never stops."},

    /* ---- looking ---- */
    {TOP, "info", "i inf", 1, cmd_info, 0, "info SUBCOMMAND",
     "Show things about the guest, the machine and the monitor.", "help info lists the subcommands."},
    {"info", "registers", "r reg", 0, cmd_info_registers, 0, "info registers [NAME...]",
     "The registers; under a monitor the guest's VCPU and the real CPU side by side.",
     "Side by side: what the guest believes (virtual mode, virtual interrupt flag, its page-table base)\n"
     "against what is real (user mode, IE on, the shadow table's base).  Natively there is only the\n"
     "real CPU.  With names (r1 sp pc flags ptb ...), just those."},
    {"info", "creg", "cr", 0, cmd_info_creg, 0, "info creg", "The control registers with their meanings.", ""},
    {"info", "breakpoints", "b break watchpoints", 0, cmd_info_breakpoints, 0, "info breakpoints",
     "Breakpoints, watchpoints and catchpoints.", ""},
    {"info", "display", "", 0, cmd_info_display, 0, "info display", "The expressions display shows at each stop.", ""},
    {"info", "history", "", 0, cmd_info_history, 0, "info history",
     "Where the guest is in time: its tick, the recorded history, the checkpoints.", ""},
    {"info", "tlb", "", 0, cmd_info_tlb, 0, "info tlb", "The real TLB's valid entries and its counters.", ""},
    {"info", "pt", "", 0, cmd_info_pt, CMD_SYMBOLS, "info pt [ADDR]",
     "The guest's page table: every mapping, or the walk for ADDR level by level.", ""},
    {"info", "shadow", "", 0, cmd_info_shadow, CMD_SYMBOLS, "info shadow [ADDR]",
     "The monitor's shadow page tables, and where they differ from the guest's.",
     "For each root (kernel and user: one per virtual mode), its mappings guest-virtual to\n"
     "host-physical, each compared with the guest's own table: equal, read-only until the guest's\n"
     "first write sets D, or stale (the guest changed its table and has not yet invalidated).  With\n"
     "ADDR, both walks for that address."},
    {"info", "npt", "", 0, cmd_info_npt, CMD_SYMBOLS, "info npt [GPA]",
     "The nested page table of hardware-assisted paging (hw mode): its mappings, or one walk.",
     "guest-physical -> host-physical, as the CPU's second dimension walks it.  In every other mode\n"
     "it says \"no nested paging in this mode\"."},
    {"info", "vcpu", "", 0, cmd_info_vcpu, 0, "info vcpu", "The VCPU: the CPU state the monitor keeps for the guest.",
     ""},
    {"info", "traps", "", 0, cmd_info_traps, 0, "info traps",
     "Recent traps and monitor exits with their causes (the last 64).",
     "While nothing is being watched vdb runs the guest in long slices and keeps, per slice, the last\n"
     "trap and exit with a count; with a breakpoint, catchpoint or trace on, every one is kept."},
    {"info", "tc", "", 0, cmd_info_tc, 0, "info tc [ADDR]",
     "The binary translator's translation cache (bt mode): every block, or those holding ADDR.",
     "Each block beside the guest code it came from.  The other modes have no translation cache and\n"
     "say so."},
    {"info", "stats", "", 0, cmd_info_stats, 0, "info stats",
     "The counters of bin/vmm --stats (without host time), and the tick.", ""},
    {TOP, "print", "p inspect", 1, cmd_print, CMD_SYMBOLS, "print[/FMT] EXPR", "Evaluate an expression and show it.",
     "Registers are $r0-$r15, $zero $fp $sp $lr, $pc, $flags, the control registers by name ($ptb\n"
     "$tvec $epc $estatus $cause $badva $timer $scratch $paging) and $tick; all are the guest's view.\n"
     "Symbols stand for their addresses.  Numbers: 42 0x2a 052 'c'.  Operators, loosest first:\n"
     "| ^ & << >> + - * / % and unary - ~ !, with ( ).  $N is the Nth value printed, $ the last.\n"
     "FMT is one of x d u o t c a."},
    {TOP, "display", "disp", 0, cmd_display, CMD_SYMBOLS, "display[/FMT] EXPR",
     "Show EXPR at every stop (/i or /s formats show memory, like x).", "display/i $pc shows the next instruction."},
    {TOP, "undisplay", "", 0, cmd_undisplay, 0, "undisplay [N...]", "Stop displaying; all without N.", ""},
    {TOP, "backtrace", "bt where", 0, cmd_backtrace, 0, "backtrace [N]",
     "The guest's call frames, innermost first (at most N).",
     "Found from the code, by the kit's frame convention (docs/guestos.md, \"Calls and frames\"): call\n"
     "puts the return address in lr; a function that calls others makes its frame first (addi sp, sp,\n"
     "-N; sw lr, K(sp)) and undoes it before ret; a leaf leaves sp and lr alone.  Each frame shows its\n"
     "pc and sp; the walk says why it stops (the trap vector's code, a return address after no call)."},
    {TOP, "x", "", 0, cmd_x, CMD_SYMBOLS, "x/FMT ADDR", "Examine guest-virtual memory, through the guest's page table.",
     "FMT is a count, a letter (x hex, d signed, u unsigned, o octal, t binary, c char, a address,\n"
     "s string, i instruction) and a size (b byte, h half, w word), as in gdb: x/4xw $sp, x/s msg,\n"
     "x/3i $pc.  Format and size are remembered; x with no address goes on where the last one ended."},
    {TOP, "xp", "", 0, cmd_xp, CMD_SYMBOLS, "xp/FMT ADDR", "Examine guest-physical memory.", "FMT as for x."},
    {TOP, "xh", "", 0, cmd_xh, CMD_SYMBOLS, "xh/FMT ADDR", "Examine host-physical memory (the instructor's view).",
     "Host-physical is the real machine's memory: under a monitor the guest's memory sits at a base,\n"
     "followed by the monitor's shadow page-table pool."},
    {TOP, "disassemble", "disas", 0, cmd_disassemble, CMD_SYMBOLS, "disassemble [ADDR[,+N|,END]]",
     "Disassemble the code around ADDR (default: the pc), with symbols.",
     "Without a range, from the symbol at or before ADDR to the next symbol.  ADDR,+N takes N bytes,\n"
     "ADDR,END stops before END.  => marks the pc."},

    /* ---- memory and the monitor ---- */
    {TOP, "translate", "tr", 1, cmd_translate, CMD_SYMBOLS, "translate ADDR",
     "Translate a guest-virtual address to guest-physical and host-physical, each step shown.",
     "Shows the guest's walk, where guest memory lies in host memory, the shadow's entries and the TLB's."},
    {TOP, "trace", "", 1, cmd_trace, 0, "trace on|off", "Print each trap, exit and translation as it happens.", ""},
    {TOP, "vm", "", 1, cmd_vm, 0, "vm list|N", "List the guests, or switch to guest N.",
     "One guest is loaded per image on the command line, each on its own machine."},
    {TOP, "dot", "", 2, cmd_dot, 0, "dot pt|shadow|npt|tlb FILE",
     "Write a graphviz picture of the current tables to FILE (render with dot -Tsvg).",
     "pt: guest-virtual -> guest-physical -> host-physical through the guest's table.\n"
     "shadow: guest-virtual -> host-physical through each shadow root, next to the guest's path;\n"
     "red edges differ from the guest's view.  tlb: the TLB's entries.  Edges carry the permissions.\n"
     "Runs of consecutive pages are drawn as one node."},

    /* ---- support ---- */
    {TOP, "source", "", 1, cmd_source, CMD_NOREPEAT, "source FILE", "Run the commands in FILE.",
     "Lines starting with # are comments.  Files may source others (16 deep).  Only a regular file;\n"
     "a line over 4096 bytes, or with a NUL byte, ends it with an error."},
    {TOP, "help", "h", 0, cmd_help, 0, "help [COMMAND [SUBCOMMAND]]", "Show help.", ""},
    {TOP, "quit", "q exit", 0, cmd_quit, CMD_NOREPEAT, "quit [CODE]", "Leave vdb (with exit status CODE).",
     "CODE is 0 to 63: 64 and above are the statuses of trouble (vdb(1), EXIT STATUS)."},
};
const int vdb_ncmds = sizeof vdb_cmds / sizeof vdb_cmds[0];

static bool same_group(const char *a, const char *b) { return a == b || (a && b && strcmp(a, b) == 0); }

static bool has_alias(const vdb_cmd *c, const char *w, size_t len) {
  for (const char *a = c->aliases; *a;) {
    size_t n = strcspn(a, " ");
    if (n == len && strncmp(a, w, len) == 0) return true;
    a += n;
    a += *a == ' ';
  }
  return false;
}

const vdb_cmd *cmd_find(const char *group, const char *w, size_t len, char *err, size_t errlen) {
  const vdb_cmd *found = NULL;
  int nprefix = 0;
  char names[256] = "";
  for (int i = 0; i < vdb_ncmds; i++) {
    const vdb_cmd *c = &vdb_cmds[i];
    if (!same_group(c->group, group)) continue;
    if ((strlen(c->name) == len && strncmp(c->name, w, len) == 0) || has_alias(c, w, len)) return c;
  }
  for (int i = 0; i < vdb_ncmds; i++) {
    const vdb_cmd *c = &vdb_cmds[i];
    if (!same_group(c->group, group) || strncmp(c->name, w, len) != 0) continue;
    found = c;
    size_t n = strlen(names);
    snprintf(names + n, sizeof names - n, "%s%s", nprefix++ ? ", " : "", c->name);
  }
  if (nprefix == 1) return found;
  if (nprefix > 1)
    snprintf(err, errlen, "Ambiguous %s%scommand \"%.*s\": %s.", group ? group : "", group ? " " : "", (int)len, w,
             names);
  else if (group)
    snprintf(err, errlen, "Undefined %s command: \"%.*s\".  Try \"help %s\".", group, (int)len, w, group);
  else
    snprintf(err, errlen, "Undefined command: \"%.*s\".  Try \"help\".", (int)len, w);
  return NULL;
}

static size_t word_len(const char *s) {
  size_t n = 0;
  while (s[n] && !isspace((unsigned char)s[n]) && s[n] != '/')
    n++;
  return n;
}

static int count_args(const char *s) {
  int n = 0;
  if (*s == '/') s += strcspn(s, " \t"); /* x/4x: a format is not an argument */
  for (;;) {
    s = skip_ws(s);
    if (!*s) return n;
    n++;
    s += strcspn(s, " \t");
  }
}

/* Run the command of a group at `line` (the text after the group's name). */
static int dispatch(vdb *d, const char *group, const char *line) {
  const char *p = skip_ws(line);
  size_t len = word_len(p);
  char err[300];
  const vdb_cmd *c = cmd_find(group, p, len, err, sizeof err);
  if (!c) return vdb_error(d, "%s", err);
  const char *args = p + len;
  if (count_args(args) < c->min_args) return vdb_error(d, "Argument required (usage: %s).", c->usage);
  return c->fn(d, args);
}

int cmd_info(vdb *d, const char *args) { return dispatch(d, "info", args); }
int cmd_catch(vdb *d, const char *args) { return dispatch(d, "catch", args); }

int vdb_exec(vdb *d, const char *line) {
  const char *p = skip_ws(line);
  if (!*p) {
    /* An empty line repeats the last command, at a terminal (as in gdb;
     * in a script it is just an empty line). */
    if (!d->interactive || !d->last) return 0;
    char *again = strdup(d->last);
    if (!again) cpu_panic("vdb: out of host memory");
    int rc = vdb_exec(d, again);
    free(again);
    return rc;
  }
  if (*p == '#') return 0;
  size_t len = word_len(p);
  char err[300];
  const vdb_cmd *c = cmd_find(NULL, p, len, err, sizeof err);
  free(d->last);
  d->last = NULL;
  if (!c) return vdb_error(d, "%s", err);
  if (!(c->flags & CMD_NOREPEAT)) {
    d->last = strdup(p);
    if (!d->last) cpu_panic("vdb: out of host memory");
  }
  const char *args = p + len;
  if (count_args(args) < c->min_args) return vdb_error(d, "Argument required (usage: %s).", c->usage);
  return c->fn(d, args);
}

/* ---- help ---- */

static void help_line(vdb *d, const vdb_cmd *c) {
  char names[64];
  snprintf(names, sizeof names, "%s%s%s%s", c->name, *c->aliases ? " (" : "", c->aliases, *c->aliases ? ")" : "");
  if (strlen(names) > 28)
    vdb_printf(d, "  %s\n  %-28s %s\n", names, "", c->help);
  else
    vdb_printf(d, "  %-28s %s\n", names, c->help);
}

static void help_full(vdb *d, const vdb_cmd *c) {
  vdb_printf(d, "%s\n  %s\n", c->usage, c->help);
  if (*c->longhelp) {
    vdb_printf(d, "\n");
    for (const char *l = c->longhelp; *l;) {
      size_t n = strcspn(l, "\n");
      vdb_printf(d, "  %.*s\n", (int)n, l);
      l += n + (l[n] == '\n');
    }
  }
  if (*c->aliases) vdb_printf(d, "Aliases: %s\n", c->aliases);
  int sub = 0;
  for (int i = 0; i < vdb_ncmds; i++)
    if (vdb_cmds[i].group && strcmp(vdb_cmds[i].group, c->name) == 0) {
      if (!sub++) vdb_printf(d, "Subcommands:\n");
      help_line(d, &vdb_cmds[i]);
    }
}

int cmd_help(vdb *d, const char *args) {
  const char *p = skip_ws(args);
  char err[300];
  if (!*p) {
    vdb_printf(d, "Commands (a unique prefix of a name works too; an empty line repeats the last command):\n");
    for (int i = 0; i < vdb_ncmds; i++)
      if (!vdb_cmds[i].group) help_line(d, &vdb_cmds[i]);
    vdb_printf(d, "Type \"help COMMAND\" for more, \"help info\" for the info subcommands.\n");
    return 0;
  }
  size_t len = word_len(p);
  const vdb_cmd *c = cmd_find(NULL, p, len, err, sizeof err);
  if (!c) return vdb_error(d, "%s", err);
  p = skip_ws(p + len);
  if (*p) {
    bool group = false;
    for (int i = 0; i < vdb_ncmds; i++)
      if (vdb_cmds[i].group && strcmp(vdb_cmds[i].group, c->name) == 0) group = true;
    if (!group) return vdb_error(d, "\"%s\" has no subcommands.", c->name);
    const vdb_cmd *s = cmd_find(c->name, p, word_len(p), err, sizeof err);
    if (!s) return vdb_error(d, "%s", err);
    c = s;
  }
  help_full(d, c);
  return 0;
}
