"""家庭经济状况核对: a household's declaration checked against the departments' records.

- `authorisation`: the household's written consent (核对授权); no report without one in force;
- `records`: the linked department records of the members, for one household and a window;
- `compare`: item by item, declared against determined (the rules of `feeds.apply`), with
  the records as evidence; every programme re-assessed on the determined values;
- `report`: the use cases — produce (stored, audited), read (audited), list;
- `view` and `pdf`: the report as people read it, on a page or as a PDF with the Chinese
  font embedded.

    with UnitOfWork(engine, principal) as uow:
        record_authorisation(uow.connection, principal, "A1", signed_by="张一", signed_on=…,
                             valid_until=None, document_ref="授权-2026-001", today=today)
        report = produce(uow.connection, principal, "A1", as_of=today, params=params)
        uow.commit()
"""

from minsheng.verification.authorisation import authorisations, record_authorisation, valid_authorisation
from minsheng.verification.report import produce, read, reports

__all__ = ["authorisations", "produce", "read", "record_authorisation", "reports", "valid_authorisation"]
