"""Reform simulation (测算与公平性评估, issue 13): what a change costs, whom it reaches, how fair it is.

The measures are pure: arrays in, numbers out (`inequality`, `poverty`, `distribution`).
Their definitions are the issue's and are stated in each function's docstring, so the report
can quote them.
"""
