/* main.c: bin/vmm, the runner and monitor's command line.
 *
 *   vmm [--mode native] [--mem SIZE] [--tlb N] [--max-steps N] [--isa real|strict]
 *       [--cost modern|early-vtx|FILE] [--stats] [--stats-json FILE] IMAGE
 *
 * docs/vmm.md is the full reference, with the exit statuses and the JSON
 * keys.  Modes are a table: each later monitor mode adds one row. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "check/gen.h"
#include "check/lockstep.h"
#include "multi.h"
#include "core/vmm.h"

typedef int (*mode_fn)(const vmm_opts *o, const image *img, vm_report *r, cpu **out);

static const struct {
  const char *name;
  mode_fn run;
  const char *what;
} modes[] = {
    {"native", native_run, "the guest on the bare CPU, in real kernel mode"},
    {"trap", trap_run, "trap-and-emulate: the guest kernel in real user mode, shadow paging"},
    {"bt", bt_run, "binary translation: the guest kernel's code translated, shadow paging (docs/bt.md)"},
    {"hw", hw_run, "hardware assist: the guest in guest mode, VM exits, nested paging (--paging)"},
    {"hw-shadow", hw_run, "the same as --mode hw --paging shadow"},
};

static void usage(FILE *f) {
  fprintf(f,
          "usage: vmm [options] IMAGE\n"
          "       vmm --mode MODE [options] IMAGE IMAGE... | --config FILE   (several guests)\n"
          "  --mode MODE        how to run the guest:");
  for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) fprintf(f, " %s", modes[i].name);
  fprintf(f,
          "\n"
          "  --mem SIZE         guest memory, e.g. 1M, 512K (default 1M)\n"
          "  --tlb N            TLB entries, a power of two (default 64)\n"
          "  --max-steps N      stop after N ticks (default: no limit)\n"
          "  --isa real|strict  strict: special instructions trap in user mode\n"
          "  --cost NAME|FILE   cost profile: modern (default), early-vtx, or a file\n"
          "  --paging nested|shadow  --mode hw: nested page tables (default) or shadow\n"
          "  --bt-priv inline|trap  --mode bt: privileged instructions emulated in line\n"
          "                     in the translation (default) or trapping\n"
          "  --bt-chain on|off  --mode bt: chain translated blocks (default on)\n"
          "  --tc-size SIZE     --mode bt: translation cache size (default 256K)\n"
          "  --dump-tc FILE     --mode bt: write each guest block beside its translation\n"
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

/* One line (cli.h): "vmm: MSG: ARG (try 'vmm --help')". */
static int bad_usage(const char *msg, const char *arg) {
  return arg ? cli_usage("vmm", "%s: %s", msg, arg) : cli_usage("vmm", "%s", msg);
}


