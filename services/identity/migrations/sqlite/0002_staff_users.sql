-- Staff users: the console's accounts. A table of their own rather than a flag on
-- customers, so that no customer-facing path (sign-up, customer login) can ever create or
-- sign in a staff account, and a person may hold both with the same email.
CREATE TABLE staff_users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('staff', 'admin')),
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- Staff refresh tokens, stored hashed, rotated like customers' (a family is one login).
CREATE TABLE staff_refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    family TEXT NOT NULL,
    staff_user_id TEXT NOT NULL REFERENCES staff_users (id),
    expires_at TEXT NOT NULL,
    rotated_at TEXT,
    revoked_at TEXT
);
CREATE INDEX staff_refresh_tokens_by_family ON staff_refresh_tokens (family);
