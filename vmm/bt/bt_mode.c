/* bt_mode.c: --mode bt as a row of the mode table (core/mode.h): a
 * trap-and-emulate VM with a translator attached, whose virtual kernel
 * mode runs translated (bt_run.c). */
#include <stdlib.h>
#include <string.h>

#include "bt.h"
#include "cli.h"

static bt_config config(const vmm_opts *o) {
  return (bt_config){o->bt_priv_trap, o->bt_no_chain, o->bt_tc_size / PAGE_SIZE, o->bt_no_adapt, o->bt_adapt_threshold};
}

static uint32_t bt_extra(const vmm_opts *o, uint32_t size) {
  (void)size;
  bt_config cfg = config(o);
  return bt_host_pages(&cfg) * PAGE_SIZE;
}

static int bt_attach_row(vm *m, const vmm_opts *o) {
  bt_config cfg = config(o);
  vm_attach_direct(m, o);
  return bt_attach(m, &cfg, vm_own_pages(m));
}

static void bt_detach(vm *m) { bt_free(bt_of(m)); }

static int bt_clone_row(vm *to, const vm *from) {
  if (bt_clone(bt_of(to), bt_of(from)) != 0) return -1;
  to->wprot = bt_of(to)->wprot; /* the watched pages are the translator's, */
  to->wref = bt_of(to)->wref;   /* and so is the record of their writable entries */
  return 0;
}

static void bt_report(const vm *m, vm_report *r) {
  r->translated = true;
  r->bt = bt_of(m)->n;
}

/* --dump-tc FILE: every block beside its guest code, after the run; the
 * file is replaced only once complete (cli.h). */
static int bt_finish(vm *m, const vmm_opts *o) {
  if (!o->dump_tc) return 0;
  cli_out f;
  char err[300];
  int status = cli_out_open(&f, o->dump_tc, err, sizeof err);
  if (status == 0) {
    bt_dump(f.f, m);
    status = cli_out_close(&f, err, sizeof err);
  }
  if (status) fprintf(stderr, "vmm: %s\n", err);
  return status;
}

static void bt_probe(const guest *g, mode_probe *p) {
  vm_show_probe(g, p);
  p->translations = bt_of(g->m)->n.translations;
}

/* The debugger's `info tc [ADDR]`: the whole cache, or the blocks holding
 * guest pc ADDR (a number: the debugger evaluates the expression). */
static void bt_tc_info(const guest *g, FILE *f, const char *args) {
  vm *m = g->m;
  const bt *b = bt_of(m);
  const char *p = args;
  while (*p == ' ' || *p == '\t') p++;
  if (!*p) {
    bt_dump_head(f, m);
    for (uint32_t i = 0; i < b->nblocks; i++) bt_dump_block(f, m, &b->blocks[i]);
    return;
  }
  uint32_t a = (uint32_t)strtoul(p, NULL, 0);
  int shown = 0;
  for (uint32_t i = 0; i < b->nblocks; i++) {
    const bt_block *k = &b->blocks[i];
    if (a >= k->gpc && a - k->gpc < 4u * k->ninsns) bt_dump_block(f, m, k), shown++;
  }
  if (!shown) fprintf(f, "no translation holds guest pc 0x%08x\n", a);
}

const vmm_mode mode_bt = {
    .name = "bt",
    .what = "binary translation: the guest kernel's code translated, shadow paging (docs/bt.md)",
    .options = "--bt-priv --bt-chain --bt-adaptive --tc-size --dump-tc --shadow --pv",
    .vm_size = sizeof(bt_vm),
    .extra = bt_extra,
    .attach = bt_attach_row,
    .detach = bt_detach,
    .clone = bt_clone_row,
    .run = bt_run,
    .page_fault = bt_user_fault,
    .report = bt_report,
    .finish = bt_finish,
    .outside = shadow_outside,
    .exit_name = cpu_cause_name,
    .nexit_reasons = NCAUSES,
    .probe = bt_probe,
    .exit_how = vm_show_exit_how,
    .vcpu_info = vm_show_vcpu,
    .shadow_roots = vm_show_shadow_roots,
    .tc_info = bt_tc_info,
    .no_npt = "no nested paging in this mode",
};
