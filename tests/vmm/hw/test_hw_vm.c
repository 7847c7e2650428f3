/* test_hw_vm.c: the monitor of --mode hw (vmm/hw/hw.c), in both paging
 * modes: small guests give the same output, instruction counts and
 * registers as natively, the monitor asks only for the exits each paging
 * mode needs, and every guest image in build/guests/ runs the same under
 * bin/vmm --mode hw and hw-shadow as natively.  (The trap-mode
 * equivalence guests of test_monitor.c run under hw too: hw_run_src.) */
#include <check.h>
#include <glob.h>

#include "guestrun.h"
#include "hw/hw.h"
#include "hwtest.h"
#include "need.h"

/* ---- running a small guest under the monitor ---- */

/* As vmtest.h's run_image under hw (shadow: hw-shadow), and the VM exits. */
static void hw_run_image(const image *img, bool shadow, bool strict, uint64_t steps, run_result *res,
                         vmx_counters *exits) {
  run_image(img, shadow ? "hw-shadow" : "hw", strict, steps, res);
  ck_assert(res->rep.hw_assist);
  exits->entries = res->rep.hw.vm_entries;
  memcpy(exits->exits, res->rep.hw.vm_exits, sizeof exits->exits);
  exits->nested_refs = res->rep.hw.nested_walk_refs;
}

/* ---- small guests for what is particular to hardware assist ---- */


/* Timer interrupts between I/O exits: the monitor completes each out and
 * advances the guest's timer for it, so every interrupt still lands on
 * the same instruction (the handler prints where). */
static const char io_timer_src[] = GUEST_PRELUDE
    "main:   la r5, handler\n"
    "        mtc tvec, r5\n"
    "        li sp, 0x3f000\n"
    "        li r12, 0\n"
    "        li r5, 53\n"
    "        mtc timer, r5\n"
    "        sti\n"
    "        li r7, 150\n"
    "1:      li r3, 46\n"
    "        out 0x00, r3\n"
    "        addi r7, r7, -1\n"
    "        cmpi r7, 0\n"
    "        bne 1b\n"
    "        cli\n"
    "        nl\n"
    "        show r12\n"
    "        nl\n"
    "        halt zero\n"
    "handler: addi r12, r12, 1\n"
    "        push r1\n        push r2\n        push r3\n        push lr\n"
    "        mfc r10, epc\n"
    "        show r10\n"
    "        pop lr\n         pop r3\n         pop r2\n         pop r1\n"
    "        iret\n";

/* wfi: the monitor idles the guest in virtual time; the ticks left on
 * the timer right after each wake-up show it counted them as natively. */
static const char wfi_src[] = GUEST_PRELUDE
    "main:   la r5, handler\n"
    "        mtc tvec, r5\n"
    "        li sp, 0x3f000\n"
    "        li r12, 0\n"
    "        li r5, 400\n"
    "        mtc timer, r5\n"
    "        sti\n"
    "        li r7, 4\n"
    "1:      wfi\n"
    "        mfc r6, timer\n"
    "        show r6\n"
    "        addi r7, r7, -1\n"
    "        cmpi r7, 0\n"
    "        bne 1b\n"
    "        cli\n"
    "        show r12\n"
    "        nl\n"
    "        halt zero\n"
    "handler: addi r12, r12, 1\n"
    "        iret\n";

/* pushf and popf in guest kernel mode: kernel mode and IE as natively,
 * without the strict ISA (what trap-and-emulate cannot do). */
static const char popf_src[] = GUEST_PRELUDE
    "main:   li sp, 0x3f000\n"
    "        pushf\n"
    "        pop r5\n"
    "        andi r5, r5, 0x20\n"
    "        show r5\n"
    "        cli\n"
    "        li r6, 0x10\n"
    "        push r6\n"
    "        popf\n"
    "        pushf\n"
    "        pop r5\n"
    "        andi r5, r5, 0x10\n"
    "        show r5\n"
    "        nl\n"
    "        halt zero\n";

/* Reaching past guest memory (paging off, then through a PTE): natively
 * not memory, so a page fault; under nested paging a nested fault the
 * monitor turns into that page fault.  Also: CR[ptb] and CR[paging]
 * read back (under shadow paging, exits), and self-modifying code. */
