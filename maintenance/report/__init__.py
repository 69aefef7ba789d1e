"""The monthly compliance report for regulators: its figures (figures.py, from the days of
each series in days.py, the orders' counts in order_figures.py and the scores in scores.py),
every formula (formulas.py), the files (output.py: CSV in cells.py with the columns of
columns.py, XLSX in workbook.py with sheets.py, HTML and PDF in document.py with charts.py),
and the versions the scheduler sends and amends (monthly.py)."""
