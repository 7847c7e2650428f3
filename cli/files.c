/* files.c: how every program reads its inputs and writes its outputs
 * (cli.h).
 *
 * The rule the whole file keeps: a program removes or truncates nothing but
 * a temporary file it created itself in this run.  An output is written
 * beside its final name and renamed over it once complete, so a failed or
 * interrupted run leaves the old file as it was, and a reader never sees
 * half a file.  Things that are not regular files (a terminal, /dev/null, a
 * FIFO, a device) cannot be replaced that way and must not be: they are
 * written in place. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static int fail(int status, int e, char *err, size_t errlen, const char *path, const char *why) {
  snprintf(err, errlen, "%s: %s", path, why ? why : strerror(e));
  errno = e;
  return status;
}

/* ---- inputs ---- */

int cli_read_file(const char *path, size_t max, char **out, size_t *outlen, char *err, size_t errlen) {
  *out = NULL;
  *outlen = 0;
  /* O_NONBLOCK: opening a FIFO must not wait for a writer (with none, the
   * read below sees the end at once); regular files ignore the flag. */
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return fail(CLI_EX_NOINPUT, errno, err, errlen, path, NULL);
  struct stat st;
  if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
    int e = S_ISDIR(st.st_mode) ? EISDIR : errno;
    close(fd);
    return fail(CLI_EX_NOINPUT, e, err, errlen, path, NULL);
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  /* Grow the buffer as the data comes: pipes and devices have no size, and
   * a file longer than max is refused before it fills memory. */
  size_t cap = S_ISREG(st.st_mode) && (uint64_t)st.st_size < max ? (size_t)st.st_size + 2 : 4096, len = 0;
  char *buf = malloc(cap);
  for (;;) {
    if (!buf) {
      close(fd);
      return fail(CLI_EX_OSERR, ENOMEM, err, errlen, path, "out of memory");
    }
    if (len + 1 == cap) {
      if (len > max) break;
      char *nb = realloc(buf, cap = cap * 2 > max + 2 ? max + 2 : cap * 2);
      if (!nb) free(buf);
      buf = nb;
      continue;
    }
    ssize_t n = read(fd, buf + len, cap - len - 1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      free(buf);
      close(fd);
      return fail(CLI_EX_NOINPUT, e, err, errlen, path, NULL);
    }
    if (n == 0) break;
    len += (size_t)n;
  }
  close(fd);
  if (len > max) {
    free(buf);
    char why[64];
    snprintf(why, sizeof why, "file too large (more than %zu bytes)", max);
    return fail(CLI_EX_DATAERR, EFBIG, err, errlen, path, why);
  }
  buf[len] = 0;
  *out = buf;
  *outlen = len;
  return 0;
}

int cli_check_input(const char *path, char *err, size_t errlen) {
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return fail(CLI_EX_NOINPUT, errno, err, errlen, path, NULL);
  struct stat st;
  int e = fstat(fd, &st) != 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : 0;
  close(fd);
  return e ? fail(CLI_EX_NOINPUT, e, err, errlen, path, NULL) : 0;
}

/* ---- outputs ---- */

static mode_t new_file_mode(void) {
  mode_t mask = umask(0);
  umask(mask);
  return 0666 & ~mask;
}

