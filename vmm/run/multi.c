/* multi.c: bin/vmm with several guests (docs/multi.md).
 *
 *   vmm --mode trap|bt|hw|hw-shadow [--quantum TICKS] [--input NAME] A.img B.img ...
 *   vmm --mode MODE --config FILE
 *
 * One machine, one VM per guest side by side in its memory (multi.h), the
 * scheduler (sched.c) sharing the CPU, each console multiplexed
 * (gconsole.c).  At the end: a report per guest and in total, and the exit
 * status of the first guest, in the order given, that did not halt with 0.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json.h"
#include "multi.h"

/* Everything one run holds, freed together. */
typedef struct run {
  const vmm_opts *o;
  const multi_config *cfg;
  const vmm_mode *md;
  int n;
  image *img;
  guest *g;
  gcon *con;
  cli_out *files; /* console= files, replaced when the run ends */
  bool ran;       /* the guests ran: the console files are complete */
  sched_guest *q;
  vm_report *r;
  cpu *c;
  uint64_t quantum;
  int loaded; /* images read */
  int made;   /* guests made */
} run;

/* "FILE:LINE: " for a guest from a config, "" from the command line. */
static const char *where(const run *u, int i, char *buf, size_t len) {
  if (!u->cfg->path || !u->cfg->g[i].line) return "";
  snprintf(buf, len, "%s:%d: ", u->cfg->path, u->cfg->g[i].line);
  return buf;
}

static int read_images(run *u) {
  char err[256], at[300];
  for (; u->loaded < u->n; u->loaded++) {
    int i = u->loaded;
    const char *path = u->cfg->g[i].image;
    int status = image_read(path, &u->img[i], err, sizeof err);
    if (status) {
      fprintf(stderr, "vmm: %s%s\n", where(u, i, at, sizeof at), err);
      return status;
    }
  }
  return 0;
}

/* The machine, every guest at its base, loaded, with its console. */
static int make_guests(run *u, gcon_host *out, host_console *in) {
  char err[256];
  uint64_t total = 0;
  for (int i = 0; i < u->n; i++) {
    uint64_t f = guest_footprint(u->md, u->o, u->cfg->g[i].mem);
    total += f;
    if (!f || total > 0xfffff000u) {
      fprintf(stderr, "vmm: the guests need more host-physical memory than the machine can have (4 GiB)\n");
      return VMM_EX_DATAERR;
    }
  }
  u->c = guest_machine(u->o, total);
  if (!u->c) {
    fprintf(stderr, "vmm: out of host memory for %d guests (%llu bytes)\n", u->n, (unsigned long long)total);
    return VMM_EX_OSERR;
  }
  for (int i = 0; i < u->n; i++) {
    const guest_spec *s = &u->cfg->g[i];
    int status = s->console ? cli_out_open(&u->files[i], s->console, err, sizeof err) : 0;
    if (status) {
      fprintf(stderr, "vmm: %s: %s\n", s->name, err);
      return status;
    }
    gcon_init(&u->con[i], s->name, out, u->files[i].f, s->input ? in : NULL);
  }
  uint32_t base = 0;
  for (; u->made < u->n; u->made++) {
    int i = u->made;
    const guest_spec *s = &u->cfg->g[i];
    if (guest_init(&u->g[i], u->md, u->o, u->c, s->name, base, s->mem, (uint32_t)i + 1) != 0) {
      fprintf(stderr, "vmm: out of host memory for guest %s\n", s->name);
      return VMM_EX_OSERR;
    }
    base = u->g[i].end;
    if (guest_load(&u->g[i], &u->img[i], gcon_dev(&u->con[i]), err, sizeof err) != 0) {
      u->made++;
      fprintf(stderr, "vmm: %s: %s: %s\n", s->name, s->image, err);
      return VMM_EX_DATAERR;
    }
  }
  return 0;
}

/* ---- the reports ---- */

static void sum_stats(cpu_stats *t, const cpu_stats *s) {
  t->insns += s->insns;
  t->user_insns += s->user_insns;
  t->idle_ticks += s->idle_ticks;
  t->cycles += s->cycles;
  for (int i = 0; i < NCAUSES; i++) t->traps[i] += s->traps[i];
  t->tlb_hits += s->tlb_hits;
  t->tlb_misses += s->tlb_misses;
  t->walk_refs += s->walk_refs;
  t->tlb_flushes += s->tlb_flushes;
  t->io += s->io;
  t->marked += s->marked;
}

