"""ExampleValidator that validates statistics in one schema environment (e.g. SERVING)."""
