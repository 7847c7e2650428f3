/* test_bt.c: bt_suite, the binary translator (--mode bt, docs/bt.md).
 *
 * One test case per concept:
 *   blocks      where the translator ends a block, and what it emits
 *   special     every special and privileged translation against native
 *               hardware, in every flag state, with and without a pending
 *               interrupt, in both --bt-priv modes
 *   budget      a run cut at any guest tick stops at the same guest
 *               instruction, with the same registers, as natively
 *   cache       hits, misses, invalidations, evictions, chaining; the
 *               flushes and write protection charged to the guest
 *   guests      the self-modifying-code, stale-write and isolation guests
 *               (tests/vmm/bt/),
 *               and the guest OS if it is built: byte-identical output and
 *               instruction counts
 *   window      the reserved window faults even where the guest maps it
 *   console     the console's data port reaches translated code directly,
 *               and only translated code
 *   dump        --dump-tc shows each guest block beside its translation
 *
 * Guests run in this process (the mode table: guest_create) with their console in a
 * temporary file, so that the monitor's C runs under the sanitizers.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "asm.h"
#include "bt/bt.h"
#include "isa_info.h"
#include "mmu.h"
#include "need.h"
#include "run/runner.h"

/* ---- running an image in a mode ---- */

typedef struct run_opts {
  const char *mode;  /* "native" or "bt" */
  bool priv_trap, no_chain, strict; /* --bt-priv trap, --bt-chain off, --isa strict */
  uint32_t tc_size;  /* bytes, 0: default */
  uint64_t steps;    /* --max-steps, 0: none */
  const char *dump;  /* --dump-tc */
  const cost_model *cost; /* NULL: modern */
} run_opts;

typedef struct run {
  char out[65536]; /* console output */
  vm_report r;
  uint32_t reg[NREGS], pc, flags, cr[NCR]; /* the guest's view at the end */
  uint8_t mem[0x10000];                    /* guest memory 0..64K at the end */
} run;

static image assemble(const char *name, const char *src) {
  static const char *const dirs[] = {"tests/guests"};
  asm_options opt = {.include_dirs = dirs, .ninclude = 1};
  asm_diag diag = {0};
  image img;
  int rc = src ? asm_assemble(&opt, name, src, strlen(src), &img, &diag)
               : asm_assemble_file(&opt, name, &img, &diag);
  ck_assert_msg(rc == 0, "%s does not assemble:\n%s", name, diag.text ? diag.text : "");
  asm_diag_free(&diag);
  return img;
}

static void run_image(const image *img, const run_opts *ro, run *out) {
  vmm_opts o = {.mode = ro->mode, .mem = 1u << 20, .tlb = 64, .image = "test", .max_steps = ro->steps,
                .bt_priv_trap = ro->priv_trap, .bt_no_chain = ro->no_chain, .bt_tc_size = ro->tc_size,
                .dump_tc = ro->dump, .strict_isa = ro->strict};
  cost_profile(&o.cost, "modern");
  if (ro->cost) o.cost = *ro->cost;
  FILE *f = tmpfile();
  ck_assert(f != NULL);
  host_console hc;
  host_console_init(&hc, f, NULL);
  console_dev con = {0};
  host_console_fill(&hc, &con);
  memset(out, 0, sizeof *out);
  char err[256];
  guest g;
  const vmm_mode *md = mode_find(ro->mode, &o);
  ck_assert_int_eq(guest_create(&g, md, &o, img, con, 0, err, sizeof err), 0);
  guest_run(&g, o.max_steps ? o.max_steps : UINT64_MAX);
  if (g.m && md->finish) ck_assert_int_eq(md->finish(g.m, &o), 0);
  guest_report(&g, &out->r);
  fflush(f);
  rewind(f);
  out->out[fread(out->out, 1, sizeof out->out - 1, f)] = 0;
  fclose(f);
  guest_view v;
  guest_view_get(&g, &v);
  memcpy(out->reg, v.r, sizeof out->reg);
  out->pc = v.pc;
  out->flags = v.flags;
  memcpy(out->cr, v.cr, sizeof out->cr);
  memcpy(out->mem, g.c->mem + g.base, sizeof out->mem);
  guest_destroy(&g);
}

