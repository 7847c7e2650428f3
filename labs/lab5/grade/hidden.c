/* lab 5's hidden tests (visible after the deadline; not in the handout). */
#include "blackbox.h"

/* Random kernels of this run's seeds, made by the grader's own generator,
 * under the submission's monitor and the reference's. */
static void random_kernels(enum gen_kind kind, int n) {
  static const char *const mode[] = {"--mode hw --max-steps 800000", "--mode hw-shadow --max-steps 800000"};
  for (int i = 0; i < n; i++) {
    gen_opts go = {.seed = bb_rand(1, 1000000), .kind = kind};
    char err[256], what[64];
    image img;
    ck_assert_msg(gen_image(&go, &img, err, sizeof err) == 0, "grader: generator: %s", err);
    snprintf(what, sizeof what, "the random %s kernel of seed %llu", gen_kind_name(kind), (unsigned long long)go.seed);
    bb_guest g;
    bb_take(&g, what, &img);
    bb_check(&g, mode[i % 2]);
    bb_free(&g);
  }
}

GRADE_TEST(random_kernels_hw) { random_kernels(GEN_NORMAL, 8); }

GRADE_TEST(attack_kernels_hw) { random_kernels(GEN_ATTACK, 4); }
