"""部门比对数据: department feeds — ingest, validation, quarantine and linking to the registry.

- `ingest`: a feed file in, validated row by row, idempotent on (source, record_id);
  bad rows quarantined with their reasons, nothing lost; a wrong ID number is not a
  bad row (it is kept with its `id_issue`);
- `linking`: records to registry persons. Exact on a valid ID number whose name and
  birth date agree; everything else stays visible as unmatched (or id_conflict) for
  probabilistic linkage (`minsheng.linkage.store.link_unmatched`).
"""
