/* sandbox.h: run a program of the submission where it cannot reach the
 * grader (docs/grading-security.md).
 *
 *   sb_limits l = SB_RUN_LIMITS;
 *   sb_result r;
 *   sb_run(&l, dir, argv, "in.txt", "/private/out", "/private/err", &r);
 *
 * The child gets its own session (so that the whole group can be killed),
 * the directory DIR as its working directory and home, an environment of
 * four variables, standard input, output and error from the given files
 * (opened by the grader, so output can go where the child may not look),
 * no other descriptor, and resource limits: CPU time, address space, the
 * size of any file it writes (standard output included), processes, no
 * core dumps.  The grader kills the group at the wall-clock limit.
 *
 * When the grader runs as root (as on Gradescope), the child also drops to
 * the sandbox's own user (a number no account uses, claimed by this grading
 * run alone: every process with it is this run's sandbox's), with no supplementary groups and no way to
 * gain privileges (PR_SET_NO_NEW_PRIVS), and gets a network namespace of
 * its own where the kernel allows one.  It can then read only what every
 * user can read, and write only DIR (which the grader chowns to it).  Not
 * as root, the child runs as the grader's own user: the limits hold, the
 * isolation from the grader's files does not (sb_isolated says which). */
#ifndef SANDBOX_H
#define SANDBOX_H

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The sandbox's users and groups: numbers no account has, from SB_UID up.
 * Each grading run claims one of its own (sb_claim; grade.sh exports it as
 * GRADE_SANDBOX_UID, which also chooses one by hand). */
#define SB_UID 64123
#define SB_USERS 256                          /* SB_UID .. SB_UID + 255 */
#define SB_CLAIMS "/tmp/vkit-sandbox-users" /* root's: one directory per claimed user */

typedef struct sb_limits {
  int cpu_seconds;  /* RLIMIT_CPU */
  int wall_seconds; /* the group is killed after this long */
  long mem_bytes;   /* RLIMIT_AS */
  long file_bytes;  /* RLIMIT_FSIZE: any file written, standard output too */
  int nproc;        /* RLIMIT_NPROC: processes of the sandbox's user */
} sb_limits;

/* A run of bin/vmm or bin/vasm; a build (the compiler's own processes). */
#define SB_RUN_LIMITS {.cpu_seconds = 60, .wall_seconds = 90, .mem_bytes = 512l << 20, .file_bytes = 8l << 20, .nproc = 16}
#define SB_BUILD_LIMITS {.cpu_seconds = 300, .wall_seconds = 300, .mem_bytes = 2048l << 20, .file_bytes = 64l << 20, .nproc = 64}

typedef struct sb_result {
  int status;     /* the exit code, or 128 + the signal that ended it */
  bool timed_out; /* killed at the wall-clock limit */
} sb_result;

static inline bool sb_isolated(void) { return geteuid() == 0; }

static inline uid_t sb_uid(void) {
  const char *e = getenv("GRADE_SANDBOX_UID");
  long v = e && *e ? strtol(e, NULL, 10) : SB_UID;
  return v > 0 && v < 0x7fffffff ? (uid_t)v : SB_UID;
}

/* Give PATH (a file or a directory, not recursively) to the sandbox's
 * user: nothing to do when the grader is not root. */
static inline int sb_give(const char *path) {
  if (!sb_isolated()) return 0;
  return chown(path, sb_uid(), sb_uid());
}

/* Kill every process of the sandbox's user (one that escaped its session
 * included): a child that takes the user and signals everything it may.
 * The grader calls it when a grading ends; graders running side by side
 * have different users (sb_claim). */
static inline void sb_kill_all(void) {
  const char *e = getenv("GRADE_SANDBOX_UID");
  if (!sb_isolated() || !e || !*e) return; /* no user of this run's: another run's could be killed */
  pid_t p = fork();
  if (p == 0) {
    if (setgid(sb_uid()) == 0 && setuid(sb_uid()) == 0) kill(-1, SIGKILL);
    _exit(0);
  }
  if (p > 0) waitpid(p, NULL, 0);
}

/* Claim a sandbox user for the grading run of process OWNER, in the
 * directory CLAIMS (SB_CLAIMS; created if missing, and refused unless it
 * is a real directory of this user that nobody else may write).  Graders
 * side by side must never share a user: the end of one run kills every
 * process of its user (sb_kill_all), which would end the other's builds
 * and tests, and one submission could signal or trace the other.  A claim
 * is a directory CLAIMS/UID made by mkdir, which only one process wins,
 * holding OWNER's pid; a claim whose owner has ended is taken over.  The
 * uid, or 0 if none is free or CLAIMS is not safe. */