/* The two runs must look the same to the guest.  (A timer CR reads the
 * ticks left: compared through the registers the guest read it into.) */
static void same_guest(const run *a, const run *b, const char *what) {
  ck_assert_msg(strcmp(a->out, b->out) == 0, "%s: console output differs:\n--- native\n%s--- bt\n%s", what, a->out,
                b->out);
  ck_assert_msg(a->r.exit == b->r.exit && a->r.halt_code == b->r.halt_code, "%s: exit %d/%d halt %u/%u", what,
                a->r.exit, b->r.exit, a->r.halt_code, b->r.halt_code);
  ck_assert_msg(a->r.st.insns == b->r.st.insns, "%s: %llu instructions natively, %llu under bt", what,
                (unsigned long long)a->r.st.insns, (unsigned long long)b->r.st.insns);
  ck_assert_uint_eq(a->r.st.user_insns, b->r.st.user_insns);
  for (int i = 0; i < NREGS; i++) ck_assert_msg(a->reg[i] == b->reg[i], "%s: r%d %08x / %08x", what, i, a->reg[i], b->reg[i]);
  ck_assert_msg(a->pc == b->pc, "%s: pc %08x / %08x", what, a->pc, b->pc);
  ck_assert_msg(a->flags == b->flags, "%s: flags %02x / %02x", what, a->flags, b->flags);
  for (int i = 0; i < NCR; i++)
    if (i != CR_TIMER) ck_assert_msg(a->cr[i] == b->cr[i], "%s: CR %d %08x / %08x", what, i, a->cr[i], b->cr[i]);
  ck_assert_msg(memcmp(a->mem, b->mem, sizeof a->mem) == 0, "%s: memory differs", what);
}

static run *run_pair(const image *img, const run_opts *bt_ro, const char *what) {
  static run r[2];
  run_opts n = {.mode = "native", .steps = bt_ro->steps};
  run_image(img, &n, &r[0]);
  run_image(img, bt_ro, &r[1]);
  same_guest(&r[0], &r[1], what);
  return r;
}

/* ---- blocks: where they end, what they hold ---- */

/* A VM with a translator over an assembled image, for bt_translate: the
 * guest is made as bin/vmm makes it, and not run. */
static guest the_guest;
static vm *make_bt_vm(const image *img, bool priv_trap) {
  vmm_opts o = {.mode = "bt", .mem = 1u << 20, .tlb = 64, .image = "test", .bt_priv_trap = priv_trap};
  cost_profile(&o.cost, "modern");
  static host_console hc;
  host_console_init(&hc, stdout, NULL);
  console_dev con = {0};
  host_console_fill(&hc, &con);
  char err[256];
  ck_assert_int_eq(guest_create(&the_guest, &mode_bt, &o, img, con, 0, err, sizeof err), 0);
  return the_guest.m;
}

static void vm_free(vm *m) {
  ck_assert(m == the_guest.m);
  guest_destroy(&the_guest);
}

/* The block at pc: its length, and the kinds of its last words. */
static const bt_block *block_at(vm *m, uint32_t pc) { return bt_translate(m, pc, pc); }
static const bt_word *word_of(vm *m, const bt_block *k, int i) {
  return bt_word_at(bt_of(m), k->tc + 4 * (uint32_t)(i < 0 ? k->nwords + i : i));
}
static uint32_t tc_at(vm *m, const bt_block *k, int i) {
  return ld32(m->c->mem + bt_tc_pa(bt_of(m), k->tc + 4 * (uint32_t)(i < 0 ? k->nwords + i : i)));
}

