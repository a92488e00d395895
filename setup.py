# The zone-timeline parser is a small C extension; irtools falls back to a
# (much slower) pure-Python parser where it cannot be built.
from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension("irtools.trace._timeline", ["irtools/trace/_timeline.c"],
                  extra_compile_args=["-O2"], optional=True),
    ],
)
