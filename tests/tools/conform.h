/* conform.h: running the installed programs as a user would, for the
 * conformance suites (test_conform.c, test_statuses.c): run one with its
 * output caught, read what its man page promises, make a scratch directory
 * of inputs and fingerprint it to show a run changed none of them. */
#ifndef CONFORM_H
#define CONFORM_H

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "asm.h"
#include "cli.h"
#include "image.h"

/* ---- running one ---- */

typedef struct run {
  int status; /* exit status; -1 for a signal (a crash) */
  char out[16384], err[8192];
} run;

static inline void slurp_fd(int fd, char *buf, size_t cap) {
  lseek(fd, 0, SEEK_SET);
  ssize_t n = read(fd, buf, cap - 1);
  buf[n > 0 ? n : 0] = 0;
  close(fd);
}

static inline int tmpfd(void) {
  char name[256];
  snprintf(name, sizeof name, "%s/vkit-conform-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  int fd = mkstemp(name);
  ck_assert_msg(fd >= 0, "mkstemp: %s", strerror(errno));
  unlink(name);
  return fd;
}

/* How to run one: as nobody (when we are root), with standard output into
 * out_path instead of a file read back, in directory cwd. */
typedef struct run_how {
  bool nobody;
  const char *out_path, *cwd;
} run_how;

/* Run argv (argv[0] is the program) with stdin from /dev/null. */
static inline void run_argv(run *r, const char *const *argv, const run_how *how) {
  static const run_how plain;
  if (!how) how = &plain;
  int out = how->out_path ? -1 : tmpfd(), err = tmpfd();
  char *prog = realpath(argv[0], NULL); /* (cwd may change) */
  ck_assert_msg(prog, "%s: %s (run make first)", argv[0], strerror(errno));
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  ck_assert(pid >= 0);
  if (pid == 0) {
    int in = open("/dev/null", O_RDONLY);
    if (how->out_path) out = open(how->out_path, O_WRONLY);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    if (how->cwd && chdir(how->cwd) != 0) _exit(125);
    if (how->nobody && geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) _exit(126);
    execv(prog, (char *const *)argv);
    fprintf(stderr, "cannot run %s: %s (run make first)\n", argv[0], strerror(errno));
    _exit(127);
  }
  int ws;
  while (waitpid(pid, &ws, 0) < 0) ck_assert(errno == EINTR);
  free(prog);
  r->status = WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
  r->out[0] = 0;
  if (!how->out_path) slurp_fd(out, r->out, sizeof r->out);
  slurp_fd(err, r->err, sizeof r->err);
}

/* bin/NAME with the arguments after it (NULL-terminated). */
static inline void runt(run *r, const char *name, ...) {
  const char *argv[40];
  char prog[64];
  snprintf(prog, sizeof prog, "bin/%s", name);
  int n = 0;
  argv[n++] = prog;
  va_list ap;
  va_start(ap, name);
  for (const char *a; (a = va_arg(ap, const char *)) && n < 39;) argv[n++] = a;
  va_end(ap);
  argv[n] = NULL;
  run_argv(r, argv, NULL);
}

/* ---- what the man pages promise ---- */

static inline char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 1 << 16, n = 0, got;
  char *s = malloc(cap);
  while (s && (got = fread(s + n, 1, cap - n - 1, f)) > 0) {
    n += got;
    if (n + 1 == cap) s = realloc(s, cap *= 2);
  }
  fclose(f);
  if (s) s[n] = 0;
  return s;
}

typedef struct entry {
  int first, last;
  char text[512];
} entry;

/* The EXIT STATUS section of docs/man/NAME.1: its .TP entries, each
 * ".TP / .B N (or N\-M) / text lines", text with roff's \- as - and lines
 * joined by spaces.  The table starts at the section's first .TP and ends
 * at the next other macro (.PP, .SH). */
static inline int page_statuses(const char *name, entry *e, int max) {
  char path[128];
  snprintf(path, sizeof path, "docs/man/%s.1", name);
  char *page = slurp(path);
  ck_assert_msg(page, "no %s", path);
  char *p = strstr(page, "\n.SH EXIT STATUS\n");
  ck_assert_msg(p, "%s: no EXIT STATUS section", path);
  char *next = strstr(p + 1, "\n.SH "), *tp = strstr(p, "\n.TP\n");
  ck_assert_msg(tp && (!next || tp < next), "%s: no .TP entry in EXIT STATUS", path);
  p = tp + 1;
  int n = 0;
  while (strncmp(p, ".TP\n", 4) == 0 && n < max) {
    p += 4;
    ck_assert_msg(strncmp(p, ".B ", 3) == 0, "%s: an entry without .B N: %.40s", path, p);
    entry *x = &e[n++];
    char *end;
    x->first = x->last = (int)strtol(p + 3, &end, 10);
    if (strncmp(end, "\\-", 2) == 0) x->last = (int)strtol(end + 2, &end, 10);
    p = strchr(p, '\n') + 1;
    size_t k = 0;
    while (*p && *p != '.') { /* the text, up to the next macro */
      for (; *p && *p != '\n'; p++) {
        if (p[0] == '\\' && p[1] == '-') p++;
        if (k + 2 < sizeof x->text) x->text[k++] = *p;
      }
      if (*p) p++;
      if (*p && *p != '.' && k + 2 < sizeof x->text) x->text[k++] = ' ';
    }
    x->text[k] = 0;
  }
  free(page);
  return n;
}

