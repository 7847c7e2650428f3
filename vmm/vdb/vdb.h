/* vdb.h: bin/vdb, the kit's debugger: a guest kernel stopped and looked at.
 *
 * The pieces, one file each:
 *
 *   vdb_cli.c     the command line (vdb.c's main calls vdb_main) and the
 *                 loop that reads commands: -ex, -x, a terminal, a pipe
 *   vdb_term.c    the terminal: readline, completion, history, Ctrl-C
 *   vdb_cmd.c     the ONE command table, the parser and help
 *   vdb_session.c the session: its guests, messages, source, vm, trace, quit
 *   vdb_target.c  a guest being debugged, whatever its mode: a guest of the
 *                 mode table (core/mode.h), the same rows bin/vmm runs
 *   vdb_console.c the guest's console: input recorded, output not repeated
 *   vdb_rev.c     time: checkpoints, the log of runs, replay, going back
 *   vdb_run.c     running forward and back: run/continue/stepi..., rsi, rc
 *   vdb_break.c   breakpoints, watchpoints and catchpoints
 *   vdb_expr.c    expressions: $registers, symbols, arithmetic
 *   vdb_info.c    registers, VCPU, counters, traps; print and display
 *   vdb_mem.c     memory: x/xp/xh, disassemble, page walks, TLB, shadow
 *   vdb_stack.c   backtrace: the guest's frames, by its frame convention
 *   vdb_dot.c     graphviz pictures of the tables
 *
 * Time is counted in guest ticks (instructions retired plus idle ticks, as
 * bin/vmm counts them), the one clock every mode shares.  A "tick N" state is
 * the machine after N ticks from reset.
 *
 * Three address spaces, named as in the slides:
 *   guest-virtual   what the guest's code uses (x, break, watch)
 *   guest-physical  what the guest's page tables point at (xp, pbreak)
 *   host-physical   the real machine's memory (xh); natively the same as
 *                   guest-physical, under a monitor gpa + the VM's base.
 *
 * Nothing here is global: one `vdb` session holds everything, and every
 * function takes it (or a target) first.  The only globals are the few that
 * readline and signal handlers force, in vdb_term.c.
 */
#ifndef VDB_H
#define VDB_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cpu.h"
#include "image.h"
#include "core/mode.h"
#include "run/runner.h"

/* ---- options (bin/vdb's command line) ---- */
typedef struct vdb_opts {
  const char *mode;  /* a row of the mode table (core/mode.h) */
  uint32_t mem, tlb; /* guest memory bytes, TLB entries */
  bool strict_isa;
  cost_model cost;
  uint64_t ckpt_every; /* ticks between checkpoints (doubles as they thin) */
  int ckpt_max;        /* checkpoints kept per guest */
  int guest_in;        /* file descriptor of guest console input, -1: none */
} vdb_opts;

#define VDB_CKPT_EVERY (1u << 18)
#define VDB_CKPT_MAX 32     /* checkpoints kept by default (--checkpoints) */
#define VDB_CKPT_LIMIT 4096u /* ... and at most */
#define VDB_SOURCE_DEPTH 16  /* source FILE nested at most this deep */
#define VDB_RING 64 /* recent traps and exits kept per guest */

/* ---- the guest's console (vdb_console.c) ----
 * Input is recorded the first time the guest reads it and served from the
 * record ever after, so a replay sees the same bytes.  Output is counted;
 * bytes already shown once are not shown again when time is replayed. */
typedef struct vdb_console {
  FILE *out;
  int in_fd; /* -1: no input (end of input at once) */
  bool in_tty;
  uint8_t *rec; /* every byte read from the host so far */
  size_t rec_len, rec_cap;
  bool rec_eof;              /* the host's input has ended */
  volatile int *interrupted; /* set by Ctrl-C while the guest waits */
  /* ---- Ctrl-C while the guest waits for input (vdb_run.c) ---- */
  bool tripped; /* a read found no byte and must not wait: the run is void
                   from that read on (its output is not shown), and the
                   debugger puts the guest back just before it */
  bool fence;   /* never wait for the host: a read past the record trips */
  /* ---- the position in time: saved with every checkpoint ---- */
  uint64_t in_pos;    /* recorded bytes the guest has consumed */
  uint64_t out_count; /* bytes the guest has written */
  /* ---- the timeline's: not restored ---- */
  uint64_t out_shown; /* bytes shown so far (replayed output is not) */
  bool partial_line;  /* the last byte shown was not a newline */
  /* ---- a progress line on the terminal (vdb_run.c): the guest's output
   * erases it first ---- */
  FILE *progress_to;
  int progress_len; /* its width on the screen; 0: none shown */
} vdb_console;

