"""Pure decisions and records of the domain: groups, articles, events."""
