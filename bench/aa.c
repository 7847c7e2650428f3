/* aa.c: Adams and Agesen's table beside the kit's (make bench, section 5;
 * docs/compare.md, "Adams and Agesen, side by side").
 *
 * K. Adams and O. Agesen, "A Comparison of Software and Hardware
 * Techniques for x86 Virtualization", ASPLOS 2006, section 6: seven
 * nanobenchmarks and forkwait, each under native execution, VMware's
 * software monitor (binary translation) and an early hardware monitor
 * (VT-x, shadow paging), in cycles.  The kit runs its microbenchmark of
 * the same name (guestos/bench/) under native, bt and hw-shadow, in
 * modeled cycles per operation, in both cost profiles (cpu/cost.h).
 *
 * Cost per operation: each benchmark is built twice, whole and with
 * -D SCALE=2 (half the iterations: build/bench/half-NAME.img); the cost
 * of one operation is the difference of the two runs' cycles over the
 * difference of their operations, so the boot and the result line, which
 * both runs pay alike, cancel.  The operations are counted by the guest
 * itself: the first number of its result line ("bench syscall: 20000
 * getpid calls, ok").
 *
 * The columns are a table (aa_columns): a later technique (adaptive
 * translation, a paravirtual guest) is one more row there, and the ratio
 * columns are made for every software column against the hardware one.
 */
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "core/mode.h"
#include "run/json.h"

/* ---- the paper's figures ---- */

/* Cycles per operation on the paper's Pentium 4 672 (section 6.2's text;
 * 0: the text gives no figure).  A derived figure says how in `source`. */
typedef struct aa_row {
  const char *name;  /* the paper's name for it */
  const char *bench; /* the kit's guestos/bench/NAME.s */
  double native, sw, hw;
  const char *unit;   /* "cycles", or forkwait's "s" (a whole run) */
  const char *source; /* where the figures come from */
  const char *waits;  /* NULL, or the later work this row waits for */
} aa_row;

static const aa_row aa_rows[] = {
    {"syscall", "syscall", 0, 0, 0, "cycles",
     "the text gives no figure (Figure 4 only): the software VMM takes \"approximately 2000 more cycles than a "
     "native system call\", the hardware VMM \"executes system calls at native speed\"",
     NULL},
    {"in", "io", 3209, 3209.0 / 15, 15826, "cycles",
     "native 3,209 and hardware 15,826 as given; software derived: \"fifteen times faster than native\"", NULL},
    {"cr8wr", "privileged", 140, 35, 140, "cycles",
     "software 35 as given; native derived (\"about four times faster than native\"); hardware \"similar to "
     "native\"",
     NULL},
    {"call/ret", "callret", 11, 51, 11, "cycles", "as given", NULL},
    {"pgfault", "pgfault", 1093, 3927, 11242, "cycles", "as given", NULL},
    {"divzero", "divzero", 889, 3223, 1014, "cycles", "as given", NULL},
    {"ptemod", "ptemod", 1, 391, 12733, "cycles",
     "software and hardware as given; native \"the native single cycle store\"", NULL},
    {"forkwait", "forkwait", 6.0, 36.9, 106.4, "s",
     "the paper's section 6.1, as it is usually quoted (seconds for the whole run); not checked against the "
     "paper's text here",
     NULL},
};
#define NROWS (sizeof aa_rows / sizeof aa_rows[0])

/* ---- the kit's columns ---- */

/* AA_PARAVIRT: a changed guest; it has no figure in the paper to meet. */
enum aa_role { AA_NATIVE, AA_SOFTWARE, AA_HARDWARE, AA_PARAVIRT };

typedef struct aa_column {
  const char *label;  /* its JSON key and heading */
  const char *mode;   /* --mode */
  enum aa_role role;  /* software columns are compared with the hardware one */
  const char *suffix; /* image suffix: "", or "-pv" for the paravirtual guest */
  bool no_adapt;      /* --bt-adaptive off */
  bool pv;            /* --pv on (docs/pv.md) */
} aa_column;

/* bt is the translator as it runs by default, adaptive translation on
 * (vmm/bt/bt_adapt.c); bt-noadapt the same without it, to show what the
 * callouts save. */
static const aa_column aa_columns[] = {
    {"native", "native", AA_NATIVE, "", false, false},
    {"bt", "bt", AA_SOFTWARE, "", false, false},
    {"bt-noadapt", "bt", AA_SOFTWARE, "", true, false},
    {"hw-shadow", "hw-shadow", AA_HARDWARE, "", false, false},
    {"pv", "trap", AA_PARAVIRT, "-pv", false, true}, /* the PV guest under trap-and-emulate */
};
#define NCOLS (sizeof aa_columns / sizeof aa_columns[0])

