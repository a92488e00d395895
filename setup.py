# The zone-timeline parser, the hotspot grouping and the print parser are small C extensions;
# irtools falls back to (much slower) Python and numpy code where they cannot
# be built.
from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension("irtools.trace._timeline", ["irtools/trace/_timeline.c"],
                  depends=["irtools/trace/_buffers.h"], extra_compile_args=["-O2"],
                  optional=True),
        Extension("irtools.trace._groups", ["irtools/trace/_groups.c"],
                  depends=["irtools/trace/_buffers.h"], extra_compile_args=["-O2"],
                  optional=True),
        Extension("irtools.irdiff._prints", ["irtools/irdiff/_prints.c"],
                  extra_compile_args=["-O2"], optional=True),
    ],
)
