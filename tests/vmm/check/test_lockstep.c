/* test_lockstep.c: lockstep differential checking and the random guest
 * kernels (docs/reliability.md).
 *
 * A divergent guest is caught at the instruction that causes it (by the
 * store check, and by the full memory comparison plus replay); an
 * equivalent one passes; the real guest OS under trap-and-emulate on the
 * real ISA diverges at its first pushf; and a batch of random kernels runs
 * in lockstep in every monitor mode (trap on the strict ISA, bt on both,
 * the others on the real one: gen_strict_isa), attack kernels too, with nothing changed outside the
 * guest.  A divergence prints its seed and the command that replays it. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asm.h"
#include "check/gen.h"
#include "check/lockstep.h"

/* Random kernels per mode in `make check` (LOCKSTEP_SEEDS overrides). */
#define CHECK_SEEDS 500
#define CHECK_ATTACKS 20
#define SEED_CHUNK 50 /* seeds per loop iteration of the test (one timeout each) */

static void assemble(const char *src, image *img) {
  asm_diag diag = {0};
  int rc = asm_assemble(NULL, "guest.s", src, strlen(src), img, &diag);
  ck_assert_msg(rc == 0, "guest does not assemble:\n%s", diag.text ? diag.text : "");
  asm_diag_free(&diag);
}

static vmm_opts opts(const char *mode, bool strict, uint32_t mem) {
  vmm_opts o = {.mode = mode, .mem = mem, .tlb = 64, .strict_isa = strict, .max_steps = GEN_MAX_TICKS};
  cost_profile(&o.cost, "modern");
  return o;
}

static uint32_t symbol(const image *img, const char *name) {
  uint32_t a = 0;
  ck_assert_msg(image_lookup(img, name, &a) == 0, "no symbol %s", name);
  return a;
}

/* ---- a known divergence, caught where it happens ---- */

/* 17 ticks of ordinary work, then pushf at tick 18: natively it pushes
 * KM (0x20); in real user mode under the monitor, IE without KM. */
static const char *pushf_src =
    "        .org 0x1000\n"
    "_start: li sp, 0x8000\n"
    "        li r1, 5\n"
    "1:      addi r1, r1, -1\n"
    "        cmpi r1, 0\n"
    "        bne 1b\n"
    "here:   pushf\n"
    "        addi sp, sp, 4\n" /* no register shows it: only memory */
    "        li r2, 7\n"
    "        halt r2\n";

START_TEST(divergence_caught_at_the_instruction) {
  image img;
  assemble(pushf_src, &img);
  vmm_opts o = opts("trap", false, 64u << 10);
  ls_opts lo = {0};
  ls_result r;
  ck_assert_int_eq(lockstep_run(&o, &lo, &img, &r), 0);
  ck_assert_int_eq(r.verdict, LS_DIVERGED);
  ck_assert_uint_eq(r.at_tick, 18);
  ck_assert_uint_eq(r.insn_pc, symbol(&img, "here"));
  ck_assert_uint_eq(r.insn_word, 0x58000000u);
  ck_assert(r.insn_kernel);
  ck_assert_str_eq(r.insn_text, "pushf");
  ck_assert_msg(strstr(r.what, "M32[0x00007ffc]") && strstr(r.what, "native 0x00000021, trap 0x00000001"), "%s", r.what); /* KM+Z vs Z: user mode */
  ck_assert_uint_eq(r.native.pc, r.other.pc); /* the state itself agrees */
  /* The report names both sides and marks nothing in the registers. */
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  lockstep_print(f, "trap", &r);
  fclose(f);
  ck_assert_msg(strstr(text, "diverge at tick 18") && strstr(text, "<here>: pushf"), "%s", text);
  free(text);
  image_free(&img);
}
END_TEST

/* Without the store check only the full comparison sees the stack word;
 * the replay from reset still names the pushf. */
START_TEST(full_comparison_and_replay_find_the_instruction) {
  image img;
  assemble(pushf_src, &img);
  vmm_opts o = opts("trap", false, 64u << 10);
  ls_opts lo = {.every = 16, .no_store_check = true};
  ls_result r;
  ck_assert_int_eq(lockstep_run(&o, &lo, &img, &r), 0);
  ck_assert_int_eq(r.verdict, LS_DIVERGED);
  ck_assert_uint_eq(r.at_tick, 18);
  ck_assert_uint_eq(r.insn_pc, symbol(&img, "here"));
  ck_assert_uint_gt(r.compares, 2); /* ticks 16 and 32, then each of the replay */
  image_free(&img);
}
END_TEST

