"""The pure core shared by every process: settings, errors, notifications, broker layout, database tables."""
