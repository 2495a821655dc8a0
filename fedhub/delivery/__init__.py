"""The durable delivery queue: fan-out to inboxes, claims with leases, retries, host breakers."""
