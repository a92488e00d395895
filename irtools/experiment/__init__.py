"""Experiments: one model under several builds, compared dispatch by dispatch.

`fingerprint` gives each dispatch's executable source an identity that survives
renumbering; `pairing` matches dispatches across builds with it (1:1, splits and
merges, new and gone); `verdict` puts confidence intervals on the differences.
"""
