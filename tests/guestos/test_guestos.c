/* test_guestos.c: the guest OS and its microbenchmarks, run by bin/vmm.
 *
 * Outputs are compared byte for byte with files in tests/guestos/expected/
 * (see guestrun.h to regenerate them after a deliberate change):
 *   boot.out, boot-nospecial.out   the boot and the scripted session (no input)
 *   prog-NAME.out                  the shell running one program, then exit
 *   shell.in -> shell.out          a shell session from a commands file
 *   shell-long.in -> shell-long.out  lines too long for the shell
 *   bench-NAME.out                 a microbenchmark's result line (also
 *                                  under trap-and-emulate, NOSPECIAL build)
 * (one test drives the CPU library directly, with a console that is slow
 * to deliver input) and the runs must be deterministic: the same output and the same counters
 * (--stats-json, but for host_seconds) every time. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guestrun.h"
#include "core/vmm.h"

#define G "build/guests/"
#define X "tests/guestos/expected/"
#define STEPS "50000000" /* far above any of these runs: a hang fails fast */

/* Run image natively with input (NULL: none); check exit 0, no stderr,
 * and stdout against the expected file. */
static void expect_run(const char *image, const char *input, const char *expected) {
  gr_result r;
  gr_run(&r, input, "--mode", "native", "--max-steps", STEPS, image, NULL);
  ck_assert_msg(r.status == 0, "%s: exit status %d\n--- output ---\n%s--- stderr ---\n%s", image,
                r.status, r.out, r.err);
  ck_assert_msg(r.err[0] == 0, "%s: unexpected stderr:\n%s", image, r.err);
  gr_expect_file(image, r.out, expected);
  gr_free(&r);
}

START_TEST(boot_transcript) { expect_run(G "guestos.img", NULL, X "boot.out"); }
END_TEST

START_TEST(boot_transcript_nospecial) {
  expect_run(G "guestos-nospecial.img", NULL, X "boot-nospecial.out");
}
END_TEST

/* ---- each user program, run from the shell ---- */
static const char *const programs[] = {"hello", "primes", "forktest", "faults", "ps", "badargs"};
#define NPROGRAMS (int)(sizeof programs / sizeof programs[0])

START_TEST(program_output) {
  char cmds[64], input[256], expected[128];
  snprintf(cmds, sizeof cmds, "%s\nexit\n", programs[_i]);
  gr_temp_input(cmds, input, sizeof input);
  snprintf(expected, sizeof expected, X "prog-%s.out", programs[_i]);
  expect_run(G "guestos.img", input, expected);
  unlink(input);
}
END_TEST

START_TEST(shell_session) { expect_run(G "guestos.img", X "shell.in", X "shell.out"); }
END_TEST

/* Lines of 79 characters (the most that fit), 80, 100 and 300: the long
 * ones are refused whole, one message each, never run in pieces. */
START_TEST(shell_long_lines) { expect_run(G "guestos.img", X "shell-long.in", X "shell-long.out"); }
END_TEST

/* ---- the microbenchmarks: each checks itself and prints one line ---- */
static const char *const benches[] = {"syscall", "pgfault", "ptemod",     "forkwait", "io",
                                      "privileged", "special", "compute", "memwalk"};
#define NBENCHES (int)(sizeof benches / sizeof benches[0])

START_TEST(bench_result) {
  char image[128], expected[128];
  snprintf(image, sizeof image, G "bench-%s.img", benches[_i]);
  snprintf(expected, sizeof expected, X "bench-%s.out", benches[_i]);
  expect_run(image, NULL, expected);
}
END_TEST

/* ---- determinism ---- */

/* The --stats-json file without its host_seconds line (host time varies). */
static char *counters(const char *path) {
  char *json = gr_slurp(path, NULL);
  ck_assert_msg(json != NULL, "no stats file %s", path);
  char *p = strstr(json, "\"host_seconds\"");
  ck_assert_msg(p != NULL, "%s has no host_seconds", path);
  char *bol = p, *eol = strchr(p, '\n');
  while (bol > json && bol[-1] != '\n') bol--;
  if (eol) memmove(bol, eol + 1, strlen(eol + 1) + 1);
  else *bol = 0;
  return json;
}

static void same_twice(const char *image, const char *input) {
  char json[2][256];
  gr_result r[2];
  char *c[2];
  for (int k = 0; k < 2; k++) {
    close(gr_tempfile(json[k], sizeof json[k]));
    gr_run(&r[k], input, "--mode", "native", "--max-steps", STEPS, "--stats-json", json[k], image,
           NULL);
    ck_assert_msg(r[k].status == 0, "%s: exit status %d: %s", image, r[k].status, r[k].err);
    c[k] = counters(json[k]);
    unlink(json[k]);
  }
  ck_assert_msg(r[0].outlen == r[1].outlen && memcmp(r[0].out, r[1].out, r[0].outlen) == 0,
                "%s: two runs printed different output", image);
  ck_assert_msg(strcmp(c[0], c[1]) == 0, "%s: two runs counted differently:\n%s\n---\n%s", image,
                c[0], c[1]);
  ck_assert_msg(strstr(c[0], "\"instructions\"") != NULL, "%s: no instruction count", image);
  for (int k = 0; k < 2; k++) {
    free(c[k]);
    gr_free(&r[k]);
  }
}

START_TEST(deterministic_boot) { same_twice(G "guestos.img", NULL); }
END_TEST

START_TEST(deterministic_shell) { same_twice(G "guestos.img", X "shell.in"); }
END_TEST

START_TEST(deterministic_bench) { same_twice(G "bench-forkwait.img", NULL); }
END_TEST

