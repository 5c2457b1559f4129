// GNU readline for Swift 6. Readline's mutable globals are set and read through
// these accessors so Swift code never touches a shared mutable global directly.
#include <stdio.h>
#include <signal.h>
#include <string.h>
#include <readline/readline.h>
#include <readline/history.h>

typedef char **vaelab_completion_function(const char *text, int start, int end);

static inline void vaelab_rl_set_completion(vaelab_completion_function *function) {
  rl_attempted_completion_function = function;
}
/// Never fall back to readline's own file-name completion.
static inline void vaelab_rl_set_attempted_completion_over(int value) {
  rl_attempted_completion_over = value;
}
static inline void vaelab_rl_set_completion_append_character(int character) {
  rl_completion_append_character = character;
}
/// Only blanks separate words, so `format=js` reaches the completer whole.
static inline void vaelab_rl_set_word_break_characters(void) {
  static char breaks[] = " \t";
  rl_completer_word_break_characters = breaks;
  rl_basic_word_break_characters = breaks;
}
static inline const char *vaelab_rl_line_buffer(void) { return rl_line_buffer; }
static inline void vaelab_rl_set_readline_name(void) {
  static char name[] = "vaelab";
  rl_readline_name = name;
}
/// Readline must not install its own SIGINT handler: ours only sets a flag.
static inline void vaelab_rl_disable_signal_handlers(void) { rl_catch_signals = 0; }
static inline void vaelab_rl_set_signal_event_hook(int (*hook)(void)) {
  rl_signal_event_hook = hook;
}
static inline void vaelab_rl_set_startup_hook(int (*hook)(void)) { rl_startup_hook = hook; }
/// Types `text` into the line being edited, as if the user had typed it.
static inline void vaelab_rl_insert_text(const char *text) { rl_insert_text(text); }
/// Abandon the current line after Ctrl-C: show ^C and start a fresh prompt.
static inline void vaelab_rl_clear_line_after_interrupt(void) {
  rl_free_line_state();
  rl_replace_line("", 0);
  fputs("^C", rl_outstream ? rl_outstream : stdout);
  rl_crlf();
  rl_on_new_line();
  rl_redisplay();
}

/// Install `handler` for SIGINT without SA_RESTART, so a blocking read returns EINTR,
/// and unblock SIGINT, which a parent process may have left blocked.
static inline int vaelab_install_sigint_handler(void (*handler)(int)) {
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = handler;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;
  if (sigaction(SIGINT, &action, NULL) != 0) return -1;
  sigset_t interrupt;
  sigemptyset(&interrupt);
  sigaddset(&interrupt, SIGINT);
  return sigprocmask(SIG_UNBLOCK, &interrupt, NULL);
}

/// The newest history entry, or NULL when the history is empty.
static inline const char *vaelab_last_history_line(void) {
  if (history_length <= 0) return NULL;
  HIST_ENTRY *entry = history_get(history_base + history_length - 1);
  return entry ? entry->line : NULL;
}