static void sum_vmm(vmm_counters *t, const vmm_counters *s) {
  for (int i = 0; i < 256; i++) t->emulated[i] += s->emulated[i];
  for (int i = 0; i < NCAUSES; i++) t->reflected[i] += s->reflected[i];
  t->world_switches += s->world_switches;
  t->shadow_fills += s->shadow_fills;
  t->guest_page_faults += s->guest_page_faults;
  t->shadow_syncs += s->shadow_syncs;
  t->shadow_resets += s->shadow_resets;
  t->shadow_reuses += s->shadow_reuses;
  t->direct_insns += s->direct_insns;
}

static void sum_bt(bt_counters *t, const bt_counters *s) {
  t->translations += s->translations;
  t->translated_insns += s->translated_insns;
  t->tc_hits += s->tc_hits;
  t->tc_misses += s->tc_misses;
  t->tc_invalidations += s->tc_invalidations;
  t->tc_evictions += s->tc_evictions;
  t->chained += s->chained;
  t->exits += s->exits;
  t->protected_writes += s->protected_writes;
  t->translate_seconds += s->translate_seconds;
}

static void sum_hw(hw_counters *t, const hw_counters *s) {
  t->paging = s->paging;
  t->vm_entries += s->vm_entries;
  for (int i = 0; i < NVMX_EXITS; i++) t->vm_exits[i] += s->vm_exits[i];
  t->nested_walk_refs += s->nested_walk_refs;
}

/* A guest's own exit status, as a single run would give it, and one line
 * on standard error if it is not 0. */
static int guest_status(const vm_report *r) {
  if (r->exit != EXIT_HALT) return report_status(r, NULL);
  if (r->halt_code) fprintf(stderr, "vmm: %s: halted with code %u\n", r->name, r->halt_code);
  return cli_guest_status(r->halt_code);
}

static int write_json(const run *u, const sched *s, const vm_report *total, int status) {
  cli_out o;
  char err[300];
  int rc = cli_out_open(&o, u->o->stats_json, err, sizeof err);
  if (rc) {
    fprintf(stderr, "vmm: %s\n", err);
    return rc;
  }
  FILE *f = o.f;
  json j;
  json_init(&j, f);
  json_object(&j, NULL);
  json_array(&j, "guests");
  for (int i = 0; i < u->n; i++) {
    json_object(&j, NULL);
    report_json_members(&j, &u->r[i]);
    json_str(&j, "image", u->cfg->g[i].image);
    json_u64(&j, "mem", u->g[i].size);
    json_u64(&j, "weight", u->q[i].weight);
    json_u64(&j, "slices", u->q[i].slices);
    json_end(&j);
  }
  json_end(&j);
  json_object(&j, "total");
  report_json_members(&j, total);
  json_end(&j);
  json_object(&j, "scheduler");
  json_u64(&j, "guests", (uint64_t)u->n);
  json_u64(&j, "quantum", s->quantum);
  json_u64(&j, "ticks", s->ticks);
  json_u64(&j, "switches", s->switches);
  json_u64(&j, "switch_tlb_flushes", s->flushes);
  json_str(&j, "tlb", u->md->tagged ? "tagged" : "flushed");
  json_u64(&j, "exit_status", (uint64_t)status);
  json_end(&j);
  json_end(&j);
  if ((rc = cli_out_close(&o, err, sizeof err)) != 0) fprintf(stderr, "vmm: %s\n", err);
  return rc;
}

static int report(run *u, const sched *s, double seconds) {
  vm_report total = {.name = "total", .exit = EXIT_HALT};
  int status = 0, first = -1;
  for (int i = 0; i < u->n; i++) {
    vm_report *r = &u->r[i];
    guest_report(&u->g[i], r);
    r->host_seconds = u->q[i].host_seconds;
    total.mode = r->mode;
    sum_stats(&total.st, &r->st);
    total.cycles += r->cycles;
    total.monitored |= r->monitored;
    sum_vmm(&total.vmm, &r->vmm);
    total.translated |= r->translated;
    sum_bt(&total.bt, &r->bt);
    total.hw_assist |= r->hw_assist;
    sum_hw(&total.hw, &r->hw);
  }
  total.host_seconds = seconds;
  if (u->o->stats) {
    for (int i = 0; i < u->n; i++) report_table(stderr, &u->r[i]);
    report_table(stderr, &total);
    fprintf(stderr, "scheduler: guests=%d quantum=%llu switches=%llu switch_tlb_flushes=%llu (TLB %s)\n", u->n,
            (unsigned long long)s->quantum, (unsigned long long)s->switches, (unsigned long long)s->flushes,
            u->md->tagged ? "tagged by vmid" : "flushed on a switch");
  }
  for (int i = 0; i < u->n; i++) {
    int st = guest_status(&u->r[i]);
    if (st && first < 0) status = st, first = i;
  }
  if (first >= 0) {
    total.exit = u->r[first].exit;
    total.halt_code = u->r[first].halt_code;
  }
  int rc = u->o->stats_json ? write_json(u, s, &total, status) : 0;
  return rc ? rc : status;
}