START_TEST(strict_isa_agrees) {
  image img;
  assemble(pushf_src, &img);
  for (int i = 0; i < lockstep_variants(); i++) {
    vmm_opts o = opts(NULL, true, 64u << 10);
    const char *name = lockstep_variant(i, &o);
    ls_opts lo = {0};
    ls_result r;
    ck_assert_int_eq(lockstep_run(&o, &lo, &img, &r), 0);
    ck_assert_msg(r.verdict == LS_AGREE, "%s: %s at tick %llu", name, r.what, (unsigned long long)r.at_tick);
    ck_assert_int_eq(r.exit, EXIT_HALT);
    ck_assert_uint_eq(r.halt_code, 7);
    ck_assert_uint_eq(r.ticks, 21);
    ck_assert_uint_eq(r.outside, 0);
  }
  image_free(&img);
}
END_TEST

/* ---- an equivalent guest: paging, traps, a timer, console output ---- */

static const char *busy_src =
    "        .org 0x1000\n"
    "_start: la r1, handler\n"
    "        mtc tvec, r1\n"
    "        li sp, 0x8000\n"
    "        li r5, 0x9000\n" /* page table: identity, 16 pages */
    "        li r6, 0x7\n"    /* V W U */
    "        li r7, 16\n"
    "1:      sw r6, 0(r5)\n"
    "        addi r5, r5, 4\n"
    "        li r8, 4096\n"
    "        add r6, r6, r8\n"
    "        addi r7, r7, -1\n"
    "        cmpi r7, 0\n"
    "        bne 1b\n"
    "        li r5, 0xa000\n"
    "        li r6, 0x9001\n"
    "        sw r6, 0(r5)\n"
    "        mtc ptb, r5\n"
    "        li r5, 1\n"
    "        mtc paging, r5\n"
    "        li r5, 97\n"
    "        mtc timer, r5\n"
    "        sti\n"
    "        li r12, 0xc0000000\n" /* a jump that faults on fetch, at the next tick */
    "        jr r12\n"
    "back:   li r9, 600\n"
    "2:      syscall\n"
    "        lw r3, 0x4000(r0)\n"
    "        addi r3, r3, 3\n"
    "        sw r3, 0x4000(r0)\n"
    "        li r4, 0x20000\n"
    "        lw r4, 0(r4)\n" /* beyond the page table: a fault, skipped */
    "        addi r9, r9, -1\n"
    "        cmpi r9, 0\n"
    "        bne 2b\n"
    "        cli\n"
    "        halt zero\n"
    "handler: mfc r10, cause\n"
    "        addi r11, r10, 97\n"
    "        out 0x00, r11\n"
    "        cmpi r10, 2\n"
    "        beq 5f\n"
    "        cmpi r10, 3\n"
    "        bne 3f\n"
    "        mfc r10, epc\n"
    "        addi r10, r10, 4\n"
    "        mtc epc, r10\n"
    "        jmp 3f\n"
    "5:      la r10, back\n"
    "        mtc epc, r10\n"
    "3:      iret\n";

START_TEST(equivalent_guest_agrees_in_every_mode) {
  image img;
  assemble(busy_src, &img);
  for (int i = 0; i < mode_count(true); i++) {
    vmm_opts o = opts(mode_nth(i, true)->name, false, 64u << 10);
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    ls_opts lo = {.out = f, .every = 1000};
    ls_result r;
    ck_assert_int_eq(lockstep_run(&o, &lo, &img, &r), 0);
    fclose(f);
    ck_assert_msg(r.verdict == LS_AGREE, "%s: tick %llu: %s: %s", mode_nth(i, true)->name, (unsigned long long)r.at_tick,
                  r.insn_text, r.what);
    ck_assert_int_eq(r.exit, EXIT_HALT);
    ck_assert_uint_eq(r.halt_code, 0);
    ck_assert_uint_gt(r.ticks, 9000);
    ck_assert_uint_gt(r.compares, 9);
    ck_assert_uint_eq(r.outside, 0);
    ck_assert_uint_gt(len, 1200); /* a letter a trap: syscalls, faults, timer */
    ck_assert(strchr(out, 'j') != NULL);
    free(out);
  }
  image_free(&img);
}
END_TEST

