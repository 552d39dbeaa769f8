"""社会救助对象库: the social registry of households, persons and enrolments.

- `models`: SQLAlchemy tables; `store`: engines, migrations, bulk writes
- `uow`: one transaction per business operation
- `files`: reading CSV/xlsx/parquet with encoding detection and header aliases
- `validation`: the data contract's checks, vectorised, with row-level reasons
- `importer`, `exporter`, `template`: the Excel/CSV round trip
"""
