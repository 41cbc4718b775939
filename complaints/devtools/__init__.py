"""Developer tools: the benchmark data generator. Commands and tests import it; runtime code never does."""
