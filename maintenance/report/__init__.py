"""The monthly compliance report for regulators: its figures (figures.py, from the days of
each series in days.py, the orders' counts in order_figures.py and the scores), every formula
(formulas.py), the files (files.py: CSV in cells.py, XLSX in book.py, HTML and PDF in page.py
with charts.py), and the versions the scheduler sends and amends (monthly.py)."""
