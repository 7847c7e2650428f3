/* args.c: the command-line conventions every program shares (cli.h):
 * --version, the one-line messages for a bad command line, and the
 * status of what went to standard output. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <string.h>

#include "cli.h"

int cli_version(const char *prog) {
  printf("%s (%s) %s\n", prog, CLI_PACKAGE, CLI_VERSION);
  return cli_stdout_status(prog);
}

int cli_stdout_status(const char *prog) {
  errno = 0;
  if (fflush(stdout) == 0 && !ferror(stdout)) return 0;
  fprintf(stderr, "%s: standard output: %s\n", prog, errno ? strerror(errno) : "write error");
  return CLI_EX_IOERR;
}

int cli_usage(const char *prog, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "%s: ", prog);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, " (try '%s --help')\n", prog);
  return CLI_EX_USAGE;
}

/* getopt leaves optopt as the letter of a short option, or as a long
 * option's value (above any character: the programs number them from 256),
 * or 0 for an argument that matches no option at all.  A letter is named
 * from optopt, because a bad letter inside a group (-az) leaves optind on
 * the group; a long option by the argument as written, up to any '='. */
void cli_option_message(int c, char *const *argv, char *buf, size_t len) {
  char name[64];
  const char *arg = optind > 0 ? argv[optind - 1] : "";
  bool letter = optopt > 0 && optopt < 128 && isgraph(optopt);
  if (letter)
    snprintf(name, sizeof name, "-%c", optopt);
  else
    snprintf(name, sizeof name, "%.*s", (int)strcspn(arg, "="), arg);
  if (c == ':')
    snprintf(buf, len, "option '%s' needs an argument", name);
  else if (!letter && optopt && strchr(arg, '='))
    snprintf(buf, len, "option '%s' takes no argument", name);
  else
    snprintf(buf, len, "unknown option '%s'", name);
}

int cli_bad_option(const char *prog, int c, char *const *argv) {
  char msg[128];
  cli_option_message(c, argv, msg, sizeof msg);
  return cli_usage(prog, "%s", msg);
}
