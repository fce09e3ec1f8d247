"""From an approved connectee to a proposal: who suits whom, the common slots, the two answers."""
