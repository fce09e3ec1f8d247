"""What every flow shares: events and replies, the ports, the records, the program as data, languages."""
