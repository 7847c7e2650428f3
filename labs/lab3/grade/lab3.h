/* lab3.h: a VM with a translator, in-process, for the lab 3 tests. */
#ifndef LAB3_H
#define LAB3_H

#include "equiv.h"

/* A bt VM over an assembled image (paging off: guest-virtual = physical),
 * with a TC of tc_pages pages (0: the default). */
static vm *l3_vm(const image *img, uint32_t tc_pages) {
  vmm_opts o = {.mode = "bt", .mem = EQ_MEM, .tlb = 64, .image = "test"};
  cost_profile(&o.cost, "modern");
  static host_console hc;
  host_console_init(&hc, stdout, NULL);
  o.console = &hc;
  bt_config cfg = {false, false, tc_pages};
  vm *m;
  ck_assert_int_eq(vm_create(&o, img, bt_host_pages(&cfg), &m), 0);
  ck_assert_msg(bt_attach(m, &cfg, m->pool + SHADOW_POOL * PAGE_SIZE) != NULL, "bt_attach failed");
  return m;
}

static void l3_free(vm *m) {
  cpu_free(m->c);
  bt_free(m->bt);
  free(m);
}

/* Run src natively and under bt; compare; the bt counters in *t. */
static void l3_check(const char *src, eq_state *t) { eq_check(src, "bt", false, t); }

#endif
