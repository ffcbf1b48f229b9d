"""Background work: the timed-job worker (``flask --app kiosk worker``).

``jobs.py`` lists the jobs (name, schedule, the service function each one calls); ``loop.py`` is the
long-running process that runs each job at its time, safe with several copies on several hosts.
"""
