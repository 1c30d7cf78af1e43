"""SCIM 2.0 provisioning (RFC 7643/7644) for identity providers: docs/scim.md."""
