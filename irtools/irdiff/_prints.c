/* The byte work of parsing a print into a tree (tree.py), in one pass each.
 *
 * nodes() finds the lines that open an op of the kinds passes are scoped on, with
 * their symbol and where their region closes; form() turns a node's template into
 * its context form (normal.context_form after tree._expander). Both give exactly
 * what the regular expressions of tree.py and normal.py give (tests/test_prints.py
 * checks it on random and real prints); those stay as the fallback where this
 * module cannot be built. At ~45 MB/s the Python version was the larger part of
 * inferring changed flags on an after-only dump.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

#define MAX_KINDS 256

static int is_word(unsigned char c)  /* \w of a bytes pattern */
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static int is_ident(unsigned char c) { return is_word(c) || c == '$' || c == '.' || c == '-'; }

static int is_blank(unsigned char c)  /* \s but the newline */
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static int ends_name(unsigned char c) { return c == ' ' || c == '{' || c == '(' || c == '\n'; }

/* The symbol after an op name at p: `(\s+(public|private|nested))*\s+@(NAME|"...")` on
 * the same line. Sets *a, *b to the span of NAME (quotes kept); 0 when there is none. */
static int symbol_at(const unsigned char *t, Py_ssize_t n, Py_ssize_t p, Py_ssize_t *a,
                     Py_ssize_t *b)
{
    static const char *words[3] = {"public", "private", "nested"};
    for (;;) {
        Py_ssize_t ws = p;
        while (p < n && is_blank(t[p])) p++;
        if (p == ws || p >= n)
            return 0;
        if (t[p] == '@')
            break;
        int found = 0;
        for (int k = 0; k < 3 && !found; k++) {
            Py_ssize_t len = (Py_ssize_t)strlen(words[k]);
            if (n - p >= len && memcmp(t + p, words[k], (size_t)len) == 0) {
                p += len;
                found = 1;
            }
        }
        if (!found)
            return 0;
    }
    Py_ssize_t q = ++p;
    if (q < n && t[q] == '"') {
        for (q++; q < n; q++) {
            if (t[q] == '"') {
                *a = p, *b = q + 1;
                return 1;
            }
            if (t[q] == '\n')
                return 0;
            if (t[q] == '\\') {
                if (q + 1 >= n || t[q + 1] == '\n')
                    return 0;
                q++;
            }
        }
        return 0;
    }
    while (q < n && is_ident(t[q])) q++;
    if (q == p)
        return 0;
    *a = p, *b = q;
    return 1;
}

/* mlir.op_end: the end of the op whose first line starts at s. */
static Py_ssize_t op_end(const unsigned char *t, Py_ssize_t n, Py_ssize_t s, Py_ssize_t indent)
{
    const unsigned char *nl = memchr(t + s, '\n', (size_t)(n - s));
    if (nl == NULL)
        return n;
    Py_ssize_t eol = nl - t, last = eol - 1;
    while (last >= s && (t[last] == ' ' || t[last] == '\t' || t[last] == '\r' || t[last] == '\f' ||
                         t[last] == '\v' || t[last] == '\n'))
        last--;
    if (last < s || t[last] != '{')
        return eol;
    for (Py_ssize_t k = eol; k >= 0;) {   /* k: a newline; is the next line `<indent>}`? */
        Py_ssize_t c = k + 1 + indent;
        if (c < n && t[c] == '}') {
            Py_ssize_t j = k + 1;
            while (j < c && t[j] == ' ') j++;
            if (j == c) {
                const unsigned char *e = memchr(t + c, '\n', (size_t)(n - c));
                return e == NULL ? n : e - t;
            }
        }
        if (c >= n)
            return n;
        nl = memchr(t + k + 1, '\n', (size_t)(n - k - 1));
        k = nl == NULL ? -1 : nl - t;
    }
    return n;
}

/* nodes(text, start, kinds, ops, unquote) -> (found, kids): found holds (start, end, indent,
 * op, symbol) of each line from `start` on (a line's start) that opens an op named one of `kinds` (bytes),
 * as tree.kinds_pattern and tree._SYMBOL find them; op is ops[i] for kinds[i], and a
 * quoted symbol is given to unquote(). kids[k] lists the nodes right inside node k. The
 * scan stops at a second node outside the first (text after the printed op). */
