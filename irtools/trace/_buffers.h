/* Buffer arguments of the C extensions: C-contiguous, writable where asked, and a
 * whole number of items long. Included by _timeline.c and _groups.c. */
#ifndef IRTOOLS_BUFFERS_H
#define IRTOOLS_BUFFERS_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

static int get(PyObject *obj, Py_buffer *view, int writable, Py_ssize_t itemsize,
               const char *what)
{
    if (PyObject_GetBuffer(obj, view, writable ? PyBUF_WRITABLE | PyBUF_C_CONTIGUOUS
                                               : PyBUF_C_CONTIGUOUS) < 0)
        return -1;
    if (itemsize && view->len % itemsize) {
        PyErr_Format(PyExc_TypeError, "%s: buffer size is not a multiple of %zd", what, itemsize);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

static void release(Py_buffer *b, int n)
{
    for (int i = 0; i < n; i++) PyBuffer_Release(&b[i]);
}

/* Buffers of all n arguments; bit i of `writable` asks argument i to be writable.
 * On failure nothing is held and the Python error is set. */
static int get_all(PyObject **o, Py_buffer *b, int n, const Py_ssize_t *sizes,
                   const char **names, unsigned writable)
{
    for (int i = 0; i < n; i++)
        if (get(o[i], &b[i], (writable >> i) & 1u, sizes[i], names[i]) < 0) {
            release(b, i);
            return -1;
        }
    return 0;
}

#endif
