"""The data steward's pages: catalogue, one dataset or product, approvals, assessment."""
