/* web.c: the kit in the browser, the C side (built to WebAssembly by
 * mk/web.mk; web/worker.js calls these functions, never the kit directly).
 *
 * Three things a page does with a guest, each through the kit's own code:
 *
 *   run     one guest in one mode through the mode table (core/mode.h),
 *           the same rows bin/vmm uses: guest_create as bin/vmm makes it,
 *           then guest_run_watched in slices so that the page can pause, step and
 *           redraw; at the end guest_report, report_json and report_status
 *           give bin/vmm's stats JSON, its message and its exit status.
 *   debug   a vdb session: every command line goes to vdb_exec, the same
 *           command table as bin/vdb (vdb_term.c, readline, stays out).
 *   write   vasm's library: asm_assemble with its own diagnostics, the
 *           image written where run and debug can load it.
 *
 * A run is cut into slices with guest_run_watched: each slice ends in a
 * watcher's pause (core/mode.h), which stops the simulation between two
 * ticks and leaves no trace in it, so a run in slices retires the same
 * instructions, prints the same bytes and ends with the same counters as
 * bin/vmm's one call: `make web-check` compares them for every bundled
 * guest and mode, and a live run paused and resumed with bin/vmm's.
 *
 * Everything the page reads comes back as text: console bytes, JSON, the
 * debugger's transcript.  The files live in emscripten's in-memory file
 * system: /guests (bundled images, guests.tbl, console input files),
 * /src (include files for the editor), /work (what the page writes).
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef __EMSCRIPTEN__
#include <emscripten.h>
#else
#define EMSCRIPTEN_KEEPALIVE
#endif

#include "asm.h"
#include "status.h"
#include "core/mode.h"
#include "run/json.h"
#include "vdb/vdb.h"
#include "run/runner.h"

/* The files the kit writes here (the stats JSON, dot pictures, assembled
 * images) are made as bin/vmm makes them, a temporary file renamed into
 * place with the mode the umask allows (cli/files.c).  Emscripten's file
 * system starts with a umask of 0777, which would make every new file
 * mode 0 and unreadable to the worker; a Unix shell's usual 022 it is. */
__attribute__((constructor)) static void web_umask(void) { umask(022); }

/* ---- text handed back to JavaScript: one buffer, valid until the next call ---- */

static char *reply;
static size_t reply_len;

/* Collect what a FILE-writing function of the kit prints. */
typedef struct capture {
  FILE *f;
  char *buf;
  size_t len;
} capture;

static FILE *capture_open(capture *k) {
  memset(k, 0, sizeof *k);
  k->f = open_memstream(&k->buf, &k->len);
  return k->f;
}

/* The captured text becomes the reply. */
static const char *capture_reply(capture *k) {
  fclose(k->f);
  free(reply);
  reply = k->buf;
  reply_len = k->len;
  return reply ? reply : "";
}

EMSCRIPTEN_KEEPALIVE const char *web_reply(void) { return reply ? reply : ""; }
EMSCRIPTEN_KEEPALIVE size_t web_reply_len(void) { return reply_len; }

/* A run in one call (to stay exact, see web_run_slice) still shows its
 * console as it goes: at each newline the worker may take the output. */
#ifdef __EMSCRIPTEN__
EM_JS(void, console_newline, (void), { if (Module.onConsoleLine) Module.onConsoleLine(); });
#else
static void console_newline(void) {}
#endif

/* ======================= the console of a run ======================= */

/* Output is kept until the page takes it.  Input is what the page has
 * typed or loaded so far; `ended` says no more will come (a file's end,
 * as bin/vmm sees /dev/null or a redirected file).  While input may still
 * come, the status port says "nothing yet" and a read finds end of input:
 * a guest that waits in wfi with the console interrupt on (the guest OS
 * does) is woken when a byte arrives, as on a terminal. */
typedef struct web_console {
  char *out;
  size_t out_len, out_cap;
  uint8_t *in;
  size_t in_len, in_pos, in_cap;
  bool ended;
} web_console;

static void wc_putc(void *ctx, int ch) {
  web_console *w = ctx;
  if (w->out_len == w->out_cap) {
    size_t cap = w->out_cap ? 2 * w->out_cap : 4096;
    char *p = realloc(w->out, cap);
    if (!p) cpu_panic("web console: out of memory");
    w->out = p, w->out_cap = cap;
  }
  w->out[w->out_len++] = (char)ch;
  if (ch == '\n') console_newline();
}