static const char *const profiles[] = {"modern", "early-vtx"};

/* One run: its cycles and the first number its console printed after a
 * colon (the operations); -1 if it failed. */
typedef struct aa_run {
  uint64_t cycles, ops, insns, exits;
} aa_run;

static uint64_t sum(const uint64_t *v, int n) {
  uint64_t s = 0;
  for (int i = 0; i < n; i++) s += v[i];
  return s;
}

/* vpid: -1 the profile's, else --vpid off (0) or on (1). */
static int run_vpid(const char *path, const aa_column *col, const char *profile, int vpid, aa_run *out_run,
                    vm_report *rep);

/* The same on the strict ISA or not. */
static int run_vpid_isa(const char *path, const aa_column *col, const char *profile, int vpid, bool strict,
                        aa_run *out_run, vm_report *rep);

static int run(const char *path, const aa_column *col, const char *profile, aa_run *out_run) {
  vm_report r;
  return run_vpid(path, col, profile, -1, out_run, &r);
}

static int run_vpid(const char *path, const aa_column *col, const char *profile, int vpid, aa_run *out_run,
                    vm_report *rep) {
  return run_vpid_isa(path, col, profile, vpid, false, out_run, rep);
}

int bench_run_image(const char *path, const vmm_opts *opts, const char *what, vm_report *rep, uint64_t *ops) {
  char err[256];
  image img;
  if (image_read(path, &img, err, sizeof err) != 0) {
    fprintf(stderr, "bench: %s\n", err);
    return -1;
  }
  vmm_opts o = *opts;
  o.image = path;
  FILE *out = tmpfile();
  if (!out) return image_free(&img), -1;
  host_console hc;
  host_console_init(&hc, out, NULL);
  console_dev con = {0};
  host_console_fill(&hc, &con);
  guest g;
  vm_report r = {0};
  int rc = guest_create(&g, mode_find(o.mode, &o), &o, &img, con, 0, err, sizeof err);
  if (rc == 0) {
    guest_run(&g, UINT64_MAX);
    guest_report(&g, &r);
    guest_destroy(&g);
  }
  image_free(&img);
  char line[256] = "";
  rewind(out);
  size_t n = fread(line, 1, sizeof line - 1, out);
  line[n] = 0;
  fclose(out);
  const char *colon = strchr(line, ':');
  bool bench = strstr(path, "/bench-") || strstr(path, "/half-");
  if (rc != 0 || r.exit != EXIT_HALT || r.halt_code != 0 || (bench && (!colon || !strstr(line, ", ok")))) {
    fprintf(stderr, "bench: %s under %s did not end well: %s\n", path, what, rc ? err : line);
    return -1;
  }
  *rep = r;
  *ops = colon ? strtoull(colon + 1, NULL, 10) : 0;
  return 0;
}

static int run_vpid_isa(const char *path, const aa_column *col, const char *profile, int vpid, bool strict,
                        aa_run *out_run, vm_report *rep) {
  vmm_opts o = {.mode = col->mode, .mem = 1u << 20, .tlb = 64, .bt_no_adapt = col->no_adapt, .pv = col->pv,
                .strict_isa = strict};
  cost_profile(&o.cost, profile);
  if (vpid >= 0) o.cost.vpid = vpid;
  char what[96];
  snprintf(what, sizeof what, "%s (%s)", col->label, profile);
  vm_report r;
  if (bench_run_image(path, &o, what, &r, &out_run->ops)) return -1;
  *rep = r;
  out_run->cycles = r.cycles;
  out_run->insns = r.st.insns; /* the guest's, as natively */
  out_run->exits = r.monitored ? r.vmm.world_switches + r.bt.exits : sum(r.st.traps, NCAUSES);
  return 0;
}

/* Per operation of benchmark `bench` in column col: modeled cycles, guest
 * instructions, and traps (natively) or monitor entries and exits. */
typedef struct aa_op {
  double cycles, insns, exits;
  uint64_t ops;
} aa_op;

static int per_op(const char *bench, const aa_column *col, const char *profile, aa_op *op) {
  char whole[256], half[256];
  snprintf(whole, sizeof whole, "build/guests/bench-%s%s.img", bench, col->suffix);
  snprintf(half, sizeof half, "build/bench/half-%s%s.img", bench, col->suffix);
  aa_run a, b;
  if (run(whole, col, profile, &a) || run(half, col, profile, &b)) return -1;
  if (a.ops <= b.ops || a.cycles < b.cycles) {
    fprintf(stderr, "bench: %s: the half run did not do less (%llu against %llu operations)\n", bench,
            (unsigned long long)b.ops, (unsigned long long)a.ops);
    return -1;
  }
  double n = (double)(a.ops - b.ops);
  op->cycles = (double)(a.cycles - b.cycles) / n;
  op->insns = ((double)a.insns - (double)b.insns) / n;
  op->exits = ((double)a.exits - (double)b.exits) / n;
  op->ops = a.ops;
  return 0;
}

