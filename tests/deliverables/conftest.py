"""The deliverables' tests use the session runs of tests/conftest.py.

``ranked_sample`` and ``ranked_cusco``: the sample and Cusco run once to the ranking.
"""
