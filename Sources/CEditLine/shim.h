#include <stdio.h>
#include <editline/readline.h>
// Swift 6 rejects C global mutable variables; reach them through functions.
static inline int sft_history_length(void) { return history_length; }
