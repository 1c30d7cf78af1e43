"""The plugin's core: enrolments, progress, quiz attempts, cohorts, challenge logs, certificates."""