static PyObject *nodes(PyObject *self, PyObject *args)
{
    Py_buffer body;
    PyObject *kinds, *ops, *unquote;
    Py_ssize_t from;
    if (!PyArg_ParseTuple(args, "y*nO!O!O", &body, &from, &PyTuple_Type, &kinds, &PyTuple_Type, &ops,
                          &unquote))
        return NULL;
    Py_ssize_t nk = PyTuple_GET_SIZE(kinds);
    const char *kname[MAX_KINDS];
    Py_ssize_t klen[MAX_KINDS];
    if (nk > MAX_KINDS || PyTuple_GET_SIZE(ops) != nk) {
        PyBuffer_Release(&body);
        PyErr_SetString(PyExc_ValueError, "nodes: too many kinds, or not one op per kind");
        return NULL;
    }
    for (Py_ssize_t k = 0; k < nk; k++) {
        PyObject *o = PyTuple_GET_ITEM(kinds, k);
        if (!PyBytes_Check(o)) {
            PyBuffer_Release(&body);
            PyErr_SetString(PyExc_TypeError, "nodes: kinds must be bytes");
            return NULL;
        }
        kname[k] = PyBytes_AS_STRING(o);
        klen[k] = PyBytes_GET_SIZE(o);
    }
    unsigned char first[256] = {0};   /* the bytes a kind's name starts with, and `"` */
    first['"'] = 1;
    for (Py_ssize_t k = 0; k < nk; k++)
        if (klen[k])
            first[(unsigned char)kname[k][0]] = 1;
    const unsigned char *t = body.buf;
    Py_ssize_t n = body.len;
    PyObject *found = PyList_New(0), *kids = PyList_New(0), *result = NULL;
    Py_ssize_t *stack = NULL, *ends = NULL, depth = 0, cap = 0, count = 0;
    if (found == NULL || kids == NULL)
        goto done;
    Py_ssize_t next = from < 0 ? 0 : from;   /* the start of the next line to look at */
    while (next <= n) {
        Py_ssize_t ls = next, p = ls;
        const unsigned char *nl = ls < n ? memchr(t + ls, '\n', (size_t)(n - ls)) : NULL;
        next = nl == NULL ? n + 1 : nl - t + 1;
        while (p < n && t[p] == ' ') p++;
        if (p < n && !first[t[p]])
            continue;   /* most lines: `%0 = ...`, `}`, `^bb0:` */
        Py_ssize_t indent = p - ls;
        if (p < n && t[p] == '"') p++;
        Py_ssize_t r = p;
        while (r < n && !ends_name(t[r]) && t[r] != '"') r++;
        Py_ssize_t end = r;   /* where the name and its closing quote end */
        if (r < n && t[r] == '"') {
            end = r + 1;
            if (end < n && !ends_name(t[end]))
                continue;
        }
        int kind = -1;
        for (Py_ssize_t k = 0; k < nk; k++)
            if (klen[k] == r - p && memcmp(kname[k], t + p, (size_t)(r - p)) == 0) {
                kind = (int)k;
                break;
            }
        if (kind < 0 || r == p)
            continue;
        while (depth && ls >= ends[depth - 1]) depth--;
        if (!depth && count)
            break;
        Py_ssize_t a = 0, b = 0;
        if (!symbol_at(t, n, end, &a, &b))
            a = b = 0;
        Py_ssize_t stop = op_end(t, n, ls, indent);
        PyObject *symbol = PyUnicode_DecodeUTF8((const char *)t + a, b - a, "replace");
        if (symbol != NULL && b > a && t[a] == '"') {
            PyObject *plain = PyObject_CallOneArg(unquote, symbol);
            Py_DECREF(symbol);
            symbol = plain;
        }
        if (symbol == NULL)
            goto done;
        PyObject *op = PyTuple_GET_ITEM(ops, kind);
        Py_INCREF(op);
        PyObject *item = PyTuple_New(5), *mine = PyList_New(0);
        if (item == NULL || mine == NULL) {
            Py_XDECREF(item);
            Py_XDECREF(mine);
            Py_DECREF(op);
            Py_DECREF(symbol);
            goto done;
        }
        PyTuple_SET_ITEM(item, 0, PyLong_FromSsize_t(ls));
        PyTuple_SET_ITEM(item, 1, PyLong_FromSsize_t(stop));
        PyTuple_SET_ITEM(item, 2, PyLong_FromSsize_t(indent));
        PyTuple_SET_ITEM(item, 3, op);
        PyTuple_SET_ITEM(item, 4, symbol);
        int failed = PyErr_Occurred() != NULL || PyList_Append(found, item) < 0 ||
                     PyList_Append(kids, mine) < 0;
        Py_DECREF(item);
        Py_DECREF(mine);
        if (failed)
            goto done;
        if (depth) {
            PyObject *index = PyLong_FromSsize_t(count);
            if (index == NULL)
                goto done;
            failed = PyList_Append(PyList_GET_ITEM(kids, stack[depth - 1]), index) < 0;
            Py_DECREF(index);
            if (failed)
                goto done;
        }
        if (depth == cap) {
            cap = cap ? 2 * cap : 16;
            Py_ssize_t *s2 = PyMem_Realloc(stack, (size_t)cap * sizeof *stack);
            if (s2 == NULL) {
                PyErr_NoMemory();
                goto done;
            }
            stack = s2;
            Py_ssize_t *e2 = PyMem_Realloc(ends, (size_t)cap * sizeof *ends);
            if (e2 == NULL) {
                PyErr_NoMemory();
                goto done;
            }
            ends = e2;
        }
        stack[depth] = count, ends[depth] = stop;
        depth++, count++;
    }
    result = PyTuple_Pack(2, found, kids);
done:
    Py_XDECREF(found);
    Py_XDECREF(kids);
    PyMem_Free(stack);
    PyMem_Free(ends);
    PyBuffer_Release(&body);
    return result;
}

