/* blackbox.h: a graded test runs the submission's programs as a student
 * would, in the sandbox, and compares what comes out with what the
 * reference build gives for the same run (docs/grading-security.md).
 *
 *   GRADE_TEST(mfc_reads_vcpu) {
 *     bb_guest g;
 *     bb_asm(&g, "_start: mfc r1, ptb\n ... jmp bb_done\n");   // + the seed's values
 *     bb_check(&g, "--mode trap");   // the submission's bin/vmm vs the reference's
 *   }
 *
 * bb_check runs `bin/vmm ARGS --stats-json stats.json guest.img` twice: the
 * reference build's (trusted, in a directory of the grader's) and the
 * submission's (in the sandbox, sandbox.h), and fails unless both print the
 * same bytes, end with the same exit status and write the same counters
 * (every --stats-json key but the host-time ones: the simulation is
 * deterministic, so a right monitor counts exactly what the reference
 * counts).  Nothing the submission reports is believed: a verdict is only
 * ever this comparison, made here.
 *
 * The seed.  Every run of the grader has one (GRADE_SEED, recorded in the
 * results: `make grade SEED=N` replays it); each test draws its guests'
 * numbers from it (bb_rand), and every guest starts with random values in
 * its registers and ends by printing them all (bb_asm's prologue and
 * bb_done), so that output recorded from another run does not match.
 *
 * Where the reference comes from: GRADE_REF_VMM (the grader's own tree,
 * built with the solutions), or, in a handout, the runs recorded when the
 * handout was made (GRADE_EXPECT: the visible tests at one seed).  With
 * GRADE_RECORD set, each reference run is also written there.
 *
 * A failure writes everything to the test's detail file (what was run, the
 * guest, what was expected, what came out, every differing counter), which
 * the report shows the student; the one-line reason goes to Check. */
#ifndef BLACKBOX_H
#define BLACKBOX_H

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>

#include "grade.h"
#include "sandbox.h"

/* ---- the test's random numbers (grade_begin, run.c, seeds them) ---- */

