/* compare.h: bin/vmm --compare MODE (compare.c): the guest run again in
 * MODE, and a summary of what the monitor did beside that run. */
#ifndef COMPARE_H
#define COMPARE_H

#include "core/mode.h"
#include "runner.h"

/* The most console input kept for the second run (a file or a pipe is
 * read whole first). */
#define COMPARE_INPUT_MAX (64 << 20)

/* The console input of both runs. */
typedef struct compare_input {
  bool tty;              /* a terminal: read as bin/vmm reads one */
  host_console host;     /* (then: bin/vmm's console, ... */
  console_dev hc;        /* ... and its calls) */
  uint8_t *buf;          /* all the input (a file, a pipe), or what the first run read (a terminal) */
  size_t len, cap, pos;
  FILE *out;             /* the guest's output; NULL: dropped (the second run) */
} compare_input;

/* The first run's console on in and out, into con; 0, or -1 with a
 * message in err (the input is over COMPARE_INPUT_MAX). */
int compare_input_open(compare_input *ci, FILE *in, FILE *out, console_dev *con, char *err, size_t len);
void compare_input_free(compare_input *ci);

/* Run img again in mode `with` (o's other options), on the first run's
 * input, its output dropped; print the summary of r beside that run on f.
 * 0, or an exit status if the second guest cannot be made. */
int compare_report(FILE *f, const vmm_opts *o, const image *img, const vm_report *r, const vmm_mode *with,
                   compare_input *ci);

#endif
