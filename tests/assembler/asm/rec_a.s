.include "rec_b.s"
