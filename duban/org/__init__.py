"""Organisation: departments (departments), user accounts (users), passwords and logins
(auth), server-side login sessions (sessions) and login throttling (lockout)."""
