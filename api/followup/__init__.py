"""The follow-up (有求即答，有事尽帮): reminders, escalation, daily digests, monthly 圆梦榜.

Jobs read the ledger and write only to the outbox; the bot delivers. Every job is idempotent
against the database, so several scheduler instances (one per API worker, or a standalone
`wishpool scheduler`) never send a reminder twice.

Modules, imported one way only: scheduler → runner → reminders, digest → jobs → overdue →
calendar, settings. runner.py is the entry point of every job run and owns its transactions;
reminders.py and digest.py are the jobs; jobs.py holds what they share (job ids, RunReport,
JobContext); overdue.py decides which wishes are overdue and who hears of them.
"""