static int wc_getc(void *ctx) {
  web_console *w = ctx;
  return w->in_pos < w->in_len ? w->in[w->in_pos++] : -1;
}

static int wc_status(void *ctx) {
  web_console *w = ctx;
  if (w->in_pos < w->in_len) return 1;
  return w->ended ? 2 : 0;
}

static void wc_add(web_console *w, const uint8_t *b, size_t n) {
  if (w->in_len + n > w->in_cap) {
    size_t cap = w->in_cap ? w->in_cap : 256;
    while (cap < w->in_len + n) cap *= 2;
    uint8_t *p = realloc(w->in, cap);
    if (!p) cpu_panic("web console: out of memory");
    w->in = p, w->in_cap = cap;
  }
  memcpy(w->in + w->in_len, b, n);
  w->in_len += n;
}

/* ============================ run ============================ */

typedef struct web_run {
  bool loaded;
  vmm_opts o;
  char name[256]; /* the image as bin/vmm would be given it */
  image img;
  cpu *c;
  guest g;
  web_console con;
  double seconds; /* host time inside guest_run */
  bool over;      /* the guest stopped, or --max-steps ran out */
} web_run;

static web_run run;

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void run_close(void) {
  if (run.g.mode) guest_destroy(&run.g); /* and the machine guest_create made */
  if (run.loaded) image_free(&run.img);
  free(run.con.out);
  free(run.con.in);
  memset(&run, 0, sizeof run);
}

/* Make the machine: `mode` as --mode takes it ("hw-shadow" included),
 * strict for --isa strict, cost a profile name, max_steps 0 for none
 * (a double: JavaScript numbers), `path` the image in the file system,
 * reported under its own name as bin/vmm reports its argument.  0, or an
 * exit status of bin/vmm with the message as the reply. */
EMSCRIPTEN_KEEPALIVE int web_run_open(const char *path, const char *mode, int strict, const char *cost,
                                      double max_steps, int tlb) {
  capture k;
  capture_open(&k);
  run_close();
  vmm_opts *o = &run.o;
  *o = (vmm_opts){.mode = mode, .mem = 1u << 20, .tlb = tlb > 0 ? (uint32_t)tlb : 64,
                  .max_steps = (uint64_t)max_steps, .strict_isa = strict != 0};
  o->hw_shadow = strcmp(mode, "hw-shadow") == 0;
  snprintf(run.name, sizeof run.name, "%s", path);
  o->image = run.name;
  int rc = 0;
  char err[256];
  const vmm_mode *md = mode_find(mode, o);
  if (!md) {
    fprintf(k.f, "vmm: unknown --mode: %s\n", mode);
    rc = VMM_EX_USAGE;
  } else if (cost_profile(&o->cost, cost) != 0) {
    fprintf(k.f, "vmm: --cost: unknown profile %s\n", cost);
    rc = VMM_EX_USAGE;
  } else if (image_read(path, &run.img, err, sizeof err) != 0) {
    fprintf(k.f, "vmm: %s\n", err);
    rc = VMM_EX_DATAERR;
  } else {
    run.loaded = true;
    /* One guest owns the machine from 0, as in bin/vmm's single runs. */
    console_dev con = {.ctx = &run.con, .putc = wc_putc, .getc = wc_getc, .status = wc_status};
    rc = guest_create(&run.g, md, o, &run.img, con, 0, err, sizeof err);
    if (rc)
      fprintf(k.f, "vmm: %s\n", err);
    else
      run.c = run.g.c;
  }
  capture_reply(&k);
  if (rc) run_close();
  return rc;
}

/* Console input: n bytes, then ended != 0 if no more will come. */
EMSCRIPTEN_KEEPALIVE void web_run_input(const uint8_t *b, int n, int ended) {
  if (n > 0) wc_add(&run.con, b, (size_t)n);
  if (ended) run.con.ended = true;
}

/* Run at most `ticks` more guest ticks, 0 for no limit (never past
 * --max-steps): 1 while the guest can go on, 0 once it is over (then
 * web_run_finish).
 *
 * Exactness: the page is a watcher, not a scheduler.  The end of a slice
 * is a watcher's pause (guest_run_watched, core/mode.h), not a preemption:
 * no world switch, no VM exit, no counter moves, and the next slice
 * resumes the guest exactly where it was.  So a live run, in as many
 * slices as the page likes, ends with bin/vmm's counters to the byte, as
 * the run in one slice does. */