typedef struct vdb_con_pos {
  uint64_t in_pos, out_count;
} vdb_con_pos;

void vdb_console_init(vdb_console *k, FILE *out, int in_fd);
void vdb_console_free(vdb_console *k);
void vdb_console_attach(vdb_console *k, console_dev *dev);
/* End a partly written guest line before the debugger speaks. */
void vdb_console_break_line(vdb_console *k);
/* Erase the progress line, if one is shown. */
void vdb_console_erase_progress(vdb_console *k);
/* Reading a byte the record does not have yet: 1 if a byte came into the
 * record, 0 at the end of input, -1 if the wait was interrupted (Ctrl-C)
 * or the fence is up; then `tripped` is set. */
int vdb_console_fetch(vdb_console *k);

/* ---- what the guest believes its CPU to be ---- */
typedef struct vdb_regs {
  uint32_t r[NREGS];
  uint32_t pc, flags;
  uint32_t cr[NCR];
  uint32_t timer_left; /* what mfc timer would read, when CR[timer] is set */
} vdb_regs;

/* Counters the run loop compares before and after each slice of time, and
 * the monitor's own tables: the mode table's (core/mode.h). */
typedef mode_probe vdb_probe;
typedef mode_root vdb_root;

/* ---- time: checkpoints and the log of runs (vdb_rev.c) ---- */
typedef struct rev_call {
  uint64_t start, len, reps; /* reps runs of len ticks each, from start */
} rev_call;

typedef struct rev_ckpt {
  uint64_t tick; /* always where one logged run ended and the next began */
  guest_snap *snap; /* the guest and its machine, copied */
  vdb_con_pos con;
  bool done;
  enum cpu_exit exit;
} rev_ckpt;

typedef struct vdb_timeline {
  rev_call *log; /* how the machine got from reset to the end of history */
  size_t nlog, logcap;
  rev_ckpt *ck; /* ck[0] is reset; ticks ascending */
  int nck, ckcap;
  uint64_t every;  /* current interval; doubles when checkpoints thin out */
  uint64_t every0; /* the interval asked for */
  int max;
  uint64_t replayed; /* ticks re-executed by going back (for info history) */
} vdb_timeline;

/* ---- recent traps and exits (info traps) ---- */
enum { EV_TRAP, EV_EXIT, EV_TRANSLATE };
typedef struct vdb_event {
  uint64_t tick;
  int kind;
  trap_info t;
  uint64_t count; /* more than 1: several in one slice, this the last */
  char how[80];   /* exits: what the monitor did */
} vdb_event;

/* ---- a guest being debugged ---- */
typedef struct vdb_target {
  int id;
  const vmm_mode *mode; /* its row of the mode table (core/mode.h) */
  vdb_opts o; /* how it was made (a reload makes it again) */
  char *path;
  image img;
  guest g;        /* the guest, alone on its machine */
  cpu *c;         /* the real machine (g.c) */
  vm *m;          /* the VM, in monitor modes (g.m); NULL natively */
  uint32_t gbase; /* host-physical address of guest-physical 0 (g.base) */
  uint32_t gsize; /* bytes of guest-physical memory (g.size) */
  vdb_console con;
  /* ---- finished? (saved with checkpoints) ---- */
  bool done;
  enum cpu_exit exit;
  /* ---- history ---- */
  vdb_timeline tl;
  vdb_event ring[VDB_RING];
  uint64_t nring; /* events ever recorded; the ring holds the last ones */
} vdb_target;

/* ---- breakpoints, watchpoints, catchpoints (vdb_break.c) ---- */
enum bp_kind { BP_BREAK, BP_PBREAK, BP_WATCH, BP_RWATCH, BP_AWATCH, BP_CATCH_TRAP, BP_CATCH_EXIT, BP_CATCH_TRANSLATE };
typedef struct vdb_bp {
  int num;
  enum bp_kind kind;
  int target; /* the guest it belongs to */
  uint32_t addr;
  int cause; /* catchpoints: -1 any */
  bool temp; /* tbreak: deleted when hit */
  uint64_t hits;
  uint32_t old; /* watch: the value before */
  bool old_ok;
} vdb_bp;