typedef struct {
    unsigned char *buf;
    Py_ssize_t len, cap;
} Out;

static int put(Out *o, const void *src, Py_ssize_t len)
{
    if (o->len + len > o->cap) {
        Py_ssize_t cap = o->cap ? o->cap : 256;
        while (cap < o->len + len) cap *= 2;
        unsigned char *grown = PyMem_Realloc(o->buf, (size_t)cap);
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        o->buf = grown, o->cap = cap;
    }
    memcpy(o->buf + o->len, src, (size_t)len);
    o->len += len;
    return 0;
}

/* Alias uses (`#name`, `!name`, a whole [\w$.-] run) replaced by their value in `aliases`,
 * in one pass, as tree._expander does. */
static int expand(const unsigned char *t, Py_ssize_t n, PyObject *aliases, Out *o)
{
    Py_ssize_t pos = 0, p = 0, hash = -1, bang = -1;   /* the next `#` and `!` (n: none) */
    while (p < n) {
        if (hash < p) {
            const unsigned char *h = memchr(t + p, '#', (size_t)(n - p));
            hash = h ? h - t : n;
        }
        if (bang < p) {
            const unsigned char *h = memchr(t + p, '!', (size_t)(n - p));
            bang = h ? h - t : n;
        }
        p = hash < bang ? hash : bang;
        if (p >= n)
            break;
        Py_ssize_t q = p + 1;
        while (q < n && is_ident(t[q])) q++;
        if (q == p + 1) {
            p = q;
            continue;
        }
        PyObject *key = PyBytes_FromStringAndSize((const char *)t + p, q - p);
        if (key == NULL)
            return -1;
        PyObject *value = PyDict_GetItemWithError(aliases, key);
        Py_DECREF(key);
        if (value == NULL && PyErr_Occurred())
            return -1;
        if (value != NULL) {
            if (!PyBytes_Check(value)) {
                PyErr_SetString(PyExc_TypeError, "form: alias values must be bytes");
                return -1;
            }
            if (put(o, t + pos, p - pos) < 0 ||
                put(o, PyBytes_AS_STRING(value), PyBytes_GET_SIZE(value)) < 0)
                return -1;
            pos = q;
        }
        p = q;
    }
    return put(o, t + pos, n - pos);
}

/* normal.strip_indent: blanks after each newline and at the start dropped, blanks and
 * newlines at the end dropped. */
