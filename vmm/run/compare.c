/* compare.c: bin/vmm --compare MODE, what the monitor did beside another
 * run of the same guest (make demo: the guest OS under binary translation,
 * beside a native run).
 *
 *   vmm --mode bt --compare native build/guests/guestos.img < /dev/null
 *
 * The guest runs as ever, its console on standard output; then it runs
 * again in MODE, its output dropped, with the same console input; then a
 * summary goes to standard error, after --stats's table: how many guest
 * instructions each run retired (the same, or the monitor is wrong), how
 * the monitor ran them (on the real CPU as they are, translated, emulated),
 * what it translated, its exits and what it did with them, its shadow
 * fills, the TLB misses and the modeled cycles beside the other run's.
 * Every number is a counter of the two runs' reports, the ones
 * --stats-json writes (docs/vmm.md): nothing is measured on the host, so
 * the summary is the same every run.
 *
 * The input.  A file or a pipe is read whole before the first run (at most
 * COMPARE_INPUT_MAX bytes) and both runs read it as bin/vmm reads a file:
 * the status port says "ready" while a byte is left, then "end of input".
 * A terminal is read as bin/vmm reads one, and the second run is given the
 * bytes the first one read, then the end of input.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compare.h"
#include "isa_info.h"

/* ---- the input, for both runs ---- */

static void ci_keep(compare_input *ci, int ch) {
  if (ci->len == ci->cap) {
    size_t cap = ci->cap ? 2 * ci->cap : 4096;
    uint8_t *p = realloc(ci->buf, cap);
    if (!p) cpu_panic("compare: out of host memory for the console input");
    ci->buf = p, ci->cap = cap;
  }
  ci->buf[ci->len++] = (uint8_t)ch;
}

/* The first run, at a terminal: bin/vmm's console, each byte read kept. */
static int tty_getc(void *ctx) {
  compare_input *ci = ctx;
  int ch = ci->hc.getc(&ci->host);
  if (ch >= 0) ci_keep(ci, ch);
  return ch;
}
static int tty_status(void *ctx) {
  compare_input *ci = ctx;
  return ci->hc.status(&ci->host);
}

/* Otherwise: the bytes in memory, as a file. */
static int mem_getc(void *ctx) {
  compare_input *ci = ctx;
  if (ci->out) fflush(ci->out);
  return ci->pos < ci->len ? ci->buf[ci->pos++] : -1;
}
static int mem_status(void *ctx) {
  compare_input *ci = ctx;
  return ci->pos < ci->len ? 1 : 2;
}
static void out_putc(void *ctx, int ch) {
  compare_input *ci = ctx;
  if (!ci->out) return; /* the second run's output goes nowhere */
  fputc(ch, ci->out);
  if (ch == '\n') fflush(ci->out);
}

int compare_input_open(compare_input *ci, FILE *in, FILE *out, console_dev *con, char *err, size_t len) {
  memset(ci, 0, sizeof *ci);
  ci->out = out;
  ci->tty = in && isatty(fileno(in));
  if (ci->tty) {
    host_console_init(&ci->host, out, in);
    host_console_fill(&ci->host, &ci->hc);
    *con = (console_dev){.ctx = ci, .putc = out_putc, .getc = tty_getc, .status = tty_status};
    return 0;
  }
  int ch;
  while (in && (ch = getc(in)) != EOF) {
    if (ci->len == COMPARE_INPUT_MAX) {
      snprintf(err, len, "--compare: console input over %d MiB (it is kept for the second run)",
               COMPARE_INPUT_MAX >> 20);
      free(ci->buf);
      ci->buf = NULL;
      return -1;
    }
    ci_keep(ci, ch);
  }
  *con = (console_dev){.ctx = ci, .putc = out_putc, .getc = mem_getc, .status = mem_status};
  return 0;
}

void compare_input_free(compare_input *ci) {
  free(ci->buf);
  ci->buf = NULL;
}

/* ---- the summary ---- */

static uint64_t emulated(const vm_report *r) {
  uint64_t n = 0;
  for (int op = 0; op < 256; op++) n += r->vmm.emulated[op];
  return n;
}

/* "name count, name count, ..." of the non-zero counts, largest first (at
 * most 5, then "..."), into buf. */
static void largest(char *buf, size_t len, const uint64_t *count, int n, const char *(*name)(uint32_t)) {
  bool used[256] = {false};
  size_t at = 0;
  buf[0] = 0;
  for (int shown = 0; at < len; shown++) {
    int best = -1;
    for (int i = 0; i < n; i++)
      if (!used[i] && count[i] && (best < 0 || count[i] > count[best])) best = i;
    if (best < 0) return;
    if (shown == 5) {
      snprintf(buf + at, len - at, ", ...");
      return;
    }
    used[best] = true;
    at += (size_t)snprintf(buf + at, len - at, "%s%s %llu", shown ? ", " : "", name((uint32_t)best),
                           (unsigned long long)count[best]);
  }
}

