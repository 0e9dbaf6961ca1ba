// features.h first, or Python.h's fd_set clashes with SwiftGlibc's (FACTS.md).
#include <features.h>
#define PY_SSIZE_T_CLEAN
#include <Python.h>
// Python's macros do not import into Swift; these shims stand in for them.
static inline PyObject *sft_py_none(void) { Py_INCREF(Py_None); return Py_None; }
static inline void sft_py_xdecref(PyObject *o) { Py_XDECREF(o); }
static inline void sft_py_incref(PyObject *o) { Py_INCREF(o); }
static inline int sft_pybuf_contig_ro(void) { return PyBUF_C_CONTIGUOUS | PyBUF_FORMAT; }
