"""Who may use the console and what each may do: accounts and roles, sessions, login
throttling and the audit log. Each table here has one owner module."""
