"""The website: building it, incrementally, previewing it, publishing it."""