static int strip_indent(const unsigned char *t, Py_ssize_t n, Out *o)
{
    Py_ssize_t p = 0;
    while (p < n && (t[p] == ' ' || t[p] == '\t')) p++;
    Py_ssize_t last = n;
    while (last > p && (t[last - 1] == ' ' || t[last - 1] == '\t' || t[last - 1] == '\r' ||
                        t[last - 1] == '\n'))
        last--;
    while (p < last) {
        const unsigned char *nl = memchr(t + p, '\n', (size_t)(last - p));
        Py_ssize_t e = nl == NULL ? last : nl - t + 1;
        if (put(o, t + p, e - p) < 0)
            return -1;
        p = e;
        while (p < last && (t[p] == ' ' || t[p] == '\t')) p++;
    }
    return 0;
}

/* normal._ATTR_PREFIX (sigil '#') or _TYPE_PREFIX ('!') removed:
 * SIGIL [A-Za-z_] [\w$]* '.' [\w$.]* before a '<'. */
static int strip_prefix(const unsigned char *t, Py_ssize_t n, unsigned char sigil, Out *o)
{
    Py_ssize_t pos = 0;
    for (;;) {
        const unsigned char *hit = pos < n ? memchr(t + pos, sigil, (size_t)(n - pos)) : NULL;
        if (hit == NULL)
            break;
        Py_ssize_t p = hit - t, q = p + 1;
        if (q < n && (is_word(t[q]) && !(t[q] >= '0' && t[q] <= '9'))) {
            q++;
            while (q < n && (is_word(t[q]) || t[q] == '$')) q++;
            if (q < n && t[q] == '.') {
                q++;
                while (q < n && (is_word(t[q]) || t[q] == '$' || t[q] == '.')) q++;
                if (q < n && t[q] == '<') {
                    if (put(o, t + pos, p - pos) < 0)
                        return -1;
                    pos = q;
                    continue;
                }
            }
        }
        if (put(o, t + pos, p + 1 - pos) < 0)
            return -1;
        pos = p + 1;
    }
    return put(o, t + pos, n - pos);
}

/* form(template, aliases[, start, end, found, kids]) -> bytes:
 * normal.context_form(expand(template), {}) where expand is tree._expander(aliases)
 * (aliases may be empty). With start and end, the template is that op of the data, its
 * kids cut out (see below). */
