"""The penguin Trainer module, alone in its folder: TFX packages (and hashes, for the cache) every .py here."""
