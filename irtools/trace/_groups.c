/* Grouping zones for hotspot statistics, one pass over the zone columns.
 *
 * pack() writes `key << shift | time` for each zone that counts, where the
 * key comes from two lookup tables built in Python for the grouping asked
 * for: slot_key[srcloc + 32768] (the key of a zone without a per-zone name;
 * -1 drops such a zone, -3 drops the zone even when it has a name) and
 * name_key[extra] (the key from the zone's per-zone name; -2 means no name,
 * use the slot's key; -1 drops). Sorting the packed values then groups the
 * zones with each group's times in order. The numpy code in hotspots.py
 * computes the same thing a chunk at a time, with several temporaries per
 * zone; this is the fast path.
 */
#include "_buffers.h"
#include <stdint.h>

#define SLOTS 65536
#define NO_NAME (-2)
#define DROP_ALWAYS (-3)

/* pack(out, start, end, srcloc, extra, slot_key, name_key, times, shift, max_time) -> count
 * `times` empty: a zone counts when it ended and lasted more than 0 ns, and
 * its time is end - start. Otherwise times[i] is the zone's time, and a
 * negative one means it does not count. Returns -1 when a time is over
 * max_time (at most 2**shift - 1; the caller then sorts pairs instead). */
static PyObject *pack(PyObject *self, PyObject *args)
{
    PyObject *o[8];
    int shift;
    long long max_time;
    if (!PyArg_ParseTuple(args, "OOOOOOOOiL", &o[0], &o[1], &o[2], &o[3], &o[4], &o[5], &o[6],
                          &o[7], &shift, &max_time))
        return NULL;
    static const Py_ssize_t sizes[8] = {8, 8, 8, 2, 4, 8, 8, 8};
    static const char *names[8] = {"out", "start", "end", "srcloc", "extra", "slot_key",
                                   "name_key", "times"};
    Py_buffer b[8];
    const int n = 8;
    if (get_all(o, b, n, sizes, names, 1u << 0) < 0)
        return NULL;
    const Py_ssize_t zones = b[1].len / 8, n_name = b[6].len / 8;
    const int have_times = b[7].len > 0;
    if (shift < 1 || shift > 62 || max_time < 0 || max_time >= ((int64_t)1 << shift) || b[2].len / 8 != zones || b[3].len / 2 != zones ||
        b[4].len / 4 != zones || b[5].len / 8 != SLOTS || b[0].len / 8 < zones ||
        (have_times && b[7].len / 8 != zones)) {
        release(b, n);
        PyErr_SetString(PyExc_ValueError, "pack: arrays of different lengths, or a bad shift");
        return NULL;
    }
    uint64_t *out = (uint64_t *)b[0].buf;
    const int64_t *start = (const int64_t *)b[1].buf, *end = (const int64_t *)b[2].buf;
    const int16_t *srcloc = (const int16_t *)b[3].buf;
    const uint32_t *extra = (const uint32_t *)b[4].buf;
    const int64_t *slot_key = (const int64_t *)b[5].buf, *name_key = (const int64_t *)b[6].buf;
    const int64_t *times = (const int64_t *)b[7].buf;
    Py_ssize_t w = 0;
    int too_long = 0;

    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < zones; i++) {
        int64_t key = slot_key[(int32_t)srcloc[i] + 32768];
        if (key == DROP_ALWAYS) continue;
        const uint32_t e = extra[i];
        if (e < (uint64_t)n_name && name_key[e] != NO_NAME) key = name_key[e];
        if (key < 0) continue;
        int64_t t;
        if (have_times) {
            t = times[i];
            if (t < 0) continue;
        } else {
            if (end[i] < 0) continue;
            t = end[i] - start[i];
            if (t <= 0) continue;
        }
        if (t > max_time || key > (INT64_MAX >> shift)) { too_long = 1; break; }
        out[w++] = ((uint64_t)key << shift) | (uint64_t)t;
    }
    Py_END_ALLOW_THREADS

    release(b, n);
    return PyLong_FromSsize_t(too_long ? -1 : w);
}

/* sq_dev(values, counts, mean, out): per group, the summed squared deviations
 * of its values (consecutive runs of `counts`) from its mean, in order. */