static const aa_column *column(enum aa_role role) {
  for (size_t k = 0; k < NCOLS; k++)
    if (aa_columns[k].role == role) return &aa_columns[k];
  return NULL;
}

int bench_aa(json *j) {
  json_object(j, "adams_agesen_paper");
  for (size_t i = 0; i < NROWS; i++) {
    const aa_row *p = &aa_rows[i];
    json_object(j, p->bench); /* keyed by the kit's benchmark: "call/ret" is no key */
    json_str(j, "name", p->name);
    json_str(j, "unit", p->unit);
    if (p->native) json_double(j, "native", p->native);
    if (p->sw) json_double(j, "sw", p->sw);
    if (p->hw) json_double(j, "hw", p->hw);
    if (p->sw && p->hw) json_double(j, "sw_hw_ratio", p->sw / p->hw);
    json_end(j);
  }
  json_end(j);

  const aa_column *hw = column(AA_HARDWARE);
  json_object(j, "adams_agesen");
  for (size_t pi = 0; pi < sizeof profiles / sizeof profiles[0]; pi++) {
    printf("\nAdams and Agesen side by side, cost profile %s: cycles per operation\n", profiles[pi]);
    printf("%-9s %10s %10s %10s %8s |", "", "paper", "paper", "paper", "sw/hw");
    for (size_t k = 0; k < NCOLS; k++) printf(" %10s", aa_columns[k].label);
    printf("  ratios against %s\n", hw->label);
    printf("%-9s %10s %10s %10s %8s |\n", "row", "native", "software", "hardware", "");
    json_object(j, profiles[pi]);
    for (size_t i = 0; i < NROWS; i++) {
      const aa_row *p = &aa_rows[i];
      double cyc[NCOLS];
      aa_op op[NCOLS];
      for (size_t k = 0; k < NCOLS; k++) {
        if (per_op(p->bench, &aa_columns[k], profiles[pi], &op[k])) return -1;
        cyc[k] = op[k].cycles;
      }
      double paper = p->sw && p->hw ? p->sw / p->hw : 0;
      printf("%-9s %10.0f %10.0f %10.0f %8.3f |", p->name, p->native, p->sw, p->hw, paper);
      json_object(j, p->bench);
      json_str(j, "name", p->name);
      json_u64(j, "operations", op[0].ops);
      for (size_t k = 0; k < NCOLS; k++) {
        printf(" %10.0f", cyc[k]);
        json_object(j, aa_columns[k].label);
        json_double(j, "cycles_per_op", cyc[k]);
        json_double(j, "x_native", cyc[k] / cyc[0]);
        json_double(j, "insns_per_op", op[k].insns);
        json_double(j, "exits_per_op", op[k].exits);
        json_end(j);
      }
      size_t h = (size_t)(hw - aa_columns);
      for (size_t k = 0; k < NCOLS; k++) {
        if (aa_columns[k].role != AA_SOFTWARE) continue;
        double ratio = cyc[k] / cyc[h];
        char key[64];
        snprintf(key, sizeof key, "%s_%s", aa_columns[k].label, hw->label);
        json_object(j, key);
        json_double(j, "ratio", ratio);
        printf("  %s %.3f", aa_columns[k].label, ratio);
        if (paper) {
          /* Within a factor of 2 of the paper's ratio, and on its side of 1. */
          double f = ratio / paper;
          bool same_side = (ratio < 1) == (paper < 1);
          json_double(j, "factor", f);
          json_str(j, "direction", same_side ? "the paper's" : "opposite");
          json_str(j, "within_2x", f >= 0.5 && f <= 2 ? "yes" : "no");
          printf(" (x%.2f of the paper's%s)", f, same_side ? "" : ", OPPOSITE direction");
        } else {
          bool same_side = ratio > 1; /* syscall: software pays, hardware runs at native speed */
          json_str(j, "direction", same_side ? "the paper's" : "opposite");
          printf(" (the paper: software slower%s)", same_side ? "" : "; OPPOSITE direction");
        }
        json_end(j);
      }
      if (p->waits) printf("  [waits for %.40s...]", p->waits);
      printf("\n");
      json_end(j);
    }
    json_end(j);
  }
  json_end(j);
  return 0;
}

/* Tagged and untagged TLBs: hardware assist with VPID on and off, in the
 * early-vtx profile (whose machine has none), whole runs: the cycles, the
 * TLB flushes and misses that the flush at every VM entry and exit costs.
 * JSON object "vpid". */