static const char beyond_src[] = GUEST_PRELUDE
    "main:   la r5, handler\n"
    "        mtc tvec, r5\n"
    "        li sp, 0x3f000\n"
    "        li r5, 0x40000\n"          /* GUEST_MEM: the first byte past */
    "        lw r6, 0(r5)\n"
    "        sw r6, 8(r5)\n"
    "        li r5, 0x30000\n"          /* identity-map 0..256K, kernel */
    "        li r6, 0x1b\n"
    "        li r7, 64\n"
    "2:      sw r6, 0(r5)\n"
    "        addi r5, r5, 4\n"
    "        li r8, 4096\n"
    "        add r6, r6, r8\n"
    "        addi r7, r7, -1\n"
    "        cmpi r7, 0\n"
    "        bne 2b\n"
    "        li r5, 0x31000\n"
    "        li r6, 0x4001f\n"          /* 0x400000 -> past memory */
    "        sw r6, 0(r5)\n"
    "        li r6, 0x2100f\n"          /* 0x401000 -> 0x21000, clean */
    "        sw r6, 4(r5)\n"
    "        li r5, 0x32000\n"
    "        li r6, 0x30001\n"
    "        sw r6, 0(r5)\n"
    "        li r6, 0x31001\n"
    "        sw r6, 4(r5)\n"
    "        mtc ptb, r5\n"
    "        li r5, 1\n"
    "        mtc paging, r5\n"
    "        mfc r6, ptb\n         show r6\n"
    "        mfc r6, paging\n      show r6\n"
    "        li r5, 0x400000\n"
    "        lw r6, 0(r5)\n"
    "        li r5, 0x401000\n"
    "        li r6, 0x5a\n"
    "        sw r6, 0(r5)\n"
    "        lw r6, 0(r5)\n        show r6\n"
    "        li r5, 0x31004\n"
    "        lw r6, 0(r5)\n        show r6\n"   /* A and D set */
    "        la r5, patch\n"
    "        la r7, newinsn\n"
    "        lw r6, 0(r7)\n"
    "        sw r6, 0(r5)\n"
    "        li r4, 0\n"
    "patch:  addi r4, r4, 1\n"
    "        show r4\n"
    "        nl\n"
    "        halt zero\n"
    "newinsn: addi r4, r4, 5\n"
    "handler: mfc r9, cause\n       show r9\n"
    "        mfc r9, badva\n         show r9\n"
    "        mfc r10, epc\n"
    "        addi r10, r10, 4\n"
    "        mtc epc, r10\n"
    "        iret\n";

static const struct {
  const char *name, *src, *expect; /* expect: the output, when fixed */
} guests[] = {
    {"io-timer", io_timer_src, NULL},
    {"wfi", wfi_src, NULL},
    {"popf", popf_src, "00000020 00000010 \n"},
    {"beyond", beyond_src,
     /* two faults with paging off, ptb and paging, the PTE past memory,
      * the clean page written (A and D set), the patched instruction */
     "00000003 00040000 00000004 00040008 00032000 00000001 00000003 00400000 0000005a 0002101f "
     "00000005 \n"},
};
#define NGUESTS (int)(sizeof guests / sizeof guests[0])

/* Each guest, natively and under hw with nested (_i even) and shadow
 * paging: the guest cannot tell. */
START_TEST(hw_matches_native) {
  int g = _i / 2;
  bool shadow = _i & 1;
  run_result n, h;
  run_src(guests[g].src, "native", false, &n);
  hw_run_src(guests[g].src, shadow, false, &h);
  same_run(&n, &h);
  ck_assert(h.canaries_ok);
  ck_assert(h.shadow_in_guest);
  if (guests[g].expect) ck_assert_str_eq(n.out.text, guests[g].expect);
  ck_assert_uint_eq(h.halt_code, 0);
}
END_TEST

/* The exits each paging mode asks for, on the guest that pages, faults
 * past its memory and reads its paging registers. */
START_TEST(exits_by_paging_mode) {
  image img;
  assemble_or_fail(beyond_src, &img);
  run_result r;
  vmx_counters x;
  hw_run_image(&img, false, false, 2000000, &r, &x); /* nested */
  ck_assert_uint_eq(x.exits[VMX_EXIT_NPF], 3);     /* the three reaches past memory */
  ck_assert_uint_eq(x.exits[VMX_EXIT_EXCEPTION] + x.exits[VMX_EXIT_CR_READ] + x.exits[VMX_EXIT_CR_WRITE] +
                        x.exits[VMX_EXIT_TLBI] + x.exits[VMX_EXIT_TLBFLUSH],
                    0);
  ck_assert_uint_eq(x.exits[VMX_EXIT_HALT], 1);
  ck_assert_uint_gt(x.exits[VMX_EXIT_IO], 50);
  ck_assert_uint_gt(x.nested_refs, 0);
  ck_assert_uint_eq(r.n.shadow_fills, 0);
  ck_assert_uint_eq(r.n.guest_page_faults, 3);
  ck_assert_uint_eq(r.n.reflected[CAUSE_PF_LOAD] + r.n.reflected[CAUSE_PF_STORE], 3);
  ck_assert_uint_eq(x.entries, x.exits[VMX_EXIT_NPF] + x.exits[VMX_EXIT_HALT] + x.exits[VMX_EXIT_IO]);

  hw_run_image(&img, true, false, 2000000, &r, &x); /* shadow */
  ck_assert_uint_eq(x.exits[VMX_EXIT_NPF], 0);
  ck_assert_uint_eq(x.exits[VMX_EXIT_CR_WRITE], 2); /* ptb, paging */
  ck_assert_uint_eq(x.exits[VMX_EXIT_CR_READ], 2);
  ck_assert_uint_eq(x.nested_refs, 0);
  ck_assert_uint_gt(r.n.shadow_fills, 3);
  ck_assert_uint_eq(x.exits[VMX_EXIT_EXCEPTION], r.n.shadow_fills + 3); /* hidden, and the guest's */
  ck_assert_uint_eq(r.n.guest_page_faults, 3);
  image_free(&img);
}
END_TEST