typedef struct vdb_display {
  int num;
  char fmt[16]; /* "" or the /FMT text */
  char *expr;
} vdb_display;

/* ---- x's format: count, letter, size ---- */
typedef struct vdb_fmt {
  unsigned count;
  char letter;   /* x d u o t c a s i */
  unsigned size; /* 1, 2, 4 */
} vdb_fmt;

/* ---- the session ---- */
typedef struct vdb {
  FILE *out, *err;
  vdb_opts o;
  vdb_target **tg;
  int ntg, cur;
  /* breakpoints of every guest, numbered together as in gdb */
  vdb_bp *bp;
  int nbp, bpcap, next_bp;
  vdb_display *disp;
  int ndisp, dispcap, next_disp;
  uint32_t *vals; /* print's value history: $1, $2, ... */
  int nvals, valcap;
  bool trace;
  bool echo;     /* echo each command of a script as "(vdb) CMD" (--echo) */
  bool progress; /* long commands show progress on d->err, a terminal */
  /* the reader's state */
  bool interactive; /* a person at a terminal: empty lines repeat */
  int failures;     /* commands that failed */
  char *last;       /* the last command, for an empty line */
  uint32_t x_next;  /* x with no address goes on from here */
  int x_space;
  vdb_fmt x_fmt;
  int depth; /* source nesting */
  bool quit;
  bool quit_set; /* quit CODE was given */
  int quit_code;
  volatile int interrupted; /* Ctrl-C (vdb_term.c sets it) */
} vdb;

/* Session. */
vdb *vdb_new(const vdb_opts *o, FILE *out, FILE *err);
void vdb_free(vdb *d);
/* Load an image as a new guest (the first becomes current). */
int vdb_add_target(vdb *d, const char *path, char *err, size_t len);
vdb_target *vdb_cur(vdb *d);
/* Run one command line; 0, or -1 after printing an error. */
int vdb_exec(vdb *d, const char *line);
/* Run a command file; -1 if it cannot be read or a command in it failed.
 * Only a regular file: a device or a pipe may never end. */
int vdb_source(vdb *d, const char *path);
/* The longest command line vdb reads, from a file, a script on standard
 * input or -x: a longer one is an error and ends that input (so that no
 * input, /dev/zero included, grows memory without bound). */
#define VDB_LINE_MAX 4096
/* One line of f into buf (VDB_LINE_MAX + 2 bytes) without its newline:
 * 1; 0 at the end; -1 if the line is longer than VDB_LINE_MAX or holds a
 * NUL byte (not text). */
int vdb_read_line(FILE *f, char *buf);
/* Run every command of f (name: for messages) until its end or quit. */
void vdb_read_commands(vdb *d, FILE *f, const char *name);