static PyObject *form(PyObject *self, PyObject *args)
{
    Py_buffer in;
    PyObject *aliases, *found = NULL, *kids = NULL;
    Py_ssize_t start = 0, stop = -1;
    if (!PyArg_ParseTuple(args, "y*O!|nnO!O!", &in, &PyDict_Type, &aliases, &start, &stop,
                          &PyList_Type, &found, &PyList_Type, &kids))
        return NULL;
    Out a = {NULL, 0, 0}, b = {NULL, 0, 0}, c = {NULL, 0, 0};
    PyObject *result = NULL;
    const unsigned char *t = in.buf;
    Py_ssize_t n = in.len;
    if (start != 0 || stop != -1 || found != NULL) {
        /* The template of the op at data[start:stop]: each op of kids (indices into found)
         * cut out and marked by a NUL byte, as tree.Parser._node does with slices. */
        stop = stop < 0 || stop > n ? n : stop;
        start = start < 0 ? 0 : start > stop ? stop : start;
        Py_ssize_t pos = start, nkids = kids ? PyList_GET_SIZE(kids) : 0;
        for (Py_ssize_t i = 0; i < nkids; i++) {
            Py_ssize_t k = PyLong_AsSsize_t(PyList_GET_ITEM(kids, i));
            if (k < 0 && PyErr_Occurred())
                goto done;
            PyObject *item = k >= 0 && k < PyList_GET_SIZE(found) ? PyList_GET_ITEM(found, k) : NULL;
            if (item == NULL || !PyTuple_Check(item) || PyTuple_GET_SIZE(item) < 2) {
                PyErr_SetString(PyExc_ValueError, "form: a kid is not a (start, end, ...) of found");
                goto done;
            }
            Py_ssize_t cs = PyLong_AsSsize_t(PyTuple_GET_ITEM(item, 0));
            Py_ssize_t ce = PyLong_AsSsize_t(PyTuple_GET_ITEM(item, 1));
            if (PyErr_Occurred())
                goto done;
            Py_ssize_t upto = cs < pos ? pos : cs > n ? n : cs;   /* slice bounds as Python's */
            if (put(&c, t + pos, upto - pos) < 0 || put(&c, "", 1) < 0)
                goto done;
            pos = ce < 0 ? 0 : ce > n ? n : ce;
        }
        if (pos < stop && put(&c, t + pos, stop - pos) < 0)
            goto done;
        t = c.buf, n = c.len;
    }
    if (n && PyDict_GET_SIZE(aliases) && (memchr(t, '#', (size_t)n) || memchr(t, '!', (size_t)n))) {
        if (expand(t, n, aliases, &a) < 0)
            goto done;
        t = a.buf, n = a.len;
    }
    if (strip_indent(t, n, &b) < 0)
        goto done;
    a.len = 0;
    t = b.buf, n = b.len;
    if (n && memchr(t, '#', (size_t)n)) {
        if (strip_prefix(t, n, '#', &a) < 0)
            goto done;
        Out swap = a;
        a = b, b = swap;
        a.len = 0;
        t = b.buf, n = b.len;
    }
    if (n && memchr(t, '!', (size_t)n)) {
        if (strip_prefix(t, n, '!', &a) < 0)
            goto done;
        t = a.buf, n = a.len;
    }
    static const char module[] = "builtin.module";
    const Py_ssize_t skip = (Py_ssize_t)sizeof(module) - 1 - 6;   /* "builtin." */
    if (n >= skip + 6 && memcmp(t, module, sizeof(module) - 1) == 0)
        t += skip, n -= skip;
    result = PyBytes_FromStringAndSize(n ? (const char *)t : "", n);
done:
    PyMem_Free(a.buf);
    PyMem_Free(b.buf);
    PyMem_Free(c.buf);
    PyBuffer_Release(&in);
    return result;
}

/* erase(text) -> bytes: each SSA value and block name cut to its sigil, `%` or `^`
 * (normal._erase: the names printers choose, erased before a line-by-line check). */
static PyObject *erase(PyObject *self, PyObject *args)
{
    Py_buffer in;
    if (!PyArg_ParseTuple(args, "y*", &in))
        return NULL;
    const unsigned char *t = in.buf;
    Py_ssize_t n = in.len, pos = 0, w = 0;
    PyObject *result = PyBytes_FromStringAndSize(NULL, n);
    if (result == NULL) {
        PyBuffer_Release(&in);
        return NULL;
    }
    unsigned char *o = (unsigned char *)PyBytes_AS_STRING(result);
    Py_ssize_t pct = -1, hat = -1;   /* the next `%` and `^` at or after pos (n: none) */
    while (pos < n) {
        if (pct < pos) {
            const unsigned char *h = memchr(t + pos, '%', (size_t)(n - pos));
            pct = h ? h - t : n;
        }
        if (hat < pos) {
            const unsigned char *h = memchr(t + pos, '^', (size_t)(n - pos));
            hat = h ? h - t : n;
        }
        Py_ssize_t p = pct < hat ? pct : hat;
        memcpy(o + w, t + pos, (size_t)(p - pos));
        w += p - pos;
        if (p == n)
            break;
        o[w++] = t[p];
        for (pos = p + 1; pos < n && is_ident(t[pos]); pos++)
            ;
    }
    PyBuffer_Release(&in);
    if (w != n && _PyBytes_Resize(&result, w) < 0)
        return NULL;
    return result;
}

/* mismatch(a, b) -> the first offset where a and b differ (the shorter length if one
 * starts the other). */
static PyObject *mismatch(PyObject *self, PyObject *args)
{
    Py_buffer a, b;
    if (!PyArg_ParseTuple(args, "y*y*", &a, &b))
        return NULL;
    const unsigned char *x = a.buf, *y = b.buf;
    Py_ssize_t n = a.len < b.len ? a.len : b.len, i = 0;
    while (i + 64 <= n && memcmp(x + i, y + i, 64) == 0) i += 64;
    while (i < n && x[i] == y[i]) i++;
    PyBuffer_Release(&a);
    PyBuffer_Release(&b);
    return PyLong_FromSsize_t(i);
}