/* Unknown modes are refused with the list of those that exist. */
START_TEST(unknown_mode_is_refused) {
  image img;
  assemble(busy_src, &img);
  vmm_opts o = opts("native", false, 64u << 10);
  char *msg = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&msg, &len);
  ls_opts lo = {.report = f};
  ls_result r;
  ck_assert_int_eq(lockstep_run(&o, &lo, &img, &r), 64); /* vmm's status for it */
  fclose(f);
  ck_assert_msg(strstr(msg, "no monitor mode 'native'") && strstr(msg, "trap"), "%s", msg);
  free(msg);
  image_free(&img);
}
END_TEST

/* Isolation's count: every guard byte changed below and above a monitor
 * side, at their edges and several in a page, and nothing of the guest's
 * own memory next to them. */
START_TEST(guards_count_every_changed_byte) {
  image img;
  assemble(busy_src, &img);
  for (int m = 0; m < mode_count(true); m++) {
    const vmm_mode *md = mode_nth(m, true);
    vmm_opts o = opts(md->name, true, 64u << 10);
    ls_record rec = {.eof = true};
    ls_side s = {0};
    char err[256];
    ls_console_init(&s, &rec);
    ck_assert_int_eq(ls_side_make(&s, md, &o, &img, err, sizeof err), 0);
    ck_assert_uint_eq(ls_side_outside(&s), 0);
    uint8_t *mem = s.c->mem;
    const uint32_t at[] = {0, 1, 4095, 4096, LS_GUARD - 1, s.g.end, s.g.end + 4097, s.g.end + LS_GUARD - 1};
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) mem[at[i]] ^= 0xff;
    mem[LS_GUARD] ^= 0xff; /* the first byte past the guard below: the guest's */
    mem[s.g.end - 1] ^= 0xff; /* the last the side owns */
    ck_assert_msg(ls_side_outside(&s) == sizeof at / sizeof at[0], "%s: %llu", md->name,
                  (unsigned long long)ls_side_outside(&s));
    ls_side_free(&s);
    free(s.out);
  }
  image_free(&img);
}
END_TEST

/* ---- the real guest OS ---- */

#define GUESTOS "build/guests/guestos.img"

/* Natively, the tick and pc of the first pushf the guest OS executes. */
static void first_pushf(const image *img, uint64_t *tick, uint32_t *pc) {
  cpu *c = cpu_new(1u << 20, 64);
  char err[256];
  ck_assert_int_eq(load_image(c, img, 0, c->mem_size, err, sizeof err), 0);
  cpu_reset(c, img->entry);
  for (*tick = 1; *tick < 10000000; (*tick)++) {
    uint32_t pa;
    ck_assert_int_eq(cpu_translate_peek(c, c->pc, P_X, &pa), 0);
    *pc = c->pc;
    uint32_t w;
    memcpy(&w, c->mem + pa, 4);
    if (w >> 24 == OP_PUSHF) break;
    ck_assert_int_eq(cpu_run(c, 1), EXIT_BUDGET);
  }
  cpu_free(c);
}

START_TEST(guestos_diverges_at_its_first_pushf) {
  image img;
  char err[256];
  ck_assert_msg(image_read(GUESTOS, &img, err, sizeof err) == 0, "%s (run make first)", err);
  uint64_t tick;
  uint32_t pc;
  first_pushf(&img, &tick, &pc);
  vmm_opts o = opts("trap", false, 1u << 20);
  o.max_steps = 0;
  ls_opts lo = {0};
  ls_result r;
  ck_assert_int_eq(lockstep_run(&o, &lo, &img, &r), 0);
  ck_assert_int_eq(r.verdict, LS_DIVERGED);
  ck_assert_uint_eq(r.at_tick, tick);
  ck_assert_uint_eq(r.insn_pc, pc);
  ck_assert_str_eq(r.insn_text, "pushf");
  ck_assert_msg(strstr(r.what, "native 0x00000020, trap 0x00000000"), "%s", r.what); /* KM vs user mode */
  image_free(&img);
}
END_TEST

