"""The store's orders: import from CSV, and the policy facts a ticket's order gives."""
