/* suites.h: every Check suite of the kit, one line each.  tests/main.c runs
 * them in this order.  X(function that builds the suite) */
#define SUITES(X) \
  X(isa_suite)
