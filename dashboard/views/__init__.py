"""Dashboard pages: one script per question a user asks, run by the router (app.py)."""
