#include <stdio.h>
#include <editline/readline.h>
// Swift 6 rejects C global mutable variables; reach them through functions.
static inline int sft_history_length(void) { return history_length; }
static inline void sft_set_attempted_completion(rl_completion_func_t *f) { rl_attempted_completion_function = f; }
static inline void sft_set_completion_over(int over) { rl_attempted_completion_over = over; }
static inline void sft_set_completion_append_character(int c) { rl_completion_append_character = c; }
static inline const char *sft_line_buffer(void) { return rl_line_buffer; }
static inline void sft_set_readline_name(const char *name) { rl_readline_name = name; }