START_TEST(blocks) {
  char src[4096], *p = src;
  p += sprintf(p, "%s",
                       ".org 0x1000\n"
                       "b_cond: addi r1, r1, 1\n addi r2, r2, 2\n cmp r1, r2\n beq b_cond\n"  /* 0x1000 */
                       "b_jmp:  jmp b_cond\n"                                                 /* 0x1010 */
                       "b_call: call b_cond\n"                                                /* 0x1014 */
                       "b_jr:   jr lr\n"                                                      /* 0x1018 */
                       "b_sys:  addi r1, r1, 1\n syscall\n"                                   /* 0x101c */
                       "b_io:   out 0, r1\n mtc timer, r1\n in r2, 1\n iret\n"                /* 0x1024 */
                       "b_ptb:  mtc scratch, r1\n mtc ptb, r1\n"                              /* 0x1034 */
                       "b_win:  lw r1, -8(zero)\n"                                            /* 0x103c */
                       "b_ill:  .word 0\n"                                                    /* 0x1040 */
                       "b_pf:   pushf\n popf\n cli\n sti\n mfc r3, epc\n mtc estatus, r3\n halt r0\n"
                       ".org 0x1ff8\n b_page: addi r1, r1, 1\n addi r1, r1, 1\n addi r1, r1, 1\n"
                       ".org 0x3000\n b_long:\n");
  for (int i = 0; i < 40; i++) p += sprintf(p, " addi r1, r1, 1\n");
  image img = assemble("blocks.s", src);
  vm *m = make_bt_vm(&img, false);
  /* A conditional branch: the branch, a fall-through stub, a taken stub. */
  const bt_block *k = block_at(m, 0x1000);
  ck_assert_uint_eq(k->ninsns, 4);
  ck_assert_uint_eq(k->nwords, 6);
  ck_assert(word_of(m, k, -2)->kind == W_STUB && word_of(m, k, -2)->gpc == 0x1010 && word_of(m, k, -2)->why == BX_DIRECT);
  ck_assert(word_of(m, k, -1)->kind == W_STUB && word_of(m, k, -1)->gpc == 0x1000);
  ck_assert_uint_eq(ISA_OPCODE(tc_at(m, k, 3)), OP_BEQ);
  /* jmp: the copy, aimed at its stub. */
  k = block_at(m, 0x1010);
  ck_assert(k->ninsns == 1 && k->nwords == 2 && word_of(m, k, 1)->gpc == 0x1000);
  /* call: lr gets the GUEST return address, then a jump to the stub. */
  k = block_at(m, 0x1014);
  ck_assert_uint_eq(tc_at(m, k, 0), ISA_ENC_I(OP_ORI, REG_LR, 0, 0x1018));
  ck_assert(word_of(m, k, -1)->kind == W_STUB && word_of(m, k, -1)->gpc == 0x1000);
  /* jr: the inline cache ends the block: a miss check, then its stub. */
  k = block_at(m, 0x1018);
  ck_assert(k->ninsns == 1 && k->nwords == 9);
  ck_assert(word_of(m, k, 6)->kind == W_PEND && word_of(m, k, 6)->why == BX_JR && word_of(m, k, 6)->reg == REG_LR);
  /* syscall is an exit of its own, counted as the guest's instruction. */
  k = block_at(m, 0x101c);
  ck_assert(k->ninsns == 2 && word_of(m, k, -1)->kind == W_EXIT && word_of(m, k, -1)->why == BX_SYSCALL);
  ck_assert(!mmu_word_marked(m->c, bt_tc_pa(bt_of(m), k->tc + 4)));
  /* out, mtc timer and in trap and resume in the block; iret ends it. */
  k = block_at(m, 0x1024);
  ck_assert_uint_eq(k->ninsns, 4);
  ck_assert(word_of(m, k, -1)->kind == W_STUB && word_of(m, k, -1)->why == BX_LOOKUP);
  /* Plain mtc is in line; mtc ptb traps and ends the block. */
  k = block_at(m, 0x1034);
  ck_assert(k->ninsns == 2 && k->nwords == 3);
  ck_assert_uint_eq(tc_at(m, k, 0), ISA_ENC_I(OP_SW, 1, 0, VP(VP_CR + 4 * CR_SCRATCH)));
  /* The translator refuses a guest's r0-based window access, and an
   * illegal word: marked exits that reflect the fault. */
  k = block_at(m, 0x103c);
  ck_assert(k->nwords == 1 && word_of(m, k, 0)->why == BX_FAULT && word_of(m, k, 0)->reg == CAUSE_PF_LOAD);
  ck_assert_uint_eq(word_of(m, k, 0)->arg, 0xfffffff8);
  k = block_at(m, 0x1040);
  ck_assert(k->nwords == 1 && word_of(m, k, 0)->why == BX_FAULT && word_of(m, k, 0)->reg == CAUSE_ILLEGAL);
  /* The special and in-line instructions: one unmarked word each, last. */
  k = block_at(m, 0x1044);
  ck_assert_uint_eq(k->ninsns, 7);
  uint32_t unmarked = 0;
  for (int i = 0; i < k->nwords; i++) {
    const bt_word *w = word_of(m, k, i);
    if (w->kind == W_STUB) continue;
    bool last = i + 1 == k->nwords || bt_boundary(word_of(m, k, i + 1));
    bool um = !mmu_word_marked(m->c, bt_tc_pa(bt_of(m), k->tc + 4 * (uint32_t)i));
    if (um) unmarked++;
    if (w->kind != W_PEND) ck_assert_msg(um == last, "word %d: unmarked iff last of its expansion", i);
  }
  ck_assert_uint_eq(unmarked, 7);
  /* A block never crosses a guest page; nor grows past BT_MAX_INSNS. */
  k = block_at(m, 0x1ff8);
  ck_assert(k->ninsns == 2 && word_of(m, k, -1)->gpc == 0x2000 && word_of(m, k, -1)->why == BX_FAR);
  k = block_at(m, 0x3000);
  ck_assert(k->ninsns == BT_MAX_INSNS && word_of(m, k, -1)->gpc == 0x3000 + 4 * BT_MAX_INSNS);
  vm_free(m);
  /* --bt-priv trap copies the privileged instructions unchanged. */
  m = make_bt_vm(&img, true);
  k = block_at(m, 0x1034);
  ck_assert_uint_eq(tc_at(m, k, 0), ISA_ENC_I(OP_MTC, 0, 1, CR_SCRATCH));
  k = block_at(m, 0x1044);
  ck_assert_uint_eq(tc_at(m, k, 0) >> 24, OP_SW); /* pushf is special: still translated */
  vm_free(m);
  image_free(&img);
}
END_TEST

