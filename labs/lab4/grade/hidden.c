/* lab 4's hidden tests (visible after the deadline; not in the handout). */
#include "blackbox.h"

/* Random kernels of this run's seeds (vmm/check/gen.h), made by the
 * grader's own generator, under the submission's monitor and the
 * reference's. */
static void random_kernels(enum gen_kind kind, int n) {
  for (int i = 0; i < n; i++) {
    gen_opts go = {.seed = bb_rand(1, 1000000), .kind = kind};
    char err[256], what[64];
    image img;
    ck_assert_msg(gen_image(&go, &img, err, sizeof err) == 0, "grader: generator: %s", err);
    snprintf(what, sizeof what, "the random %s kernel of seed %llu", gen_kind_name(kind), (unsigned long long)go.seed);
    bb_guest g;
    bb_take(&g, what, &img);
    bb_check(&g, "--mode trap --isa strict --max-steps 800000");
    bb_free(&g);
  }
}

GRADE_TEST(random_kernels) { random_kernels(GEN_NORMAL, 8); }

GRADE_TEST(attack_kernels) { random_kernels(GEN_ATTACK, 4); }
