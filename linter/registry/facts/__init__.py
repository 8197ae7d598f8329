"""Facts for the trust policy: platforms, creation time, signatures of the deployed digest."""
