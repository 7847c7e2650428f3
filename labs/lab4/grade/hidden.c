/* lab 4's hidden tests (visible after the deadline; not in the handout). */
#include "grade.h"

GRADE_TEST(random_kernels) {
  for (uint64_t seed = 1; seed <= 8; seed++) grade_lockstep("trap", true, seed, GEN_NORMAL);
}

GRADE_TEST(attack_kernels) {
  for (uint64_t seed = 1; seed <= 4; seed++) grade_lockstep("trap", true, seed, GEN_ATTACK);
}