static inline bool documented(const char *name, int status) {
  entry e[32];
  int n = page_statuses(name, e, 32);
  for (int i = 0; i < n; i++)
    if (status >= e[i].first && status <= e[i].last) return true;
  return false;
}

/* The run's status, which must also be one the page documents. */
static inline void expect_status(const run *r, const char *name, int status) {
  ck_assert_msg(r->status == status, "%s: status %d, not %d\nstdout: %.400s\nstderr: %s", name, r->status, status,
                r->out, r->err);
  ck_assert_msg(documented(name, status), "%s exits %d, which docs/man/%s.1 does not list", name, status, name);
}

/* ---- a scratch directory of inputs ---- */

static char dir[256];

static inline const char *at(const char *name) {
  static char p[8][320];
  static int k;
  k = (k + 1) % 8;
  snprintf(p[k], sizeof p[k], "%.60s/%.200s", dir, name);
  return p[k];
}

static inline void put(const char *name, const void *data, size_t len) {
  FILE *f = fopen(at(name), "wb");
  ck_assert(f && fwrite(data, 1, len, f) == len && fclose(f) == 0);
}

static const char ok_src[] = "        .org 0x1000\n_start: li r1, 0\n        halt r1\n";

static inline void put_image(const char *name, const char *src) {
  image img;
  asm_diag diag = {0};
  ck_assert_msg(asm_assemble(NULL, "t.s", src, strlen(src), &img, &diag) == 0, "%s", diag.text);
  asm_diag_free(&diag);
  char err[256];
  ck_assert_msg(image_write(at(name), &img, err, sizeof err) == 0, "%s", err);
  image_free(&img);
}

/* ok.s, ok.img, empty.s, empty.img, a directory, a file nobody may read,
 * a FIFO; the directory readable by nobody, for the "unreadable" case. */
static inline void scratch(void) {
  snprintf(dir, sizeof dir, "%s/vkit-conform-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  ck_assert(mkdtemp(dir) != NULL);
  ck_assert(chmod(dir, 0755) == 0);
  put("ok.s", ok_src, strlen(ok_src));
  put_image("ok.img", ok_src);
  put("empty.s", "", 0);
  put("empty.img", "", 0);
  ck_assert(mkdir(at("sub"), 0755) == 0);
  put("locked", ok_src, strlen(ok_src));
  ck_assert(chmod(at("locked"), 0) == 0);
  ck_assert(mkfifo(at("fifo"), 0644) == 0);
}

static inline void cleanup(void) {
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  ck_assert_int_eq(system(cmd), 0);
}

/* argv for bin/TOOL and args (NULL-terminated), "@x" standing for the
 * scratch file x; the strings are kept in words.  Returns argc. */
static inline int tool_args(const char *tool, const char *const *args, char words[][320], const char **argv) {
  int n = 0;
  snprintf(words[n], sizeof words[n], "bin/%s", tool);
  argv[n] = words[n];
  for (n = 1; args[n - 1]; n++) {
    snprintf(words[n], sizeof words[n], "%s", args[n - 1][0] == '@' ? at(args[n - 1] + 1) : args[n - 1]);
    argv[n] = words[n];
  }
  argv[n] = NULL;
  return n;
}

/* A fingerprint of every entry of the scratch directory (name, type, size
 * and an FNV-1a hash of the bytes), to show that a run changed none. */
static inline void fingerprint(char *buf, size_t cap) {
  DIR *d = opendir(dir);
  ck_assert(d);
  size_t n = 0;
  buf[0] = 0;
  char names[64][256];
  int k = 0;
  for (struct dirent *e; (e = readdir(d)) && k < 64;)
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) snprintf(names[k++], 256, "%s", e->d_name);
  closedir(d);
  qsort(names, (size_t)k, sizeof names[0], (int (*)(const void *, const void *))strcmp);
  for (int i = 0; i < k; i++) {
    struct stat st;
    ck_assert(lstat(at(names[i]), &st) == 0);
    uint64_t h = 1469598103934665603ull;
    int fd = S_ISREG(st.st_mode) ? open(at(names[i]), O_RDONLY) : -1;
    unsigned char b[4096];
    for (ssize_t got; fd >= 0 && (got = read(fd, b, sizeof b)) > 0;)
      for (ssize_t j = 0; j < got; j++) h = (h ^ b[j]) * 1099511628211ull;
    if (fd >= 0) close(fd);
    n += (size_t)snprintf(buf + n, n < cap ? cap - n : 0, "%s %o %lld %llx\n", names[i], (unsigned)st.st_mode,
                          (long long)st.st_size, (unsigned long long)h);
  }
  ck_assert_msg(n < cap, "fingerprint too long");
}


#endif
