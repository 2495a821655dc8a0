"""Federation: converting between fedhub's records and ActivityStreams, and the inbox pipeline."""
