"""superpose: proof checks and property tests for neural computation in superposition."""
