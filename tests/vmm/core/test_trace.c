/* test_trace.c: traced shadow page tables (--shadow trace, core/trace.c).
 *
 * Each guest runs natively and, traced and lazy, under every mode that
 * shadows page tables (trap, bt, hw-shadow): the guest must not tell the
 * difference (same output, counts, registers), and the monitor's counters
 * must show the mechanism at work: stores to page tables performed by
 * the monitor, the shadow following them so that an invalidation needs
 * no refill, and a page that is no longer a page table left alone. */
#include "vmtest.h"

/* Kernel identity map of 0..256K (V|W|A|D), and 0x400000 -> frame 0x20000
 * through the page table at 0x31000; directory at 0x32000.  A second
 * directory at 0x33000 maps only the identity part. */
#define TRACE_SETUP                                                        \
  "main:   li r5, 0x30000\n"                                               \
  "        li r6, 0x1b\n" /* V|W|A|D, kernel */                            \
  "        li r7, 64\n"                                                    \
  "1:      sw r6, 0(r5)\n"                                                 \
  "        addi r5, r5, 4\n"                                               \
  "        li r8, 4096\n"                                                  \
  "        add r6, r6, r8\n"                                               \
  "        addi r7, r7, -1\n"                                              \
  "        cmpi r7, 0\n"                                                   \
  "        bne 1b\n"                                                       \
  "        li r5, 0x31000\n"                                               \
  "        li r6, 0x2001b\n"                                               \
  "        sw r6, 0(r5)\n"                                                 \
  "        li r5, 0x32000\n"                                               \
  "        li r6, 0x30001\n"                                               \
  "        sw r6, 0(r5)\n"                                                 \
  "        li r6, 0x31001\n"                                               \
  "        sw r6, 4(r5)\n"                                                 \
  "        li r5, 0x33000\n"                                               \
  "        li r6, 0x30001\n"                                               \
  "        sw r6, 0(r5)\n"                                                 \
  "        li r5, 0x20000\n"                                               \
  "        li r6, 0x41\n" /* 'A' in frame 0x20000 */                       \
  "        sw r6, 0(r5)\n"                                                 \
  "        li r5, 0x21000\n"                                               \
  "        li r6, 0x42\n" /* 'B' in frame 0x21000 */                       \
  "        sw r6, 0(r5)\n"                                                 \
  "        li r5, 0x32000\n"                                               \
  "        mtc ptb, r5\n"                                                  \
  "        li r5, 1\n"                                                     \
  "        mtc paging, r5\n"

/* An accessed entry switched between two frames EDITS times, each edit
 * invalidated and read through; first, a read through the stale entry
 * before its tlbi, which natively still reaches the old frame. */
#define EDITS 50
static const char *edit_src = GUEST_PRELUDE TRACE_SETUP
    "        li r11, 0x400000\n"
    "        lw r6, 0(r11)\n        out 0x00, r6\n"   /* A */
    "        li r5, 0x31000\n"
    "        li r6, 0x2101b\n"                        /* to frame B, accessed */
    "        sw r6, 0(r5)\n"
    "        lw r6, 0(r11)\n        out 0x00, r6\n"   /* still A: stale until tlbi */
    "        tlbi r11\n"
    "        lw r6, 0(r11)\n        out 0x00, r6\n"   /* B */
    "        li r7, 50\n"
    "2:      li r6, 0x2001b\n"
    "        sw r6, 0(r5)\n"
    "        tlbi r11\n"
    "        lw r6, 0(r11)\n        out 0x00, r6\n"
    "        li r6, 0x2101b\n"
    "        sw r6, 0(r5)\n"
    "        tlbi r11\n"
    "        lw r6, 0(r11)\n        out 0x00, r6\n"
    "        addi r7, r7, -1\n"
    "        cmpi r7, 0\n"
    "        bne 2b\n"
    "        halt zero\n";

/* The page table at 0x31000 written 5 times while it is one (directory
 * 0x32000), 5 times in the space of directory 0x33000, where it is only
 * data, and 3 times back in the first space. */
static const char *retire_src = GUEST_PRELUDE TRACE_SETUP
    "        li r11, 0x400000\n"
    "        lw r6, 0(r11)\n        out 0x00, r6\n"   /* A: 0x31000 is a page table now */
    "        li r5, 0x31000\n"
    "        li r6, 0x2001b\n"
    "        li r7, 5\n"
    "2:      sw r6, 8(r5)\n"                          /* 0x402000 -> frame A */
    "        addi r7, r7, -1\n"
    "        cmpi r7, 0\n"
    "        bne 2b\n"
    "        li r8, 0x33000\n"
    "        mtc ptb, r8\n"
    "        li r7, 5\n"
    "3:      sw r7, 12(r5)\n"                         /* data, in this space */
    "        addi r7, r7, -1\n"
    "        cmpi r7, 0\n"
    "        bne 3b\n"
    "        li r8, 0x32000\n"
    "        mtc ptb, r8\n"
    "        lw r6, 0(r11)\n        out 0x00, r6\n"   /* A */
    "        li r6, 0x2101b\n"
    "        li r7, 3\n"
    "4:      sw r6, 8(r5)\n"                          /* 0x402000 -> frame B */
    "        addi r7, r7, -1\n"
    "        cmpi r7, 0\n"
    "        bne 4b\n"
    "        li r11, 0x402000\n"
    "        tlbi r11\n"
    "        lw r6, 0(r11)\n        out 0x00, r6\n"   /* B */
    "        halt zero\n";

