/* sandbox.c: sandbox.h as a command, for grade.sh (the submission's build).
 *
 *   sandbox build DIR OUT ERR -- PROGRAM ARGS...   run PROGRAM (a path) in
 *                                  DIR as the sandbox's user, with the build
 *                                  limits; its output into OUT and ERR
 *   sandbox give PATH...           chown each PATH to the sandbox's user
 *   sandbox kill                   end every process of the sandbox's user
 *   sandbox claim PID              print a sandbox user of PID's grading
 *                                  run's own (sb_claim); status 1 if none
 *   sandbox release UID            give that claim back
 *   sandbox isolated               exit 0 if runs are isolated (root), else 1
 *
 * Exit status: PROGRAM's, 124 if it ran out of time, 125 if it could not
 * be started; 2 on bad arguments. */
#include "sandbox.h"

int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "isolated") == 0) return sb_isolated() ? 0 : 1;
  if (argc >= 2 && strcmp(argv[1], "kill") == 0) return sb_kill_all(), 0;
  if (argc == 3 && strcmp(argv[1], "claim") == 0) {
    uid_t u = sb_claim((pid_t)atol(argv[2]), SB_CLAIMS);
    if (!u) return fprintf(stderr, "sandbox: no sandbox user free (in %s)\n", SB_CLAIMS), 1;
    return printf("%u\n", (unsigned)u) < 0;
  }
  if (argc == 3 && strcmp(argv[1], "release") == 0) return sb_release((uid_t)atol(argv[2]), SB_CLAIMS), 0;
  if (argc >= 2 && strcmp(argv[1], "give") == 0) {
    for (int i = 2; i < argc; i++)
      if (sb_give(argv[i]) != 0) return fprintf(stderr, "sandbox: cannot give %s: %s\n", argv[i], strerror(errno)), 1;
    return 0;
  }
  if (argc >= 7 && strcmp(argv[1], "build") == 0 && strcmp(argv[5], "--") == 0) {
    sb_limits l = SB_BUILD_LIMITS;
    sb_result r;
    if (sb_run(&l, true, argv[2], argv + 6, NULL, argv[3], argv[4], &r) != 0) return 125;
    return r.timed_out ? 124 : r.status;
  }
  fprintf(stderr, "usage: sandbox build DIR OUT ERR -- PROGRAM ARGS... | give PATH... | kill | claim PID | release UID | isolated\n");
  return 2;
}