/* The whole boot and scripted session, 1.7 million ticks, on the strict
 * ISA under trap and on the real ISA under every other mode. */
START_TEST(guestos_agrees_to_the_end) {
  image img;
  char err[256];
  ck_assert_msg(image_read(GUESTOS, &img, err, sizeof err) == 0, "%s (run make first)", err);
  vmm_opts o = opts(NULL, false, 1u << 20);
  const char *mode = lockstep_variant(_i, &o);
  o.strict_isa = strcmp(o.mode, "trap") == 0;
  o.max_steps = 0;
  ls_opts lo = {.every = 65536};
  ls_result r;
  ck_assert_int_eq(lockstep_run(&o, &lo, &img, &r), 0);
  ck_assert_msg(r.verdict == LS_AGREE, "%s: tick %llu at 0x%08x %s: %s", mode, (unsigned long long)r.at_tick,
                r.insn_pc, r.insn_text, r.what);
  ck_assert_int_eq(r.exit, EXIT_HALT);
  ck_assert_uint_gt(r.ticks, 1000000);
  ck_assert_uint_eq(r.outside, 0);
  image_free(&img);
}
END_TEST

/* ---- the generator ---- */

/* The same seed gives the same program whatever compiled the generator:
 * every random draw is sequenced (C leaves the order of a call's
 * arguments and of an operator's operands to the compiler; gcc and clang
 * order them differently).  The digest of the first 40 programs of each
 * kind, as every build must make them. */
START_TEST(generator_is_the_same_under_every_compiler) {
  uint64_t h = 1469598103934665603ull; /* FNV-1a */
  for (uint64_t seed = 1; seed <= 40; seed++)
    for (int k = 0; k < 2; k++) {
      gen_opts g = {.seed = seed, .kind = k ? GEN_ATTACK : GEN_NORMAL};
      size_t n;
      char *p = gen_program(&g, &n);
      ck_assert_ptr_nonnull(p);
      for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)p[i]) * 1099511628211ull;
      free(p);
    }
  ck_assert_msg(h == 0x188fb6c66fe105fbull, "the generator's programs changed (digest 0x%016llx): a draw whose order the "
                "compiler chooses, or a deliberate change (then update the digest)", (unsigned long long)h);
}
END_TEST

START_TEST(generator_is_deterministic) {
  for (uint64_t seed = 1; seed <= 20; seed++) {
    for (int k = 0; k < 2; k++) {
      gen_opts g = {.seed = seed, .kind = k ? GEN_ATTACK : GEN_NORMAL};
      size_t la, lb;
      char *a = gen_program(&g, &la), *b = gen_program(&g, &lb);
      ck_assert(a && b);
      ck_assert_uint_eq(la, lb);
      ck_assert(memcmp(a, b, la) == 0);
      g.seed += 1000;
      char *c = gen_program(&g, NULL);
      ck_assert_msg(strcmp(a, c) != 0, "seeds %llu and %llu give the same program", (unsigned long long)seed,
                    (unsigned long long)g.seed);
      image img;
      char err[512];
      g.seed = seed;
      ck_assert_msg(gen_image(&g, &img, err, sizeof err) == 0, "%s", err);
      image_free(&img);
      free(a);
      free(b);
      free(c);
    }
  }
}
END_TEST

/* The bytes an image puts in memory, and which it puts: what a loader
 * sees of it, however its segments are cut. */
static void image_flat(const image *img, uint8_t *mem, uint8_t *set) {
  memset(mem, 0, GEN_MEM);
  memset(set, 0, GEN_MEM);
  for (int i = 0; i < img->nsegs; i++) {
    const image_seg *s = &img->segs[i];
    ck_assert_msg(s->addr <= GEN_MEM && s->size <= GEN_MEM - s->addr, "a segment past GEN_MEM at 0x%x", s->addr);
    memcpy(mem + s->addr, s->data, s->size);
    memset(set + s->addr, 1, s->size);
  }
}

/* gen_image puts the initial memory straight into the image instead of
 * assembling its .word lines: the image must be the program's text
 * assembled, byte for byte, with the same entry and symbols. */