/* find(data, needle, start) -> the offset of needle in data at or after start, or -1:
 * bytes.find, but memchr on the needle's first byte, which is 5x faster for `"0x`
 * over printed IR (a quote every ~300 bytes). */
static PyObject *find(PyObject *self, PyObject *args)
{
    Py_buffer data, needle;
    Py_ssize_t start;
    if (!PyArg_ParseTuple(args, "y*y*n", &data, &needle, &start))
        return NULL;
    Py_ssize_t at = -1;
    if (start < 0)
        start = 0;
    const unsigned char *t = data.buf, *w = needle.buf;
    Py_ssize_t m = needle.len, last = data.len - m;   /* the last place it may start */
    if (m == 0)
        at = start <= data.len ? start : -1;
    for (Py_ssize_t p = start; m > 0 && p <= last;) {
        const unsigned char *hit = memchr(t + p, w[0], (size_t)(last - p + 1));
        if (hit == NULL)
            break;
        p = hit - t;
        if (memcmp(t + p + 1, w + 1, (size_t)(m - 1)) == 0) {
            at = p;
            break;
        }
        p++;
    }
    PyBuffer_Release(&data);
    PyBuffer_Release(&needle);
    return PyLong_FromSsize_t(at);
}

/* digest64(data[, start, end]) -> int: a 64-bit hash of data[start:end] (a key of the
 * parser's caches, with the length beside it): 32 bytes at a time in four lanes, each
 * word folded in by a 64x64->128-bit multiply as in wyhash. ~2x faster than hash() of
 * bytes, and no slice made. */
static uint64_t mum(uint64_t a, uint64_t b)
{
    unsigned __int128 r = (unsigned __int128)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static PyObject *digest64(PyObject *self, PyObject *args)
{
    Py_buffer in;
    Py_ssize_t start = 0, stop = -1;
    if (!PyArg_ParseTuple(args, "y*|nn", &in, &start, &stop))
        return NULL;
    Py_ssize_t n = in.len;
    stop = stop < 0 || stop > n ? n : stop;
    start = start < 0 ? 0 : start > stop ? stop : start;
    const unsigned char *p = (const unsigned char *)in.buf + start;
    Py_ssize_t len = stop - start, i = 0;
    const uint64_t k1 = 0xa0761d6478bd642fULL, k2 = 0xe7037ed1a0b428dbULL;
    uint64_t h = k1 ^ (uint64_t)len, lane[4] = {k1, k2, k1 ^ k2, ~k1};
    for (; i + 32 <= len; i += 32)   /* four lanes: the multiplies do not wait on each other */
        for (int j = 0; j < 4; j++) {
            uint64_t w;
            memcpy(&w, p + i + 8 * j, 8);
            lane[j] = mum(lane[j] ^ w, k2 + (uint64_t)j);
        }
    for (int j = 0; j < 4; j++) h = mum(h ^ lane[j], k1);
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = mum(h ^ w, k2);
    }
    uint64_t last = 0;
    memcpy(&last, p + i, (size_t)(len - i));
    h = mum(h ^ last ^ k1, k2 ^ (uint64_t)(len - i));
    h = mum(h, k1);
    PyBuffer_Release(&in);
    return PyLong_FromUnsignedLongLong(h);
}

static PyMethodDef methods[] = {
    {"digest64", digest64, METH_VARARGS, "digest64(data[, start, end]) -> 64-bit hash"},
    {"find", find, METH_VARARGS, "find(data, needle, start) -> offset or -1"},
    {"mismatch", mismatch, METH_VARARGS, "mismatch(a, b) -> first offset where they differ"},
    {"erase", erase, METH_VARARGS, "erase(text) -> text with SSA and block names cut to % and ^"},
    {"nodes", nodes, METH_VARARGS, "nodes(text, start, kinds, ops, unquote) -> (found, kids)"},
    {"form", form, METH_VARARGS, "form(data, aliases[, start, end, found, kids]) -> context form"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_prints",
                                    "parsing prints of MLIR into trees of ops", -1, methods};

PyMODINIT_FUNC PyInit__prints(void) { return PyModule_Create(&module); }