int main(int argc, char **argv) {
  vmm_opts o = {.mode = "native", .mem = 1u << 20, .tlb = 64};
  cost_profile(&o.cost, "modern");
  enum { OPT_MODE = 256, OPT_MEM, OPT_TLB, OPT_STEPS, OPT_STATS, OPT_JSON, OPT_ISA, OPT_COST, OPT_HELP, OPT_CLASSIFY, OPT_PAGING,
         OPT_BT_PRIV, OPT_BT_CHAIN, OPT_TC_SIZE, OPT_DUMP_TC, OPT_LOCKSTEP, OPT_GEN_SEED, OPT_GEN_KIND,
         OPT_CONFIG, OPT_QUANTUM, OPT_INPUT, OPT_VERSION };
  static const struct option longopts[] = {
      {"mode", required_argument, 0, OPT_MODE},       {"mem", required_argument, 0, OPT_MEM},
      {"tlb", required_argument, 0, OPT_TLB},         {"max-steps", required_argument, 0, OPT_STEPS},
      {"stats", no_argument, 0, OPT_STATS},           {"stats-json", required_argument, 0, OPT_JSON},
      {"isa", required_argument, 0, OPT_ISA},         {"cost", required_argument, 0, OPT_COST},
      {"help", no_argument, 0, OPT_HELP},             {"classify", no_argument, 0, OPT_CLASSIFY},
      {"paging", required_argument, 0, OPT_PAGING},
      {"bt-priv", required_argument, 0, OPT_BT_PRIV},  {"bt-chain", required_argument, 0, OPT_BT_CHAIN},
      {"tc-size", required_argument, 0, OPT_TC_SIZE},  {"dump-tc", required_argument, 0, OPT_DUMP_TC},
      {"lockstep", required_argument, 0, OPT_LOCKSTEP}, {"gen-seed", required_argument, 0, OPT_GEN_SEED},
      {"gen-kind", required_argument, 0, OPT_GEN_KIND},
      {"config", required_argument, 0, OPT_CONFIG},   {"quantum", required_argument, 0, OPT_QUANTUM},
      {"input", required_argument, 0, OPT_INPUT},
      {"version", no_argument, 0, OPT_VERSION},
      {0, 0, 0, 0},
  };
  opterr = 0;
  bool classify = false;
  const char *paging = NULL; /* --paging, for --mode hw */
  const char *bt_opt = NULL; /* the last --bt-* option, for --mode bt */
  int opt;
  uint64_t v;
  char err[256];
  const char *lockstep = NULL; /* --lockstep MODE */
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
      if (parse_size(optarg, 1u << 30, &v) || v < PAGE_SIZE) return bad_usage("bad --mem (4K to 1G)", optarg);
      o.mem = (uint32_t)v;
      break;
    case OPT_TLB:
      if (parse_size(optarg, 65536, &v) || v == 0 || (v & (v - 1)))
        return bad_usage("bad --tlb (a power of two, 1 to 65536)", optarg);
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
    case OPT_COST:
      if (cost_profile(&o.cost, optarg) == 0) break;
      if (access(optarg, F_OK) != 0) return bad_usage("bad --cost (modern, early-vtx, or a file)", optarg);
      if ((v = (uint64_t)cost_load(&o.cost, optarg, err, sizeof err)) != 0) {
        fprintf(stderr, "vmm: --cost: %s\n", err);
        return (int)v;
      }
      cost_file = optarg;
      break;
    case OPT_HELP: usage(stdout); return cli_stdout_status("vmm");
    case OPT_VERSION: return cli_version("vmm");
    case OPT_CLASSIFY: classify = true; break;
    case OPT_PAGING:
      if (strcmp(optarg, "shadow") == 0) o.hw_shadow = true;
      else if (strcmp(optarg, "nested") == 0) o.hw_shadow = false;
      else return bad_usage("bad --paging (nested or shadow)", optarg);
      paging = optarg;
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
    case OPT_TC_SIZE:
      if (parse_size(optarg, 983u << 12, &v) || v < 4 * PAGE_SIZE || (v & PAGE_MASK))
        return bad_usage("bad --tc-size (whole pages, 16K to 3932K)", optarg);
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
        return bad_usage("bad --quantum (ticks, 1 to 2^32-1)", optarg);
      break;
    case OPT_INPUT: mo.input = optarg; break;
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

  mode_fn run = NULL;
  for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
    if (strcmp(modes[i].name, o.mode) == 0) run = modes[i].run;
  if (!run) return bad_usage("unknown --mode", o.mode);
  if (paging && strcmp(o.mode, "hw") != 0) return bad_usage("--paging goes with --mode hw", paging);
  if (bt_opt && strcmp(o.mode, "bt") != 0) return bad_usage("this option goes with --mode bt", bt_opt);
  if (strcmp(o.mode, "hw-shadow") == 0) o.hw_shadow = true;
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
    int status = lockstep_main(&o, &img);
    image_free(&img);
    return status;
  }
  host_console hc;
  host_console_init(&hc, stdout, stdin);
  o.console = &hc;

  vm_report r = {.name = o.image};
  cpu *c = NULL;
  int rc = run(&o, &img, &r, &c);
  if (rc == 0) {
    if (o.stats) report_table(stderr, &r);
    if (!o.stats_json || (rc = report_json(o.stats_json, &r)) == 0) /* (it says why it failed) */
      rc = report_status(&r, c);
  }
  if (rc == 0) rc = cli_stdout_status("vmm"); /* the guest's console output went there */
  cpu_free(c);
  image_free(&img);
  return rc;
}
