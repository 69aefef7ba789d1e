"""Ways an email leaves: SMTP for now."""