static inline uid_t sb_claim(pid_t owner, const char *claims) {
  struct stat st;
  if (mkdir(claims, 0700) != 0 && errno != EEXIST) return 0;
  if (lstat(claims, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022)) return 0;
  char path[4200], pidfile[4300], tmp[4240];
  int takeovers = 0;
  for (int tries = 0; tries < SB_USERS; tries++) {
    uid_t uid = SB_UID + (uid_t)((owner + tries) % SB_USERS); /* start apart from other owners */
    snprintf(path, sizeof path, "%s/%u", claims, (unsigned)uid);
    snprintf(pidfile, sizeof pidfile, "%s/pid", path);
    if (mkdir(path, 0700) == 0) {
      FILE *f = fopen(pidfile, "w");
      if (f && fprintf(f, "%ld\n", (long)owner) > 0 && fclose(f) == 0) return uid;
      if (f) fclose(f);
      remove(pidfile), rmdir(path);
      return 0;
    }
    if (errno != EEXIST) return 0;
    /* Taken: by a run still going, or by one that ended without releasing
     * it (a grader killed).  A directory without a pid file is being made. */
    FILE *f = fopen(pidfile, "r");
    long pid = 0;
    if (!f) continue;
    if (fscanf(f, "%ld", &pid) != 1) pid = 0;
    fclose(f);
    if (pid <= 0 || kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue;
    /* Stale: move it aside (only one taker succeeds) and try it again. */
    snprintf(tmp, sizeof tmp, "%s/stale.%ld.%u", claims, (long)getpid(), (unsigned)uid);
    if (rename(path, tmp) == 0) {
      snprintf(pidfile, sizeof pidfile, "%s/pid", tmp);
      remove(pidfile), rmdir(tmp);
      if (takeovers++ < SB_USERS) tries--; /* the same user again */
    }
  }
  return 0;
}

/* Give a claim back (once its user's processes are killed). */
static inline void sb_release(uid_t uid, const char *claims) {
  char path[4200], pidfile[4220];
  snprintf(path, sizeof path, "%s/%u", claims, (unsigned)uid);
  snprintf(pidfile, sizeof pidfile, "%s/pid", path);
  remove(pidfile);
  rmdir(path);
}

static inline void sb_child(const sb_limits *l, bool isolate, const char *dir, char *const argv[], const char *in,
                            const char *out, const char *err) {
  setsid();
  int fin = open(in ? in : "/dev/null", O_RDONLY);
  int fout = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  int ferr = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fin < 0 || fout < 0 || ferr < 0 || dup2(fin, 0) < 0 || dup2(fout, 1) < 0 || dup2(ferr, 2) < 0) _exit(125);
  for (int fd = 3; fd < 1024; fd++) close(fd);
  if (chdir(dir) != 0) _exit(125);
  struct rlimit r;
  r.rlim_cur = r.rlim_max = (rlim_t)l->cpu_seconds;
  setrlimit(RLIMIT_CPU, &r);
  r.rlim_cur = r.rlim_max = (rlim_t)l->mem_bytes;
  setrlimit(RLIMIT_AS, &r);
  r.rlim_cur = r.rlim_max = (rlim_t)l->file_bytes;
  setrlimit(RLIMIT_FSIZE, &r);
  r.rlim_cur = r.rlim_max = 0;
  setrlimit(RLIMIT_CORE, &r);
  r.rlim_cur = r.rlim_max = 256;
  setrlimit(RLIMIT_NOFILE, &r);
  if (isolate && sb_isolated()) {
    (void)syscall(SYS_unshare, 0x40000000); /* CLONE_NEWNET, where allowed: no network */
    gid_t g = sb_uid();
    /* Never run the submission as root: any failure here ends the child. */
    if (setgroups(1, &g) != 0 || setgid(g) != 0 || setuid(sb_uid()) != 0 || getuid() == 0 || geteuid() == 0)
      _exit(125);
  }
  r.rlim_cur = r.rlim_max = (rlim_t)l->nproc; /* counted per user: after setuid */
  setrlimit(RLIMIT_NPROC, &r);
  prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  umask(077);
  char home[4208], tmp[4208]; /* "TMPDIR=" and a directory of up to 4199 bytes */
  snprintf(home, sizeof home, "HOME=%s", dir);
  snprintf(tmp, sizeof tmp, "TMPDIR=%s", dir);
  char *env[] = {"PATH=/usr/local/bin:/usr/bin:/bin", home, tmp, "LC_ALL=C", NULL};
  execve(argv[0], argv, env);
  dprintf(2, "sandbox: cannot run %s: %s\n", argv[0], strerror(errno));
  _exit(127);
}

/* Run argv[0] (a path) in DIR with the limits; standard input from IN
 * (NULL: /dev/null), output and error into the files OUT and ERR.  With
 * isolate, as the sandbox's user (when root); without, as the grader (the
 * reference build's runs: trusted code, limits only).  0, or -1 if it
 * could not be started. */
static inline int sb_run(const sb_limits *l, bool isolate, const char *dir, char *const argv[], const char *in,
                         const char *out, const char *err, sb_result *res) {
  memset(res, 0, sizeof *res);
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) sb_child(l, isolate, dir, argv, in, out, err);
  struct timespec t0, now, nap = {0, 2000000};
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int st = 0;
  for (;;) {
    pid_t w = waitpid(pid, &st, WNOHANG);
    if (w == pid) break;
    if (w < 0 && errno != EINTR) return -1;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec - t0.tv_sec >= l->wall_seconds) {
      kill(-pid, SIGKILL);
      kill(pid, SIGKILL);
      waitpid(pid, &st, 0);
      res->timed_out = true;
      break;
    }
    nanosleep(&nap, NULL);
  }
  kill(-pid, SIGKILL); /* whatever it left running in its session */
  res->status = WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 255;
  return 0;
}

#endif