/* ---- special and privileged instructions against native ---- */

/* Run `body` in kernel mode after setting the flags to `flags` (CC and
 * IE, through popf, with r1..r3 preset), then capture everything. */
static void check_insn(const char *body, uint32_t flags, bool pending, bool priv_trap) {
  char src[2048];
  snprintf(src, sizeof src,
           ".org 0x1000\n"
           "    li sp, 0x8000\n la r1, handler\n mtc tvec, r1\n"
           "    li r1, 0x5a5a1234\n mtc scratch, r1\n mtc epc, r1\n mtc badva, r1\n mtc cause, r1\n"
           "%s" /* a timer that fires while IE is off: the interrupt is pending */
           "    li r1, %u\n push r1\n popf\n"
           "    li r1, 0xffffffff\n li r2, 0x3a\n li r3, 0x13\n push r3\n"
           "%s\n"
           "    pushf\n pop r9\n mfc r10, estatus\n mfc r11, tvec\n mfc r12, scratch\n"
           "    li r5, 0x77\n halt r0\n"
           "handler: mfc r6, epc\n mfc r7, cause\n halt r0\n",
           pending ? "    li r1, 3\n mtc timer, r1\n nop\n nop\n nop\n nop\n nop\n nop\n" : "", flags, body);
  image img = assemble("insn.s", src);
  run_opts bt = {.mode = "bt", .priv_trap = priv_trap};
  char what[256];
  snprintf(what, sizeof what, "'%s' with flags %02x%s%s", body, flags, pending ? ", interrupt pending" : "",
           priv_trap ? ", --bt-priv trap" : "");
  run_pair(&img, &bt, what);
  image_free(&img);
}

