"""A county's own parameters (本地参数): the local choices an administrator sets without
touching the package, dated and cited, approved by a second person, and laid over the shipped
national and provincial files when a registry-backed run loads its parameters.

- `tables`: submissions (one batch per imported file) and their values;
- `workbook`: the Excel template (every local choice with its national rule and an example),
  reading it back with row errors in Chinese and English, and the export in the same shape;
- `store`: submit (all-or-nothing), approve or reject (maker-checker: another person), the
  values in force, and `parameters_for` — the shipped set with the approved values laid over it.

Which parameters are local choices, and which a county has not set, is the programmes'
knowledge (`programmes.local_choices`); this package only stores and layers.
"""