/* ---- the run ---- */

static int go(run *u) {
  int rc = read_images(u);
  if (rc) return rc;
  gcon_host out = {.out = stdout};
  host_console in;
  host_console_init(&in, stdout, stdin);
  rc = make_guests(u, &out, &in);
  if (rc) return rc;
  for (int i = 0; i < u->n; i++)
    u->q[i] = (sched_guest){.g = &u->g[i], .weight = u->cfg->g[i].weight, .limit = u->o->max_steps};
  sched s;
  sched_init(&s, u->q, u->n, u->quantum);
  double t0 = host_now();
  sched_run(&s, 0);
  u->ran = true;
  double t = host_now() - t0;
  for (int i = 0; i < u->n; i++) gcon_finish(&u->con[i]);
  fflush(stdout);
  return report(u, &s, t);
}

static void run_free(run *u) {
  for (int i = 0; i < u->made; i++) guest_free(&u->g[i]);
  for (int i = 0; i < u->loaded; i++) image_free(&u->img[i]);
  char err[300];
  for (int i = 0; u->files && i < u->n; i++) {
    if (!u->ran)
      cli_out_abort(&u->files[i]); /* nothing ran: the old files stay */
    else if (u->files[i].f && cli_out_close(&u->files[i], err, sizeof err) != 0)
      fprintf(stderr, "vmm: %s\n", err);
  }
  cpu_free(u->c);
  free(u->img);
  free(u->g);
  free(u->con);
  free(u->files);
  free(u->q);
  free(u->r);
}

int multi_main(const vmm_opts *o, const multi_opts *mo) {
  char err[512];
  const vmm_mode *md = mode_find(o->mode, o);
  if (!md || !mode_is_monitor(md)) {
    fprintf(stderr, "vmm: --mode %s runs one guest on the bare machine: several guests need a monitor "
                    "(trap, bt, hw, hw-shadow)\n", o->mode);
    return VMM_EX_USAGE;
  }
  if (o->dump_tc) {
    fprintf(stderr, "vmm: --dump-tc goes with one guest\n");
    return VMM_EX_USAGE;
  }
  multi_config cfg;
  int rc;
  if (mo->config)
    rc = config_read(&cfg, mo->config, o->mem, err, sizeof err);
  else
    rc = config_images(&cfg, mo->images, mo->nimages, o->mem, err, sizeof err) ? VMM_EX_USAGE : 0;
  if (rc) {
    fprintf(stderr, "vmm: %s\n", err);
    return rc;
  }
  if ((rc = config_check_outputs(&cfg, o->stats_json)) != 0) {
    config_free(&cfg);
    return rc;
  }
  if (mo->input) {
    int k = config_find(&cfg, mo->input);
    if (k < 0) {
      fprintf(stderr, "vmm: --input: no guest named %s\n", mo->input);
      config_free(&cfg);
      return VMM_EX_USAGE;
    }
    for (int i = 0; i < cfg.n; i++) cfg.g[i].input = i == k;
  } else {
    bool any = false;
    for (int i = 0; i < cfg.n; i++) any |= cfg.g[i].input;
    if (!any) cfg.g[0].input = true; /* the first guest has the keyboard */
  }
  run u = {.o = o, .cfg = &cfg, .md = md, .n = cfg.n, .quantum = mo->quantum};
  /* 1 to MULTI_MAX_GUESTS guests (config.c); as an unsigned count the
   * compiler sees too that the sizes below cannot be negative. */
  size_t n = (unsigned)cfg.n;
  u.img = calloc(n, sizeof *u.img);
  u.g = calloc(n, sizeof *u.g);
  u.con = calloc(n, sizeof *u.con);
  u.files = calloc(n, sizeof *u.files);
  u.q = calloc(n, sizeof *u.q);
  u.r = calloc(n, sizeof *u.r);
  if (!u.img || !u.g || !u.con || !u.files || !u.q || !u.r) {
    fprintf(stderr, "vmm: out of host memory\n");
    rc = VMM_EX_OSERR;
  } else {
    rc = go(&u);
  }
  run_free(&u);
  config_free(&cfg);
  return rc;
}