START_TEST(special) {
  static const char *const bodies[] = {
      "pushf",         "popf",          "cli",             "sti",            "mfc r4, estatus",
      "mfc r4, epc",   "mfc r4, badva", "mfc r4, cause",   "mfc r4, scratch", "mfc r4, tvec",
      "mfc r4, ptb",   "mfc r4, paging", "mtc estatus, r1", "mtc scratch, r1", "mtc epc, r2",
      "mtc cause, r2", "mtc badva, r1",  "mtc tvec, r11",  "pushf\n popf",    "sti\n cli\n sti",
  };
  int pri = _i; /* each in both --bt-priv modes, in every flag state */
  for (size_t b = 0; b < sizeof bodies / sizeof bodies[0]; b++)
    for (uint32_t f = 0; f < 32; f++) check_insn(bodies[b], f, false, pri);
  /* With a timer interrupt pending: only the instructions that may turn IE
   * on, and only from IE off. */
  static const char *const enabling[] = {"sti", "popf", "pushf", "cli\n sti", "pushf\n popf"};
  for (size_t b = 0; b < sizeof enabling / sizeof enabling[0]; b++)
    for (uint32_t f = 0; f < 16; f++) check_insn(enabling[b], f, true, pri);
}
END_TEST

/* ---- the budget: stopping at any tick ---- */

START_TEST(budget) {
  image img = assemble("tests/vmm/bt/smc.s", NULL);
  /* Every tick for a stretch full of expansions and exits, then samples. */
  for (uint64_t n = 1; n < 400; n += (n < 160 ? 1 : 13)) {
    run_opts bt = {.mode = "bt", .steps = n, .priv_trap = n & 1};
    char what[64];
    snprintf(what, sizeof what, "--max-steps %llu", (unsigned long long)n);
    run *r = run_pair(&img, &bt, what);
    ck_assert_int_eq(r[1].r.exit, EXIT_BUDGET);
  }
  image_free(&img);
}
END_TEST

/* ---- the cache ---- */

/* N functions called in turn, M times: many blocks, all reused. */
static image many_blocks(int n, int times) {
  size_t cap = (size_t)n * 64 + 4096;
  char *src = malloc(cap);
  int len = snprintf(src, cap, ".org 0x1000\n li sp, 0x80000\n li r9, 0\n li r8, %d\nloop:\n", times);
  for (int i = 0; i < n; i++) len += snprintf(src + len, cap - (size_t)len, " call f%d\n", i);
  len += snprintf(src + len, cap - (size_t)len, " addi r8, r8, -1\n cmpi r8, 0\n bne loop\n halt r0\n");
  for (int i = 0; i < n; i++) len += snprintf(src + len, cap - (size_t)len, "f%d: addi r9, r9, %d\n ret\n", i, i);
  image img = assemble("many.s", src);
  free(src);
  return img;
}

START_TEST(cache) {
  image img = many_blocks(300, 4);
  run_opts bt = {.mode = "bt"};
  run *r = run_pair(&img, &bt, "300 functions, 4 times");
  const bt_counters *n = &r[1].r.bt;
  ck_assert_uint_eq(r[1].reg[9], 4 * 299 * 300 / 2);
  ck_assert_uint_eq(n->tc_misses, n->translations); /* a miss translates */
  ck_assert_uint_eq(n->tc_evictions, 0);
  ck_assert_uint_eq(n->tc_invalidations, 0);
  ck_assert(n->chained > 0);
  uint64_t translated = n->translations, exits = n->exits;
  /* Run again 4x longer: no new translations, only hits and chains. */
  image_free(&img);
  img = many_blocks(300, 16);
  r = run_pair(&img, &bt, "300 functions, 16 times");
  ck_assert_uint_eq(r[1].r.bt.translations, translated);
  ck_assert_uint_le(r[1].r.bt.exits, exits + 30);
  /* Chaining off: the same guest, an exit at every block end. */
  run_opts nochain = {.mode = "bt", .no_chain = true};
  r = run_pair(&img, &nochain, "no chaining");
  ck_assert_uint_eq(r[1].r.bt.chained, 0);
  ck_assert_uint_gt(r[1].r.bt.exits, 10 * exits);
  /* A 16 KiB cache cannot hold it: full flushes, then the same answer. */
  run_opts small = {.mode = "bt", .tc_size = 16384};
  r = run_pair(&img, &small, "16 KiB TC");
  ck_assert_uint_gt(r[1].r.bt.tc_evictions, 0);
  ck_assert_uint_gt(r[1].r.bt.translations, translated);
  image_free(&img);
}
END_TEST

