// libedit, opened with dlopen the first time a line editor starts (see CLibEdit.h).

#include "CLibEdit.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>

#if defined(__APPLE__)
#define SMTPSH_LIBEDIT_NAME "libedit.3.dylib"
#else
#define SMTPSH_LIBEDIT_NAME "libedit.so.2"
#endif

static struct {
    EditLine *(*el_init)(const char *, FILE *, FILE *, FILE *);
    void (*el_end)(EditLine *);
    int (*el_set)(EditLine *, int, ...);
    int (*el_get)(EditLine *, int, ...);
    int (*el_source)(EditLine *, const char *);
    const char *(*el_gets)(EditLine *, int *);
    void (*el_resize)(EditLine *);
    const LineInfoW *(*el_wline)(EditLine *);
    void (*el_deletestr)(EditLine *, int);
    int (*el_winsertstr)(EditLine *, const wchar_t *);
    History *(*history_init)(void);
    void (*history_end)(History *);
    int (*history)(History *, HistEvent *, int, ...);
} libedit;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int loaded = -1;
static const char *failure = NULL;

static void load(void) {
    void *handle = dlopen(SMTPSH_LIBEDIT_NAME, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
        failure = dlerror();
        return;
    }
#define FIND(name)                                        \
    do {                                                  \
        *(void **)(&libedit.name) = dlsym(handle, #name); \
        if (libedit.name == NULL) {                       \
            failure = dlerror();                          \
            return;                                       \
        }                                                 \
    } while (0)
    FIND(el_init);
    FIND(el_end);
    FIND(el_set);
    FIND(el_get);
    FIND(el_source);
    FIND(el_gets);
    FIND(el_resize);
    FIND(el_wline);
    FIND(el_deletestr);
    FIND(el_winsertstr);
    FIND(history_init);
    FIND(history_end);
    FIND(history);
#undef FIND
    loaded = 0;
}

int smtpsh_libedit_load(void) {
    pthread_once(&once, load);
    return loaded;
}

const char *smtpsh_libedit_error(void) { return failure; }

// MARK: - Editing

EditLine *smtpsh_el_init(const char *program) { return libedit.el_init(program, stdin, stdout, stderr); }

void smtpsh_el_end(EditLine *el) { libedit.el_end(el); }

int smtpsh_el_set_editor(EditLine *el, const char *mode) { return libedit.el_set(el, EL_EDITOR, mode); }

int smtpsh_el_set_signal(EditLine *el, int handleSignals) { return libedit.el_set(el, EL_SIGNAL, handleSignals); }

int smtpsh_el_set_prompt_esc(EditLine *el, smtpsh_el_prompt_fn prompt, char escape) {
    return libedit.el_set(el, EL_PROMPT_ESC, prompt, (int)escape);
}

int smtpsh_el_set_getcfn(EditLine *el, el_rfunc_t reader) { return libedit.el_set(el, EL_GETCFN, reader); }

int smtpsh_el_set_clientdata(EditLine *el, void *data) { return libedit.el_set(el, EL_CLIENTDATA, data); }

void *smtpsh_el_get_clientdata(EditLine *el) {
    void *data = NULL;
    if (libedit.el_get(el, EL_CLIENTDATA, &data) != 0)
        return NULL;
    return data;
}

int smtpsh_el_addfn(EditLine *el, const char *name, const char *help, smtpsh_el_command_fn fn) {
    return libedit.el_set(el, EL_ADDFN, name, help, fn);
}

int smtpsh_el_bind(EditLine *el, const char *key, const char *command) {
    return libedit.el_set(el, EL_BIND, key, command, (const char *)NULL);
}

int smtpsh_el_set_hist(EditLine *el, History *h) { return libedit.el_set(el, EL_HIST, libedit.history, h); }

int smtpsh_el_refresh(EditLine *el) { return libedit.el_set(el, EL_REFRESH); }

int smtpsh_el_columns(EditLine *el) {
    int columns = 0;
    if (libedit.el_get(el, EL_GETTC, "co", &columns, (void *)NULL) != 0)
        return 0;
    return columns;
}

int smtpsh_el_source(EditLine *el, const char *file) { return libedit.el_source(el, file); }

const char *smtpsh_el_gets(EditLine *el, int *count) { return libedit.el_gets(el, count); }

void smtpsh_el_resize(EditLine *el) { libedit.el_resize(el); }

const LineInfoW *smtpsh_el_wline(EditLine *el) { return libedit.el_wline(el); }

void smtpsh_el_deletestr(EditLine *el, int count) { libedit.el_deletestr(el, count); }

int smtpsh_el_winsertstr(EditLine *el, const wchar_t *text) { return libedit.el_winsertstr(el, text); }

// MARK: - History

History *smtpsh_history_init(void) { return libedit.history_init(); }

void smtpsh_history_end(History *h) { libedit.history_end(h); }

int smtpsh_history_setsize(History *h, int size) {
    HistEvent ev;
    return libedit.history(h, &ev, H_SETSIZE, size);
}

int smtpsh_history_setunique(History *h, int unique) {
    HistEvent ev;
    return libedit.history(h, &ev, H_SETUNIQUE, unique);
}

int smtpsh_history_enter(History *h, const char *line) {
    HistEvent ev;
    return libedit.history(h, &ev, H_ENTER, line);
}

int smtpsh_history_load(History *h, const char *path) {
    HistEvent ev;
    return libedit.history(h, &ev, H_LOAD, path);
}

int smtpsh_history_save(History *h, const char *path) {
    HistEvent ev;
    return libedit.history(h, &ev, H_SAVE, path);
}