static const char *op_name(uint32_t op) { return isa_table[op].name ? isa_table[op].name : "?"; }

/* "1.81x" */
static void ratio(char *buf, size_t len, uint64_t a, uint64_t b) {
  if (b)
    snprintf(buf, len, "%.2fx", (double)a / (double)b);
  else
    snprintf(buf, len, "-");
}

#define ROW "%-22s %12llu  "

static void summary(FILE *f, const vm_report *r, const vm_report *n) {
  char list[256], x[32];
  uint64_t emu = emulated(r), insns = r->st.insns, user = r->st.user_insns;
  uint64_t translated = r->translated ? insns - user - emu : 0, direct = insns - emu - translated;
  fprintf(f, "---- what the monitor did: %s under --mode %s, beside --mode %s ----\n", r->name, r->mode, n->mode);
  fprintf(f, ROW "%s\n", "guest instructions", (unsigned long long)insns,
          insns == n->st.insns ? "the same as the other run's" : "NOT the other run's: the guest could tell");
  if (!r->monitored) {
    fprintf(f, "(no monitor: --mode %s runs the guest on the bare CPU)\n", r->mode);
  } else {
    const char *how = r->hw_assist    ? "in the CPU's guest mode, as they are"
                      : r->translated ? "guest user code, as it is"
                                      : "kernel and user code as they are, the kernel in real user mode";
    fprintf(f, ROW "%s\n", "  run directly", (unsigned long long)direct, how);
    if (r->translated)
      fprintf(f, ROW "%s\n", "  translated", (unsigned long long)translated, "guest kernel code, run as its translation");
    largest(list, sizeof list, r->vmm.emulated, 256, op_name);
    fprintf(f, ROW "by the monitor%s%s\n", "  emulated", (unsigned long long)emu, *list ? ": " : "", list);
    if (r->translated)
      fprintf(f, ROW "blocks of %llu guest instructions; the cache answered %llu lookups\n", "translations",
              (unsigned long long)r->bt.translations, (unsigned long long)r->bt.translated_insns,
              (unsigned long long)r->bt.tc_hits);
    if (r->hw_assist) {
      largest(list, sizeof list, r->hw.vm_exits, NVMX_EXITS, vmx_exit_name);
      uint64_t exits = 0;
      for (int i = 0; i < NVMX_EXITS; i++) exits += r->hw.vm_exits[i];
      fprintf(f, ROW "VM exits%s%s\n", "exits to the monitor", (unsigned long long)exits, *list ? ": " : "", list);
    } else {
      fprintf(f, ROW "world switches", "exits to the monitor", (unsigned long long)r->vmm.world_switches);
      if (r->translated) fprintf(f, " (and %llu block exits the translator handled itself)", (unsigned long long)r->bt.exits);
      fprintf(f, "\n");
    }
    fprintf(f, ROW "hidden page faults: the monitor's tables filled, unseen\n", "  shadow fills",
            (unsigned long long)r->vmm.shadow_fills);
    uint64_t reflected = 0;
    for (int i = 0; i < NCAUSES; i++) reflected += r->vmm.reflected[i];
    largest(list, sizeof list, r->vmm.reflected, NCAUSES, cpu_cause_name);
    fprintf(f, ROW "traps handed to the guest%s%s\n", r->hw_assist ? "  injected" : "  reflected",
            (unsigned long long)reflected, *list ? ": " : "", list);
  }
  ratio(x, sizeof x, r->st.tlb_misses, n->st.tlb_misses);
  fprintf(f, ROW "--mode %s: %llu (%s)\n", "TLB misses", (unsigned long long)r->st.tlb_misses, n->mode,
          (unsigned long long)n->st.tlb_misses, x);
  ratio(x, sizeof x, r->cycles, n->cycles);
  fprintf(f, ROW "--mode %s: %llu (%s)\n", "modeled cycles", (unsigned long long)r->cycles, n->mode,
          (unsigned long long)n->cycles, x);
}

int compare_report(FILE *f, const vmm_opts *o, const image *img, const vm_report *r, const vmm_mode *with,
                   compare_input *ci) {
  vmm_opts wo = *o;
  wo.mode = with->name;
  wo.hw_shadow = strcmp(with->name, "hw-shadow") == 0;
  wo.dump_tc = NULL;
  ci->pos = 0;
  ci->out = NULL;
  console_dev con = {.ctx = ci, .putc = out_putc, .getc = mem_getc, .status = mem_status};
  guest g;
  char err[256];
  int rc = guest_create(&g, with, &wo, img, con, 0, err, sizeof err);
  if (rc) {
    fprintf(stderr, "vmm: --compare: %s\n", err);
    return rc;
  }
  guest_run(&g, wo.max_steps ? wo.max_steps : UINT64_MAX);
  vm_report n = {0};
  guest_report(&g, &n);
  guest_destroy(&g);
  fflush(stdout);
  summary(f, r, &n);
  return 0;
}
