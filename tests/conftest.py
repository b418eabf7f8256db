"""Hypothesis profiles for the random-input tests.

The default, `repeatable`, draws the same examples on every run (derandomize), so CI on a clean
clone passes or fails the same way twice and a red run is reproduced by running it again.
`explore` draws fresh examples each run (and keeps failures in .hypothesis/ to replay them):
run it while changing the rating, e.g. `pytest tests/test_rating_vs_model.py
--hypothesis-profile=explore`, several times or with a larger `--hypothesis-seed` range.
"""

from hypothesis import settings

settings.register_profile("repeatable", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True)
settings.load_profile("repeatable")
