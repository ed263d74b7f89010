"""Spreadsheet import of offline event data (SPEC sections 9 and 12.5).

The flow, one module per step::

    source.open_table     .csv (csvfile) / .xlsx, .xls (sheets, xlsxstream, xlsxerrors) → Table
    mapping               headers → proposed targets → owner overrides → checked Plan
    newprops              new-event-property targets → properties the commit adds to the event
    newevent              or: a new event made from the file's columns
    dates                 the occurred-at column's format → epoch milliseconds
    rows.RowChecker       one row → StagedRow, or Rejections (the HTTP API's rules)
    uuids.FirstRows       the uuid column's uuids so far: a repeat names the row it repeats
    batches, columns      a batch of rows at once: whole columns, else fast rows, else RowChecker
    checking              read and check batch after batch, in a child process for large files
    report.ErrorReport    rejections → downloadable CSV (row, column, value, reason)
    pipeline.run_import   checked batches → Store.stage_import → Store.commit_import once
    command / jobs        the ``footfall import`` CLI and the HTTP API's background jobs

Atomicity lives in ``collector.storage.imports``: staging in temporary tables of the
writer's connection, then one transaction that makes everything visible at once.
"""