/* ---- a console whose input is slow to arrive ----
 * bin/vmm's console always has a byte ready or is at the end, so a reader
 * never waits there.  Here each byte arrives only after a few more status
 * reads (then stays ready until it is read, as a device's would): the
 * shell's reads sleep (sys_read), the idle loop enables the input interrupt
 * and waits in wfi, and the interrupt wakes the reader.  The transcript
 * must be the one a file gives. */
typedef struct slow_console {
  const char *in;
  size_t pos;
  unsigned wait; /* status reads until the next byte is there */
  char out[8192];
  size_t outlen;
} slow_console;

static void slow_putc(void *ctx, int ch) {
  slow_console *s = ctx;
  if (s->outlen + 1 < sizeof s->out) s->out[s->outlen++] = (char)ch;
  s->out[s->outlen] = 0;
}
static int slow_getc(void *ctx) {
  slow_console *s = ctx;
  s->wait = 3;
  return s->in[s->pos] ? (unsigned char)s->in[s->pos++] : -1;
}
static int slow_status(void *ctx) {
  slow_console *s = ctx;
  if (!s->in[s->pos]) return 2;
  if (s->wait > 0) {
    s->wait--;
    return 0;
  }
  return 1;
}

START_TEST(sleeping_reader) {
  char err[256];
  image img;
  ck_assert_msg(image_read(G "guestos.img", &img, err, sizeof err) == 0, "%s", err);
  cpu *c = cpu_new(1u << 20, 64);
  ck_assert_ptr_nonnull(c);
  ck_assert_msg(load_image(c, &img, 0, c->mem_size, err, sizeof err) == 0, "%s", err);
  cpu_reset(c, img.entry);
  slow_console sc = {.in = "hello\nexit\n", .wait = 3};
  c->con = (console_dev){.ctx = &sc, .putc = slow_putc, .getc = slow_getc, .status = slow_status};
  enum cpu_exit ex = cpu_run(c, 50000000);
  ck_assert_msg(ex == EXIT_HALT && c->halt_code == 0, "exit %s, halt code %u\n%s", cpu_exit_name(ex),
                c->halt_code, sc.out);
  ck_assert_msg(c->st.traps[CAUSE_CONSOLE] > 0, "no console interrupt: the reader never slept");
  gr_expect_file("the shell on a slow console", sc.out, X "prog-hello.out");
  cpu_free(c);
  image_free(&img);
}
END_TEST

/* ---- why there are two builds: pure trap-and-emulate runs the kernel in
 * user mode, where pushf tells the truth ---- */

START_TEST(trap_mode_catches_pushf) {
  gr_result r;
  gr_run(&r, NULL, "--mode", "trap", "--max-steps", STEPS, G "guestos.img", NULL);
  ck_assert_msg(r.status == 2, "guestos.img under trap: exit status %d, want 2 (panic)\n%s%s",
                r.status, r.out, r.err);
  ck_assert_str_eq(r.out, "panic: not in kernel mode (pushf says user)\n");
  gr_free(&r);
}
END_TEST

/* The benchmarks on the NOSPECIAL kernel: the same line under the monitor,
 * but for bench-special, whose loop is made of pushf and popf: its check
 * must catch them showing user mode. */
START_TEST(trap_mode_benches) {
  char image[128], expected[128];
  snprintf(image, sizeof image, G "bench-%s-nospecial.img", benches[_i]);
  snprintf(expected, sizeof expected, X "bench-%s.out", benches[_i]);
  gr_result r;
  gr_run(&r, NULL, "--mode", "trap", "--max-steps", STEPS, image, NULL);
  if (strcmp(benches[_i], "special") == 0) {
    ck_assert_msg(r.status == 1, "%s under trap: exit status %d, want 1\n%s%s", image, r.status,
                  r.out, r.err);
    ck_assert_str_eq(r.out, "bench special: FAILED: pushf says user mode\n");
  } else {
    ck_assert_msg(r.status == 0, "%s under trap: exit status %d\n%s%s", image, r.status, r.out,
                  r.err);
    gr_expect_file(image, r.out, expected);
  }
  gr_free(&r);
}
END_TEST

START_TEST(trap_mode_runs_nospecial) {
  gr_result r;
  gr_run(&r, NULL, "--mode", "trap", "--max-steps", STEPS, G "guestos-nospecial.img", NULL);
  ck_assert_msg(r.status == 0, "guestos-nospecial.img under trap: exit status %d\n%s%s", r.status,
                r.out, r.err);
  gr_expect_file("guestos-nospecial.img under trap", r.out, X "boot-nospecial.out");
  gr_free(&r);
}
END_TEST

Suite *guestos_suite(void) {
  Suite *s = suite_create("guestos");
  TCase *tc = tcase_create("transcripts");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, boot_transcript);
  tcase_add_test(tc, boot_transcript_nospecial);
  tcase_add_loop_test(tc, program_output, 0, NPROGRAMS);
  tcase_add_test(tc, shell_session);
  tcase_add_test(tc, shell_long_lines);
  tcase_add_test(tc, sleeping_reader);
  suite_add_tcase(s, tc);

  tc = tcase_create("benchmarks");
  tcase_set_timeout(tc, 60);
  tcase_add_loop_test(tc, bench_result, 0, NBENCHES);
  suite_add_tcase(s, tc);

  tc = tcase_create("determinism");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, deterministic_boot);
  tcase_add_test(tc, deterministic_shell);
  tcase_add_test(tc, deterministic_bench);
  suite_add_tcase(s, tc);

  tc = tcase_create("trap_mode");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, trap_mode_catches_pushf);
  tcase_add_test(tc, trap_mode_runs_nospecial);
  tcase_add_loop_test(tc, trap_mode_benches, 0, NBENCHES);
  suite_add_tcase(s, tc);
  return s;
}
