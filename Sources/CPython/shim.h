// features.h first, or Python.h's fd_set clashes with SwiftGlibc's (FACTS.md).
#include <features.h>
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <signal.h>
#include <string.h>
// Python's macros do not import into Swift; these shims stand in for them.
static inline PyObject *sft_py_none(void) { Py_INCREF(Py_None); return Py_None; }
static inline void sft_py_xdecref(PyObject *o) { Py_XDECREF(o); }
static inline void sft_py_incref(PyObject *o) { Py_INCREF(o); }
static inline int sft_pybuf_contig_ro(void) { return PyBUF_C_CONTIGUOUS | PyBUF_FORMAT; }
static inline int sft_py_file_input(void) { return Py_file_input; }
static inline int sft_py_eval_input(void) { return Py_eval_input; }

// Starts the interpreter the way an embedding host must here (FACTS.md): isolated from the
// environment (PYTHONPATH, PYTHONHOME, user site), no signal handlers of its own, no `site`
// import, and the program name pinned to the interpreter whose libpython we link, so the
// prefix (and the standard library) is that interpreter's and not whatever python3 is first
// on PATH. Swift cannot pass &config and &config.program_name together, hence C.
// Returns 0 on success, else copies the reason into `error`.
static inline int sft_py_initialize(const char *program_name, char *error, size_t error_size) {
    PyConfig config;
    PyConfig_InitIsolatedConfig(&config);
    config.install_signal_handlers = 0;
    config.site_import = 0;
    PyStatus status = PyConfig_SetBytesString(&config, &config.program_name, program_name);
    // Importing `signal` installs Python's own SIGINT handler whenever SIGINT is at its
    // default, install_signal_handlers notwithstanding; Python never runs between our calls to
    // act on it, so Ctrl-C would be swallowed. Import it now and put the host's handler back.
    struct sigaction host_sigint;
    sigaction(SIGINT, NULL, &host_sigint);
    if (!PyStatus_Exception(status)) status = Py_InitializeFromConfig(&config);
    PyConfig_Clear(&config);
    if (!PyStatus_Exception(status)) {
        PyObject *signal_module = PyImport_ImportModule("signal");
        if (signal_module == NULL) PyErr_Clear();
        Py_XDECREF(signal_module);
        sigaction(SIGINT, &host_sigint, NULL);
    }
    if (PyStatus_Exception(status)) {
        const char *func = status.func ? status.func : "Py_InitializeFromConfig";
        const char *msg = status.err_msg ? status.err_msg : "unknown error";
        snprintf(error, error_size, "%s: %s", func, msg);
        return 1;
    }
    return 0;
}

// The pending Python exception as a new str "TypeName: message", clearing it; NULL if none.
static inline PyObject *sft_py_take_error_string(void) {
    PyObject *type = NULL, *value = NULL, *traceback = NULL;
    PyErr_Fetch(&type, &value, &traceback);
    if (type == NULL) return NULL;
    PyErr_NormalizeException(&type, &value, &traceback);
    PyObject *text = value ? PyObject_Str(value) : NULL;
    const char *name = PyExceptionClass_Check(type) ? PyExceptionClass_Name(type) : "exception";
    PyObject *result = text ? PyUnicode_FromFormat("%s: %U", name, text) : PyUnicode_FromString(name);
    Py_XDECREF(text);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(traceback);
    PyErr_Clear();
    return result;
}
