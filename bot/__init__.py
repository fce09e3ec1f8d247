"""The runtime: settings, the composition root, the CLI, channels, the outbox sender and i18n."""
