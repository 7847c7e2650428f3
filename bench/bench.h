/* bench.h: the benchmark driver's pieces. */
#ifndef BENCH_H
#define BENCH_H

#include <stdint.h>
#include "run/runner.h"

uint32_t cloop_reg(uint32_t iters);
uint32_t cloop_mem(uint32_t iters, uint32_t *ws);

/* scale.c: several guests at once, printed and written as JSON object
 * "several_guests"; -1 if a configuration failed. */
struct json;
int bench_scale(struct json *j);
/* aa.c: Adams and Agesen's table beside the kit's, in cycles per
 * operation, both cost profiles: JSON objects "adams_agesen" and
 * "adams_agesen_paper"; -1 if a run failed. */
int bench_aa(struct json *j);
/* aa.c: run the image at path under opts to its halt, its console output
 * dropped: its report, and the operations its result line counts ("bench
 * NAME: N ..., ok", required of bench-* and half-* images; 0 if none).
 * -1, with a message naming the run as `what`, if it did not end well. */
int bench_run_image(const char *path, const vmm_opts *opts, const char *what, vm_report *rep, uint64_t *ops);
/* aa.c: hardware assist with and without VPID (early-vtx), JSON "vpid". */
int bench_vpid(struct json *j);
/* shadow.c: --shadow trace against lazy on ptemod, pgfault and forkwait,
 * trap, bt and hw-shadow, both profiles: JSON object "shadow_trace". */
int bench_shadow(struct json *j);
/* The guest OS boot and scripted session under trap, bt, hw and the
 * paravirtual guest under trap --pv on: modeled cycles and exits, in both
 * cost profiles (aa.c; JSON object "pv_boot", docs/pv.md). */
int bench_pv_boot(struct json *j);
/* attack.c: the guest OS beside each monitor-cost attacker, every mode,
 * printed and written as JSON object "attackers" (docs/multi.md shows it). */
int bench_attack(struct json *j);

#endif
