; rec_a.s includes this file, which includes rec_a.s again
.include "rec_a.s"
