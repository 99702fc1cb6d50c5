"""Organisation: departments (departments), user accounts (users), and passwords, logins and
lockout (auth)."""
