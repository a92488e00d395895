"""`irtools run`: compile and run a model on each target under Tracy, into a run directory."""