static inline uint64_t bb_next(void) { /* splitmix64 */
  uint64_t z = (grade_rng += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* A number in [lo, hi], from the seed. */
static inline uint32_t bb_rand(uint32_t lo, uint32_t hi) {
  return lo + (uint32_t)(bb_next() % ((uint64_t)hi - lo + 1));
}

static inline uint64_t bb_seed(void) {
  const char *s = getenv("GRADE_SEED");
  return s && *s ? strtoull(s, NULL, 10) : 1;
}

/* ---- the failure's details, for the student ---- */

static inline const char *bb_env(const char *name) {
  const char *v = getenv(name);
  return v && *v ? v : NULL;
}

static inline FILE *bb_detail(void) {
  static char path[4096];
  const char *dir = bb_env("GRADE_PRIV");
  if (!dir) return NULL;
  snprintf(path, sizeof path, "%s/detail/%s.txt", dir, grade_test);
  return fopen(path, "a");
}

/* Text for a person: non-printing bytes (a NUL included) as \0, \xNN. */
static inline void bb_put_text(FILE *f, const char *s, size_t n, const char *indent, int max_lines) {
  int lines = 0;
  bool bol = true;
  for (size_t i = 0; i < n; i++) {
    if (bol) {
      if (lines == max_lines) {
        int more = 0;
        for (size_t k = i; k < n; k++) more += s[k] == '\n';
        fprintf(f, "%s... (%d more lines, %zu more bytes)\n", indent, more + (s[n - 1] != '\n'), n - i);
        return;
      }
      fputs(indent, f), bol = false;
    }
    unsigned char c = (unsigned char)s[i];
    if (c == '\n') fputc('\n', f), bol = true, lines++;
    else if (c == 0) fputs("\\0", f);
    else if (c == '\\') fputs("\\\\", f);
    else if (c == '\t' || (c >= 0x20 && c < 0x7f)) fputc(c, f);
    else fprintf(f, "\\x%02x", c);
  }
  if (!bol) fputs("\\ (no newline at the end)\n", f);
  if (n == 0) fprintf(f, "%s(nothing)\n", indent);
}

/* Whether the n bytes at s hold what (NUL-safe). */
static inline bool bb_memstr(const char *s, size_t n, const char *what) {
  size_t k = strlen(what);
  for (size_t i = 0; i + k <= n; i++)
    if (memcmp(s + i, what, k) == 0) return true;
  return false;
}

/* ---- guests: the test's assembly, with the seed's registers ---- */

#define BB_SAVE 0x7f00u /* bb_done's save area (below 32K: an offset from zero; identity-mapped when paging is on) */

typedef struct bb_guest {
  char *src;    /* the whole source, as assembled */
  size_t shown; /* its first bytes: the test's own part (shown on failure) */
  image img;
} bb_guest;

/* bb_done: store r1..r15, print the condition flags as one character
 * (bit 0 Z, bit 1 C, bit 2 signed-less, from the branches) and every
 * register in hex, then halt with r1's value.  A guest ends with
 * `jmp bb_done` in virtual kernel mode. */
#define BB_DONE                                                                                         \
  "bb_done: sw r1, 0x7f04(zero)\n  sw r2, 0x7f08(zero)\n  sw r3, 0x7f0c(zero)\n  sw r4, 0x7f10(zero)\n" \
  "  sw r5, 0x7f14(zero)\n  sw r6, 0x7f18(zero)\n  sw r7, 0x7f1c(zero)\n  sw r8, 0x7f20(zero)\n"     \
  "  sw r9, 0x7f24(zero)\n  sw r10, 0x7f28(zero)\n  sw r11, 0x7f2c(zero)\n  sw r12, 0x7f30(zero)\n"  \
  "  sw r13, 0x7f34(zero)\n  sw r14, 0x7f38(zero)\n  sw r15, 0x7f3c(zero)\n"                          \
  "  li r2, 0x30\n  bne 1f\n  ori r2, r2, 1\n1: bgeu 1f\n  ori r2, r2, 2\n1: bge 1f\n  ori r2, r2, 4\n"   \
  "1: out 0x00, r2\n  li r3, 0x3a\n  out 0x00, r3\n"                                                     \
  "  li r5, 0x7f04\n"                                                                                   \
  "2: lw r1, 0(r5)\n  li r2, 28\n"                                                                       \
  "3: shr r3, r1, r2\n  andi r3, r3, 15\n  cmpi r3, 10\n  blt 4f\n  addi r3, r3, 39\n"                   \
  "4: addi r3, r3, 48\n  out 0x00, r3\n  addi r2, r2, -4\n  cmpi r2, 0\n  bge 3b\n"                      \
  "  li r3, 32\n  out 0x00, r3\n  addi r5, r5, 4\n  li r3, 0x7f40\n  cmp r5, r3\n  bltu 2b\n"          \
  "  li r3, 10\n  out 0x00, r3\n  lw r1, 0x7f04(zero)\n  halt r1\n"

/* Assemble fmt (printf-style) for the test; the guest's own code starts
 * at its _start (the prologue, which fills r1..r13 and lr with the seed's
 * numbers, jumps there) and may jump to bb_done. */
static inline void bb_asm(bb_guest *g, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  char *body = malloc((size_t)n + 1);
  va_start(ap, fmt);
  vsnprintf(body, (size_t)n + 1, fmt, ap);
  va_end(ap);
  size_t cap = (size_t)n + 4096;
  g->src = malloc(cap);
  int k = snprintf(g->src, cap, "%s\n" BB_DONE "bb_entry:\n", body);
  g->shown = strlen(body);
  for (int r = 1; r <= 15; r++)
    if (r != 14) k += snprintf(g->src + k, cap - (size_t)k, "  li r%d, 0x%08x\n", r, (uint32_t)bb_next());
  snprintf(g->src + k, cap - (size_t)k, "  jmp _start\n  .entry bb_entry\n");
  free(body);
  asm_diag diag = {0};
  int rc = asm_assemble(NULL, "guest.s", g->src, strlen(g->src), &g->img, &diag);
  if (rc != 0) ck_abort_msg("grader bug: the test's guest does not assemble: %s", diag.text ? diag.text : "");
  asm_diag_free(&diag);
}

/* A guest the grader generated or assembled itself (random kernels, the
 * guest OS, tests/guests): no prologue. */
static inline void bb_take(bb_guest *g, const char *what, image *img) {
  g->src = strdup(what);
  g->shown = strlen(what);
  g->img = *img;
}

static inline void bb_free(bb_guest *g) {
  free(g->src);
  image_free(&g->img);
}

/* ---- one run, as the grader saw it ---- */

typedef struct bb_obs {
  char *out, *err, *stats, *file; /* stdout, stderr, --stats-json, the extra file */
  size_t len, errlen, statslen, filelen;
  int status;
  bool timed_out;
} bb_obs;

static inline char *bb_slurp(const char *path, size_t *len, size_t cap) {
  *len = 0;
  FILE *f = fopen(path, "rb");
  char *buf = malloc(cap + 1);
  if (f) {
    *len = fread(buf, 1, cap, f);
    fclose(f);
  }
  buf[*len] = 0;
  return buf;
}

static inline void bb_spit(const char *path, const void *p, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(p, 1, n, f) != n) ck_abort_msg("grader: cannot write %s", path);
  fclose(f);
}

/* The counters of a --stats-json file, one `path = value` line each, in
 * the file's order, without the host-time keys (`*_seconds`) and the
 * image's name.  Whatever the file holds, this is only text to compare. */
static inline char *bb_flatten(const char *json, size_t len) {
  char *out = malloc(len * 2 + 64), path[8][64];
  size_t o = 0;
  int depth = 0;
  const char *p = json, *end = json + len;
  while (p < end) {
    const char *eol = memchr(p, '\n', (size_t)(end - p));
    if (!eol) eol = end;
    char line[512];
    size_t n = (size_t)(eol - p) < sizeof line - 1 ? (size_t)(eol - p) : sizeof line - 1;
    memcpy(line, p, n);
    line[n] = 0;
    p = eol + 1;
    char *s = line;
    while (isspace((unsigned char)*s)) s++;
    size_t sl = strlen(s);
    while (sl && (isspace((unsigned char)s[sl - 1]) || s[sl - 1] == ',')) s[--sl] = 0;
    if (!*s) continue;
    if (*s == '}' || *s == ']') {
      depth -= depth > 0;
      continue;
    }
    char key[64] = "";
    const char *val = s;
    if (*s == '"') {
      const char *q = strchr(s + 1, '"');
      if (q && q[1] == ':') {
        snprintf(key, sizeof key, "%.*s", (int)(q - s - 1), s + 1);
        val = q + 2;
        while (*val == ' ') val++;
      }
    }
    if (strcmp(val, "{") == 0 || strcmp(val, "[") == 0 || strcmp(s, "{") == 0) {
      if (depth < 8) snprintf(path[depth], sizeof path[depth], "%s", key);
      depth++;
      continue;
    }
    size_t kl = strlen(key);
    if ((kl > 8 && strcmp(key + kl - 8, "_seconds") == 0) || (depth <= 1 && strcmp(key, "name") == 0)) continue;
    for (int d = 1; d < depth && d < 8; d++) o += (size_t)sprintf(out + o, "%s.", path[d]);
    o += (size_t)sprintf(out + o, "%s = %s\n", key[0] ? key : "?", val);
  }
  out[o] = 0;
  return out;
}

static inline void bb_obs_free(bb_obs *o) {
  free(o->out), free(o->err), free(o->stats), free(o->file);
  memset(o, 0, sizeof *o);
}

/* The words of args, then stats-json and the image. */
static inline int bb_argv(const char *vmm, const char *args, char **argv, char *words, size_t cap) {
  int n = 0;
  argv[n++] = (char *)vmm;
  snprintf(words, cap, "%s", args);
  for (char *w = strtok(words, " "); w && n < 28; w = strtok(NULL, " ")) argv[n++] = w;
  argv[n++] = "--stats-json";
  argv[n++] = "stats.json";
  argv[n++] = "guest.img";
  argv[n] = NULL;
  return n;
}

/* Run vmm (a path) in dir with the image and input there; collect. */
static inline void bb_run(const char *vmm, bool isolate, const char *dir, const char *priv, const char *args,
                          const char *file, bb_obs *o) {
  char *argv[32], words[1024], in[4200], out[4200], err[4200], p[4200];
  bb_argv(vmm, args, argv, words, sizeof words);
  snprintf(in, sizeof in, "%s/input", dir);
  snprintf(out, sizeof out, "%s/stdout", priv);
  snprintf(err, sizeof err, "%s/stderr", priv);
  sb_limits l = SB_RUN_LIMITS;
  sb_result r;
  if (sb_run(&l, isolate, dir, argv, in, out, err, &r) != 0) ck_abort_msg("grader: cannot start %s", vmm);
  memset(o, 0, sizeof *o);
  o->status = r.status, o->timed_out = r.timed_out;
  o->out = bb_slurp(out, &o->len, 4u << 20);
  o->err = bb_slurp(err, &o->errlen, 64u << 10);
  snprintf(p, sizeof p, "%s/stats.json", dir);
  char *json = bb_slurp(p, &o->statslen, 1u << 20);
  o->stats = bb_flatten(json, o->statslen);
  o->statslen = strlen(o->stats);
  free(json);
  if (file) {
    snprintf(p, sizeof p, "%s/%s", dir, file);
    o->file = bb_slurp(p, &o->filelen, 4u << 20);
  }
}

/* A fresh directory under root for one run, given to the sandbox if asked. */
static inline void bb_fresh(char *dir, size_t cap, const char *root, const char *what, bool give) {
  snprintf(dir, cap, "%s/%s.%d", root, grade_test, grade_runs);
  char cmd[4400];
  if (snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", dir, dir) >= (int)sizeof cmd || system(cmd) != 0)
    ck_abort_msg("grader: cannot make %s (%s)", dir, what);
  if (give && sb_give(dir) != 0) ck_abort_msg("grader: cannot give %s to the sandbox", dir);
}

static inline void bb_place(const char *dir, const bb_guest *g, const char *input, const char *cost, bool give) {
  char p[4200], err[256];
  snprintf(p, sizeof p, "%s/cost.txt", dir);
  bb_spit(p, cost, strlen(cost));
  if (give) sb_give(p);
  snprintf(p, sizeof p, "%s/guest.img", dir);
  if (image_write(p, &g->img, err, sizeof err) != 0) ck_abort_msg("grader: %s", err);
  if (give) sb_give(p);
  snprintf(p, sizeof p, "%s/input", dir);
  bb_spit(p, input ? input : "", input ? strlen(input) : 0);
  if (give) sb_give(p);
}

/* The reference's run: the trusted build, or the recording of it. */
static inline void bb_reference(const bb_guest *g, const char *args, const char *input, const char *cost, const char *file,
                                bb_obs *o) {
  const char *ref = bb_env("GRADE_REF_VMM"), *expect = bb_env("GRADE_EXPECT"), *rec = bb_env("GRADE_RECORD");
  char base[4200], p[4300];
  memset(o, 0, sizeof *o);
  if (ref) {
    char dir[4200], priv[4200];
    bb_fresh(dir, sizeof dir, bb_env("GRADE_PRIV"), "the reference's run", false);
    snprintf(priv, sizeof priv, "%s", dir);
    bb_place(dir, g, input, cost, false);
    bb_run(ref, false, dir, priv, args, file, o);
  } else if (expect) {
    snprintf(base, sizeof base, "%s/%s.%d", expect, grade_test, grade_runs);
    snprintf(p, sizeof p, "%s.out", base);
    o->out = bb_slurp(p, &o->len, 4u << 20);
    snprintf(p, sizeof p, "%s.stats", base);
    o->stats = bb_slurp(p, &o->statslen, 1u << 20);
    snprintf(p, sizeof p, "%s.file", base);
    o->file = bb_slurp(p, &o->filelen, 4u << 20);
    o->err = calloc(1, 1);
    snprintf(p, sizeof p, "%s.status", base);
    FILE *f = fopen(p, "r");
    if (!f || fscanf(f, "%d", &o->status) != 1)
      ck_abort_msg("no recorded reference run %s (labs/labN/grade/expected/ is made by `make handout`)", p);
    fclose(f);
  } else {
    ck_abort_msg("grader: no reference (GRADE_REF_VMM or GRADE_EXPECT)");
  }
  if (rec) {
    snprintf(base, sizeof base, "%s/%s.%d", rec, grade_test, grade_runs);
    snprintf(p, sizeof p, "%s.out", base), bb_spit(p, o->out, o->len);
    snprintf(p, sizeof p, "%s.stats", base), bb_spit(p, o->stats, o->statslen);
    if (file) snprintf(p, sizeof p, "%s.file", base), bb_spit(p, o->file, o->filelen);
    snprintf(p, sizeof p, "%s.status", base);
    char st[16];
    snprintf(st, sizeof st, "%d\n", o->status);
    bb_spit(p, st, strlen(st));
  }
}

/* The submission's run, in the sandbox. */
static inline void bb_submission(const bb_guest *g, const char *args, const char *input, const char *cost, const char *file,
                                 bb_obs *o) {
  const char *sub = bb_env("GRADE_SUB_VMM"), *box = bb_env("GRADE_BOX"), *priv = bb_env("GRADE_PRIV");
  if (!sub || !box || !priv) ck_abort_msg("grader: GRADE_SUB_VMM, GRADE_BOX and GRADE_PRIV must be set");
  char dir[4200], pdir[4200];
  bb_fresh(dir, sizeof dir, box, "the sandbox's run", true);
  bb_fresh(pdir, sizeof pdir, priv, "the submission's output", false);
  bb_place(dir, g, input, cost, true);
  bb_run(sub, true, dir, pdir, args, file, o);
}

/* ---- the comparison ---- */

static inline void bb_show_run(FILE *f, const char *args, const bb_guest *g, const char *input) {
  fprintf(f, "\nran: bin/vmm %s --stats-json stats.json guest.img%s\n", args, input ? " < input" : " < /dev/null");
  fprintf(f, "the guest (seed %llu; cost.txt prices every event at random, see docs/grading-security.md):\n",
          (unsigned long long)bb_seed());
  bb_put_text(f, g->src, g->shown, "  | ", 80);
  if (g->shown < strlen(g->src))
    fprintf(f, "  (then bb_done, which prints the flags and r1..r15, and the prologue that sets the registers\n"
               "   to this seed's values and jumps to _start: labs/grade/blackbox.h)\n");
  if (input) fprintf(f, "its console input:\n"), bb_put_text(f, input, strlen(input), "  | ", 20);
}

/* The first line of text at which a and b differ (1-based), 0 if equal. */
static inline int bb_first_diff_line(const char *a, size_t na, const char *b, size_t nb) {
  size_t i = 0;
  int line = 1;
  while (i < na && i < nb && a[i] == b[i]) line += a[i++] == '\n';
  return i == na && i == nb ? 0 : line;
}

/* The submission's run of g under mode_args must equal the reference's.
 * Both get this run's TLB size and prices, and 256K of memory unless
 * mode_args says --mem.  file: a file the run writes (--dump-tc FILE),
 * compared too, or NULL. */
static inline void bb_check_file(const bb_guest *g, const char *mode_args, const char *input, const char *file) {
  /* The seed's machine: a TLB size and a price for every event. */
  static const char *const keys[] = {"insn", "walk_ref", "tlb_flush", "trap", "iret", "io", "world_switch", "emulate",
                                     "reflect", "shadow_fill", "shadow_sync", "translate", "tc_lookup", "vm_exit",
                                     "nested_ref"};
  char args[1200], cost[1024];
  size_t k = 0;
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
    k += (size_t)snprintf(cost + k, sizeof cost - k, "%s = %u\n", keys[i], bb_rand(1, 5000));
  snprintf(args, sizeof args, "%s%s --tlb %u --cost cost.txt", mode_args, strstr(mode_args, "--mem") ? "" : " --mem 256K",
           16u << bb_rand(0, 3));
  bb_obs ref, sub;
  bb_reference(g, args, input, cost, file, &ref);
  bb_submission(g, args, input, cost, file, &sub);
  grade_runs++;
  bool same_out = ref.len == sub.len && memcmp(ref.out, sub.out, ref.len) == 0;
  bool same_stats = strcmp(ref.stats, sub.stats) == 0, same_status = ref.status == sub.status && !sub.timed_out;
  bool same_file = !file || (ref.filelen == sub.filelen && memcmp(ref.file, sub.file, ref.filelen) == 0);
  if (same_out && same_stats && same_status && same_file) {
    bb_obs_free(&ref), bb_obs_free(&sub);
    return;
  }
  char why[1600]; /* room for args (1200) and the words around them */
  char last[200] = "";
  size_t e = sub.errlen;
  while (e > 0 && sub.err[e - 1] == '\n') e--;
  size_t b = e;
  while (b > 0 && sub.err[b - 1] != '\n') b--;
  snprintf(last, sizeof last, "%.*s", (int)(e - b), sub.err + b);
  if (sub.timed_out) snprintf(why, sizeof why, "bin/vmm %s: no end within %d s (an endless loop?)", args, 90);
  else if (!same_status && last[0])
    snprintf(why, sizeof why, "bin/vmm %s: exit status %d, the reference's %d: %s", args, sub.status, ref.status, last);
  else if (!same_out)
    snprintf(why, sizeof why, "bin/vmm %s: the guest's console output differs from the reference's at line %d", args,
             bb_first_diff_line(ref.out, ref.len, sub.out, sub.len));
  else if (!same_status) snprintf(why, sizeof why, "bin/vmm %s: exit status %d, the reference's %d", args, sub.status, ref.status);
  else if (!same_stats) snprintf(why, sizeof why, "bin/vmm %s: the counters (--stats-json) differ from the reference's", args);
  else snprintf(why, sizeof why, "bin/vmm %s: %s differs from the reference's", args, file ? file : "a file");
  FILE *f = bb_detail();
  if (f) {
    fprintf(f, "%s\n", why);
    bb_show_run(f, args, g, input);
    fprintf(f, "exit status: %d%s (the reference: %d)\n", sub.status, sub.timed_out ? ", killed: out of time" : "",
            ref.status);
    fprintf(f, "console output expected (the reference's):\n");
    bb_put_text(f, ref.out, ref.len, "  | ", 60);
    fprintf(f, "console output:\n");
    bb_put_text(f, sub.out, sub.len, "  | ", 60);
    if (!same_stats) {
      fprintf(f, "counters that differ (key: expected, got):\n");
      int shown = 0;
      for (const char *a = ref.stats; *a && shown < 40;) {
        const char *ae = strchr(a, '\n');
        size_t al = (size_t)(ae - a);
        const char *eq = strstr(a, " = ");
        size_t kl = eq && eq < ae ? (size_t)(eq - a) : al;
        /* the same key in sub */
        const char *b = sub.stats, *bv = NULL;
        size_t bl = 0;
        while (*b) {
          const char *be = strchr(b, '\n');
          if ((size_t)(be - b) > kl && strncmp(b, a, kl) == 0 && strncmp(b + kl, " = ", 3) == 0) {
            bv = b + kl + 3, bl = (size_t)(be - bv);
            break;
          }
          b = be + 1;
        }
        const char *av = a + kl + 3;
        size_t avl = al > kl + 3 ? al - kl - 3 : 0;
        if (!bv || bl != avl || strncmp(av, bv, avl) != 0)
          fprintf(f, "  %.*s: %.*s, %s%.*s\n", (int)kl, a, (int)avl, av, bv ? "" : "(missing)", (int)bl, bv ? bv : ""),
              shown++;
        a = ae + 1;
      }
      for (const char *b = sub.stats; *b && shown < 40;) { /* keys the reference has not */
        const char *be = strchr(b, '\n');
        const char *eq = strstr(b, " = ");
        size_t kl = eq && eq < be ? (size_t)(eq - b) : (size_t)(be - b);
        bool known = false;
        for (const char *a = ref.stats; *a && !known;) {
          const char *ae = strchr(a, '\n');
          known = strncmp(a, b, kl) == 0 && strncmp(a + kl, " = ", 3) == 0;
          a = ae + 1;
        }
        if (!known) fprintf(f, "  %.*s: (none), %.*s\n", (int)kl, b, (int)(be - b - kl > 3 ? be - b - kl - 3 : 0), b + kl + 3), shown++;
        b = be + 1;
      }
      if (sub.statslen == 0) fprintf(f, "  (the submission wrote no --stats-json file)\n");
    }
    if (file && !same_file) {
      fprintf(f, "%s expected:\n", file);
      bb_put_text(f, ref.file, ref.filelen, "  | ", 60);
      fprintf(f, "%s:\n", file);
      bb_put_text(f, sub.file, sub.filelen, "  | ", 60);
    }
    if (sub.errlen) fprintf(f, "its standard error:\n"), bb_put_text(f, sub.err, sub.errlen, "  | ", 20);
    fclose(f);
  }
  bb_obs_free(&ref), bb_obs_free(&sub);
  ck_abort_msg("%s", why);
}

static inline void bb_check(const bb_guest *g, const char *args) { bb_check_file(g, args, NULL, NULL); }

/* ---- lab 1: the student's assembly, by the submission's bin/vasm ---- */

/* Assemble dir/main (dir: a folder of the submission's tree, copied into a
 * fresh sandbox directory, with extra_src as dir/extra_name beside it when
 * given) with the submission's bin/vasm in the sandbox: `vasm -I dir
 * dir/main -o guest.img`.  The image is read back by the grader's own
 * image reader.  Fails the test with vasm's messages if it does not
 * assemble. */
static inline void bb_vasm(const char *dir, const char *main, const char *extra_name, const char *extra_src, image *img) {
  const char *vasm = bb_env("GRADE_SUB_VASM"), *tree = bb_env("GRADE_SUB_TREE"), *priv = bb_env("GRADE_PRIV");
  const char *box = bb_env("GRADE_BOX");
  if (!vasm || !tree || !priv || !box) ck_abort_msg("grader: GRADE_SUB_VASM, GRADE_SUB_TREE, GRADE_PRIV, GRADE_BOX");
  char run[4200], pdir[4200], cmd[13000], p[4600], srcdir[4400], mainp[4400];
  bb_fresh(run, sizeof run, box, "the sandbox's run", true);
  bb_fresh(pdir, sizeof pdir, priv, "the assembler's output", false);
  grade_runs++;
  snprintf(cmd, sizeof cmd, "mkdir -p '%s/%s' && cp -r '%s/%s/.' '%s/%s/'", run, dir, tree, dir, run, dir);
  if (system(cmd) != 0) ck_abort_msg("grader: cannot copy %s", dir);
  if (extra_name) {
    snprintf(p, sizeof p, "%s/%s/%s", run, dir, extra_name);
    bb_spit(p, extra_src, strlen(extra_src));
  }
  snprintf(cmd, sizeof cmd, "chown -R %u:%u '%s'", (unsigned)sb_uid(), (unsigned)sb_uid(), run);
  if (sb_isolated() && system(cmd) != 0) ck_abort_msg("grader: cannot give %s to the sandbox", run);
  snprintf(srcdir, sizeof srcdir, "%s", dir);
  snprintf(mainp, sizeof mainp, "%s/%s", dir, main);
  char *argv[] = {(char *)vasm, "-I", srcdir, mainp, "-o", "guest.img", NULL};
  char out[4400], err[4400];
  snprintf(out, sizeof out, "%s/stdout", pdir);
  snprintf(err, sizeof err, "%s/stderr", pdir);
  sb_limits l = SB_RUN_LIMITS;
  sb_result r;
  if (sb_run(&l, true, run, argv, NULL, out, err, &r) != 0) ck_abort_msg("grader: cannot start %s", vasm);
  size_t n;
  char *msg = bb_slurp(err, &n, 64u << 10);
  if (r.status != 0) {
    FILE *f = bb_detail();
    if (f) {
      fprintf(f, "%s does not assemble\n\nran: bin/vasm -I %s %s -o guest.img (exit status %d)\n", mainp, srcdir, mainp,
              r.status);
      if (extra_name) fprintf(f, "%s/%s, the test's program:\n", dir, extra_name),
                      bb_put_text(f, extra_src, strlen(extra_src), "  | ", 60);
      fprintf(f, "the assembler said:\n"), bb_put_text(f, msg, n, "  | ", 40);
      fclose(f);
    }
    char first[300];
    snprintf(first, sizeof first, "%.*s", (int)strcspn(msg, "\n"), msg);
    free(msg);
    ck_abort_msg("%s does not assemble: %s", mainp, first);
  }
  free(msg);
  snprintf(p, sizeof p, "%s/guest.img", run);
  char e[256];
  if (image_read(p, img, e, sizeof e) != 0) ck_abort_msg("bin/vasm wrote no image the grader can read: %s", e);
}

/* Assemble a file of the grader's tree (tests/guests, the guest OS). */
static inline void bb_file(bb_guest *g, const char *path, const char *const *incs, const char *const *defs) {
  image img;
  grade_assemble(path, incs, defs, &img);
  bb_take(g, path, &img);
}

#endif
