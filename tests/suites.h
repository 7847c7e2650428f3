/* suites.h: every Check suite of the kit, one line each.  tests/main.c runs
 * them in this order.  X(function that builds the suite) */
#define SUITES(X) \
  X(isa_suite) \
  X(monitor_suite) \
  X(pause_suite) \
  X(trace_suite) \
  X(pv_suite) \
  X(asm_suite) \
  X(image_suite) \
  X(dis_suite) \
  X(symbols_suite) \
  X(vdb_suite) \
  X(vdbgdb_suite) \
  X(guests_suite) \
  X(guestos_suite) \
  X(cpu_suite) \
  X(mmu_suite) \
  X(trap_suite) \
  X(cost_suite) \
  X(bt_suite) \
  X(adapt_suite) \
  X(hw_suite) \
  X(lockstep_suite) \
  X(multi_suite) \
  X(compare_suite) \
  X(badinput_suite) \
  X(conform_suite) \
  X(statuses_suite) \
  X(docs_suite) \
  X(deps_suite) \
  X(build_suite) \
  X(inputs_suite) \
  X(limits_suite) \
  X(sandbox_suite)
