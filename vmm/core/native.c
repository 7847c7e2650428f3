/* native.c: --mode native, the guest on the bare simulated CPU.
 *
 * The image is loaded at its own physical addresses and runs in real
 * kernel mode from its entry point: no monitor at all.  This is the
 * reference every monitor mode is compared with. */
#include "vmm.h"

int native_run(const vmm_opts *o, const image *img, vm_report *r, cpu **out) {
  char err[256];
  cpu *c = cpu_new(o->mem, o->tlb);
  if (!c) {
    fprintf(stderr, "vmm: cannot make a machine with %u bytes of memory and %u TLB entries\n", o->mem, o->tlb);
    return VMM_EX_OSERR;
  }
  c->cost = o->cost;
  c->strict_isa = o->strict_isa;
  if (load_image(c, img, 0, c->mem_size, err, sizeof err) != 0) {
    fprintf(stderr, "vmm: %s: %s\n", o->image, err);
    cpu_free(c);
    return VMM_EX_DATAERR;
  }
  cpu_reset(c, img->entry);
  host_console_attach(o->console, c);

  double t0 = host_now();
  enum cpu_exit ex = cpu_run(c, o->max_steps ? o->max_steps : UINT64_MAX);
  r->host_seconds = host_now() - t0;
  fflush(stdout);

  r->mode = "native";
  r->exit = ex;
  r->halt_code = c->halt_code;
  r->last_trap = c->trap;
  r->pc = c->pc;
  r->st = c->st;
  r->cycles = cpu_cycles(c);
  *out = c;
  return 0;
}
