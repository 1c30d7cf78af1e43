"""The site's accounts: login protection, a throttled queued password reset, and two-factor
authentication (TOTP + recovery codes). Site-level, not plugin behaviour: a host site brings its
own login stack; the plugin only asks who the user is (docs/security.md)."""
