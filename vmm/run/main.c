/* main.c: bin/vmm, the runner and monitor's command line.
 *
 *   vmm [--mode native] [--mem SIZE] [--tlb N] [--max-steps N] [--isa real|strict]
 *       [--cost modern|early-vtx|FILE] [--stats] [--stats-json FILE] IMAGE
 *
 * docs/vmm.md is the full reference, with the exit statuses and the JSON
 * keys.  The modes are the mode table's rows (core/mode.h): --mode names
 * one, and a mode's own options are the ones its row lists. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "check/gen.h"
#include "compare.h"
#include "check/lockstep.h"
#include "multi.h"
#include "bt/bt.h"
#include "core/mode.h"
#include "runner.h"
#include "check/classify.h"

static void usage(FILE *f) {
  fprintf(f,
          "usage: vmm [options] IMAGE\n"
          "       vmm --mode MODE [options] IMAGE IMAGE... | --config FILE   (several guests)\n"
          "  --mode MODE        how to run the guest:");
  for (int i = 0; vmm_modes[i]; i++) fprintf(f, " %s", vmm_modes[i]->name);
  fprintf(f,
          "\n"
          "  --mem SIZE         guest memory, e.g. 1M, 512K (default 1M)\n"
          "  --tlb N            TLB entries, a power of two (default 64)\n"
          "  --max-steps N      stop after N ticks (default: no limit)\n"
          "  --isa real|strict  strict: special instructions trap in user mode\n"
          "  --cost NAME|FILE   cost profile: modern (default), early-vtx, or a file\n"
          "  --paging nested|shadow  --mode hw: nested page tables (default) or shadow\n"
          "  --vpid on|off      --mode hw, hw-shadow: TLB tagged by VM (on), or flushed at\n"
          "                     every VM entry and exit (off); default: the cost profile's\n"
          "  --shadow trace|lazy  --mode trap, bt, hw-shadow: keep the shadow page tables\n"
          "                     coherent by tracing writes to the guest's page tables\n"
          "                     (trace) or on its TLB invalidations (lazy, the default)\n"
          "  --bt-priv inline|trap  --mode bt: privileged instructions emulated in line\n"
          "                     in the translation (default) or trapping\n"
          "  --bt-chain on|off  --mode bt: chain translated blocks (default on)\n"
          "  --bt-adaptive on|off|N  --mode bt: translate again, as in-line callouts, guest\n"
          "                     instructions that keep entering the monitor (default on:\n"
          "                     after 8 entries; N: after N)\n"
          "  --tc-size SIZE     --mode bt: translation cache size (default 256K)\n"
          "  --dump-tc FILE     --mode bt: write each guest block beside its translation\n"
          "  --pv on|off        --mode trap, bt: take hcall from the guest kernel as a\n"
          "                     hypercall (a paravirtual guest; docs/pv.md); default off\n"
          "  --compare MODE     then run the guest again in MODE (its output dropped) and\n"
          "                     print what the monitor did beside it (make demo)\n"
          "  --lockstep MODE    run native and MODE side by side and stop at the first\n"
          "                     difference the guest could see (docs/reliability.md)\n"
          "  --gen-seed N       instead of IMAGE, the random guest kernel of seed N\n"
          "  --gen-kind KIND    its kind: normal (default) or attack\n"
          "  --classify         run every instruction in both modes and print the\n"
          "                     Popek-Goldberg classification (with --isa)\n"
          "  --config FILE      several guests: a line each (NAME IMAGE [options]; docs/multi.md)\n"
          "  --quantum TICKS    several guests: ticks per time slice (default 20000)\n"
          "  --input NAME       several guests: the one that reads standard input\n"
          "  --stats            print counters on stderr at exit\n"
          "  --stats-json FILE  write counters as JSON (- for stdout)\n"
          "  --help             this text\n"
          "  --version          the version\n"
          "Exit status: the guest's halt code (0 to 63), or 64-79 (vmm(1), docs/exit-status.md).\n");
}

/* "bad --mem (4K to 1G)": a range message printed from the limit's
 * constants (`whole`: what the values must be, or NULL). */
