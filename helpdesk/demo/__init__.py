"""`helpdesk demo`: a local mailbox, an SMTP sink and the web app, with customer mail arriving."""
