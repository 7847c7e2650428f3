/* lab3.h: a VM with a translator, in-process, for the lab 3 tests. */
#ifndef LAB3_H
#define LAB3_H

#include "equiv.h"

/* A bt VM over an assembled image (paging off: guest-virtual = physical),
 * with a TC of tc_pages pages (0: the default). */
static guest l3_guest;
static vm *l3_vm(const image *img, uint32_t tc_pages) {
  vmm_opts o = {.mode = "bt", .mem = EQ_MEM, .tlb = 64, .image = "test", .bt_tc_size = tc_pages * PAGE_SIZE};
  cost_profile(&o.cost, "modern");
  static host_console hc;
  host_console_init(&hc, stdout, NULL);
  console_dev con = {0};
  host_console_fill(&hc, &con);
  char err[256];
  ck_assert_msg(guest_create(&l3_guest, &mode_bt, &o, img, con, 0, err, sizeof err) == 0, "%s", err);
  return l3_guest.m;
}

static void l3_free(vm *m) {
  (void)m;
  guest_destroy(&l3_guest);
}

/* Run src natively and under bt; compare; the bt counters in *t. */
static void l3_check(const char *src, eq_state *t) { eq_check(src, "bt", false, t); }

#endif