int cli_out_open(cli_out *o, const char *path, char *err, size_t errlen) {
  memset(o, 0, sizeof *o);
  o->name = path;
  if (strcmp(path, "-") == 0) {
    o->f = stdout;
    o->to_stdout = true;
    return 0;
  }
  struct stat st;
  mode_t mode;
  if (stat(path, &st) == 0) {
    if (S_ISDIR(st.st_mode)) return fail(CLI_EX_CANTCREAT, EISDIR, err, errlen, path, NULL);
    if (!S_ISREG(st.st_mode)) { /* in place: no O_CREAT, no O_TRUNC */
      int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
      o->f = fd >= 0 ? fdopen(fd, "w") : NULL;
      if (!o->f) {
        int e = errno;
        if (fd >= 0) close(fd);
        return fail(CLI_EX_CANTCREAT, e, err, errlen, path, NULL);
      }
      return 0;
    }
    /* A file the user may not write is not replaced behind their back. */
    if (access(path, W_OK) != 0) return fail(CLI_EX_CANTCREAT, errno, err, errlen, path, NULL);
    o->path = realpath(path, NULL); /* through a symbolic link: replace its target */
    if (!o->path) return fail(CLI_EX_CANTCREAT, errno, err, errlen, path, NULL);
    mode = st.st_mode & 07777;
  } else if (errno == ENOENT) {
    o->path = strdup(path);
    mode = new_file_mode();
  } else {
    return fail(CLI_EX_CANTCREAT, errno, err, errlen, path, NULL);
  }
  char *copy = o->path ? strdup(o->path) : NULL, *copy2 = o->path ? strdup(o->path) : NULL;
  if (copy && copy2) {
    const char *dir = dirname(copy), *base = basename(copy2);
    size_t n = strlen(dir) + strlen(base) + 16;
    o->tmp = malloc(n);
    if (o->tmp) snprintf(o->tmp, n, "%s/.%s.XXXXXX", dir, base);
  }
  free(copy);
  free(copy2);
  if (!o->tmp) {
    cli_out_abort(o);
    return fail(CLI_EX_OSERR, ENOMEM, err, errlen, path, "out of memory");
  }
  int fd = mkstemp(o->tmp);
  if (fd < 0) {
    int e = errno;
    free(o->tmp);
    o->tmp = NULL;
    cli_out_abort(o);
    return fail(CLI_EX_CANTCREAT, e, err, errlen, path, NULL);
  }
  o->f = fchmod(fd, mode) == 0 ? fdopen(fd, "w") : NULL;
  if (!o->f) {
    int e = errno;
    close(fd);
    cli_out_abort(o);
    return fail(CLI_EX_CANTCREAT, e, err, errlen, path, NULL);
  }
  return 0;
}

int cli_out_close(cli_out *o, char *err, size_t errlen) {
  const char *name = o->to_stdout ? "standard output" : o->name;
  errno = 0;
  bool bad = fflush(o->f) != 0 || ferror(o->f);
  int e = errno ? errno : EIO;
  if (!o->to_stdout && fclose(o->f) != 0 && !bad) bad = true, e = errno;
  o->f = NULL;
  int status = 0;
  if (bad)
    status = fail(CLI_EX_IOERR, e, err, errlen, name, NULL);
  else if (o->tmp && rename(o->tmp, o->path) != 0)
    status = fail(CLI_EX_CANTCREAT, errno, err, errlen, name, NULL);
  else if (o->tmp) {
    free(o->tmp); /* renamed: nothing left to remove */
    o->tmp = NULL;
  }
  cli_out_abort(o);
  return status;
}

void cli_out_abort(cli_out *o) {
  if (o->f && !o->to_stdout) fclose(o->f);
  if (o->tmp) unlink(o->tmp); /* ours: created by mkstemp in this run */
  free(o->tmp);
  free(o->path);
  memset(o, 0, sizeof *o);
}

/* ---- outputs against inputs ---- */

/* Where path would be: its directory, canonical, and its last name. */
static char *place(const char *path) {
  char *d = strdup(path), *b = strdup(path), *out = NULL;
  char *dir = d ? realpath(dirname(d), NULL) : NULL;
  if (dir && b) {
    size_t n = strlen(dir) + strlen(path) + 2;
    out = malloc(n);
    if (out) snprintf(out, n, "%s/%s", dir, basename(b));
  }
  free(d), free(b), free(dir);
  return out;
}

bool cli_same_file(const char *a, const char *b) {
  if (strcmp(a, "-") == 0 || strcmp(b, "-") == 0) return false;
  struct stat sa, sb;
  bool ea = stat(a, &sa) == 0, eb = stat(b, &sb) == 0;
  if (ea || eb) return ea && eb && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
  char *pa = place(a), *pb = place(b);
  bool same = pa && pb ? strcmp(pa, pb) == 0 : strcmp(a, b) == 0;
  free(pa), free(pb);
  return same;
}

int cli_check_outputs(const char *prog, const char *const *outs, int nouts, const char *const *ins, int nins) {
  for (int i = 0; i < nouts; i++) {
    if (!outs[i]) continue;
    for (int k = 0; k < nins; k++)
      if (ins[k] && cli_same_file(outs[i], ins[k])) {
        if (strcmp(outs[i], ins[k]) == 0)
          return cli_usage(prog, "%s: an input cannot be an output too", outs[i]);
        return cli_usage(prog, "%s: an output cannot be the input %s", outs[i], ins[k]);
      }
    for (int k = 0; k < i; k++)
      if (outs[k] && cli_same_file(outs[i], outs[k]))
        return cli_usage(prog, "%s: the same file cannot be two outputs", outs[i]);
  }
  return 0;
}
