/* vdb_cli.c: bin/vdb's command line, and where its commands come from.
 *
 *   vdb [--mode native|trap] [--isa real|strict] [--mem SIZE] [--tlb N]
 *       [--cost NAME|FILE] [-x FILE]... [-ex CMD]... [--batch] [--echo]
 *       [--input FILE] [-q] [--checkpoint-interval N] [--checkpoints N] IMAGE...
 *
 * Commands come, in this order, from the -x files and -ex commands as they
 * appear on the line, then (without --batch) from the terminal through
 * readline, or from standard input when it is not a terminal.  Guest
 * console input is --input FILE, else standard input unless commands are
 * read from it.  Options may start with one dash or two, as gdb's do.
 *
 * Exit status (cli/status.h): with --batch, or reading a script, 1 if any
 * command failed (the grader relies on it); 0 otherwise; quit CODE sets it
 * (0 to 63).  An image that cannot be read exits 66, a malformed one 65,
 * bad usage 64, as bin/vmm; 74 if standard output could not be written.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "vdb.h"

static void usage(FILE *f) {
  fprintf(f, "usage: vdb [options] IMAGE...\n"
             "  --mode MODE        how to run the guest:");
  for (int i = 0; vmm_modes[i]; i++)
    fprintf(f, " %s", vmm_modes[i]->name);
  fprintf(f,
          " (default native)\n"
          "  --isa real|strict  strict: special instructions trap in user mode\n"
          "  --mem SIZE         guest memory, e.g. 1M, 512K (default 1M)\n"
          "  --tlb N            TLB entries, a power of two (default 64)\n"
          "  --cost NAME|FILE   cost profile: modern (default), early-vtx, or a file\n"
          "  -x FILE            run the commands in FILE (repeatable)\n"
          "  -ex CMD            run CMD (repeatable; in order with -x)\n"
          "  --batch            exit after -x and -ex; any failed command exits 1\n"
          "  --echo             echo each scripted command as \"(vdb) CMD\"\n"
          "  --input FILE       guest console input (default: standard input)\n"
          "  -q, --quiet        no banner\n"
          "  --checkpoint-interval N  ticks between checkpoints (default %u)\n"
          "  --checkpoints N    checkpoints kept per guest (default %d)\n"
          "  --help             this text\n"
          "  --version          the version\n"
          "One guest is loaded per IMAGE.  docs/vdb.md describes every command.\n"
          "Exit status: 0, 1 a scripted command failed, quit N; 64-74 (vdb(1)).\n",
          VDB_CKPT_EVERY, VDB_CKPT_MAX);
}

/* One line: "vdb: MSG: ARG (try 'vdb --help')" (cli.h's form). */
static int bad_usage(FILE *err, const char *msg, const char *arg) {
  fprintf(err, "vdb: %s%s%s (try 'vdb --help')\n", msg, arg ? ": " : "", arg ? arg : "");
  return VMM_EX_USAGE;
}

typedef struct action {
  char kind; /* 'x' a file, 'e' a command */
  const char *arg;
} action;

