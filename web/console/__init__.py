"""The console for operators, regulators, administrators and contractors' staff: accounts,
sessions and the pages behind them. Served by `wastewatch serve` beside the contractors'
signed-link pages; every route checks its role (access/roles.py)."""
