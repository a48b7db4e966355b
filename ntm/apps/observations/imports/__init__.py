"""Excel exchange, inbound: the entry template and the import of a filled one (XLSX or CSV).

- :func:`write_template` — one row per indicator (and unit) for a unit or all communes of a parent and a
  period: rule and threshold shown, the current values prefilled, a drop-down for the assessment
  ("đạt, chưa đạt, không đánh giá"), the version of each value (to detect edits made meanwhile).
- :func:`plan_import` — read the file and check every row (sheet, row, column and reason of each
  problem), compare with the current values and describe what would change, writing nothing in the
  database; with ``stage=``, it leaves in that file what the commit needs (:mod:`.stage`, signed).
- :func:`commit_import` — record everything in one transaction (all-or-nothing) under one ``batch``
  id with ``source="import"``: from the preview's stage when it matches the file (what changed since
  the preview checked in the transaction), else in one more pass that checks, compares and writes;
  the affected results are re-evaluated (unit by unit, or with the batch path for a large import).

Files are read by the core's bounded reader (:mod:`ntm.core.tables`: CSV as a stream, XLSX/ODS with
python-calamine once the archive and the positions of its cells are within the limits of
``settings.NTM_UPLOAD_LIMITS``) and written in chunks (``COPY`` on PostgreSQL), so a national CSV file
(10,000 communes × 132 indicators) never sits in memory whole. Rows are checked by blocks, column by column
(:meth:`_Checker.block`); a block with anything to say is checked again row by row
(:meth:`_Checker.check`), which words the messages — both reach the same plan
(``tests/test_import_paths.py``).
"""

from __future__ import annotations

from .check import (  # noqa: F401
    CHUNK,
    MAX_PREVIEW,
    MEMO_SIZE,
    ChangeLine,
    ImportPlan,
    Prepared,
    _Checker,
    _fewer_collections,
)
from .common import (  # noqa: F401
    ASSESSMENT_CHOICES,
    COLUMNS,
    IMPORT_SOURCE,
    INPUT_COLUMNS,
    MAX_ISSUES,
    SHEET,
    TEMPLATE_ORDER,
    ImportFailed,
    Issue,
)
from .read import (  # noqa: F401
    RawRow,
    _blank,
    read_rows,
    table_limits,
)
from .run import (  # noqa: F401
    BATCH_REEVALUATION_CELLS,
    ImportResult,
    commit_import,
    plan_import,
)
from .template import (  # noqa: F401
    KEY_COLUMNS,
    MEASURE_LEVEL,
    MEASURE_PERCENT,
    MEASURE_YES_NO,
    STYLED_ROWS,
    TEMPLATE_GUIDE,
    measure_of,
    template_rows,
    value_rule,
    write_template,
)
from .write import _INSERT_COLUMNS  # noqa: F401