EMSCRIPTEN_KEEPALIVE int web_run_slice(double ticks) {
  if (!run.g.mode || run.over) return 0;
  uint64_t n = ticks >= 1 && ticks < 1.8e19 ? (uint64_t)ticks : UINT64_MAX;
  if (run.o.max_steps) {
    uint64_t used = guest_ticks(&run.g);
    if (used >= run.o.max_steps) n = 0;
    else if (run.o.max_steps - used < n) n = run.o.max_steps - used;
  }
  if (n) {
    double t0 = now_seconds();
    guest_run_watched(&run.g, n);
    run.seconds += now_seconds() - t0;
  }
  run.over = guest_done(&run.g) || (run.o.max_steps && guest_ticks(&run.g) >= run.o.max_steps);
  return !run.over;
}

/* The console output since the last call. */
EMSCRIPTEN_KEEPALIVE const char *web_run_output(void) {
  free(reply);
  reply = malloc(run.con.out_len + 1);
  if (!reply) cpu_panic("web: out of memory");
  memcpy(reply, run.con.out, run.con.out_len);
  reply[run.con.out_len] = 0;
  reply_len = run.con.out_len;
  run.con.out_len = 0;
  return reply;
}

EMSCRIPTEN_KEEPALIVE double web_run_ticks(void) { return run.g.mode ? (double)guest_ticks(&run.g) : 0; }

static void run_report(vm_report *r) {
  memset(r, 0, sizeof *r);
  guest_report(&run.g, r);
  r->name = run.name;
  r->host_seconds = run.seconds;
}

/* The end of a run as bin/vmm ends it: the stats JSON is written to
 * json_path, what bin/vmm prints on stderr goes to stderr (a reason and
 * the register dump when the guest did not halt by itself), the result is
 * its exit status. */
EMSCRIPTEN_KEEPALIVE int web_run_finish(const char *json_path) {
  capture k;
  capture_open(&k);
  vm_report r;
  run_report(&r);
  int rc = 0;
  if (report_json(json_path, &r) != 0) {
    fprintf(k.f, "vmm: cannot write %s\n", json_path);
    rc = VMM_EX_IOERR;
  } else {
    /* report_status prints on stderr (worker.js collects it).  Its register
     * dump shows the guest's view, as bin/vmm's modes leave it. */
    guest_view v;
    guest_view_get(&run.g, &v);
    rc = report_status(&r, &v);
    fflush(stderr);
  }
  capture_reply(&k);
  return rc;
}

/* bin/vmm --stats's table, at any moment of the run. */
EMSCRIPTEN_KEEPALIVE const char *web_run_table(void) {
  capture k;
  capture_open(&k);
  if (run.g.mode) {
    vm_report r;
    run_report(&r);
    report_table(k.f, &r);
  }
  return capture_reply(&k);
}

/* The translation cache, each guest block beside its translation (the
 * debugger's `info tc`); empty in a mode without one. */
EMSCRIPTEN_KEEPALIVE const char *web_run_tc(void) {
  capture k;
  capture_open(&k);
  if (run.g.m && run.g.mode->tc_info) run.g.mode->tc_info(&run.g, k.f, "");
  return capture_reply(&k);
}

/* ==================== the panels' numbers, as JSON ==================== */

static void regs_json(json *j, const char *key, const uint32_t *r, uint32_t pc, uint32_t flags, const uint32_t *cr) {
  json_object(j, key);
  json_array(j, "r");
  for (int i = 0; i < NREGS; i++) json_u64(j, NULL, r[i]);
  json_end(j);
  json_u64(j, "pc", pc);
  json_u64(j, "flags", flags);
  json_array(j, "cr");
  for (int i = 0; i < NCR; i++) json_u64(j, NULL, cr[i]);
  json_end(j);
  json_end(j);
}

/* The registers' names, as the debugger shows them. */
static void names_json(json *j) {
  json_array(j, "cr_names");
#define CR_NAME(name, s, n, m) json_str(j, NULL, s);
  CR_TABLE(CR_NAME)
#undef CR_NAME
  json_end(j);
  json_array(j, "reg_names");
  for (unsigned i = 0; i < NREGS; i++) json_str(j, NULL, vdb_reg_label(i));
  json_end(j);
}

/* The VCPU (what the guest believes) beside the real CPU, the TLB, and the
 * counters of the report: traps by cause, exits, translations. */
