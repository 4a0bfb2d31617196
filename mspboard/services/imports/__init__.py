"""Bringing a shop's data in from the sheets its old tools export: clients, contacts, users
and open SRs, one kind per CSV file.

The steps, each a module:
- `sheets` reads the upload: size and row count bounded, the encoding (UTF-8 with or without
  BOM, else Windows-1252) and the delimiter sniffed, the export's inert apostrophe undone.
- `mapping` says which column of the sheet holds which field, guessed from the headers, and
  the status and priority tables an SR sheet needs.
- `kinds` turns each row into an outcome (create, update, unchanged, skipped or refused, with
  the reason and the row number as the spreadsheet shows it), with every lookup preloaded.
- `run` makes the plan (the dry run) and applies it (the real run): one code path, one
  transaction, one audit event.
- `uploads` keeps an upload between the steps, server-side, for the admin who sent it.
"""