int vdb_main(int argc, char **argv, FILE *out, FILE *err) {
  vdb_opts o = {.mode = "native",
                .mem = 1u << 20,
                .tlb = 64,
                .ckpt_every = VDB_CKPT_EVERY,
                .ckpt_max = VDB_CKPT_MAX,
                .guest_in = -1};
  cost_profile(&o.cost, "modern");
  enum { O_MODE = 256, O_ISA, O_MEM, O_TLB, O_COST, O_EX, O_BATCH, O_ECHO, O_INPUT, O_QUIET, O_EVERY, O_MAX, O_HELP,
         O_VERSION };
  static const struct option longopts[] = {
      {"mode", required_argument, 0, O_MODE},
      {"isa", required_argument, 0, O_ISA},
      {"mem", required_argument, 0, O_MEM},
      {"tlb", required_argument, 0, O_TLB},
      {"cost", required_argument, 0, O_COST},
      {"ex", required_argument, 0, O_EX},
      {"batch", no_argument, 0, O_BATCH},
      {"echo", no_argument, 0, O_ECHO},
      {"input", required_argument, 0, O_INPUT},
      {"quiet", no_argument, 0, O_QUIET},
      {"checkpoint-interval", required_argument, 0, O_EVERY},
      {"checkpoints", required_argument, 0, O_MAX},
      {"help", no_argument, 0, O_HELP},
      {"version", no_argument, 0, O_VERSION},
      {0, 0, 0, 0},
  };
  action *acts = calloc((size_t)argc + 1, sizeof *acts);
  int nacts = 0;
  bool batch = false, echo = false, quiet = false;
  const char *input = NULL;
  uint64_t v;
  char msg[512];
  int opt, rc = 0;
  if (!acts) return VMM_EX_OSERR;
  optind = 0; /* glibc: start afresh (vdb_main runs more than once in the tests) */
  opterr = 0;
  while ((opt = getopt_long_only(argc, argv, "+:x:q", longopts, NULL)) != -1) {
    switch (opt) {
    case O_MODE:
      if (!mode_find(optarg, NULL)) rc = bad_usage(err, "unknown --mode", optarg);
      o.mode = optarg;
      break;
    case O_ISA:
      if (strcmp(optarg, "strict") == 0)
        o.strict_isa = true;
      else if (strcmp(optarg, "real") == 0)
        o.strict_isa = false;
      else
        rc = bad_usage(err, "bad --isa (real or strict)", optarg);
      break;
    case O_MEM:
      if (parse_size(optarg, VMM_MEM_MAX, &v) || v < VMM_MEM_MIN) {
        char lo[16], hi[16];
        snprintf(msg, sizeof msg, "bad --mem (%s to %s)", size_str(VMM_MEM_MIN, lo, sizeof lo),
                 size_str(VMM_MEM_MAX, hi, sizeof hi));
        rc = bad_usage(err, msg, optarg);
      }
      else
        o.mem = (uint32_t)v;
      break;
    case O_TLB:
      if (parse_size(optarg, VMM_TLB_MAX, &v) || v == 0 || (v & (v - 1))) {
        snprintf(msg, sizeof msg, "bad --tlb (a power of two, 1 to %u)", VMM_TLB_MAX);
        rc = bad_usage(err, msg, optarg);
      }
      else
        o.tlb = (uint32_t)v;
      break;
    case O_COST:
      if (cost_profile(&o.cost, optarg) == 0) break;
      if (access(optarg, F_OK) != 0)
        rc = bad_usage(err, "bad --cost (modern, early-vtx, or a file)", optarg);
      else if ((rc = cost_load(&o.cost, optarg, msg, sizeof msg)) != 0)
        fprintf(err, "vdb: --cost: %s\n", msg);
      break;
    case 'x': acts[nacts++] = (action){'x', optarg}; break;
    case O_EX: acts[nacts++] = (action){'e', optarg}; break;
    case O_BATCH: batch = true; break;
    case O_ECHO: echo = true; break;
    case O_INPUT: input = optarg; break;
    case 'q':
    case O_QUIET: quiet = true; break;
    case O_EVERY:
      if (parse_size(optarg, UINT32_MAX, &v) || v == 0)
        rc = bad_usage(err, "bad --checkpoint-interval", optarg);
      else
        o.ckpt_every = v;
      break;
    case O_MAX:
      if (parse_size(optarg, VDB_CKPT_LIMIT, &v) || v < 2) {
        snprintf(msg, sizeof msg, "bad --checkpoints (2 to %u)", VDB_CKPT_LIMIT);
        rc = bad_usage(err, msg, optarg);
      }
      else
        o.ckpt_max = (int)v;
      break;
    case O_HELP:
      usage(out);
      free(acts);
      return fflush(out) == 0 && !ferror(out) ? 0 : CLI_EX_IOERR;
    case O_VERSION:
      fprintf(out, "vdb (%s) %s\n", CLI_PACKAGE, CLI_VERSION);
      free(acts);
      return fflush(out) == 0 && !ferror(out) ? 0 : CLI_EX_IOERR;
    default:
      cli_option_message(opt, argv, msg, sizeof msg);
      rc = bad_usage(err, msg, NULL);
    }
    if (rc) {
      free(acts);
      return rc;
    }
  }
  if (optind >= argc) {
    free(acts);
    return bad_usage(err, "no image given", NULL);
  }

  bool tty = isatty(STDIN_FILENO);
  bool script_on_stdin = !batch && !tty;
  if (input) {
    o.guest_in = open(input, O_RDONLY);
    if (o.guest_in < 0) {
      fprintf(err, "vdb: %s: %s\n", input, strerror(errno));
      free(acts);
      return VMM_EX_NOINPUT;
    }
  } else if (!script_on_stdin) {
    o.guest_in = STDIN_FILENO;
  }

  vdb *d = vdb_new(&o, out, err);
  if (!d) {
    free(acts);
    return VMM_EX_OSERR;
  }
  d->echo = echo;
  for (int i = optind; i < argc && !rc; i++) {
    if ((rc = cli_check_input(argv[i], msg, sizeof msg)) != 0) {
      fprintf(err, "vdb: %s\n", msg);
      break;
    }
    if (vdb_add_target(d, argv[i], msg, sizeof msg) != 0) {
      fprintf(err, "vdb: %s\n", msg);
      rc = VMM_EX_DATAERR;
    }
  }
  if (!rc) {
    bool interactive = !batch && tty;
    if (interactive) term_catch_sigint(d);
    if (interactive && !quiet) {
      char st[200];
      vdb_target *t = vdb_cur(d);
      vdb_printf(d, "vdb, the kit's debugger.  vm %d: %s in %s mode, %s.\nType \"help\" for the commands.\n", t->id,
                 t->path, t->mode->name, target_state(t, st, sizeof st));
    }
    for (int i = 0; i < nacts && !d->quit; i++) {
      if (acts[i].kind == 'x') {
        vdb_source(d, acts[i].arg);
      } else {
        if (d->echo) vdb_printf(d, "(vdb) %s\n", acts[i].arg);
        vdb_exec(d, acts[i].arg);
      }
    }
    if (!d->quit && !batch) {
      if (tty)
        term_loop(d);
      else
        vdb_read_commands(d, stdin, "standard input");
    }
    rc = d->quit_set ? d->quit_code : 0;
    if (rc == 0 && d->failures && !d->interactive) rc = 1;
  }
  if ((fflush(out) != 0 || ferror(out)) && rc == 0) {
    fprintf(err, "vdb: standard output: write error\n");
    rc = CLI_EX_IOERR;
  }
  vdb_free(d);
  if (input && o.guest_in >= 0) close(o.guest_in);
  free(acts);
  return rc;
}