/* A return to two callers in turn would miss its prediction every time.
 * It is predicted again only BT_JR_PREDICTIONS times: after that it keeps
 * its prediction (right for one caller of the two) and its misses just
 * look the target up, without rewriting and rechaining the jr. */
START_TEST(jr_predictions) {
  image img = assemble("jr.s", ".org 0x1000\n li sp, 0x80000\n li r8, 100\n"
                               "loop: call f\n call f\n addi r8, r8, -1\n cmpi r8, 0\n bne loop\n halt r0\n"
                               "f: addi r9, r9, 1\n ret\n");
  run_opts bt = {.mode = "bt"};
  run *r = run_pair(&img, &bt, "a return to two callers");
  const bt_counters *n = &r[1].r.bt;
  ck_assert_uint_eq(r[1].reg[9], 200);
  ck_assert_uint_ge(n->exits, 100);                       /* one caller's returns miss */
  ck_assert_uint_le(n->chained, 16);                      /* the jr is rechained a few times only */
  image_free(&img);
}
END_TEST

/* ---- whole guests ---- */

static void whole_guest(const char *path, uint64_t invalidations) {
  image img = assemble(path, NULL);
  static const run_opts modes[] = {{.mode = "bt"}, {.mode = "bt", .priv_trap = true},
                                   {.mode = "bt", .no_chain = true}, {.mode = "bt", .tc_size = 16384}};
  for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
    run *r = run_pair(&img, &modes[i], path);
    ck_assert_msg(strstr(r[1].out, " 0 failed\n") != NULL, "%s:\n%s", path, r[1].out);
    ck_assert_int_eq(r[1].r.halt_code, 0);
    if (i == 0 && invalidations) ck_assert_uint_eq(r[1].r.bt.tc_invalidations, invalidations);
    if (i == 0) ck_assert_uint_gt(r[1].r.bt.protected_writes, 50); /* data beside code */
  }
  image_free(&img);
}

START_TEST(smc_guest) { whole_guest("tests/vmm/bt/smc.s", 9); }
END_TEST

START_TEST(isolation_guest) { whole_guest("tests/vmm/bt/isolation.s", 0); }
END_TEST

/* Writes to translated code from no store of the guest's: the walker's A
 * and D bits in a PTE that is also code, and an emulated pushf (--isa
 * strict) into code.  Each must drop the translation (three times: A, D,
 * the pushf) in every configuration; on the strict ISA too. */
START_TEST(stale_guest) {
  image img = assemble("tests/vmm/bt/stale.s", NULL);
  static const run_opts modes[] = {{.mode = "bt"}, {.mode = "bt", .strict = true},
                                   {.mode = "bt", .strict = true, .priv_trap = true},
                                   {.mode = "bt", .strict = true, .no_chain = true},
                                   {.mode = "bt", .tc_size = 16384}};
  for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
    run *r = run_pair(&img, &modes[i], "stale.s");
    ck_assert_msg(strstr(r[1].out, "SUMMARY: 9 passed, 0 failed\n") != NULL, "stale.s (%zu):\n%s", i, r[1].out);
    if (i < 2) ck_assert_uint_ge(r[1].r.bt.tc_invalidations, 3);
  }
  image_free(&img);
}
END_TEST

/* The monitor's work is charged to the guest (docs/multi.md): every flush
 * costs tc_flush, every page of translated code write-protected costs
 * write_protect, whatever else it costs; a run that changes only those
 * costs changes only its cycles, by exactly that. */
