"""One module per incoming verb; `fedhub.federation.routing` maps types to them."""
