"""decisions: the stage that records alerts and decisions before they are announced,
the event-log vocabulary, serialisation of records to JSON, and chain verification."""