/* ---- every guest image, through bin/vmm ---- */

#define MAX_IMAGES 64
#define MIN_IMAGES 2 /* the guest OS and a microbenchmark, at least */
static char images[MAX_IMAGES][128];
static int nimages;

/* Found when the suite is made: the guest OS and the microbenchmarks
 * (the guest tests run from tests/guests/guests.tbl). */
static void find_images(void) {
  glob_t gl;
  const char *pats[] = {"build/guests/guestos*.img", "build/guests/bench-*.img"};
  for (int p = 0; p < 2; p++) {
    if (glob(pats[p], 0, NULL, &gl) != 0) continue;
    for (size_t i = 0; i < gl.gl_pathc && nimages < MAX_IMAGES; i++)
      snprintf(images[nimages++], sizeof images[0], "%s", gl.gl_pathv[i]);
    globfree(&gl);
  }
}

/* The counter `key` of a --stats-json file (the first such key). */
static unsigned long long json_key(const char *text, const char *key) {
  char pat[64];
  snprintf(pat, sizeof pat, "\"%s\": ", key);
  const char *p = strstr(text, pat);
  ck_assert_msg(p != NULL, "no %s in the stats", key);
  return strtoull(p + strlen(pat), NULL, 10);
}

/* The object `key` of a --stats-json text, as text. */
static void json_obj(const char *text, const char *key, char *out, size_t cap) {
  char pat[64];
  snprintf(pat, sizeof pat, "\"%s\": {", key);
  const char *p = strstr(text, pat);
  ck_assert_msg(p != NULL, "no %s in the stats", key);
  size_t n = strcspn(p, "}");
  snprintf(out, cap, "%.*s", (int)n, p);
}

static void run_image_mode(const char *img, const char *mode, const char *input, gr_result *res, char **stats) {
  char json[256];
  int fd = gr_tempfile(json, sizeof json);
  close(fd);
  gr_run(res, input, "--mode", mode, "--max-steps", "200000000", "--stats-json", json, img, NULL);
  *stats = gr_slurp(json, NULL);
  unlink(json);
  ck_assert_msg(*stats != NULL, "%s --mode %s: no stats", img, mode);
}

START_TEST(every_guest_image) {
  ck_assert_msg(nimages >= MIN_IMAGES, "missing input: %d guest images in build/guests, at least %d (run make)",
                nimages, MIN_IMAGES);
  const char *img = images[_i];
  const char *input = strstr(img, "guestos.img") ? "tests/guestos/expected/shell.in" : NULL;
  if (input) need_file(input, "a file of the tree");
  gr_result n, h;
  char *ns, *hs;
  run_image_mode(img, "native", input, &n, &ns);
  static const char *const modes[] = {"hw", "hw-shadow"};
  for (int m = 0; m < 2; m++) {
    run_image_mode(img, modes[m], input, &h, &hs);
    ck_assert_msg(h.status == n.status, "%s --mode %s: exit %d, natively %d\n%s", img, modes[m], h.status,
                  n.status, h.err);
    ck_assert_msg(strcmp(h.out, n.out) == 0, "%s --mode %s: console output differs", img, modes[m]);
    static const char *const keys[] = {"instructions", "user_instructions", "idle_ticks", "halt_code"};
    for (int k = 0; k < 4; k++)
      ck_assert_msg(json_key(hs, keys[k]) == json_key(ns, keys[k]), "%s --mode %s: %s %llu, natively %llu",
                    img, modes[m], keys[k], json_key(hs, keys[k]), json_key(ns, keys[k]));
    char tn[512], th[512];
    json_obj(ns, "traps", tn, sizeof tn);
    json_obj(hs, "traps", th, sizeof th);
    ck_assert_msg(strcmp(tn, th) == 0, "%s --mode %s: the guest's traps differ", img, modes[m]);
    ck_assert_msg(strstr(hs, "\"vm_exits\": {") && strstr(hs, "\"nested_walk_refs\": "), "no hw object");
    ck_assert(strstr(hs, m ? "\"paging\": \"shadow\"" : "\"paging\": \"nested\"") != NULL);
    free(hs);
    gr_free(&h);
  }
  ck_assert(strstr(ns, "\"hw\": {") == NULL);
  free(ns);
  gr_free(&n);
}
END_TEST

void hw_vm_tcases(Suite *s); /* called by hw_suite (test_hw.c) */

void hw_vm_tcases(Suite *s) {
  find_images();
  TCase *tc = tcase_create("monitor");
  tcase_add_loop_test(tc, hw_matches_native, 0, 2 * NGUESTS);
  tcase_add_test(tc, exits_by_paging_mode);
  suite_add_tcase(s, tc);
  tc = tcase_create("images");
  tcase_set_timeout(tc, 120);
  tcase_add_loop_test(tc, every_guest_image, 0, nimages > 0 ? nimages : 1);
  suite_add_tcase(s, tc);
}
