"""The ActivityPub wire format, pure: vocabulary, JSON-LD, schemas, collections, discovery."""
