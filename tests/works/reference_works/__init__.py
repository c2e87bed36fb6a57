"""The candidate generation of ``connectivity.works`` as it was before it was made fast.

A frozen copy (HEAD of 2026-11-30) of the generating modules, kept as the
reference the fast generation is tested equal to (``test_works_reference.py``)
and timed against (:func:`reference_works.timing.time_generation`). It shares
only :mod:`connectivity.works.workset` (the work set contract) with the package.
"""

from reference_works.generate import generate_candidates

__all__ = ["generate_candidates"]
