// libedit's native API (histedit.h) for Swift.
//
// Swift cannot call C variadic functions (el_set, el_get, history, ioctl) and Swift 6
// rejects touching C globals such as `stdin`: every call the line editor needs gets a
// fixed-arity `static inline` wrapper here. See Docs/line-editor.md.
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

// MARK: - Editing

static inline EditLine *smtpsh_el_init(const char *program) {
    return el_init(program, stdin, stdout, stderr);
}

static inline int smtpsh_el_set_editor(EditLine *el, const char *mode) {
    return el_set(el, EL_EDITOR, mode);
}

static inline int smtpsh_el_set_signal(EditLine *el, int handleSignals) {
    return el_set(el, EL_SIGNAL, handleSignals);
}

/// EL_PROMPT_ESC: characters between two `escape` characters are sent as they are and
/// take no columns (colour sequences).
static inline int smtpsh_el_set_prompt_esc(EditLine *el, smtpsh_el_prompt_fn prompt, char escape) {
    return el_set(el, EL_PROMPT_ESC, prompt, (int)escape);
}

static inline int smtpsh_el_set_getcfn(EditLine *el, el_rfunc_t reader) {
    return el_set(el, EL_GETCFN, reader);
}

static inline int smtpsh_el_set_clientdata(EditLine *el, void *data) {
    return el_set(el, EL_CLIENTDATA, data);
}

static inline void *smtpsh_el_get_clientdata(EditLine *el) {
    void *data = NULL;
    if (el_get(el, EL_CLIENTDATA, &data) != 0)
        return NULL;
    return data;
}

static inline int smtpsh_el_addfn(EditLine *el, const char *name, const char *help, smtpsh_el_command_fn fn) {
    return el_set(el, EL_ADDFN, name, help, fn);
}

/// `bind key command`, e.g. ("^C", "smtpsh-discard-line").
static inline int smtpsh_el_bind(EditLine *el, const char *key, const char *command) {
    return el_set(el, EL_BIND, key, command, (const char *)NULL);
}

static inline int smtpsh_el_set_hist(EditLine *el, History *h) {
    return el_set(el, EL_HIST, history, h);
}

/// EL_REFRESH: forget what is on the screen and draw prompt, buffer and cursor from the
/// cursor's current position.
static inline int smtpsh_el_refresh(EditLine *el) {
    return el_set(el, EL_REFRESH);
}

/// The terminal width libedit lays the line out with (updated by el_resize).
static inline int smtpsh_el_columns(EditLine *el) {
    int columns = 0;
    if (el_get(el, EL_GETTC, "co", &columns, (void *)NULL) != 0)
        return 0;
    return columns;
}

// MARK: - History

static inline int smtpsh_history_setsize(History *h, int size) {
    HistEvent ev;
    return history(h, &ev, H_SETSIZE, size);
}

static inline int smtpsh_history_setunique(History *h, int unique) {
    HistEvent ev;
    return history(h, &ev, H_SETUNIQUE, unique);
}

static inline int smtpsh_history_enter(History *h, const char *line) {
    HistEvent ev;
    return history(h, &ev, H_ENTER, line);
}

static inline int smtpsh_history_load(History *h, const char *path) {
    HistEvent ev;
    return history(h, &ev, H_LOAD, path);
}

static inline int smtpsh_history_save(History *h, const char *path) {
    HistEvent ev;
    return history(h, &ev, H_SAVE, path);
}

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