static const char *const shadowing[] = {"trap", "bt", "hw-shadow"};
#define NSHADOWING (sizeof shadowing / sizeof shadowing[0])

static void traced_and_lazy(const char *src, const char *mode, run_result *n, run_result *lazy, run_result *traced) {
  image img;
  assemble_or_fail(src, &img);
  run_image(&img, "native", false, 2000000, n);
  run_image_traced(&img, mode, false, false, 2000000, lazy);
  run_image_traced(&img, mode, false, true, 2000000, traced);
  image_free(&img);
  same_run(n, lazy);
  same_run(n, traced);
  ck_assert(traced->canaries_ok && traced->shadow_in_guest);
  ck_assert_msg(traced->n.traced && !lazy->n.traced, "%s: --shadow trace not in effect", mode);
}

/* The guest sees its TLB as natively (the stale read before tlbi), the
 * monitor performs every store to the page table, and since the shadow
 * already follows each edit, the guest's tlbi needs no refill: lazy
 * drops the entry at every tlbi and takes a hidden fault to make it
 * again; traced does neither, and costs fewer cycles here. */
START_TEST(edits_followed_at_once) {
  const char *mode = shadowing[_i];
  run_result n, lazy, traced;
  traced_and_lazy(edit_src, mode, &n, &lazy, &traced);
  char want[2 * EDITS + 8] = "AAB";
  for (int i = 0; i < EDITS; i++) strcat(want, "AB");
  ck_assert_str_eq(n.out.text, want);
  ck_assert_uint_eq(traced.n.traced_writes, 1 + 2 * EDITS);
  ck_assert_uint_ge(traced.n.traced_updates, 1 + 2 * EDITS);
  ck_assert_uint_eq(lazy.n.traced_writes, 0);
  ck_assert_msg(traced.n.shadow_fills + 2 * EDITS <= lazy.n.shadow_fills, "%s: fills traced %llu, lazy %llu", mode,
                (unsigned long long)traced.n.shadow_fills, (unsigned long long)lazy.n.shadow_fills);
  ck_assert_uint_eq(traced.n.shadow_syncs, lazy.n.shadow_syncs); /* the guest's invalidations, counted alike */
  ck_assert_msg(traced.rep.cycles < lazy.rep.cycles, "%s: traced %llu cycles, lazy %llu", mode,
                (unsigned long long)traced.rep.cycles, (unsigned long long)lazy.rep.cycles);
}
END_TEST

/* A page is traced only while the current address space's shadow comes
 * from it: its 5 stores in the other space run untouched by the monitor. */
START_TEST(page_tables_of_another_space_are_not_traced) {
  const char *mode = shadowing[_i];
  run_result n, lazy, traced;
  traced_and_lazy(retire_src, mode, &n, &lazy, &traced);
  ck_assert_str_eq(n.out.text, "AAB");
  ck_assert_msg(traced.n.traced_writes == 5 + 3, "%s: %llu traced writes", mode,
                (unsigned long long)traced.n.traced_writes);
  ck_assert_uint_ge(traced.n.traced_pages, 4); /* directory and table, twice */
}
END_TEST

/* Where there is no shadow paging the option is refused by bin/vmm; a
 * caller that sets it anyway gets the mode as it is, untraced. */
START_TEST(nested_paging_ignores_trace) {
  image img;
  assemble_or_fail(edit_src, &img);
  run_result n, h;
  run_image(&img, "native", false, 2000000, &n);
  run_image_traced(&img, "hw", false, true, 2000000, &h);
  image_free(&img);
  same_run(&n, &h);
  ck_assert(!h.n.traced);
  ck_assert_uint_eq(h.n.traced_writes, 0);
}
END_TEST

Suite *trace_suite(void) {
  Suite *s = suite_create("trace");
  TCase *tc = tcase_create("trace");
  tcase_add_loop_test(tc, edits_followed_at_once, 0, NSHADOWING);
  tcase_add_loop_test(tc, page_tables_of_another_space_are_not_traced, 0, NSHADOWING);
  tcase_add_test(tc, nested_paging_ignores_trace);
  suite_add_tcase(s, tc);
  return s;
}