static PyObject *sq_dev(PyObject *self, PyObject *args)
{
    PyObject *o[4];
    if (!PyArg_ParseTuple(args, "OOOO", &o[0], &o[1], &o[2], &o[3]))
        return NULL;
    static const Py_ssize_t sizes[4] = {8, 8, 8, 8};
    static const char *names[4] = {"values", "counts", "mean", "out"};
    Py_buffer b[4];
    const int n = 4;
    if (get_all(o, b, n, sizes, names, 1u << 3) < 0)
        return NULL;
    const Py_ssize_t groups = b[1].len / 8, total = b[0].len / 8;
    const int64_t *values = (const int64_t *)b[0].buf, *counts = (const int64_t *)b[1].buf;
    const double *mean = (const double *)b[2].buf;
    double *out = (double *)b[3].buf;
    Py_ssize_t sum = 0;
    for (Py_ssize_t g = 0; g < groups; g++) {
        if (counts[g] < 0) { sum = -1; break; }
        sum += counts[g];
    }
    if (sum != total || b[2].len / 8 != groups || b[3].len / 8 != groups) {
        release(b, n);
        PyErr_SetString(PyExc_ValueError, "sq_dev: counts do not add up to the values");
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    Py_ssize_t at = 0;
    for (Py_ssize_t g = 0; g < groups; g++) {
        double acc = 0.0;
        for (int64_t j = 0; j < counts[g]; j++, at++) {
            const double d = (double)values[at] - mean[g];
            acc += d * d;
        }
        out[g] = acc;
    }
    Py_END_ALLOW_THREADS
    release(b, n);
    Py_RETURN_NONE;
}

/* self_times(start, end, parent, out): per zone, its span less the spans of its
 * direct children that ended and lasted more than 0 ns (as Tracy computes self
 * time), or -1 for a zone that never ended or lasted 0 ns. Zones are in depth-first
 * order, so a parent's row comes before its children's: one pass, then the
 * uncounted zones are marked. */
static PyObject *self_times(PyObject *self, PyObject *args)
{
    PyObject *o[4];
    if (!PyArg_ParseTuple(args, "OOOO", &o[0], &o[1], &o[2], &o[3]))
        return NULL;
    static const Py_ssize_t sizes[4] = {8, 8, 4, 8};
    static const char *names[4] = {"start", "end", "parent", "out"};
    Py_buffer b[4];
    const int n = 4;
    if (get_all(o, b, n, sizes, names, 1u << 3) < 0)
        return NULL;
    const Py_ssize_t zones = b[0].len / 8;
    if (b[1].len / 8 != zones || b[2].len / 4 != zones || b[3].len / 8 != zones) {
        release(b, n);
        PyErr_SetString(PyExc_ValueError, "self_times: arrays of different lengths");
        return NULL;
    }
    const int64_t *start = (const int64_t *)b[0].buf, *end = (const int64_t *)b[1].buf;
    const int32_t *parent = (const int32_t *)b[2].buf;
    int64_t *out = (int64_t *)b[3].buf;
    int bad = 0;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < zones; i++) {
        const int64_t d = end[i] >= 0 ? end[i] - start[i] : -1;
        out[i] = d;
        const int32_t p = parent[i];
        if (p >= i) { bad = 1; break; }
        if (p >= 0 && d > 0) out[p] -= d;
    }
    if (!bad)
        for (Py_ssize_t i = 0; i < zones; i++)
            if (end[i] < 0 || end[i] - start[i] <= 0) out[i] = -1;
    Py_END_ALLOW_THREADS
    release(b, n);
    if (bad) {
        PyErr_SetString(PyExc_ValueError, "self_times: a parent comes after its child");
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"pack", pack, METH_VARARGS,
     "pack(out, start, end, srcloc, extra, slot_key, name_key, times, shift, max_time) -> count"},
    {"sq_dev", sq_dev, METH_VARARGS, "sq_dev(values, counts, mean, out)"},
    {"self_times", self_times, METH_VARARGS, "self_times(start, end, parent, out)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_groups",
                                    "grouping zones for hotspot statistics", -1, methods};

PyMODINIT_FUNC PyInit__groups(void) { return PyModule_Create(&module); }
