// libedit's native API (histedit.h) for Swift, loaded when the first line editor starts.
//
// Swift cannot call C variadic functions (el_set, el_get, history, ioctl) and Swift 6
// rejects touching C globals such as `stdin`: every call the line editor needs gets a
// fixed-arity wrapper here. libedit itself is not linked: `smtpsh_libedit_load` opens it
// with dlopen, so that smtpsh without a terminal (scripts, `send`, `replay`) never loads it
// and the four libraries it brings (about half a millisecond of every start). See
// Docs/line-editor.md.
#ifndef SMTPSH_CLIBEDIT_SHIM_H
#define SMTPSH_CLIBEDIT_SHIM_H

#include <histedit.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>
#include <wchar.h>

// Not visible through Swift's Glibc module (they need _XOPEN_SOURCE / _GNU_SOURCE).
int wcwidth(wchar_t c);
int pipe2(int pipefd[2], int flags);

/// `char *(*)(EditLine *)`: the prompt function of EL_PROMPT / EL_PROMPT_ESC.
typedef char *(*smtpsh_el_prompt_fn)(EditLine *);
/// `unsigned char (*)(EditLine *, int)`: an editor command added with EL_ADDFN; returns CC_*.
typedef unsigned char (*smtpsh_el_command_fn)(EditLine *, int);

// MARK: - Loading libedit

/// Opens libedit (`libedit.so.2`) and finds every function the wrappers below call. 0 when
/// it is ready (again, on later calls), -1 when it is not: `smtpsh_libedit_error` says why.
/// Call it before any other `smtpsh_el_` or `smtpsh_history_` function.
int smtpsh_libedit_load(void);

/// Why `smtpsh_libedit_load` failed (dlerror's text), or NULL.
const char *smtpsh_libedit_error(void);

// MARK: - Editing

EditLine *smtpsh_el_init(const char *program);
void smtpsh_el_end(EditLine *el);
int smtpsh_el_set_editor(EditLine *el, const char *mode);
int smtpsh_el_set_signal(EditLine *el, int handleSignals);
/// EL_PROMPT_ESC: characters between two `escape` characters are sent as they are and
/// take no columns (colour sequences).
int smtpsh_el_set_prompt_esc(EditLine *el, smtpsh_el_prompt_fn prompt, char escape);
int smtpsh_el_set_getcfn(EditLine *el, el_rfunc_t reader);
int smtpsh_el_set_clientdata(EditLine *el, void *data);
void *smtpsh_el_get_clientdata(EditLine *el);
int smtpsh_el_addfn(EditLine *el, const char *name, const char *help, smtpsh_el_command_fn fn);
/// `bind key command`, e.g. ("^C", "smtpsh-discard-line").
int smtpsh_el_bind(EditLine *el, const char *key, const char *command);
int smtpsh_el_set_hist(EditLine *el, History *h);
/// EL_REFRESH: forget what is on the screen and draw prompt, buffer and cursor from the
/// cursor's current position.
int smtpsh_el_refresh(EditLine *el);
/// The terminal width libedit lays the line out with (updated by el_resize).
int smtpsh_el_columns(EditLine *el);
/// el_source: reads ~/.editrc (or `file`).
int smtpsh_el_source(EditLine *el, const char *file);
const char *smtpsh_el_gets(EditLine *el, int *count);
void smtpsh_el_resize(EditLine *el);
const LineInfoW *smtpsh_el_wline(EditLine *el);
void smtpsh_el_deletestr(EditLine *el, int count);
int smtpsh_el_winsertstr(EditLine *el, const wchar_t *text);

// MARK: - History

History *smtpsh_history_init(void);
void smtpsh_history_end(History *h);
int smtpsh_history_setsize(History *h, int size);
int smtpsh_history_setunique(History *h, int unique);
int smtpsh_history_enter(History *h, const char *line);
int smtpsh_history_load(History *h, const char *path);
int smtpsh_history_save(History *h, const char *path);

// MARK: - Terminal and process

static inline void smtpsh_flush_stdout(void) {
    fflush(stdout);
}

static inline const char *smtpsh_codeset(void) {
    return nl_langinfo(CODESET);
}

/// Columns of the terminal on `fd`, or 0 when unknown.
static inline int smtpsh_window_columns(int fd) {
    struct winsize size;
    memset(&size, 0, sizeof(size));
    if (ioctl(fd, TIOCGWINSZ, &size) == -1)
        return 0;
    return size.ws_col;
}

/// Installs `handler` for `signo` without SA_RESTART (so poll() and read() return EINTR),
/// saving the previous disposition in `previous`.
static inline int smtpsh_install_signal_handler(int signo, void (*handler)(int), struct sigaction *previous) {
    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_handler = handler;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;
    return sigaction(signo, &action, previous);
}

static inline int smtpsh_restore_signal_handler(int signo, const struct sigaction *previous) {
    return sigaction(signo, previous, NULL);
}

#endif
