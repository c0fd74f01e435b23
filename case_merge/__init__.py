"""One case from several channel records: the merge step after the protected layer.

The same incident reported on several channels (the hotline, the mayor's mailbox,
WeChat, the grid app, Weibo) is one case. The rule and its thresholds are in the
dataset contract (``merge:``); records are compared by join token and by their
redacted text only. Every merge is explainable and reversible by the dataset's
steward, whose overrides are kept in the lakehouse and applied at every run.
"""
