"""What runs on its own: the scheduler and the cycles it runs, which tie the rules' findings to
the alert lifecycle and what each change causes (maintenance/reaction.py)."""
