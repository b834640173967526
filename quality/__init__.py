"""Staff quality tooling: `make validate`, `make test-stories`, `make evaluate` and their HTML report.

Each module does one job; the three commands are `python -m quality.validate`,
`python -m quality.test_stories` and `python -m quality.evaluate`. Results are written as JSON under
reports/ and `quality.report` renders them all into one page, reports/index.html.
"""