START_TEST(generator_image_is_its_text_assembled) {
  static uint8_t ma[GEN_MEM], sa[GEN_MEM], mb[GEN_MEM], sb[GEN_MEM];
  uint8_t bytes[200];
  for (size_t i = 0; i < sizeof bytes; i++) bytes[i] = (uint8_t)(i * 37 + 11);
  for (int n = 0; n < 24; n++) {
    gen_opts g = {.seed = 1 + (uint64_t)n, .kind = n % 3 == 2 ? GEN_ATTACK : GEN_NORMAL, .length = n % 2 ? 0 : 1 + n};
    if (n % 4 == 1) g.choices = bytes, g.nchoices = sizeof bytes - (size_t)n;
    image a, b;
    char err[512];
    ck_assert_msg(gen_image(&g, &a, err, sizeof err) == 0, "%s", err);
    size_t len;
    char *src = gen_program(&g, &len);
    asm_diag diag = {0};
    ck_assert_msg(asm_assemble(NULL, "gen.s", src, len, &b, &diag) == 0, "%s", diag.text ? diag.text : "");
    asm_diag_free(&diag);
    image_flat(&a, ma, sa);
    image_flat(&b, mb, sb);
    ck_assert_msg(memcmp(sa, sb, GEN_MEM) == 0, "kernel %d: the images fill different bytes", n);
    ck_assert_msg(memcmp(ma, mb, GEN_MEM) == 0, "kernel %d: the images' memory differs", n);
    ck_assert_uint_eq(a.entry, b.entry);
    /* ... and one that can be written (its segments in order: the memory
     * added after the code once broke that, and every lab test that runs
     * a generated kernel through bin/vmm) */
    uint8_t *buf;
    size_t buflen;
    ck_assert_msg(image_write_mem(&a, &buf, &buflen, err, sizeof err) == 0, "kernel %d: %s", n, err);
    free(buf);
    ck_assert_int_eq(a.nsyms, b.nsyms);
    for (int i = 0; i < a.nsyms; i++) {
      ck_assert_str_eq(a.syms[i].name, b.syms[i].name);
      ck_assert_uint_eq(a.syms[i].addr, b.syms[i].addr);
    }
    image_free(&a);
    image_free(&b);
    free(src);
  }
}
END_TEST

/* Without the digest (fuzz_modes' kernels) a kernel is the same program up
 * to its end, which halts with 0 at once: in lockstep it agrees, in fewer
 * ticks, in every monitor mode. */
START_TEST(generator_without_digest) {
  for (int n = 0; n < mode_count(true); n++) {
    gen_opts g = {.seed = 7 + (uint64_t)n, .length = 6};
    uint64_t ticks[2];
    for (int k = 0; k < 2; k++) {
      g.no_digest = k;
      image img;
      char err[512];
      ck_assert_msg(gen_image(&g, &img, err, sizeof err) == 0, "%s", err);
      const vmm_mode *md = mode_nth(n, true);
      vmm_opts o = {.mode = md->name, .mem = GEN_MEM, .tlb = 64, .max_steps = GEN_MAX_TICKS, .strict_isa = true};
      cost_profile(&o.cost, "modern");
      ls_opts lo = {0};
      ls_result res;
      ck_assert_int_eq(lockstep_run(&o, &lo, &img, &res), 0);
      ck_assert_msg(res.verdict == LS_AGREE && res.exit == EXIT_HALT && res.halt_code == 0, "%s: %s (exit %s %u)",
                    md->name, res.what, cpu_exit_name(res.exit), res.halt_code);
      ticks[k] = res.ticks;
      image_free(&img);
    }
    ck_assert_msg(ticks[1] + 100 < ticks[0], "%s: %llu ticks without the digest, %llu with it", mode_nth(n, true)->name,
                  (unsigned long long)ticks[1], (unsigned long long)ticks[0]);
  }
}
END_TEST

/* A fuzzer's bytes as the random numbers (tests/fuzz/fuzz_modes.c): any
 * bytes give a kernel that assembles and halts with 0 in lockstep; the
 * same bytes the same kernel; a changed byte a different one, in the part
 * it decides; past the bytes, the seed's numbers. */