static void panels_json(json *j, const char *mode, const uint32_t *gr, uint32_t gpc, uint32_t gflags,
                        const uint32_t *gcr, const cpu *c, const vm_report *r, uint64_t ticks) {
  json_object(j, NULL);
  json_str(j, "mode", mode);
  json_u64(j, "ticks", ticks);
  regs_json(j, "vcpu", gr, gpc, gflags, gcr);
  regs_json(j, "cpu", c->r, c->pc, c->flags, c->cr);
  names_json(j);
  json_array(j, "tlb"); /* valid entries: index, virtual page, physical page, perm, bits */
  for (uint32_t i = 0; i < c->tlb_size; i++) {
    const tlb_entry *e = &c->tlb[i];
    if (!(e->tag & 1)) continue;
    json_array(j, NULL);
    json_u64(j, NULL, i);
    json_u64(j, NULL, e->tag >> PAGE_SHIFT);
    json_u64(j, NULL, e->ppn);
    json_u64(j, NULL, e->perm);
    json_u64(j, NULL, e->bits);
    json_u64(j, NULL, (e->tag >> 1) & 0x7ff);
    json_end(j);
  }
  json_end(j);
  json_u64(j, "tlb_size", c->tlb_size);
  json_u64(j, "tlb_hits", r->st.tlb_hits);
  json_u64(j, "tlb_misses", r->st.tlb_misses);
  json_u64(j, "instructions", r->st.insns);
  json_u64(j, "cycles", r->cycles);
  json_object(j, "traps");
  for (int i = 0; i < NCAUSES; i++)
    if (r->st.traps[i]) json_u64(j, cpu_cause_name((uint32_t)i), r->st.traps[i]);
  json_end(j);
  json_object(j, "exits"); /* what made the monitor run, by cause */
  if (r->hw_assist) {
    for (uint32_t i = 0; i < NVMX_EXITS; i++)
      if (r->hw.vm_exits[i]) json_u64(j, vmx_exit_name(i), r->hw.vm_exits[i]);
  } else if (r->monitored) {
    uint64_t emulated = 0;
    for (int i = 0; i < 256; i++) emulated += r->vmm.emulated[i];
    json_u64(j, "emulated", emulated);
    json_u64(j, "shadow_fills", r->vmm.shadow_fills);
    json_u64(j, "guest_page_faults", r->vmm.guest_page_faults);
    for (int i = 0; i < NCAUSES; i++)
      if (r->vmm.reflected[i]) json_u64(j, cpu_cause_name((uint32_t)i), r->vmm.reflected[i]);
    if (r->translated) json_u64(j, "translator", r->bt.exits);
  }
  json_end(j);
  json_u64(j, "world_switches", r->monitored ? r->vmm.world_switches : 0);
  if (r->translated) {
    json_u64(j, "translations", r->bt.translations);
    json_u64(j, "tc_hits", r->bt.tc_hits);
    json_u64(j, "tc_misses", r->bt.tc_misses);
  }
  json_end(j);
}

EMSCRIPTEN_KEEPALIVE const char *web_run_panels(void) {
  capture k;
  capture_open(&k);
  if (run.g.mode) {
    json j;
    json_init(&j, k.f);
    vm_report r;
    run_report(&r);
    guest_view v;
    guest_view_get(&run.g, &v);
    panels_json(&j, run.g.mode->name, v.r, v.pc, v.flags, v.cr, run.c, &r, v.ticks);
  }
  return capture_reply(&k);
}

/* ============================ debug ============================ */

/* The debugger's transcript (its output, its errors, the guest's console
 * while it runs) goes to one file, read back after each command. */
#define VDB_LOG "/work/vdb.log"

static vdb *dbg;
static FILE *dbg_log;

static const char *dbg_take(void) {
  capture k;
  capture_open(&k);
  fflush(dbg_log);
  rewind(dbg_log);
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, dbg_log)) > 0) fwrite(buf, 1, n, k.f);
  rewind(dbg_log);
  if (ftruncate(fileno(dbg_log), 0) != 0) fprintf(k.f, "web: cannot clear the debugger's log\n");
  return capture_reply(&k);
}

/* A session with one guest, as `vdb --mode MODE [--isa strict] [--input
 * FILE] IMAGE`; the reply is its first words or the error. */