/* Messages: output, and a one-line error (counted as a failure). */
void vdb_printf(vdb *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int vdb_error(vdb *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* vdb_target.c */
vdb_target *target_new(const vdb_opts *o, const char *path, int id, FILE *out, char *err, size_t len);
void target_free(vdb_target *t);
uint64_t target_now(const vdb_target *t);
/* Run at most `ticks` guest ticks: EXIT_BUDGET when they ran, EXIT_STOP
 * when Ctrl-C stopped it early, else the guest is finished. */
enum cpu_exit target_advance(vdb_target *t, uint64_t ticks);
void target_regs(const vdb_target *t, vdb_regs *g);
void target_report(const vdb_target *t, vm_report *r);
/* "<sym+off>" for an address, or "" */
void target_symbolize(const vdb_target *t, uint32_t addr, char *buf, size_t len);
void target_record_event(vdb_target *t, const vdb_event *e);
void target_forget_events_after(vdb_target *t, uint64_t tick);
const char *target_state(const vdb_target *t, char *buf, size_t len);
/* A one-line reason the guest finished, as bin/vmm words it. */
void target_finish_reason(const vdb_target *t, char *buf, size_t len);

/* vdb_rev.c */
int rev_init(vdb_target *t, uint64_t every, int max);
void rev_free(vdb_target *t);
/* Run forward from now, as the debugger's user asked: drops the recorded
 * future, runs, logs the run, takes checkpoints.  Returns the exit. */
enum cpu_exit rev_advance(vdb_target *t, uint64_t ticks, uint64_t *ran);
/* Ticks from now until the next checkpoint is due. */
uint64_t rev_until_checkpoint(const vdb_target *t);
/* Put the machine in its state at tick `tick` (at most the end of the
 * recorded history).  0, or -1 if it is beyond. */
int rev_goto(vdb_target *t, uint64_t tick);
/* Back to reset; the recorded history goes, the recorded input stays. */
void rev_restart(vdb_target *t);
/* Forget what was recorded after tick `now`: the runs and checkpoints. */
void rev_drop_future(vdb_target *t, uint64_t now);
uint64_t rev_end(const vdb_target *t);
/* Restore checkpoint i (the scan of reverse-continue steps on from it). */
void rev_restore_ckpt(vdb_target *t, int i);
int rev_ckpt_at_or_before(const vdb_target *t, uint64_t tick);

/* vdb_console.c: a position in time for checkpoints */
vdb_con_pos vdb_console_pos(const vdb_console *k);
void vdb_console_seek(vdb_console *k, vdb_con_pos p);

/* vdb_break.c: per-tick stop checks */
typedef struct vdb_watch_pre {
  uint32_t pc; /* pc before the tick */
  bool marked; /* last_ea was set to ea_mark (read and access watchpoints) */
  uint32_t ea_mark, old_ea;
  int access; /* P_R / P_W of the instruction at pc, 0 if none */
  uint32_t ea, size;
} vdb_watch_pre;
bool bp_any_fine(const vdb *d, const vdb_target *t); /* needs tick-by-tick running */
void bp_before(vdb *d, vdb_target *t, vdb_watch_pre *w);
/* After a tick: the first stop condition met, or NULL.  `why` gets a
 * one-line reason; `commit` counts hits and deletes a tbreak. */
bool bp_after(vdb *d, vdb_target *t, const vdb_watch_pre *w, const vdb_probe *before, const vdb_probe *after,
              bool commit, char *why, size_t len);
void bp_refresh_watch(vdb *d, vdb_target *t);          /* watch values at the current state */
void bp_unmark(vdb_target *t, const vdb_watch_pre *w); /* the tick did not happen */

/* vdb_run.c: where the guest stopped, and why (a line per reason). */
void run_show_stop(vdb *d, vdb_target *t, const char *why);

/* vdb_expr.c */
typedef struct vdb_val {
  uint32_t v;
  bool addr; /* came from an address (a symbol, $pc, $sp...): print in hex */
} vdb_val;
/* Evaluate s; 0, or -1 with a one-line message in err. */
int expr_eval(vdb *d, vdb_target *t, const char *s, vdb_val *out, char *err, size_t len);
/* The value of a register name as in $NAME (without the $); -1 if none. */
int expr_reg(const vdb_target *t, const char *name, uint32_t *v);
/* The names $NAME accepts, for completion: i = 0, 1, ... until NULL. */
const char *expr_reg_name(int i);
/* Evaluate or print the error: 0 or -1. */
int vdb_eval(vdb *d, const char *s, uint32_t *v);

/* vdb_mem.c */
enum { SP_GVA, SP_GPA, SP_HPA };
/* Read from an address space; 0, or -1 with the first address that is
 * not there in *bad. */
int mem_read(const vdb_target *t, int space, uint32_t addr, void *buf, uint32_t len, uint32_t *bad);
/* Walks and runs of a table: cpu/pt.h (pt_walk_in, pt_runs), without side
 * effects: the debugger never sets A or D. */
/* The guest's own translation of va (paging off: identity); true if mapped. */
bool mem_guest_walk(const vdb_target *t, uint32_t va, pt_walk *w, bool *paging);
/* A shadow root's mappings in runs, each compared with the guest's view:
 * verdict is "= guest" or why they differ (a static string). */
typedef struct shadow_run {
  uint32_t va, hpa, pages, bits;
  const char *verdict;
} shadow_run;
int shadow_runs(const vdb_target *t, uint32_t pd, shadow_run **out);
extern const char shadow_agrees[];
void pte_bits_str(uint32_t bits, char *buf, size_t len);
int mem_parse_fmt(const char **s, vdb_fmt *f);
/* The instruction at a guest-virtual address, as x/i shows it. */
void mem_show_insn(vdb *d, vdb_target *t, uint32_t addr);

/* vdb_info.c */
void info_show_displays(vdb *d);

/* Commands: every handler is `int fn(vdb *d, const char *args)` and is
 * listed in vdb_cmd.c's table; 0 on success, else vdb_error's -1. */
typedef int (*vdb_cmd_fn)(vdb *d, const char *args);
/* vdb_run.c */
int cmd_run(vdb *d, const char *args);
int cmd_continue(vdb *d, const char *args);
int cmd_stepi(vdb *d, const char *args);
int cmd_nexti(vdb *d, const char *args);
int cmd_until(vdb *d, const char *args);
int cmd_reverse_stepi(vdb *d, const char *args);
int cmd_reverse_continue(vdb *d, const char *args);
int cmd_info_history(vdb *d, const char *args);
/* vdb_break.c */
int cmd_break(vdb *d, const char *args);
int cmd_tbreak(vdb *d, const char *args);
int cmd_pbreak(vdb *d, const char *args);
int cmd_watch(vdb *d, const char *args);
int cmd_rwatch(vdb *d, const char *args);
int cmd_awatch(vdb *d, const char *args);
int cmd_delete(vdb *d, const char *args);
int cmd_info_breakpoints(vdb *d, const char *args);
int cmd_catch_trap(vdb *d, const char *args);
int cmd_catch_exit(vdb *d, const char *args);
int cmd_catch_translate(vdb *d, const char *args);
/* vdb_info.c */
/* A register's name as info registers shows it (fp, sp, lr; r0..r12). */
const char *vdb_reg_label(unsigned r);
int cmd_info_registers(vdb *d, const char *args);
int cmd_info_creg(vdb *d, const char *args);
int cmd_print(vdb *d, const char *args);
int cmd_display(vdb *d, const char *args);
int cmd_undisplay(vdb *d, const char *args);
int cmd_info_display(vdb *d, const char *args);
int cmd_info_vcpu(vdb *d, const char *args);
int cmd_info_traps(vdb *d, const char *args);
int cmd_info_tc(vdb *d, const char *args);
int cmd_info_stats(vdb *d, const char *args);
/* vdb_mem.c */
int cmd_x(vdb *d, const char *args);
int cmd_xp(vdb *d, const char *args);
int cmd_xh(vdb *d, const char *args);
int cmd_disassemble(vdb *d, const char *args);
int cmd_info_tlb(vdb *d, const char *args);
int cmd_info_pt(vdb *d, const char *args);
int cmd_info_shadow(vdb *d, const char *args);
int cmd_info_npt(vdb *d, const char *args);
int cmd_translate(vdb *d, const char *args);
/* vdb_dot.c */
int cmd_dot(vdb *d, const char *args);
/* vdb_stack.c */
int cmd_backtrace(vdb *d, const char *args);
/* vdb_session.c */
int cmd_trace(vdb *d, const char *args);
int cmd_vm(vdb *d, const char *args);
int cmd_source(vdb *d, const char *args);
int cmd_quit(vdb *d, const char *args);
/* vdb_cmd.c */
int cmd_help(vdb *d, const char *args);
int cmd_info(vdb *d, const char *args);
int cmd_catch(vdb *d, const char *args);

/* vdb_cmd.c: the table, for help and completion. */
typedef struct vdb_cmd {
  const char *group; /* NULL, or the command it is a subcommand of */
  const char *name;
  const char *aliases; /* space-separated */
  int min_args;
  vdb_cmd_fn fn;
  unsigned flags;
  const char *usage;
  const char *help;     /* one line */
  const char *longhelp; /* the rest */
} vdb_cmd;
enum { CMD_NOREPEAT = 1, CMD_SYMBOLS = 2 /* complete symbols */ };
extern const vdb_cmd vdb_cmds[];
extern const int vdb_ncmds;
/* Find a command of group (NULL: top level) by name, alias or unique
 * prefix.  NULL with a message in err when unknown or ambiguous. */
const vdb_cmd *cmd_find(const char *group, const char *word, size_t len, char *err, size_t errlen);

/* vdb_cli.c */
int vdb_main(int argc, char **argv, FILE *out, FILE *err);

/* vdb_term.c: the terminal (only when stdin is one). */
int term_loop(vdb *d);
void term_catch_sigint(vdb *d); /* Ctrl-C stops the guest instead of vdb */
/* Ctrl-C while the guest runs: stop it (sets *flag and d->interrupted). */
void term_arm(vdb *d, volatile int *flag);
void term_disarm(void);
const char *term_history_path(char *buf, size_t len);

/* Small helpers shared by the command files (vdb_cmd.c). */
const char *skip_ws(const char *s);
/* Next whitespace-separated word of *s into buf; false if none. */
bool next_word(const char **s, char *buf, size_t len);
bool parse_u64(const char *s, uint64_t *v);
int cause_parse(const char *s); /* name or number; -1 unknown */

#endif
