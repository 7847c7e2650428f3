; data.s: the kernel's variables, on a page of their own at the start of
; the image.
;
; Why a page of their own: a kernel writes its variables all the time, and
; under a binary-translating monitor a write to a page that holds translated
; code is a write the monitor must look at (it may be self-modifying code).
; Real kernels keep code and data apart (.text and .data) for the same
; reason and for protection; here the layout does it.
;
; Why at the start: the trap entry has no free register when it starts, so
; the words it needs are addressed as N(zero), a 16-bit signed offset from
; r0, which reaches only addresses below 0x8000.

; ---- trap entry (trap.s) ----
trap_tmp:   .word 0              ; trap_entry parks r1 here for a moment
soft_ie:    .word 0              ; NOSPECIAL build: the kernel's copy of IE

; ---- physical frames (kalloc.s) ----
freelist:   .word 0              ; the first free frame, 0 when none is left
nfree:      .word 0              ; how many there are

; ---- processes (proc.s) ----
curproc:    .word 0              ; the running process's record, 0 when idle
initproc:   .word 0              ; process 1
nextpid:    .word 1
rr_next:    .word 0              ; the slot the scheduler looks at first
ticks:      .word 0              ; timer interrupts since boot

#ifdef PV
; The area shared with the monitor (pv.inc): vif, pending, the console
; ring.  On this page of data, never beside code: the monitor writes it
; at every entry.
    .align PV_SHARED_ALIGN
pv_page:    .space PV_SHARED_SIZE
#endif

    .align PAGE_SIZE             ; code starts on the next page
