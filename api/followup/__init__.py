"""The follow-up engine (有求即答，有事尽帮): reminders, escalation, daily digests, monthly 圆梦榜.

Jobs read the ledger and write only to the outbox; the bot delivers. Every job is idempotent
against the database, so several scheduler instances (one per API worker, or a standalone
`wishpool scheduler`) never send a reminder twice.
"""
