"""Model backends: each turns a batch of texts into a batch of generated texts."""