EMSCRIPTEN_KEEPALIVE int web_vdb_open(const char *path, const char *mode, int strict, const char *cost,
                                      const char *input) {
  if (dbg) vdb_free(dbg);
  dbg = NULL;
  if (!dbg_log) dbg_log = fopen(VDB_LOG, "w+");
  if (!dbg_log) return -1;
  vdb_opts o = {.mode = mode, .mem = 1u << 20, .tlb = 64, .strict_isa = strict != 0,
                .ckpt_every = VDB_CKPT_EVERY, .ckpt_max = VDB_CKPT_MAX, .guest_in = -1};
  int rc = 0;
  char msg[512];
  if (cost_profile(&o.cost, cost) != 0) {
    fprintf(dbg_log, "vdb: --cost: unknown profile %s\n", cost);
    rc = -1;
  } else if (!mode_find(mode, NULL)) {
    fprintf(dbg_log, "vdb: unknown --mode: %s\n", mode);
    rc = -1;
  } else if (input && *input && (o.guest_in = open(input, O_RDONLY)) < 0) {
    fprintf(dbg_log, "vdb: %s: cannot open\n", input);
    rc = -1;
  } else if (!(dbg = vdb_new(&o, dbg_log, dbg_log))) {
    rc = -1;
  } else if (vdb_add_target(dbg, path, msg, sizeof msg) != 0) {
    fprintf(dbg_log, "vdb: %s\n", msg);
    vdb_free(dbg);
    dbg = NULL;
    rc = -1;
  } else {
    char st[200];
    vdb_target *t = vdb_cur(dbg);
    vdb_printf(dbg, "vdb, the kit's debugger.  vm %d: %s in %s mode, %s.\nType \"help\" for the commands.\n",
               t->id, t->path, t->mode->name, target_state(t, st, sizeof st));
  }
  dbg_take();
  return rc;
}

/* One command line; the reply is what it printed.  0, or -1 if it failed. */
EMSCRIPTEN_KEEPALIVE int web_vdb_exec(const char *line) {
  if (!dbg) {
    capture k;
    capture_open(&k);
    fprintf(k.f, "no guest loaded in the debugger\n");
    capture_reply(&k);
    return -1;
  }
  int rc = vdb_exec(dbg, line);
  dbg_take();
  return rc;
}

/* The panels' numbers for the debugger's current guest. */
EMSCRIPTEN_KEEPALIVE const char *web_vdb_panels(void) {
  capture k;
  capture_open(&k);
  if (dbg) {
    vdb_target *t = vdb_cur(dbg);
    vdb_regs g;
    vm_report r;
    memset(&r, 0, sizeof r);
    target_regs(t, &g);
    target_report(t, &r);
    json j;
    json_init(&j, k.f);
    panels_json(&j, t->mode->name, g.r, g.pc, g.flags, g.cr, t->c, &r, target_now(t));
  }
  return capture_reply(&k);
}

EMSCRIPTEN_KEEPALIVE double web_vdb_ticks(void) { return dbg ? (double)target_now(vdb_cur(dbg)) : 0; }

/* vdb_run.c arms Ctrl-C around a run; in the page a run is stopped by the
 * worker's owner, so there is nothing to arm (vdb_term.c stays out). */
void term_arm(vdb *d, volatile int *flag) { (void)d, (void)flag; }
void term_disarm(void) {}

/* ============================ write ============================ */

/* Assemble src as file `name` (include files are looked up in /src) into
 * the image out_path.  The reply is vasm's diagnostics, as vasm prints
 * them; 0 on success, 1 on errors (vasm's exit status). */
EMSCRIPTEN_KEEPALIVE int web_assemble(const char *name, const char *src, const char *out_path) {
  capture k;
  capture_open(&k);
  static const char *const dirs[] = {"/src"};
  asm_options opt = {.include_dirs = dirs, .ninclude = 1};
  asm_diag diag = {k.f, NULL, 0, 0, 0};
  image img;
  char err[256];
  /* bin/vasm's statuses (docs/exit-status.md): 65 for errors in the source */
  int status = asm_assemble(&opt, name, src, strlen(src), &img, &diag) < 0 ? CLI_EX_DATAERR : 0;
  if (status == 0 && image_write(out_path, &img, err, sizeof err) != 0) {
    fprintf(k.f, "vasm: %s\n", err);
    status = CLI_EX_CANTCREAT;
  }
  if (status == 0) image_free(&img);
  asm_diag_free(&diag);
  capture_reply(&k);
  return status;
}