START_TEST(work_is_charged) {
  image img = assemble("tests/vmm/bt/smc.s", NULL);
  static run r[3];
  cost_model k[3];
  for (int i = 0; i < 3; i++) {
    cost_profile(&k[i], "modern");
    k[i].c[COST_TC_FLUSH] = i == 1 ? 1000 : 0;
    k[i].c[COST_WRITE_PROTECT] = i == 2 ? 1000 : 0;
    run_opts o = {.mode = "bt", .cost = &k[i]};
    run_image(&img, &o, &r[i]);
  }
  uint64_t flushes = r[0].r.bt.tc_invalidations + r[0].r.bt.tc_evictions;
  ck_assert_uint_eq(flushes, 9);
  ck_assert_uint_eq(r[1].r.cycles - r[0].r.cycles, 1000 * flushes);
  uint64_t wp = r[2].r.cycles - r[0].r.cycles;
  ck_assert_msg(wp % 1000 == 0 && wp >= 1000 * flushes, "write protection charged %llu", (unsigned long long)wp);
  for (int i = 1; i < 3; i++) {
    ck_assert_str_eq(r[i].out, r[0].out);
    ck_assert_uint_eq(r[i].r.st.insns, r[0].r.st.insns);
    ck_assert_uint_eq(r[i].r.vmm.world_switches, r[0].r.vmm.world_switches);
    ck_assert_uint_eq(r[i].r.bt.translations, r[0].r.bt.translations);
  }
  image_free(&img);
}
END_TEST

/* One shadow root for both virtual modes: 32 pages the kernel reads and
 * then a user program reads take 32 hidden faults, not 64 (the test's own
 * code, stack and tables take about 11 more). */
START_TEST(one_root) {
  image img = assemble("tests/vmm/bt/oneroot.s", NULL);
  run_opts bt = {.mode = "bt"};
  run *r = run_pair(&img, &bt, "oneroot.s");
  ck_assert_msg(strstr(r[1].out, " 0 failed\n") != NULL, "%s", r[1].out);
  ck_assert_uint_ge(r[1].r.vmm.shadow_fills, 32);
  ck_assert_uint_lt(r[1].r.vmm.shadow_fills, 32 + 16);
  image_free(&img);
}
END_TEST

START_TEST(guestos) {
  static const char *const imgs[] = {"build/guests/guestos.img", "build/guests/bench-special.img"};
  for (size_t i = 0; i < sizeof imgs / sizeof imgs[0]; i++) {
    char err[256];
    image img;
    need_file(imgs[i], "run make");
    ck_assert_msg(image_read(imgs[i], &img, err, sizeof err) == 0, "%s", err);
    run_opts bt = {.mode = "bt"};
    run *r = run_pair(&img, &bt, imgs[i]);
    ck_assert_uint_eq(r[1].r.bt.tc_invalidations, 0);
    ck_assert_uint_gt(r[1].r.vmm.direct_insns, 0);
    image_free(&img);
  }
}
END_TEST

/* ---- the window is the monitor's, even where the guest maps it ---- */

START_TEST(window) {
  image img = assemble("window.s",
                       ".org 0x1000\n"
                       "  la r1, handler\n mtc tvec, r1\n"
                       "  li r1, 0x10000\n li r2, 0x11000 | 1\n sw r2, 0(r1)\n"       /* PDE 0 */
                       "  li r2, 0x12000 | 1\n sw r2, 4092(r1)\n"                      /* PDE 1023 */
                       "  li r2, 0x11000 + 4\n li r3, 0x1000 | 3\n sw r3, 0(r2)\n"    /* 0x1000 */
                       "  li r2, 0x12000\n li r3, 0x20000 | 3\n sw r3, 0(r2)\n"       /* 0xffc00000 */
                       "  mtc ptb, r1\n li r1, 1\n mtc paging, r1\n"
                       "  li r4, 0xffc00000\n li r5, 99\n sw r5, 0(r4)\n lw r6, 0(r4)\n halt r6\n"
                       "handler: mfc r7, cause\n mfc r8, badva\n halt r7\n");
  run n, b;
  run_image(&img, &(run_opts){.mode = "native"}, &n);
  ck_assert_uint_eq(n.r.halt_code, 99); /* natively the guest's own mapping works */
  run_image(&img, &(run_opts){.mode = "bt"}, &b);
  ck_assert_uint_eq(b.r.halt_code, CAUSE_PF_STORE); /* reserved: as if unmapped */
  ck_assert_uint_eq(b.reg[8], 0xffc00000);
  image_free(&img);
}
END_TEST

/* ---- the console's data port passed through to translated code ---- */

