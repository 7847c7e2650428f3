/* lab.h: the lab markers' default (labs/README.md).
 *
 * The reference tree is the answer to every lab.  A region a lab asks the
 * students to write is kept in the real source between
 *
 *   #if LAB_SOLUTION >= N      the reference code (lab N)
 *   #else                      a stub that says what to write
 *   #endif
 *
 * and `make handout LAB=N` cuts lab N's tree with unifdef
 * -DLAB_SOLUTION=N-1, so the stubs of lab N and later labs remain and the
 * markers go.  Every build of this tree sees every solution: the default
 * is set here, in a header that every kit file includes (through cpu.h),
 * so that no build can get the stubs by forgetting a -D flag.
 */
#ifndef LAB_H
#define LAB_H

#ifndef LAB_SOLUTION
#define LAB_SOLUTION 99
#endif

/* A stub's way of saying "not written yet": a panic naming the lab, the
 * file and the function, so a student (and the grader) sees exactly where
 * the missing work is. */
#define LAB_TODO(n, what) cpu_panic("lab " #n ": " what ": not written yet")

#endif
