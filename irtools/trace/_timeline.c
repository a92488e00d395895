/* Resumable parser of Tracy's CPU zone timelines.
 *
 * A thread's timeline is written depth first: for each zone
 *   i16 srcloc, i64 startDelta, u32 extra, u32 childCount,
 *   [childCount zones], i64 endDelta
 * with one running time reference per thread. Python feeds the decoded
 * stream one buffer at a time; the parse state (time reference, output
 * index, stack of open zones) lives in an int64 array so that a call can
 * stop at any token boundary and the next call carries on.
 *
 * state[0] time reference      state[4] stack capacity (frames)
 * state[1] next output index   state[5] status: 0 needs bytes, 1 done,
 * state[2] output capacity              -1 output full, -2 stack full
 * state[3] stack depth (frames) state[6] child vectors seen
 * state[8 + 2k], state[9 + 2k]: frame k = (zone index, children left)
 */
#include "_buffers.h"
#include <stdint.h>
#include <string.h>

enum { S_REF, S_OUT, S_CAP, S_SP, S_STACKCAP, S_STATUS, S_VECS, S_HEAD = 8 };

static PyObject *parse_cpu(PyObject *self, PyObject *args)
{
    PyObject *o_buf, *o_state, *o_start, *o_end, *o_srcloc, *o_extra, *o_depth, *o_parent;
    Py_ssize_t pos;
    if (!PyArg_ParseTuple(args, "OnOOOOOOO", &o_buf, &pos, &o_state, &o_start, &o_end,
                          &o_srcloc, &o_extra, &o_depth, &o_parent))
        return NULL;
    Py_buffer b[8];
    PyObject *objs[8] = {o_buf, o_state, o_start, o_end, o_srcloc, o_extra, o_depth, o_parent};
    const Py_ssize_t sizes[8] = {1, 8, 8, 8, 2, 4, 2, 4};
    const char *names[8] = {"buffer", "state", "start", "end", "srcloc", "extra", "depth", "parent"};
    const int n = 8;
    if (get_all(objs, b, n, sizes, names, ~1u) < 0)  /* all but the input buffer written */
        return NULL;

    const uint8_t *buf = (const uint8_t *)b[0].buf;
    const Py_ssize_t len = b[0].len;
    int64_t *st = (int64_t *)b[1].buf;
    int64_t *start = (int64_t *)b[2].buf, *end = (int64_t *)b[3].buf;
    int16_t *srcloc = (int16_t *)b[4].buf;
    uint32_t *extra = (uint32_t *)b[5].buf;
    uint16_t *depth = (uint16_t *)b[6].buf;
    int32_t *parent = (int32_t *)b[7].buf;

    int64_t ref = st[S_REF], out = st[S_OUT], cap = st[S_CAP], sp = st[S_SP];
    int64_t stackcap = st[S_STACKCAP], vecs = st[S_VECS];
    int64_t *stack = st + S_HEAD;
    int64_t status = 0;
    /* Empty depth and parent arrays: the caller does not want the tree. */
    const int tree = b[6].len > 0 || b[7].len > 0;
    if (cap > b[2].len / 8 || cap > b[3].len / 8 || cap > b[4].len / 2 || cap > b[5].len / 4 ||
        (tree && (cap > b[6].len / 2 || cap > b[7].len / 4)) ||
        S_HEAD + 2 * stackcap > b[1].len / 8 ||
        pos < 0 || pos > len || sp < 1 || sp > stackcap) {
        PyErr_SetString(PyExc_ValueError, "timeline parser state does not fit its arrays");
        goto fail;
    }

    Py_BEGIN_ALLOW_THREADS
    for (;;) {
        int64_t *top = stack + 2 * (sp - 1);
        if (top[1] > 0) {
            if (len - pos < 18) { status = 0; break; }
            if (out >= cap) { status = -1; break; }
            if (sp >= stackcap) { status = -2; break; }
            int16_t sl; int64_t delta; uint32_t ex, children;
            memcpy(&sl, buf + pos, 2);
            memcpy(&delta, buf + pos + 2, 8);
            memcpy(&ex, buf + pos + 10, 4);
            memcpy(&children, buf + pos + 14, 4);
            pos += 18;
            ref += delta;
            start[out] = ref;
            end[out] = -1;
            srcloc[out] = sl;
            extra[out] = ex;
            if (tree) {
                depth[out] = (uint16_t)(sp - 1 > 65535 ? 65535 : sp - 1);
                parent[out] = (int32_t)top[0];
            }
            top[1] -= 1;
            if (children) vecs++;
            stack[2 * sp] = out;
            stack[2 * sp + 1] = children;
            sp++;
            out++;
        } else if (sp == 1) {
            status = 1;
            break;
        } else {
            if (len - pos < 8) { status = 0; break; }
            int64_t delta;
            memcpy(&delta, buf + pos, 8);
            pos += 8;
            ref += delta;
            end[top[0]] = ref;
            sp--;
        }
    }
    Py_END_ALLOW_THREADS

    st[S_REF] = ref; st[S_OUT] = out; st[S_SP] = sp; st[S_STATUS] = status; st[S_VECS] = vecs;
    release(b, n);
    return PyLong_FromSsize_t(pos);

fail:
    release(b, n);
    return NULL;
}

static PyMethodDef methods[] = {
    {"parse_cpu", parse_cpu, METH_VARARGS,
     "parse_cpu(buf, pos, state, start, end, srcloc, extra, depth, parent) -> new pos"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_timeline",
                                    "Tracy CPU timeline parser", -1, methods};

PyMODINIT_FUNC PyInit__timeline(void) { return PyModule_Create(&module); }
