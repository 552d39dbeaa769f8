"""National standard codes: pure functions, no I/O beyond the shipped code lists.

- `id_number`: 公民身份号码, GB 11643-1999
- `divisions`: 行政区划代码, GB/T 2260 + NBS township codes
- `enums`: GB/T 4761 family relationship, GB/T 2261.1 sex and the data contract's lists
"""
