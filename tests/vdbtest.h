/* vdbtest.h: what the debugger's suites share (tests/vmm/vdb/test_vdb*.c):
 * the test guests assembled on demand, an in-process session with its
 * output captured, bin/vdb run as a program, and bin/vdb on a
 * pseudo-terminal, driven as a person would type. */
#ifndef VDBTEST_H
#define VDBTEST_H

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "asm.h"
#include "vdb/vdb.h"

#define TDIR "build/vdb-tests"
#define VDB_BIN "bin/vdb"

/* ---- guests ---- */

/* Assemble tests/vmm/vdb/cases/NAME.s into TDIR/NAME.img; returns that path. */
static inline const char *guest_image(const char *name) {
  static char path[256];
  char src[256];
  snprintf(src, sizeof src, "tests/vmm/vdb/cases/%s.s", name);
  snprintf(path, sizeof path, TDIR "/%s.img", name);
  mkdir("build", 0777);
  mkdir(TDIR, 0777);
  image img;
  asm_diag diag = {0};
  ck_assert_msg(asm_assemble_file(NULL, src, &img, &diag) == 0, "%s: %s", src, diag.text ? diag.text : "");
  char err[256];
  /* Write to a temporary name first: tests run in parallel processes. */
  char tmp[300];
  snprintf(tmp, sizeof tmp, "%s.%d", path, (int)getpid());
  ck_assert_msg(image_write(tmp, &img, err, sizeof err) == 0, "%s", err);
  ck_assert_int_eq(rename(tmp, path), 0);
  image_free(&img);
  asm_diag_free(&diag);
  return path;
}

static inline char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *buf = NULL;
  size_t cap = 0, n = 0, k;
  do {
    if (n + 4096 > cap) {
      cap = cap ? 2 * cap : 8192;
      buf = realloc(buf, cap);
      ck_assert_ptr_nonnull(buf);
    }
    k = fread(buf + n, 1, cap - n - 1, f);
    n += k;
  } while (k > 0);
  fclose(f);
  buf[n] = 0;
  if (len) *len = n;
  return buf;
}

static inline void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  fputs(text, f);
  fclose(f);
}

/* ---- an in-process session ---- */

typedef struct sess {
  vdb *d;
  FILE *out;
  char *buf;
  size_t len;
  int in_fd;
} sess;

static inline void sess_open(sess *s, const char *mode, const char *img, const char *input, uint64_t every, int max) {
  *s = (sess){0};
  s->out = open_memstream(&s->buf, &s->len);
  ck_assert_ptr_nonnull(s->out);
  s->in_fd = -1;
  if (input) {
    char path[64];
    snprintf(path, sizeof path, TDIR "/input.%d", (int)getpid());
    write_file(path, input);
    s->in_fd = open(path, O_RDONLY);
    ck_assert_int_ge(s->in_fd, 0);
  }
  vdb_opts o = {.mode = mode, .mem = 1u << 20, .tlb = 64, .ckpt_every = every, .ckpt_max = max, .guest_in = s->in_fd};
  cost_profile(&o.cost, "modern");
  s->d = vdb_new(&o, s->out, s->out);
  ck_assert_ptr_nonnull(s->d);
  char err[256];
  ck_assert_msg(vdb_add_target(s->d, img, err, sizeof err) == 0, "%s", err);
}

static inline void sess_close(sess *s) {
  vdb_free(s->d);
  fclose(s->out);
  free(s->buf);
  if (s->in_fd >= 0) close(s->in_fd);
}

/* Run a command that must succeed. */
static inline void ok(sess *s, const char *cmd) {
  int before = s->d->failures;
  int rc = vdb_exec(s->d, cmd);
  fflush(s->out);
  size_t tail = s->len > 1500 ? s->len - 1500 : 0;
  ck_assert_msg(rc == 0 && s->d->failures == before, "command failed: %s\n...%s", cmd, s->buf + tail);
}

/* Everything printed since the last call. */
static inline const char *fresh(sess *s, size_t *mark) {
  fflush(s->out);
  const char *p = s->buf + *mark;
  *mark = s->len;
  return p;
}


/* ---- bin/vdb itself ---- */

/* Run bin/vdb with stdin from /dev/null; its exit status. */
static inline int run_vdb(const char *const *args) {
  pid_t pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    int fd = open("/dev/null", O_RDWR);
    dup2(fd, 0);
    dup2(fd, 1);
    dup2(fd, 2);
    execv(VDB_BIN, (char *const *)args);
    _exit(127);
  }
  int st;
  waitpid(pid, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}


/* ---- bin/vdb on a pseudo-terminal ---- */

typedef struct pty {
  int fd;
  pid_t pid;
  char buf[1 << 16];
  size_t len, seen;
} pty;

static inline double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Read until `want` appears after what was already seen; false on timeout. */
static inline bool expect(pty *p, const char *want) {
  double end = now_s() + 10;
  for (;;) {
    p->buf[p->len] = 0;
    char *at = strstr(p->buf + p->seen, want);
    if (at) {
      p->seen = (size_t)(at - p->buf) + strlen(want);
      return true;
    }
    double left = end - now_s();
    if (left <= 0) return false;
    struct pollfd pf = {p->fd, POLLIN, 0};
    if (poll(&pf, 1, (int)(left * 1000) + 1) <= 0) continue;
    ssize_t n = read(p->fd, p->buf + p->len, sizeof p->buf - 1 - p->len);
    if (n <= 0) return false;
    p->len += (size_t)n;
  }
}

static inline void type(pty *p, const char *s) { ck_assert_int_eq(write(p->fd, s, strlen(s)), (ssize_t)strlen(s)); }

#define EXPECT(p, s) ck_assert_msg(expect(p, s), "no \"%s\" from the terminal; it showed:\n%s", s, (p)->buf + (p)->seen)

#endif