START_TEST(generator_takes_choices) {
  uint8_t bytes[96];
  uint32_t x = 12345;
  for (int round = 0; round < 8; round++) {
    for (size_t i = 0; i < sizeof bytes; i++) x = x * 1103515245u + 12345u, bytes[i] = (uint8_t)(x >> 24);
    if (round == 0) memset(bytes, 0, sizeof bytes);
    if (round == 1) memset(bytes, 0xff, sizeof bytes);
    gen_opts g = {.seed = 1, .length = 8, .choices = bytes, .nchoices = sizeof bytes};
    char *a = gen_program(&g, NULL), *b = gen_program(&g, NULL);
    ck_assert(a && b && strcmp(a, b) == 0);
    gen_opts plain = {.seed = 1, .length = 8};
    char *c = gen_program(&plain, NULL);
    ck_assert_msg(strcmp(a, c) != 0, "round %d: the bytes changed nothing", round);
    bytes[0] ^= 1; /* r1's first value */
    char *d = gen_program(&g, NULL);
    ck_assert_msg(strcmp(a, d) != 0, "round %d: a changed byte changed nothing", round);
    bytes[0] ^= 1;
    image img;
    char err[512];
    ck_assert_msg(gen_image(&g, &img, err, sizeof err) == 0, "round %d: %s", round, err);
    const vmm_mode *md = mode_nth(round % mode_count(true), true);
    vmm_opts o = {.mode = md->name, .mem = GEN_MEM, .tlb = 64, .max_steps = GEN_MAX_TICKS, .strict_isa = true};
    cost_profile(&o.cost, "modern");
    ls_opts lo = {0};
    ls_result res;
    ck_assert_int_eq(lockstep_run(&o, &lo, &img, &res), 0);
    ck_assert_msg(res.verdict == LS_AGREE && res.exit == EXIT_HALT && res.halt_code == 0,
                  "round %d in %s: %s (exit %s %u)", round, md->name, res.what, cpu_exit_name(res.exit),
                  res.halt_code);
    image_free(&img);
    free(a), free(b), free(c), free(d);
  }
}
END_TEST

/* ---- random kernels in lockstep, every mode ---- */

static const char *volatile current_run = "";
static char current_buf[160];

/* A crash under the sanitizers still names the program that caused it. */
extern void __sanitizer_set_death_callback(void (*cb)(void)) __attribute__((weak));
static void say_current(void) { fprintf(stderr, "lockstep: crashed while running %s\n", current_run); }

static unsigned seeds_per_mode(void) {
  const char *e = getenv("LOCKSTEP_SEEDS");
  return e ? (unsigned)strtoul(e, NULL, 0) : CHECK_SEEDS;
}

/* Run seeds [from, to) of `kind` in `mode`; print every divergence (with
 * the command that replays it) and return how many there were. */
static int run_seeds(int variant, enum gen_kind kind, uint64_t from, uint64_t to, uint64_t *outside) {
  vmm_opts vo = {0};
  const char *mode = lockstep_variant(variant, &vo);
  int bad = 0;
  if (__sanitizer_set_death_callback) __sanitizer_set_death_callback(say_current);
  for (uint64_t seed = from; seed < to; seed++) {
    gen_opts g = {.seed = seed, .kind = kind};
    image img;
    char err[512];
    ck_assert_msg(gen_image(&g, &img, err, sizeof err) == 0, "%s", err);
    bool strict = gen_strict_isa(vo.mode, seed); /* trap: always; bt: both ISAs */
    vmm_opts o = opts(vo.mode, strict, GEN_MEM);
    o.shadow_trace = vo.shadow_trace;
    const char *adapt = gen_bt_adapt(vo.mode, seed, &o.bt_no_adapt, &o.bt_adapt_threshold); /* bt: on and off */
    snprintf(current_buf, sizeof current_buf, "bin/vmm --lockstep %s%s%s --mem 256K --gen-seed %llu%s", mode,
             strict ? " --isa strict" : "", adapt, (unsigned long long)seed, kind == GEN_ATTACK ? " --gen-kind attack" : "");
    current_run = current_buf;
    ls_opts lo = {0};
    ls_result r;
    ck_assert_int_eq(lockstep_run(&o, &lo, &img, &r), 0);
    if (r.verdict != LS_AGREE) {
      fprintf(stderr, "lockstep: seed %llu diverges in %s at tick %llu, %s: %s: %s\n  replay: %s\n",
              (unsigned long long)seed, mode, (unsigned long long)r.at_tick, r.insn_where, r.insn_text, r.what,
              current_buf);
      bad++;
    } else if (r.exit != EXIT_HALT && kind == GEN_NORMAL) {
      fprintf(stderr, "lockstep: seed %llu ends with %s, not halt\n  replay: %s\n", (unsigned long long)seed,
              cpu_exit_name(r.exit), current_buf);
      bad++;
    }
    if (r.outside) {
      fprintf(stderr, "lockstep: seed %llu changed %llu bytes or shadow entries outside the guest in %s\n  replay: %s\n",
              (unsigned long long)seed, (unsigned long long)r.outside, mode, current_buf);
    }
    *outside += r.outside;
    image_free(&img);
  }
  current_run = "";
  return bad;
}

