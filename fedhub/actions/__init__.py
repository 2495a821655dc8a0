"""Use-cases shared by the web pages, the JSON API and the CLI; each runs in one transaction."""
