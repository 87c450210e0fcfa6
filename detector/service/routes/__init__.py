"""One router per resource: score, jobs, system (models, health, metrics)."""
