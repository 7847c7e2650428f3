/* symbols.c: how long images with many symbols take to load and list.
 *
 *   build/bench/symbols [-p] DIR      (make bench-symbols; make bench runs it)
 *
 * Writes DIR/syms-N-KIND.img for N = 20,000, 100,000 and 1,000,000 symbols
 * (N words at 0x1000, each a jump to another, a label on each), of two
 * kinds: "near", each jump to one of the next 13 words, as code mostly is,
 * and "far", each to a word anywhere: a lister then looks up a label at a
 * random place for every word, the worst case for the caches.  For each:
 *
 *   steps     the symbol index's comparisons to load it and list it twice
 *             (image_index_steps): the work, independent of the host
 *   load+list this process: image_read, then dis_image with and without
 *             addresses, into /dev/null (best of 3, seconds)
 *   vdis, vdis -a, vmm, vdb
 *             the installed programs on it (best of 3, wall seconds, and
 *             the CPU seconds they used): vdis into /dev/null; vmm runs
 *             1000 ticks in 8 MiB (its status is 75); vdb in batch mode
 *             disassembles and examines 20 instructions
 *
 * -p measures in this process only (the sanitizer build of this file runs
 * so: bin/ holds the optimized programs).  The figures go to standard
 * output; docs/asm.md quotes them. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cpu.h"
#include "disasm.h"

static double now(void) {
  struct timeval tv;
  gettimeofday(&tv, NULL);
  return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static int make_image(int n, bool far, const char *path) {
  image img = {0};
  uint32_t *words = malloc((size_t)n * 4);
  if (!words) return -1;
  for (int i = 0; i < n; i++) {
    int to = far ? (int)(((uint64_t)i * 7919 + 13) % (uint64_t)n) : (i + 1 + i % 13) % n;
    words[i] = ISA_ENC_J(OP_JMP, to - i);
  }
  int rc = image_add_seg(&img, 0x1000, (const uint8_t *)words, (uint32_t)n * 4);
  free(words);
  for (int i = 0; i < n && rc == 0; i++) {
    char name[16];
    snprintf(name, sizeof name, "l%d", i);
    rc = image_add_sym(&img, name, 0x1000 + 4 * (uint32_t)i, i % 16 == 0);
  }
  img.entry = 0x1000;
  char err[256];
  if (rc == 0 && (rc = image_write(path, &img, err, sizeof err)) != 0) fprintf(stderr, "symbols: %s\n", err);
  image_free(&img);
  return rc;
}

/* Load and list in this process: seconds (best of 3), and the steps. */
static double in_process(const char *path, unsigned long long *steps) {
  double best = 1e9;
  for (int k = 0; k < 3; k++) {
    double t0 = now();
    image img;
    char err[256];
    if (image_read(path, &img, err, sizeof err) != 0) {
      fprintf(stderr, "symbols: %s\n", err);
      exit(1);
    }
    FILE *null = fopen("/dev/null", "w");
    dis_image(null, &img, 0);
    dis_image(null, &img, DIS_ADDRS);
    fclose(null);
    double t = now() - t0;
    *steps = image_index_steps(&img);
    image_free(&img);
    if (t < best) best = t;
  }
  return best;
}

/* A program on the image, output to /dev/null: wall seconds, best of 3;
 * *cpu, the user and system seconds of that run. */
static double program(const char *const *argv, int want, double *cpu) {
  double best = 1e9;
  for (int k = 0; k < 3; k++) {
    double t0 = now();
    pid_t pid = fork();
    if (pid == 0) {
      int null = open("/dev/null", O_RDWR);
      dup2(null, 0), dup2(null, 1), dup2(null, 2);
      execv(argv[0], (char *const *)argv);
      _exit(127);
    }
    int ws;
    struct rusage ru;
    while (wait4(pid, &ws, 0, &ru) < 0 && errno == EINTR) continue;
    double t = now() - t0;
    if (!WIFEXITED(ws) || WEXITSTATUS(ws) != want) {
      fprintf(stderr, "symbols: %s exited %d, not %d\n", argv[0], WIFEXITED(ws) ? WEXITSTATUS(ws) : -1, want);
      exit(1);
    }
    if (t < best) {
      best = t;
      *cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
             (double)ru.ru_stime.tv_usec / 1e6;
    }
  }
  return best;
}

int main(int argc, char **argv) {
  bool only_here = argc == 3 && strcmp(argv[1], "-p") == 0;
  if (argc != 2 && !only_here) {
    fprintf(stderr, "usage: symbols [-p] DIR\n");
    return 64;
  }
  const char *dir = argv[argc - 1];
  static const int sizes[] = {20000, 100000, 1000000};
  printf("%-13s %12s %10s", "symbols", "steps", "load+list");
  if (!only_here) printf(" %11s %11s %11s %11s", "vdis", "vdis -a", "vmm", "vdb");
  printf("   (seconds, best of 3%s)\n", only_here ? "" : "; programs: wall/cpu");
  for (int i = 0; i < 6; i++) {
    char path[512];
    bool far = i >= 3;
    int n = sizes[i % 3];
    snprintf(path, sizeof path, "%s/syms-%d-%s.img", dir, n, far ? "far" : "near");
    if (access(path, R_OK) != 0 && make_image(n, far, path) != 0) return 1;
    unsigned long long steps;
    double here = in_process(path, &steps);
    printf("%-8d %-4s %12llu %10.3f", n, far ? "far" : "near", steps, here);
    if (!only_here) {
      const char *vdis[] = {"bin/vdis", path, NULL}, *vdis_a[] = {"bin/vdis", "-a", path, NULL};
      const char *vmm[] = {"bin/vmm", "--mem", "8M", "--max-steps", "1000", path, NULL};
      const char *vdb[] = {"bin/vdb", "--mem", "8M", "--batch", "-ex", "disassemble", "-ex", "x/20i $pc", path, NULL};
      const char *const *runs[] = {vdis, vdis_a, vmm, vdb};
      for (int r = 0; r < 4; r++) {
        double cpu = 0, wall = program(runs[r], r == 2 ? 75 : 0, &cpu);
        printf(" %5.2f/%5.2f", wall, cpu);
      }
    }
    printf("\n");
    fflush(stdout);
  }
  return 0;
}
