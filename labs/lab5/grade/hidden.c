/* lab 5's hidden tests (visible after the deadline; not in the handout). */
#include "grade.h"

GRADE_TEST(random_kernels_hw) {
  for (uint64_t seed = 1; seed <= 6; seed++) {
    grade_lockstep("hw", false, seed, GEN_NORMAL);
    grade_lockstep("hw-shadow", false, seed, GEN_NORMAL);
  }
}

GRADE_TEST(attack_kernels_hw) {
  for (uint64_t seed = 1; seed <= 3; seed++) {
    grade_lockstep("hw", false, seed, GEN_ATTACK);
    grade_lockstep("hw-shadow", false, seed, GEN_ATTACK);
  }
}