static const char *range_msg(char *buf, size_t len, const char *opt, const char *whole, uint64_t lo, uint64_t hi,
                             bool bytes) {
  char a[24], b[24];
  if (bytes)
    size_str(lo, a, sizeof a), size_str(hi, b, sizeof b);
  else
    snprintf(a, sizeof a, "%llu", (unsigned long long)lo), snprintf(b, sizeof b, "%llu", (unsigned long long)hi);
  snprintf(buf, len, "bad %s (%s%s%s to %s)", opt, whole ? whole : "", whole ? ", " : "", a, b);
  return buf;
}

/* One line (cli.h): "vmm: MSG: ARG (try 'vmm --help')". */
static int bad_usage(const char *msg, const char *arg) {
  return arg ? cli_usage("vmm", "%s: %s", msg, arg) : cli_usage("vmm", "%s", msg);
}


int main(int argc, char **argv) {
  vmm_opts o = {.mode = "native", .mem = 1u << 20, .tlb = 64};
  cost_profile(&o.cost, "modern");
  enum { OPT_MODE = 256, OPT_MEM, OPT_TLB, OPT_STEPS, OPT_STATS, OPT_JSON, OPT_ISA, OPT_COST, OPT_HELP, OPT_CLASSIFY, OPT_PAGING,
         OPT_BT_PRIV, OPT_BT_CHAIN, OPT_BT_ADAPT, OPT_TC_SIZE, OPT_DUMP_TC, OPT_LOCKSTEP, OPT_GEN_SEED, OPT_GEN_KIND,
         OPT_CONFIG, OPT_QUANTUM, OPT_INPUT, OPT_VERSION, OPT_VPID, OPT_COMPARE, OPT_SHADOW, OPT_PV };
  static const struct option longopts[] = {
      {"mode", required_argument, 0, OPT_MODE},       {"mem", required_argument, 0, OPT_MEM},
      {"tlb", required_argument, 0, OPT_TLB},         {"max-steps", required_argument, 0, OPT_STEPS},
      {"stats", no_argument, 0, OPT_STATS},           {"stats-json", required_argument, 0, OPT_JSON},
      {"isa", required_argument, 0, OPT_ISA},         {"cost", required_argument, 0, OPT_COST},
      {"help", no_argument, 0, OPT_HELP},             {"classify", no_argument, 0, OPT_CLASSIFY},
      {"paging", required_argument, 0, OPT_PAGING},   {"vpid", required_argument, 0, OPT_VPID},
      {"bt-priv", required_argument, 0, OPT_BT_PRIV},  {"bt-chain", required_argument, 0, OPT_BT_CHAIN},
      {"bt-adaptive", required_argument, 0, OPT_BT_ADAPT},
      {"tc-size", required_argument, 0, OPT_TC_SIZE},  {"dump-tc", required_argument, 0, OPT_DUMP_TC},
      {"lockstep", required_argument, 0, OPT_LOCKSTEP}, {"gen-seed", required_argument, 0, OPT_GEN_SEED},
      {"gen-kind", required_argument, 0, OPT_GEN_KIND},
      {"config", required_argument, 0, OPT_CONFIG},   {"quantum", required_argument, 0, OPT_QUANTUM},
      {"input", required_argument, 0, OPT_INPUT},
      {"version", no_argument, 0, OPT_VERSION},
      {"compare", required_argument, 0, OPT_COMPARE},
      {"shadow", required_argument, 0, OPT_SHADOW},
      {"pv", required_argument, 0, OPT_PV},
      {0, 0, 0, 0},
  };
  opterr = 0;
  bool classify = false;
  const char *paging = NULL; /* --paging, for --mode hw */
  const char *vpid = NULL;   /* --vpid on|off, for --mode hw: over the profile's */
  const char *shadow = NULL; /* --shadow trace|lazy, for the modes that shadow page tables */
  const char *pv = NULL;     /* --pv on|off, for --mode trap or bt */
  const char *bt_opt = NULL; /* the last --bt-* option, for --mode bt */
  int opt;
  uint64_t v;
  char err[256];
  const char *lockstep = NULL; /* --lockstep MODE */
  const char *compare = NULL;  /* --compare MODE (compare.c) */
  bool mode_given = false, gen = false;
  gen_opts go = {0};
  multi_opts mo = {0}; /* several guests (multi.c) */
  const char *cost_file = NULL; /* --cost FILE, an input */
  while ((opt = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
    switch (opt) {
    case OPT_MODE: o.mode = optarg, mode_given = true; break;
    case OPT_LOCKSTEP: lockstep = o.mode = optarg; break;
    case OPT_GEN_SEED:
      if (parse_size(optarg, UINT64_MAX, &go.seed)) return bad_usage("bad --gen-seed (a number)", optarg);
      gen = true;
      break;
    case OPT_GEN_KIND:
      if (gen_kind_parse(optarg) < 0) return bad_usage("bad --gen-kind (normal or attack)", optarg);
      go.kind = (enum gen_kind)gen_kind_parse(optarg);
      break;
    case OPT_MEM:
      if (parse_size(optarg, VMM_MEM_MAX, &v) || v < VMM_MEM_MIN)
        return bad_usage(range_msg(err, sizeof err, "--mem", NULL, VMM_MEM_MIN, VMM_MEM_MAX, true), optarg);
      o.mem = (uint32_t)v;
      break;
    case OPT_TLB:
      if (parse_size(optarg, VMM_TLB_MAX, &v) || v == 0 || (v & (v - 1)))
        return bad_usage(range_msg(err, sizeof err, "--tlb", "a power of two", 1, VMM_TLB_MAX, false), optarg);
      o.tlb = (uint32_t)v;
      break;
    case OPT_STEPS:
      if (parse_size(optarg, UINT64_MAX, &v) || v == 0) return bad_usage("bad --max-steps", optarg);
      o.max_steps = v;
      break;
    case OPT_STATS: o.stats = true; break;
    case OPT_JSON: o.stats_json = optarg; break;
    case OPT_ISA:
      if (strcmp(optarg, "strict") == 0) o.strict_isa = true;
      else if (strcmp(optarg, "real") == 0) o.strict_isa = false;
      else return bad_usage("bad --isa (real or strict)", optarg);
      break;
    case OPT_COST: {
      if (cost_profile(&o.cost, optarg) == 0) break;
      if (access(optarg, F_OK) != 0) return bad_usage("bad --cost (modern, early-vtx, or a file)", optarg);
      cost_file = optarg;
      int st = cost_load(&o.cost, optarg, err, sizeof err); /* 66 cannot read, 65 a bad line */
      if (st) {
        fprintf(stderr, "vmm: --cost: %s\n", err);
        return st;
      }
      break;
    }
    case OPT_HELP: usage(stdout); return cli_stdout_status("vmm");
    case OPT_VERSION: return cli_version("vmm");
    case OPT_CLASSIFY: classify = true; break;
    case OPT_PAGING:
      if (strcmp(optarg, "shadow") == 0) o.hw_shadow = true;
      else if (strcmp(optarg, "nested") == 0) o.hw_shadow = false;
      else return bad_usage("bad --paging (nested or shadow)", optarg);
      paging = optarg;
      break;
    case OPT_SHADOW:
      if (strcmp(optarg, "trace") == 0) o.shadow_trace = true;
      else if (strcmp(optarg, "lazy") == 0) o.shadow_trace = false;
      else return bad_usage("bad --shadow (trace or lazy)", optarg);
      shadow = optarg;
      break;
    case OPT_VPID:
      if (strcmp(optarg, "on") != 0 && strcmp(optarg, "off") != 0) return bad_usage("bad --vpid (on or off)", optarg);
      vpid = optarg;
      break;
    case OPT_BT_PRIV:
      if (strcmp(optarg, "trap") == 0) o.bt_priv_trap = true;
      else if (strcmp(optarg, "inline") == 0) o.bt_priv_trap = false;
      else return bad_usage("bad --bt-priv (inline or trap)", optarg);
      bt_opt = "--bt-priv";
      break;
    case OPT_BT_CHAIN:
      if (strcmp(optarg, "on") == 0) o.bt_no_chain = false;
      else if (strcmp(optarg, "off") == 0) o.bt_no_chain = true;
      else return bad_usage("bad --bt-chain (on or off)", optarg);
      bt_opt = "--bt-chain";
      break;
    case OPT_BT_ADAPT:
      if (strcmp(optarg, "on") == 0) o.bt_no_adapt = false;
      else if (strcmp(optarg, "off") == 0) o.bt_no_adapt = true;
      else if (parse_size(optarg, BT_ADAPT_MAX, &v) || v == 0 || strpbrk(optarg, "KMGkmg"))
        return bad_usage("bad --bt-adaptive (on, off, or a threshold from 1 to 255)", optarg);
      else o.bt_no_adapt = false, o.bt_adapt_threshold = (uint32_t)v;
      bt_opt = "--bt-adaptive";
      break;
    case OPT_TC_SIZE:
      if (parse_size(optarg, BT_MAX_TC_PAGES * PAGE_SIZE, &v) || v < BT_MIN_TC_PAGES * PAGE_SIZE || (v & PAGE_MASK))
        return bad_usage(range_msg(err, sizeof err, "--tc-size", "whole pages", BT_MIN_TC_PAGES * PAGE_SIZE,
                                   BT_MAX_TC_PAGES * PAGE_SIZE, true),
                         optarg);
      o.bt_tc_size = (uint32_t)v;
      bt_opt = "--tc-size";
      break;
    case OPT_DUMP_TC:
      o.dump_tc = optarg;
      bt_opt = "--dump-tc";
      break;
    case OPT_CONFIG: mo.config = optarg; break;
    case OPT_QUANTUM:
      if (parse_size(optarg, UINT32_MAX, &mo.quantum) || mo.quantum == 0)
        return bad_usage(range_msg(err, sizeof err, "--quantum", "ticks", 1, UINT32_MAX, false), optarg);
      break;
    case OPT_INPUT: mo.input = optarg; break;
    case OPT_COMPARE: compare = optarg; break;
    case OPT_PV:
      if (strcmp(optarg, "on") == 0) o.pv = true;
      else if (strcmp(optarg, "off") == 0) o.pv = false;
      else return bad_usage("bad --pv (on or off)", optarg);
      pv = optarg;
      break;
    default: return cli_bad_option("vmm", opt, argv);
    }
  }
  if (classify) {
    if (optind != argc) return bad_usage("--classify takes no image", NULL);
    classify_main(stdout, o.strict_isa);
    return 0;
  }
  if (lockstep && mode_given) return bad_usage("--lockstep MODE names the mode: no --mode with it", NULL);
  if (lockstep && !lockstep_has_mode(lockstep))
    return cli_usage("vmm", "--lockstep compares native with one of %s, not %s", lockstep_modes(), lockstep);
  bool multi = mo.config || argc - optind > 1;
  if (compare && (multi || lockstep)) return bad_usage("--compare runs one guest, without --lockstep", NULL);
  if (compare && !mode_find(compare, NULL)) return bad_usage("unknown --compare mode", compare);
  if (multi && (gen || lockstep)) return bad_usage("--gen-seed and --lockstep run one guest", NULL);
  if (!multi && (mo.quantum || mo.input)) return bad_usage("--quantum and --input go with several guests", NULL);
  if (mo.config && optind != argc) return bad_usage("--config FILE names the guests: no image with it", NULL);
  char gen_name[64];
  if (gen) {
    if (optind != argc) return bad_usage("--gen-seed takes no image", NULL);
    snprintf(gen_name, sizeof gen_name, "gen-%s-%llu", gen_kind_name(go.kind), (unsigned long long)go.seed);
    o.image = gen_name;
  } else if (multi) {
    mo.images = argv + optind;
    mo.nimages = argc - optind;
  } else {
    if (optind != argc - 1) return bad_usage(optind >= argc ? "no image given" : "more than one image given", NULL);
    o.image = argv[optind];
  }

  const vmm_mode *named = mode_find(o.mode, NULL); /* the row the name picks */
  if (!named) return bad_usage("unknown --mode", o.mode);
  if (paging && !mode_takes(named, "--paging")) return bad_usage("--paging goes with --mode hw", paging);
  if (vpid && !mode_takes(named, "--vpid")) return bad_usage("--vpid goes with --mode hw or hw-shadow", vpid);
  if (vpid) o.cost.vpid = strcmp(vpid, "on") == 0; /* after --cost, whichever came first */
  if (pv && !mode_takes(named, "--pv")) return bad_usage("--pv goes with --mode trap or bt", pv);
  if (pv && (lockstep || compare)) return bad_usage("--pv runs a paravirtual guest: no --lockstep or --compare", pv);
  if (bt_opt && !mode_takes(named, bt_opt)) return bad_usage("this option goes with --mode bt", bt_opt);
  if (strcmp(o.mode, "hw-shadow") == 0) o.hw_shadow = true;
  const vmm_mode *md = mode_find(o.mode, &o); /* (hw --paging shadow: the hw-shadow row) */
  if (shadow && !mode_takes(md, "--shadow"))
    return bad_usage("--shadow goes with a mode that shadows page tables (trap, bt, hw-shadow)", shadow);
  if (multi) return multi_main(&o, &mo);

  image img;
  if (gen) {
    if (gen_image(&go, &img, err, sizeof err) != 0) {
      fprintf(stderr, "vmm: %s\n", err);
      return VMM_EX_DATAERR;
    }
    goto loaded;
  }
  int status = image_read(o.image, &img, err, sizeof err);
  if (status) {
    fprintf(stderr, "vmm: %s\n", err);
    return status;
  }
loaded:;
  /* No output may be an input: --stats-json IMAGE would replace the image. */
  const char *outs[] = {o.stats_json, o.dump_tc}, *ins[] = {gen ? NULL : o.image, cost_file};
  if ((status = cli_check_outputs("vmm", outs, 2, ins, 2)) != 0) {
    image_free(&img);
    return status;
  }
  if (lockstep) {
    status = lockstep_main(&o, &img);
    image_free(&img);
    return status;
  }
  host_console hc;
  host_console_init(&hc, stdout, stdin);
  console_dev con = {0};
  compare_input ci = {0};
  if (!compare) {
    host_console_fill(&hc, &con);
  } else if (compare_input_open(&ci, stdin, stdout, &con, err, sizeof err) != 0) {
    fprintf(stderr, "vmm: %s\n", err);
    image_free(&img);
    return VMM_EX_OSERR;
  }

  vm_report r = {0};
  guest g;
  int rc = guest_create(&g, md, &o, &img, con, 0, err, sizeof err);
  if (rc) {
    fprintf(stderr, "vmm: %s\n", err);
    image_free(&img);
    return rc;
  }
  double t0 = host_now();
  guest_run(&g, o.max_steps ? o.max_steps : UINT64_MAX);
  double t = host_now() - t0;
  fflush(stdout);
  if (g.m && md->finish) rc = md->finish(g.m, &o);
  guest_report(&g, &r);
  r.host_seconds = t;
  if (rc == 0) {
    if (o.stats) report_table(stderr, &r);
    if (compare) rc = compare_report(stderr, &o, &img, &r, mode_find(compare, NULL), &ci);
    if (rc == 0 && (!o.stats_json || (rc = report_json(o.stats_json, &r)) == 0)) { /* (it says why it failed) */
      guest_view v;
      guest_view_get(&g, &v);
      rc = report_status(&r, &v);
    }
  }
  if (rc == 0) rc = cli_stdout_status("vmm"); /* the guest's console output went there */
  guest_destroy(&g);
  compare_input_free(&ci);
  image_free(&img);
  return rc;
}