int bench_vpid(json *j) {
  static const char *const guests[] = {"guestos", "bench-syscall", "bench-pgfault", "bench-ptemod", "bench-forkwait",
                                       "bench-memwalk"};
  static const aa_column cols[] = {{"hw-shadow", "hw-shadow", AA_HARDWARE, "", false, false},
                                   {"hw-nested", "hw", AA_HARDWARE, "", false, false}};
  printf("\nTagged and untagged TLBs (--vpid), cost profile early-vtx: whole runs\n");
  printf("%-16s %-10s %14s %14s %8s %10s %10s %10s %10s\n", "guest", "mode", "cycles vpid on", "cycles off",
         "off/on", "flush on", "flush off", "miss on", "miss off");
  json_object(j, "vpid");
  for (size_t g = 0; g < sizeof guests / sizeof guests[0]; g++) {
    char path[256];
    snprintf(path, sizeof path, "build/guests/%s.img", guests[g]);
    json_object(j, guests[g]);
    for (size_t k = 0; k < sizeof cols / sizeof cols[0]; k++) {
      aa_run a[2];
      vm_report r[2];
      for (int v = 0; v < 2; v++)
        if (run_vpid(path, &cols[k], "early-vtx", v, &a[v], &r[v])) return -1;
      double x = (double)a[0].cycles / (double)a[1].cycles;
      printf("%-16s %-10s %14llu %14llu %8.2f %10llu %10llu %10llu %10llu\n", guests[g], cols[k].label,
             (unsigned long long)a[1].cycles, (unsigned long long)a[0].cycles, x,
             (unsigned long long)r[1].st.tlb_flushes, (unsigned long long)r[0].st.tlb_flushes,
             (unsigned long long)r[1].st.tlb_misses, (unsigned long long)r[0].st.tlb_misses);
      json_object(j, cols[k].label);
      static const char *const key[2] = {"off", "on"};
      for (int v = 0; v < 2; v++) {
        json_object(j, key[v]);
        json_u64(j, "cycles", a[v].cycles);
        json_u64(j, "tlb_flushes", r[v].st.tlb_flushes);
        json_u64(j, "tlb_misses", r[v].st.tlb_misses);
        json_u64(j, "vm_exits", r[v].vmm.world_switches);
        json_end(j);
      }
      json_double(j, "off_on_ratio", x);
      json_end(j);
    }
    json_end(j);
  }
  json_end(j);
  return 0;
}

/* The guest OS, booted and run through its scripted session, under each
 * answer to popf: trap-and-emulate on the strict ISA, binary translation,
 * hardware assist, and the paravirtual guest under trap with --pv on.
 * Whole runs, one each (the counts are deterministic).  JSON object
 * "pv_boot". */
int bench_pv_boot(json *j) {
  static const struct {
    aa_column col;
    bool strict;
  } rows[] = {
      {{"trap", "trap", AA_SOFTWARE, "", false, false}, true}, /* the plain guest needs --isa strict under trap */
      {{"bt", "bt", AA_SOFTWARE, "", false, false}, false},
      {{"hw", "hw", AA_HARDWARE, "", false, false}, false},
      {{"pv", "trap", AA_PARAVIRT, "-pv", false, true}, false},
  };
  json_object(j, "pv_boot");
  for (size_t pi = 0; pi < sizeof profiles / sizeof profiles[0]; pi++) {
    printf("\nThe guest OS boot and session, cost profile %s: whole runs\n", profiles[pi]);
    printf("%-6s %12s %14s %10s %10s\n", "column", "instructions", "cycles", "exits", "hypercalls");
    json_object(j, profiles[pi]);
    for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
      char path[256];
      snprintf(path, sizeof path, "build/guests/guestos%s.img", rows[k].col.suffix);
      aa_run a;
      vm_report r;
      if (run_vpid_isa(path, &rows[k].col, profiles[pi], -1, rows[k].strict, &a, &r)) return -1;
      uint64_t hc = r.pv.unknown;
      for (int i = 0; i < 5; i++) hc += r.pv.calls[i];
      printf("%-6s %12llu %14llu %10llu %10llu\n", rows[k].col.label, (unsigned long long)a.insns,
             (unsigned long long)a.cycles, (unsigned long long)a.exits, (unsigned long long)hc);
      json_object(j, rows[k].col.label);
      json_u64(j, "instructions", a.insns);
      json_u64(j, "cycles", a.cycles);
      json_u64(j, "exits", a.exits);
      json_u64(j, "hypercalls", hc);
      json_end(j);
    }
    json_end(j);
  }
  json_end(j);
  return 0;
}