/* The kernel writes the console and reads its status, turns its input
 * interrupt off, then drops to user mode, where the same out must trap to
 * the guest's own handler (the CPU passes the port only to code fetched
 * from the window).  Native and bt agree on everything; under bt the data
 * and status ports run directly (the virtual device's model, in line)
 * unless --bt-priv trap, and the control port exits. */
START_TEST(console_port) {
  image img = assemble("console.s",
                       ".org 0x1000\n"
                       "  li sp, 0x8000\n la r1, handler\n mtc tvec, r1\n"
                       "  li r2, 0x41\n out 0, r2\n li r2, 0x42\n out 0, r2\n" /* data: "AB" */
                       "  in r3, 1\n li r2, 0\n out 2, r2\n"                   /* status, control */
                       "  la r1, user\n mtc epc, r1\n li r1, 0\n mtc estatus, r1\n iret\n"
                       "user: li r2, 0x43\n out 0, r2\n halt r0\n"
                       "handler: mfc r6, cause\n mfc r7, epc\n li r2, 0x0a\n out 0, r2\n halt r6\n");
  for (int priv_trap = 0; priv_trap < 2; priv_trap++) {
    run_opts bt = {.mode = "bt", .priv_trap = priv_trap};
    run *r = run_pair(&img, &bt, priv_trap ? "console, --bt-priv trap" : "console");
    ck_assert_str_eq(r[1].out, "AB\n");
    ck_assert_uint_eq(r[1].r.halt_code, CAUSE_PRIV); /* the user-mode out trapped to the guest */
    uint64_t emulated = r[1].r.vmm.emulated[OP_OUT];
    /* inline: only the control port's out exits; trapping: all four kernel outs */
    ck_assert_uint_eq(emulated, priv_trap ? 4 : 1);
    ck_assert_uint_eq(r[1].r.vmm.emulated[OP_IN], priv_trap ? 1 : 0); /* status: passed through inline */
  }
  image_free(&img);
}
END_TEST

/* ---- --dump-tc ---- */

START_TEST(dump) {
  image img = assemble("dump.s", ".org 0x1000\n addi sp, zero, 0x4000\n pushf\n popf\n call f\n halt r0\nf: ret\n");
  char path[] = "/tmp/bt-dump-XXXXXX";
  int fd = mkstemp(path);
  ck_assert(fd >= 0);
  close(fd);
  run r;
  run_image(&img, &(run_opts){.mode = "bt", .dump = path}, &r);
  FILE *f = fopen(path, "r");
  ck_assert(f != NULL);
  char text[8192];
  text[fread(text, 1, sizeof text - 1, f)] = 0;
  fclose(f);
  unlink(path);
  ck_assert_msg(strstr(text, "block 0x00001000 (guest-physical 0x00001000)") != NULL, "%s", text);
  ck_assert_msg(strstr(text, "00001004  pushf") != NULL, "%s", text);          /* guest column */
  ck_assert_msg(strstr(text, "* pushf") != NULL, "%s", text);                  /* its expansion */
  ck_assert_msg(strstr(text, "* divu zero, zero, r1") != NULL, "%s", text);    /* popf's check */
  ck_assert_msg(strstr(text, "* ori lr, zero, 0x1010") != NULL, "%s", text);  /* call's lr */
  image_free(&img);
}
END_TEST

Suite *bt_suite(void) {
  Suite *s = suite_create("bt");
  TCase *t = tcase_create("bt");
  tcase_set_timeout(t, 120);
  tcase_add_test(t, blocks);
  tcase_add_loop_test(t, special, 0, 2);
  tcase_add_test(t, budget);
  tcase_add_test(t, cache);
  tcase_add_test(t, jr_predictions);
  tcase_add_test(t, smc_guest);
  tcase_add_test(t, isolation_guest);
  tcase_add_test(t, stale_guest);
  tcase_add_test(t, work_is_charged);
  tcase_add_test(t, one_root);
  tcase_add_test(t, window);
  tcase_add_test(t, console_port);
  tcase_add_test(t, dump);
  suite_add_tcase(s, t);
  t = tcase_create("images"); /* the guest images of build/guests */
  tcase_set_timeout(t, 120);
  tcase_add_test(t, guestos);
  suite_add_tcase(s, t);
  return s;
}