/* Loop index: mode * chunks + chunk. */
START_TEST(random_kernels_agree) {
  unsigned n = seeds_per_mode(), chunks = (n + SEED_CHUNK - 1) / SEED_CHUNK;
  vmm_opts vo = {0};
  const char *mode = lockstep_variant(_i / (int)chunks, &vo);
  uint64_t from = 1 + (uint64_t)(_i % (int)chunks) * SEED_CHUNK, to = from + SEED_CHUNK;
  if (to > 1 + (uint64_t)n) to = 1 + n;
  uint64_t outside = 0;
  int bad = run_seeds(_i / (int)chunks, GEN_NORMAL, from, to, &outside);
  ck_assert_msg(bad == 0, "%d of seeds %llu..%llu diverge in %s (printed above)", bad, (unsigned long long)from,
                (unsigned long long)to - 1, mode);
  ck_assert_uint_eq(outside, 0);
}
END_TEST

START_TEST(attack_kernels_change_nothing_outside) {
  vmm_opts vo = {0};
  const char *mode = lockstep_variant(_i, &vo);
  uint64_t outside = 0;
  int bad = run_seeds(_i, GEN_ATTACK, 1, 1 + CHECK_ATTACKS, &outside);
  ck_assert_msg(outside == 0, "%llu bytes or entries outside the guest changed in %s", (unsigned long long)outside,
                mode);
  ck_assert_msg(bad == 0, "%d attack kernels diverge in %s (printed above)", bad, mode);
}
END_TEST

Suite *lockstep_suite(void) {
  Suite *s = suite_create("lockstep");
  TCase *tc = tcase_create("divergence");
  tcase_add_test(tc, divergence_caught_at_the_instruction);
  tcase_add_test(tc, full_comparison_and_replay_find_the_instruction);
  tcase_add_test(tc, strict_isa_agrees);
  tcase_add_test(tc, equivalent_guest_agrees_in_every_mode);
  tcase_add_test(tc, unknown_mode_is_refused);
  tcase_add_test(tc, guards_count_every_changed_byte);
  suite_add_tcase(s, tc);
  tc = tcase_create("guestos");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, guestos_diverges_at_its_first_pushf);
  tcase_add_loop_test(tc, guestos_agrees_to_the_end, 0, lockstep_variants());
  suite_add_tcase(s, tc);
  tc = tcase_create("generator");
  tcase_add_test(tc, generator_is_deterministic);
  tcase_add_test(tc, generator_takes_choices);
  tcase_add_test(tc, generator_image_is_its_text_assembled);
  tcase_add_test(tc, generator_without_digest);
  tcase_add_test(tc, generator_is_the_same_under_every_compiler);
  suite_add_tcase(s, tc);
  tc = tcase_create("random");
  tcase_set_timeout(tc, 120);
  unsigned chunks = (seeds_per_mode() + SEED_CHUNK - 1) / SEED_CHUNK;
  tcase_add_loop_test(tc, random_kernels_agree, 0, lockstep_variants() * (int)chunks);
  tcase_add_loop_test(tc, attack_kernels_change_nothing_outside, 0, lockstep_variants());
  suite_add_tcase(s, tc);
  return s;
}
